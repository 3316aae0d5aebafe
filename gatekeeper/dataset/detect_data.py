"""Build the YOLO ``data.yaml`` for plate-detector training inside a run folder.

Source datasets are never written to: each split's files are linked one by one (symlinks, or copies where
links are not allowed) into real folders ``<out_dir>/data/<name>/<split>/{images,labels}`` so that
ultralytics' ``labels.cache`` files land in the run folder, not next to read-only or shared data
(ultralytics resolves the folder paths of a data.yaml, so folder symlinks would lead it back to the source).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
CLASS_NAMES = ("Plate",)


class DetectDataError(ValueError):
    """A dataset folder is missing or not in YOLO layout."""


@dataclass(frozen=True)
class DetectDataSpec:
    """Where each split's image folders are (after linking) and the yaml that names them."""

    yaml_path: Path
    train: list[Path] = field(default_factory=list)
    val: list[Path] = field(default_factory=list)
    test: list[Path] = field(default_factory=list)


def find_split_dirs(root: Path) -> dict[str, Path]:
    """Split name -> folder holding ``images/`` and ``labels/`` for a YOLO dataset folder.

    Accepts the Roboflow layout (``train/images``, ``valid/images``, ``test/images``) and the flat layout
    of a site dataset (``images/`` + ``labels/`` at the root: all of it is ``train``).
    """
    root = Path(root)
    if not root.is_dir():
        raise DetectDataError(f"dataset folder not found: {root}")
    found = {s: root / s for s in SPLITS if (root / s / "images").is_dir()}
    if not found and (root / "images").is_dir():
        found = {"train": root}
    if not found:
        raise DetectDataError(f"{root} has no images/ folder (expected YOLO layout: images/ + labels/)")
    return found


def _link_dir(src: Path, dst: Path) -> None:
    """Mirror ``src`` as a real folder of per-file links (ultralytics resolves folder links, not files)."""
    if dst.is_symlink() or dst.is_file():
        dst.unlink()
    dst.mkdir(parents=True, exist_ok=True)
    wanted = {f.name: f for f in src.iterdir() if f.is_file()}
    for old in dst.iterdir():
        if old.name not in wanted and (old.is_symlink() or old.is_file()):
            old.unlink()
    for name, f in wanted.items():
        target = dst / name
        if target.is_symlink() or target.exists():
            continue
        try:
            target.symlink_to(f.resolve())
        except OSError:
            shutil.copy2(f, target)


def link_dataset(root: Path, out_dir: Path, name: str) -> dict[str, Path]:
    """Link a YOLO dataset's splits under ``out_dir/data/name``; returns split -> linked images folder."""
    linked: dict[str, Path] = {}
    for split, folder in find_split_dirs(root).items():
        dst = Path(out_dir) / "data" / name / split
        _link_dir(folder / "images", dst / "images")
        if (folder / "labels").is_dir():
            _link_dir(folder / "labels", dst / "labels")
        else:
            (dst / "labels").mkdir(parents=True, exist_ok=True)
        linked[split] = dst / "images"
    return linked


def _yaml_list(paths: list[Path]) -> str:
    return "[" + ", ".join(f"'{p.as_posix()}'" for p in paths) + "]"


def write_detect_yaml(
    out_dir: Path,
    real: Path | None,
    *,
    synthetic: Path | None = None,
    extra: list[Path] | None = None,
) -> DetectDataSpec:
    """Write ``out_dir/data.yaml``: real train+synthetic+extra for training, real valid/test for evaluation.

    ``synthetic`` is a composite folder from :mod:`gatekeeper.dataset.composite` (``train``/``valid``);
    ``extra`` are site datasets (flat ``images``/``labels``) mixed into training only. Without a real
    dataset the synthetic ``valid`` split is the validation set.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    train: list[Path] = []
    val: list[Path] = []
    test: list[Path] = []
    sources: list[tuple[str, Path]] = []
    if real is not None:
        sources.append(("real", Path(real)))
    if synthetic is not None:
        sources.append(("synthetic", Path(synthetic)))
    for i, path in enumerate(extra or []):
        sources.append((f"extra{i}", Path(path)))
    if not sources:
        raise DetectDataError("no dataset given (need real, synthetic or extra data)")
    for name, root in sources:
        linked = link_dataset(root, out_dir, name)
        train += [linked["train"]] if "train" in linked else []
        if name == "real" or (real is None and name == "synthetic"):
            val += [linked["valid"]] if "valid" in linked else []
            test += [linked["test"]] if "test" in linked else []
    if not train:
        raise DetectDataError("no training images in the given datasets")
    if not val:
        val = list(train)
        log.warning("no validation split given: validating on the training images")
    lines = [
        f"# written by gatekeeper.dataset.detect_data for {out_dir.name}",
        f"train: {_yaml_list(train)}",
        f"val: {_yaml_list(val)}",
    ]
    if test:
        lines.append(f"test: {_yaml_list(test)}")
    lines += [f"nc: {len(CLASS_NAMES)}", "names: [" + ", ".join(f"'{n}'" for n in CLASS_NAMES) + "]", ""]
    yaml_path = out_dir / "data.yaml"
    yaml_path.write_text("\n".join(lines), encoding="utf-8")
    log.info("wrote %s (train %d folders, val %d)", yaml_path, len(train), len(val))
    return DetectDataSpec(yaml_path=yaml_path, train=train, val=val, test=test)
