"""Altered copies of detector training photos (low-light, blurred): every style written, labels kept,
deterministic for a seed, cached."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gatekeeper.dataset import blur, low_light
from gatekeeper.dataset.blur import write_blur_copies
from gatekeeper.dataset.low_light import write_low_light_copies


@pytest.mark.parametrize(("write", "styles"), [(write_low_light_copies, low_light.STYLES),
                                               (write_blur_copies, blur.STYLES)])
def test_every_style_is_written_and_labels_are_kept(tmp_path: Path,
                                                     yolo_folder: Callable[[Path, int], Path],
                                                     write: Callable[..., Path],
                                                     styles: tuple[str, ...]) -> None:
    src = yolo_folder(tmp_path / "src", 6)
    out = write(tmp_path / "out", [src], count=6, seed=3)
    images = sorted((out / "train" / "images").glob("*.jpg"))
    assert len(images) == 6
    assert {p.stem.split("_", 1)[1] for p in images} == set(styles)
    label = (src / "labels" / "p0.txt").read_text(encoding="utf-8")
    for img_path in images:
        assert (out / "train" / "labels" / f"{img_path.stem}.txt").read_text(encoding="utf-8") == label


@pytest.mark.parametrize("write", [write_low_light_copies, write_blur_copies])
def test_deterministic_and_cached(tmp_path: Path, yolo_folder: Callable[[Path, int], Path],
                                  write: Callable[..., Path]) -> None:
    src = yolo_folder(tmp_path / "src", 4)
    a = write(tmp_path / "a", [src], count=4, seed=7)
    b = write(tmp_path / "b", [src], count=4, seed=7)
    images = sorted((a / "train" / "images").glob("*.jpg"))
    assert len(images) == 4
    for p in images:
        assert p.read_bytes() == (b / "train" / "images" / p.name).read_bytes()
    stamp = {p.name: p.stat().st_mtime_ns for p in images}
    write(tmp_path / "a", [src], count=4, seed=7)
    assert stamp == {p.name: p.stat().st_mtime_ns for p in (a / "train" / "images").glob("*.jpg")}
    c = write(tmp_path / "c", [src], count=4, seed=8)
    assert any(p.read_bytes() != (c / "train" / "images" / p.name).read_bytes() for p in images)
