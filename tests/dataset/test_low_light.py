"""Low-light copies of detector training images: pixels darkened (labels, determinism and the cache:
test_copies.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.low_light import infrared, night, write_low_light_copies


def test_copies_are_dark(tmp_path: Path, yolo_folder: Callable[[Path, int], Path]) -> None:
    src = yolo_folder(tmp_path / "src", 6)
    out = write_low_light_copies(tmp_path / "ll", [src], count=6, seed=3)
    for img_path in sorted((out / "train" / "images").glob("*.jpg")):
        img = cv2.imread(str(img_path))
        assert img.mean() < 125, f"{img_path.name} is not dark"
        if "night" not in img_path.stem:
            assert np.array_equal(img[..., 0], img[..., 2]), "infrared and dusk frames are grey"


def test_infrared_makes_the_plate_the_brightest_thing() -> None:
    rng = np.random.default_rng(0)
    img = np.full((200, 300, 3), 140, np.uint8)
    img[90:110, 100:200] = 120  # a dull plate
    img[96:104, 110:190] = 40
    ir = infrared(img, rng, [(100, 90, 200, 110)])
    plate, scene = ir[90:110, 100:200], ir[:60]
    assert plate.max() > 150 and scene.mean() < plate.mean()
    dark = night(img, rng, [])
    assert dark.mean() < img.mean() * 0.8
