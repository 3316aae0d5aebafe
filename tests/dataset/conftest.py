"""Shared helpers of the dataset tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest


@pytest.fixture
def yolo_folder() -> Callable[[Path, int], Path]:
    """Makes a YOLO folder (``images/`` + ``labels/``) of ``n`` noisy 160x120 photos, each with one bright
    plate of dark characters, labelled alike."""

    def make(root: Path, n: int) -> Path:
        (root / "images").mkdir(parents=True)
        (root / "labels").mkdir()
        rng = np.random.default_rng(1)
        for i in range(n):
            img = rng.integers(60, 200, (120, 160, 3), dtype=np.uint8)
            img[50:70, 40:120] = 235  # a bright plate
            img[56:64, 50:110] = 20
            cv2.imwrite(str(root / "images" / f"p{i}.jpg"), img)
            (root / "labels" / f"p{i}.txt").write_text("0 0.5 0.5 0.5 0.1667\n", encoding="utf-8")
        return root

    return make
