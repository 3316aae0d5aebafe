"""One editable camera row of the settings dialog (name, source kind + value, lane, enabled)."""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from gatekeeper.domain.settings import DEMO_SOURCE, CameraSettings
from gatekeeper.domain.types import Lane
from gatekeeper.pipeline import sources

log = logging.getLogger(__name__)

KIND_USB, KIND_URL, KIND_FILE, KIND_DEMO = "usb", "url", "file", "demo"
_URL_RE = re.compile(r"^(rtsp|rtsps|http|https)://\S+$", re.IGNORECASE)


def source_kind(source: str) -> str:
    """Classify a camera source string as usb/url/file (as the camera workers do,
    :func:`gatekeeper.pipeline.sources.source_kind`) or demo."""
    if source.strip() == DEMO_SOURCE:
        return KIND_DEMO
    return {"usb": KIND_USB, "stream": KIND_URL}.get(sources.source_kind(source), KIND_FILE)


class CameraRow(QWidget):
    """Editor for one ``CameraSettings``; ``loop`` is kept from the original."""

    remove_requested = Signal(object)

    def __init__(self, camera: CameraSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loop = camera.loop
        self.name_edit = QLineEdit(camera.name)
        self.name_edit.setPlaceholderText(self.tr("Camera name"))
        self.kind_combo = QComboBox()
        for kind, label in ((KIND_USB, self.tr("USB camera")), (KIND_URL, self.tr("Network (RTSP/HTTP)")),
                            (KIND_FILE, self.tr("Video file")), (KIND_DEMO, self.tr("Demo"))):
            self.kind_combo.addItem(label, kind)
        self.usb_spin = QSpinBox()
        self.usb_spin.setRange(0, 63)
        self.usb_spin.setPrefix(self.tr("Index "))
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText(self.tr("rtsp://user:password@host/stream"))
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText(self.tr("Path of a video file"))
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.browse_button.clicked.connect(self._browse)
        file_box = QWidget()
        file_layout = QHBoxLayout(file_box)
        file_layout.setContentsMargins(0, 0, 0, 0)
        file_layout.addWidget(self.file_edit, 1)
        file_layout.addWidget(self.browse_button)
        demo_box = QLabel(self.tr("Built-in demo video"))
        demo_box.setStyleSheet("color: gray;")
        self.stack = QStackedWidget()
        for w in (self.usb_spin, self.url_edit, file_box, demo_box):
            self.stack.addWidget(w)
        self.lane_combo = QComboBox()
        self.lane_combo.addItem(self.tr("Entry"), Lane.ENTRY.value)
        self.lane_combo.addItem(self.tr("Exit"), Lane.EXIT.value)
        self.enabled_check = QCheckBox(self.tr("Enabled"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.name_edit, 2)
        layout.addWidget(self.kind_combo, 1)
        layout.addWidget(self.stack, 3)
        layout.addWidget(self.lane_combo)
        layout.addWidget(self.enabled_check)
        layout.addWidget(self.remove_button)
        self.kind_combo.currentIndexChanged.connect(self.stack.setCurrentIndex)
        self._load(camera)

    def _load(self, camera: CameraSettings) -> None:
        kind = source_kind(camera.source)
        if kind == KIND_USB:
            self.usb_spin.setValue(int(camera.source))
        elif kind == KIND_URL:
            self.url_edit.setText(camera.source)
        elif kind == KIND_FILE:
            self.file_edit.setText(camera.source)
        self.set_kind(kind)
        self.lane_combo.setCurrentIndex(self.lane_combo.findData(camera.lane.value))
        self.enabled_check.setChecked(camera.enabled)

    def set_kind(self, kind: str) -> None:
        """Select the source kind (usb/url/file/demo)."""
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        self.stack.setCurrentIndex(self.kind_combo.currentIndex())

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def source(self) -> str:
        """The source string as stored in the settings."""
        kind = self.kind()
        if kind == KIND_USB:
            return str(self.usb_spin.value())
        if kind == KIND_URL:
            return self.url_edit.text().strip()
        if kind == KIND_FILE:
            return self.file_edit.text().strip()
        return DEMO_SOURCE

    def source_problem(self) -> str:
        """A message when the source cannot work (empty/malformed URL or file path), else ''."""
        kind, src = self.kind(), self.source()
        if kind == KIND_URL and not _URL_RE.match(src):
            return self.tr("the address must start with rtsp:// or http(s)://")
        if kind == KIND_FILE and not src:
            return self.tr("choose a video file")
        return ""

    def to_dict(self) -> dict:
        """Raw values for pydantic validation (not validated here)."""
        return {
            "name": self.name_edit.text(),
            "source": self.source(),
            "lane": self.lane_combo.currentData(),
            "enabled": self.enabled_check.isChecked(),
            "loop": self._loop,
        }

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose a video file"), self.file_edit.text(),
            self.tr("Videos (*.mp4 *.avi *.mkv *.mov *.m4v);;All files (*)"))
        if path:
            self.file_edit.setText(path)
