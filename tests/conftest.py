"""Shared fixtures: a fresh data folder per test, the ../shared data when present."""

from __future__ import annotations

import os
from pathlib import Path

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


@pytest.fixture
def left_eyed_detector():  # noqa: ANN201
    """A fresh :class:`ui.uihelpers.LeftEyedDetector` (a stand-in detector blind to the right half)."""
    from ui.uihelpers import LeftEyedDetector

    return LeftEyedDetector()
