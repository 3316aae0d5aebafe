"""Status bar: model/device, database, per-camera states and the progress indicator."""

from __future__ import annotations

from pathlib import Path

from gatekeeper.ui.status_bar import GateStatusBar


def test_fields_and_camera_states(qtbot, tmp_path) -> None:
    bar = GateStatusBar()
    qtbot.addWidget(bar)
    bar.set_model("kr-v3", "cpu")
    bar.set_database(tmp_path / "gatekeeper.sqlite3")
    bar.set_cameras(["Gate A", "Gate B"])
    assert bar.camera_state("Gate A") == "starting"
    bar.set_camera_state("Gate A", "running")
    bar.set_camera_state("Gate B", "reconnecting", "cannot open rtsp://x: timed out")
    assert bar.camera_state("Gate B") == "reconnecting"
    assert "reconnecting" in bar.camera_text("Gate B") and "running" in bar.camera_text("Gate A")
    bar.set_camera_state("nobody", "running")  # unknown camera: ignored
    assert bar.camera_state("nobody") is None
    texts = " ".join(w.text() for w in bar.findChildren(type(bar._model)))
    assert "kr-v3" in texts and "cpu" in texts and "gatekeeper.sqlite3" in texts
    bar.show_progress("Loading models…")
    assert bar.progress_visible
    bar.hide_progress()
    assert not bar.progress_visible
    bar.notify("Gate opened by operator")
    assert bar.currentMessage() == "Gate opened by operator"
    bar.set_model_error("weights missing")
    assert "not loaded" in bar._model.text()
    assert isinstance(Path(bar._db.toolTip()), Path)
