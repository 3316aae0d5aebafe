"""Settings dialog: real widgets, typed input, pydantic validation shown inline."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QDialogButtonBox, QWidget

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import CameraSettings, Settings
from gatekeeper.domain.types import Lane
from gatekeeper.ui.camera_rows import KIND_DEMO, KIND_FILE, KIND_URL, KIND_USB
from gatekeeper.ui.settings_dialog import MAX_CAMERAS, SettingsDialog


def commit_text(widget: QWidget, text: str) -> None:
    """Type ``text`` the way a Korean IME delivers it (QTest.keyClicks only handles ASCII)."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


def _ok(dialog: SettingsDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_edits_produce_valid_settings_that_round_trip(qtbot) -> None:
    original = Settings()
    dialog = SettingsDialog(original)
    qtbot.addWidget(dialog)
    dialog.show()

    row = dialog.camera_rows[0]
    row.name_edit.clear()
    commit_text(row.name_edit, "정문 입구")
    dialog.add_camera_button.click()
    second = dialog.camera_rows[1]
    second.set_kind(KIND_URL)
    qtbot.keyClicks(second.url_edit, "rtsp://10.0.0.5/stream1")
    second.lane_combo.setCurrentIndex(second.lane_combo.findData("exit"))
    second.enabled_check.setChecked(False)
    dialog.add_camera_button.click()
    third = dialog.camera_rows[2]
    third.set_kind(KIND_USB)
    third.usb_spin.setValue(2)
    dialog.det_conf.setValue(0.4)
    dialog.read_min.setValue(0.65)
    dialog.vote_frames.setValue(3)
    dialog.retrain_trigger.setValue(50)
    dialog.retrain_auto.setChecked(True)
    dialog.retrain_hour.setValue(4)
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("ko"))
    dialog.latin_engine.setCurrentIndex(dialog.latin_engine.findData("easyocr"))
    dialog.read_latin.setChecked(False)
    assert not dialog.latin_engine.isEnabled()  # no Latin reader to choose when Latin plates are not read
    dialog.read_latin.setChecked(True)

    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    new = dialog.settings()
    assert [c.name for c in new.cameras] == ["정문 입구", "Camera 2", "Camera 3"]
    assert new.cameras[1] == CameraSettings(name="Camera 2", source="rtsp://10.0.0.5/stream1",
                                            lane=Lane.EXIT, enabled=False)
    assert new.cameras[2].source == "2"
    assert (new.detector.confidence, new.reader.min_confidence, new.voting.min_frames) == (0.4, 0.65, 3)
    assert (new.retrain.labels_trigger, new.retrain.auto_start, new.retrain.quiet_hour) == (50, True, 4)
    assert (new.device, new.language) == ("cpu", "ko")
    assert (new.reader.latin, new.reader.latin_engine) == (True, "easyocr")
    assert original.device == "auto"  # the dialog edited a copy

    paths = AppPaths.default().ensure()
    new.save(paths.config_file)
    assert Settings.load(paths.config_file) == new


def test_bad_input_is_rejected_with_a_visible_message(qtbot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    row = dialog.camera_rows[0]
    row.name_edit.setText("   ")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != SettingsDialog.DialogCode.Accepted
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == "Camera 1 · name: must not be empty"

    row.name_edit.setText("x" * 70)
    assert dialog.validate() is None
    assert dialog.error_label.text() == "Camera 1 · name: is too long (at most 64 characters)"
    row.name_edit.clear()
    qtbot.keyClicks(row.name_edit, "Gate")
    row.set_kind(KIND_URL)
    qtbot.keyClicks(row.url_edit, "not a url")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "rtsp://" in dialog.error_label.text()

    row.url_edit.setText("http://cam.local/mjpeg")
    row.set_kind(KIND_FILE)
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert "video file" in dialog.error_label.text()
    row.file_edit.setText("/videos/gate.mp4")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert not dialog.error_label.isVisible()
    assert dialog.settings().cameras[0].source == "/videos/gate.mp4"


def test_duplicate_names_and_camera_limits(qtbot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert not dialog.camera_rows[0].remove_button.isEnabled()
    for _ in range(6):
        dialog.add_camera_button.click()
    assert len(dialog.camera_rows) == MAX_CAMERAS
    assert not dialog.add_camera_button.isEnabled()
    dialog.camera_rows[1].name_edit.setText("Demo gate")
    assert dialog.validate() is None
    assert "already used" in dialog.error_label.text()
    dialog.camera_rows[1].remove_button.click()
    assert len(dialog.camera_rows) == MAX_CAMERAS - 1 and dialog.add_camera_button.isEnabled()
    assert dialog.validate() is not None


def test_cancel_returns_the_original(qtbot) -> None:
    original = Settings(device="cpu")
    dialog = SettingsDialog(original)
    qtbot.addWidget(dialog)
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cuda"))
    dialog.reject()
    assert dialog.settings() == original


def test_saved_cameras_open_as_the_kind_of_source_they_are(qtbot) -> None:
    cameras = [CameraSettings(name="USB", source="1"), CameraSettings(name="IP", source="rtsp://10.0.0.5/s"),
               CameraSettings(name="File", source="/srv/gate.mp4"),
               CameraSettings(name="Demo", source="demo")]
    dialog = SettingsDialog(Settings(cameras=cameras))
    qtbot.addWidget(dialog)
    assert [row.kind() for row in dialog.camera_rows] == [KIND_USB, KIND_URL, KIND_FILE, KIND_DEMO]
    assert [row.source() for row in dialog.camera_rows] == [c.source for c in cameras]
