"""Shared fixtures: a fresh data folder per test, the ../shared data when present."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["YOLO_OFFLINE"] = "1"
os.environ["YOLO_AUTOINSTALL"] = "False"

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own GATEKEEPER_HOME so nothing touches the user's real folders."""
    home = tmp_path_factory.mktemp("gk-home")
    monkeypatch.setenv("GATEKEEPER_HOME", str(home))
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(home / "ultralytics"))
    return home


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests that need it skip cleanly when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED


class LeftEyedDetector:
    """Finds bright, plate-shaped blobs (threshold and contours, no learned model), but only those in the left
    half of the image it is shown: a detector that misses plates the mirrored image shows it."""

    name = "left-eyed"
    imgsz = 320

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, frame: np.ndarray, confidence: float | None = None, imgsz: int | None = None) -> list:
        from gatekeeper.domain.types import Box
        from gatekeeper.pipeline.types import Detection

        self.calls += 1
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        _, mask = cv2.threshold(grey, 200, 255, cv2.THRESH_BINARY)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        found = []
        for c in contours:
            x, y, w, h = cv2.boundingRect(c)
            if w >= 30 and 1.5 <= w / max(1, h) <= 6 and x + w / 2 <= frame.shape[1] / 2:
                found.append(Detection(Box(float(x), float(y), float(x + w), float(y + h)), 0.9))
        return found


@pytest.fixture
def left_eyed_detector() -> LeftEyedDetector:
    """A fresh :class:`LeftEyedDetector`."""
    return LeftEyedDetector()
