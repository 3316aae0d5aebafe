"""ImageStore: atomic JPEG/PNG writes under date folders, clear errors."""

from __future__ import annotations

import errno
import os
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.services import images as images_mod
from gatekeeper.services.images import ImageStore, ImageStoreError
from gatekeeper.storage.errors import DiskFullError


def _frame(h: int = 48, w: int = 64) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (h, w, 3), dtype=np.uint8)


def test_png_is_lossless_and_lands_in_a_date_folder(tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "images")
    img = _frame()
    when = datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc)
    rel = store.save(img, "crop", when=when, camera="Gate 1/외부", fmt="png")
    local = when.astimezone()
    assert rel.startswith(f"{local:%Y/%m/%d}/") and rel.endswith("_crop.png") and "\\" not in rel
    assert "/" not in rel.split("/")[-1] and ".." not in rel
    assert np.array_equal(store.load(rel), img)
    assert sorted(p.name for p in store.path(rel).parent.iterdir()) == [Path(rel).name]  # no temp files left


def test_jpeg_roundtrip_and_unique_names(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    yy, xx = np.mgrid[0:120, 0:160]
    img = np.dstack([xx * 255 // 160, yy * 255 // 120, (xx + yy) % 256]).astype(np.uint8)
    rels = {store.save(img, "frame", camera="cam") for _ in range(5)}
    assert len(rels) == 5
    for rel in rels:
        back = store.load(rel)
        assert back.shape == img.shape and np.abs(back.astype(int) - img.astype(int)).mean() < 4
        assert cv2.imdecode(np.fromfile(str(store.path(rel)), np.uint8), cv2.IMREAD_COLOR) is not None


def test_bad_input_and_paths_are_refused(tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "images")
    with pytest.raises(ValueError):
        store.save(np.zeros((0, 0, 3), np.uint8), "crop")
    with pytest.raises(ValueError):
        store.save(np.zeros((4, 4, 3), np.float32), "crop")
    with pytest.raises(ImageStoreError):
        store.path("../../etc/passwd")
    assert store.load("") is None and store.load("2026/01/01/missing.jpg") is None


def test_write_failure_leaves_no_partial_file(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    (tmp_path / "2026").write_text("a file where the year folder should be")
    with pytest.raises(ImageStoreError, match="Cannot write"):
        store.write_bytes("2026/01/01/x.jpg", b"data")


def test_full_disk_is_a_clear_error_and_removes_the_temp_file(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store = ImageStore(tmp_path)

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(images_mod.os, "fsync", full)
    with pytest.raises(DiskFullError, match="full"):
        store.save(_frame(), "frame", when=datetime(2026, 1, 2, tzinfo=timezone.utc))
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []
