"""Settings dialog: edits a copy of ``Settings`` and validates it through the pydantic model."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gatekeeper.domain.settings import DEMO_SOURCE, CameraSettings, Settings
from gatekeeper.domain.types import Lane
from gatekeeper.ui.camera_rows import CameraRow

log = logging.getLogger(__name__)

MAX_CAMERAS = 4


def _dspin(lo: float, hi: float, value: float, step: float = 0.05, decimals: int = 2) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    return box


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    return box


class SettingsDialog(QDialog):
    """Modal editor; after ``exec()`` returns Accepted, ``settings()`` is the new, valid ``Settings``.

    The caller saves it (``Settings.save(paths.config_file)``). Invalid input keeps the dialog open and
    shows the problems in red under the tabs.
    """

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._original = settings.model_copy(deep=True)
        self._result: Settings | None = None
        self.camera_rows: list[CameraRow] = []

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_cameras(settings), self.tr("Cameras"))
        self.tabs.addTab(self._build_recognition(settings), self.tr("Recognition"))
        self.tabs.addTab(self._build_system(settings), self.tr("System"))
        self.tabs.addTab(self._build_retraining(settings), self.tr("Retraining"))

        self.error_label = QLabel()
        self.error_label.setObjectName("settingsErrors")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.hide()
        note = QLabel(self.tr("Korean text needs the Nanum fonts (Debian/Ubuntu package fonts-nanum)."))
        note.setWordWrap(True)
        note.setStyleSheet("color: gray;")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error_label)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(820, 460)

    # -- pages -------------------------------------------------------------------------------------
    def _build_cameras(self, settings: Settings) -> QWidget:
        page = QWidget()
        self._rows_layout = QVBoxLayout()
        self.add_camera_button = QPushButton(self.tr("Add camera"))
        self.add_camera_button.clicked.connect(self._add_default_camera)
        outer = QVBoxLayout(page)
        outer.addWidget(QLabel(self.tr("Up to four cameras. A source is a USB camera, a network stream, "
                                       "a video file or the built-in demo.")))
        outer.addLayout(self._rows_layout)
        outer.addWidget(self.add_camera_button)
        outer.addStretch(1)
        cameras = settings.cameras or [
            CameraSettings(name=self.tr("Camera %1").replace("%1", "1"), source=DEMO_SOURCE)]
        for cam in cameras:
            self.add_camera(cam)
        return page

    def _build_recognition(self, s: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.det_conf = _dspin(0.01, 0.99, s.detector.confidence)
        self.det_iou = _dspin(0.05, 0.95, s.detector.iou)
        self.det_imgsz = _spin(64, 1280, s.detector.imgsz)
        self.det_imgsz.setSingleStep(32)
        self.motion_gate = QCheckBox(self.tr("Skip frames without motion"))
        self.motion_gate.setChecked(s.detector.motion_gate)
        self.read_min = _dspin(0.0, 1.0, s.reader.min_confidence)
        self.read_recheck = _dspin(0.0, 1.0, s.reader.recheck_below)
        self.read_latin = QCheckBox(self.tr("Also read Latin (non-Korean) plates"))
        self.read_latin.setChecked(s.reader.latin)
        self.latin_engine = QComboBox()
        for value, label in (("network", self.tr("Gatekeeper Latin network")),
                             ("easyocr", self.tr("EasyOCR English (generic)"))):
            self.latin_engine.addItem(label, value)
        self.latin_engine.setCurrentIndex(self.latin_engine.findData(s.reader.latin_engine))
        self.read_latin.toggled.connect(self.latin_engine.setEnabled)
        self.latin_engine.setEnabled(s.reader.latin)
        self.vote_frames = _spin(1, 100, s.voting.min_frames)
        self.vote_timeout = _dspin(0.1, 60.0, s.voting.track_timeout_s, 0.1, 1)
        self.vote_repeat = _dspin(0.0, 3600.0, s.voting.repeat_suppress_s, 1.0, 0)
        form.addRow(self.tr("Detector confidence"), self.det_conf)
        form.addRow(self.tr("Detector overlap (IoU)"), self.det_iou)
        form.addRow(self.tr("Detector image size"), self.det_imgsz)
        form.addRow("", self.motion_gate)
        form.addRow(self.tr("Reader minimum confidence"), self.read_min)
        form.addRow(self.tr("Re-check reads below"), self.read_recheck)
        form.addRow("", self.read_latin)
        form.addRow(self.tr("Latin plate reader"), self.latin_engine)
        form.addRow(self.tr("Frames needed per vehicle"), self.vote_frames)
        form.addRow(self.tr("Vehicle lost after (s)"), self.vote_timeout)
        form.addRow(self.tr("Ignore the same plate again for (s)"), self.vote_repeat)
        return page

    def _build_system(self, s: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.data_dir_edit = QLineEdit(s.data_dir)
        self.data_dir_edit.setPlaceholderText(self.tr("Default folder"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse_data_dir)
        row = QHBoxLayout()
        row.addWidget(self.data_dir_edit, 1)
        row.addWidget(browse)
        self.device_combo = QComboBox()
        for value, label in (("auto", self.tr("Automatic")), ("cpu", self.tr("CPU")),
                             ("cuda", self.tr("NVIDIA GPU (CUDA)"))):
            self.device_combo.addItem(label, value)
        self.device_combo.setCurrentIndex(self.device_combo.findData(s.device))
        self.language_combo = QComboBox()
        for value, label in (("system", self.tr("System language")), ("ko", "한국어"), ("en", "English")):
            self.language_combo.addItem(label, value)
        self.language_combo.setCurrentIndex(self.language_combo.findData(s.language))
        form.addRow(self.tr("Data folder"), row)
        form.addRow(self.tr("Processing device"), self.device_combo)
        form.addRow(self.tr("Language"), self.language_combo)
        form.addRow("", QLabel(self.tr("Language and data folder changes apply after a restart.")))
        return page

    def _build_retraining(self, s: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.retrain_trigger = _spin(1, 100000, s.retrain.labels_trigger)
        self.retrain_auto = QCheckBox(self.tr("Start retraining automatically"))
        self.retrain_auto.setChecked(s.retrain.auto_start)
        self.retrain_hour = _spin(0, 23, s.retrain.quiet_hour)
        self.retrain_hour.setSuffix(self.tr(":00"))
        self.retrain_low = _dspin(0.0, 1.0, s.retrain.low_confidence)
        form.addRow(self.tr("New labels before retraining"), self.retrain_trigger)
        form.addRow("", self.retrain_auto)
        form.addRow(self.tr("Quiet hour (retraining runs then)"), self.retrain_hour)
        form.addRow(self.tr("Ask for labels below confidence"), self.retrain_low)
        return page

    # -- cameras -----------------------------------------------------------------------------------
    def add_camera(self, camera: CameraSettings) -> CameraRow | None:
        """Append a camera row (at most four)."""
        if len(self.camera_rows) >= MAX_CAMERAS:
            return None
        row = CameraRow(camera, self)
        row.remove_requested.connect(self.remove_camera)
        self.camera_rows.append(row)
        self._rows_layout.addWidget(row)
        self._update_camera_buttons()
        return row

    def remove_camera(self, row: CameraRow) -> None:
        """Remove a camera row (the last one stays)."""
        if row not in self.camera_rows or len(self.camera_rows) <= 1:
            return
        self.camera_rows.remove(row)
        self._rows_layout.removeWidget(row)
        row.deleteLater()
        self._update_camera_buttons()

    def _add_default_camera(self) -> None:
        n = len(self.camera_rows) + 1
        self.add_camera(CameraSettings(name=self.tr("Camera %1").replace("%1", str(n)), source="0",
                                       lane=Lane.ENTRY))

    def _update_camera_buttons(self) -> None:
        self.add_camera_button.setEnabled(len(self.camera_rows) < MAX_CAMERAS)
        for row in self.camera_rows:
            row.remove_button.setEnabled(len(self.camera_rows) > 1)

    def _browse_data_dir(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Choose the data folder"),
                                                self.data_dir_edit.text())
        if path:
            self.data_dir_edit.setText(path)

    # -- result ------------------------------------------------------------------------------------
    def _raw(self) -> dict[str, Any]:
        data = self._original.model_dump(mode="json")
        data["cameras"] = [row.to_dict() for row in self.camera_rows]
        data["detector"].update(confidence=self.det_conf.value(), iou=self.det_iou.value(),
                                imgsz=self.det_imgsz.value(), motion_gate=self.motion_gate.isChecked())
        data["reader"].update(min_confidence=self.read_min.value(), recheck_below=self.read_recheck.value(),
                              latin=self.read_latin.isChecked(), latin_engine=self.latin_engine.currentData())
        data["voting"].update(min_frames=self.vote_frames.value(), track_timeout_s=self.vote_timeout.value(),
                              repeat_suppress_s=self.vote_repeat.value())
        data["retrain"].update(labels_trigger=self.retrain_trigger.value(),
                               auto_start=self.retrain_auto.isChecked(),
                               quiet_hour=self.retrain_hour.value(), low_confidence=self.retrain_low.value())
        data["data_dir"] = self.data_dir_edit.text().strip()
        data["device"] = self.device_combo.currentData()
        data["language"] = self.language_combo.currentData()
        return data

    def validate(self) -> Settings | None:
        """Build the new ``Settings``; on problems show them inline and return ``None``."""
        problems: list[str] = []
        names: set[str] = set()
        for i, row in enumerate(self.camera_rows, start=1):
            label = self.tr("Camera %1").replace("%1", str(i))
            name = row.name_edit.text().strip()
            if name and name.casefold() in names:
                problems.append(f"{label}: " + self.tr("the name is already used by another camera"))
            names.add(name.casefold())
            if msg := row.source_problem():
                problems.append(f"{label}: {msg}")
        result: Settings | None = None
        try:
            result = Settings.model_validate(self._raw())
        except ValidationError as exc:
            problems.extend(self._describe(e) for e in exc.errors())
        if problems:
            self.error_label.setText("\n".join(problems))
            self.error_label.show()
            return None
        self.error_label.clear()
        self.error_label.hide()
        return result

    def _describe(self, error: dict[str, Any]) -> str:
        loc = list(error.get("loc", ()))
        fields = {"name": self.tr("name"), "source": self.tr("source"), "data_dir": self.tr("data folder")}
        if len(loc) >= 2 and loc[0] == "cameras" and isinstance(loc[1], int):
            where = self.tr("Camera %1").replace("%1", str(loc[1] + 1))
            rest = [fields.get(str(p), str(p)) for p in loc[2:]]
            where = " · ".join([where, *rest])
        else:
            where = " · ".join(fields.get(str(p), str(p)) for p in loc) or self.tr("settings")
        return f"{where}: {self._message(error)}"

    def _message(self, error: dict[str, Any]) -> str:
        """pydantic's message, in the operator's language for the errors this form can produce."""
        kind, ctx = error.get("type", ""), error.get("ctx") or {}
        if kind == "string_too_short" or (kind == "value_error" and "blank" in str(error.get("msg"))):
            return self.tr("must not be empty")
        if kind == "string_too_long":
            return self.tr("is too long (at most %1 characters)").replace("%1", str(ctx.get("max_length")))
        if kind in ("greater_than_equal", "greater_than"):
            return self.tr("must be at least %1").replace("%1", str(ctx.get("ge", ctx.get("gt"))))
        if kind in ("less_than_equal", "less_than"):
            return self.tr("must be at most %1").replace("%1", str(ctx.get("le", ctx.get("lt"))))
        return str(error.get("msg", ""))

    def accept(self) -> None:
        result = self.validate()
        if result is None:
            return
        self._result = result
        super().accept()

    def settings(self) -> Settings:
        """The accepted settings, or an unchanged copy of the original when cancelled."""
        return self._result if self._result is not None else self._original.model_copy(deep=True)
