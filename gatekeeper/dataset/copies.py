"""Altered copies of detector training photos (night, infrared, blur...): the writer the kinds share.

Each copy keeps its photo's YOLO labels and changes only the pixels. Deterministic for a seed; the output
folder (``train/images`` + ``train/labels``) is a cache, reused when its manifest matches the request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.composite import read_yolo_boxes

log = logging.getLogger(__name__)

SUFFIXES = {".jpg", ".jpeg", ".png"}

Render = Callable[[np.ndarray, np.random.Generator, Sequence[Sequence[float]]], np.ndarray]
"""``render(image, rng, plate_boxes)`` -> the altered image (same size, BGR uint8)."""


def training_pool(sources: Sequence[Path]) -> list[tuple[Path, Path]]:
    """(image, label file) of every picture in the YOLO ``sources`` folders (each holding ``images/`` and
    ``labels/``), in a stable order."""
    pool: list[tuple[Path, Path]] = []
    for src in sources:
        for img in sorted(Path(src, "images").glob("*")):
            if img.suffix.lower() in SUFFIXES:
                pool.append((img, Path(src, "labels", img.stem + ".txt")))
    if not pool:
        raise FileNotFoundError(f"no images in {', '.join(str(s) for s in sources)}")
    return pool


def write_copies(out_dir: Path, sources: Sequence[Path], count: int, seed: int, *,
                 styles: Sequence[str], render: Mapping[str, Render], manifest: str, version: int,
                 prefix: str, what: str = "altered") -> Path:
    """Write ``count`` copies of pictures drawn from the YOLO ``sources`` to ``out_dir/train`` (the ``n``-th
    in style ``styles[n % len(styles)]``, made by ``render[style]``, saved as JPEG of quality 60-91 under
    ``PREFIXnnnnn_STYLE``); returns ``out_dir``. Labels are copied unchanged. ``manifest`` (a file name in
    ``out_dir``) and ``version`` identify the request the folder holds."""
    out_dir = Path(out_dir)
    wanted = {"version": version, "count": count, "seed": seed, "sources": [str(s) for s in sources]}
    stamp = out_dir / manifest
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == wanted:
        return out_dir
    pool = training_pool(sources)
    images, labels = out_dir / "train" / "images", out_dir / "train" / "labels"
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(pool), size=min(count, len(pool)), replace=False)
    written = 0
    for n, i in enumerate(picks):
        img_path, label_path = pool[int(i)]
        img = cv2.imread(str(img_path))
        if img is None:
            log.warning("skipping unreadable %s", img_path)
            continue
        h, w = img.shape[:2]
        style = styles[n % len(styles)]
        out = render[style](img, rng, read_yolo_boxes(label_path, w, h))
        stem = f"{prefix}{n:05d}_{style}"
        cv2.imwrite(str(images / f"{stem}.jpg"), out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 92))])
        text = label_path.read_text(encoding="utf-8") if label_path.is_file() else ""
        (labels / f"{stem}.txt").write_text(text, encoding="utf-8")
        written += 1
    stamp.write_text(json.dumps(wanted), encoding="utf-8")
    log.info("wrote %d %s copies to %s", written, what, out_dir)
    return out_dir
