"""The real ``gatekeeper`` window as a subprocess: offscreen, with the demo camera, and under Xvfb."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import Settings
from gatekeeper.services.runtime import ensure_demo_video, resolve_weights

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"


def _models_present() -> bool:
    try:
        resolve_weights(Settings(), AppPaths.default())
    except FileNotFoundError:
        return False
    return True


def _run(args: list[str], timeout: float, wrapper: list[str] | None = None,
         env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **(env_extra or {}))
    cmd = [*(wrapper or []), sys.executable, "-m", "gatekeeper", *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def _passes(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT plate_read, decision FROM passes").fetchall()


def _check_png(path: Path) -> QImage:
    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not a readable PNG"
    assert image.width() >= 800 and image.height() >= 500
    return image


@pytest.mark.slow
def test_window_starts_with_a_broken_settings_file_and_quits(qapp, tmp_path) -> None:
    """A malformed config: defaults are used, the file is left as it was, the window opens and exits 0."""
    config = tmp_path / "settings.json"
    config.write_text('{"cameras": [{"name": "Gate"', encoding="utf-8")
    shot = tmp_path / "shot.png"
    proc = _run(["--config", str(config), "--data-dir", str(tmp_path / "data"), "--exit-after", "3",
                 "--screenshot", str(shot)], timeout=90, env_extra={"QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert config.read_text(encoding="utf-8") == '{"cameras": [{"name": "Gate"'
    assert "settings file is not usable" in proc.stderr
    _check_png(shot)
    assert (tmp_path / "data" / "gatekeeper.sqlite3").exists()


@pytest.mark.slow
@pytest.mark.skipif(not _models_present(), reason="committed models are not in weights/ yet")
def test_demo_run_logs_passes_and_saves_a_screenshot(qapp, tmp_path) -> None:
    data = tmp_path / "data"
    shot = tmp_path / "out.png"
    # the demo video is generated beforehand (seconds of CPU) so the 15 s go to models and passes
    ensure_demo_video(AppPaths.default(data))
    proc = _run(["--demo", "--exit-after", "15", "--screenshot", str(shot), "--data-dir", str(data)],
                timeout=150, env_extra={"QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_png(shot)
    passes = _passes(data / "gatekeeper.sqlite3")
    assert passes, "no pass was logged in 15 s of demo video:\n" + proc.stderr[-3000:]
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "offscreen_demo.png")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (build/apt-deps.sh)")
def test_screenshot_under_xvfb(qapp, tmp_path) -> None:
    """The window on a real X server (xcb platform plugin), saved under tests/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "xvfb_window.png"
    shot.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["QT_QPA_PLATFORM"] = "xcb"
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m", "gatekeeper", "--demo",
         "--exit-after", "8", "--screenshot", str(shot), "--data-dir", str(tmp_path / "data")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_png(shot)
