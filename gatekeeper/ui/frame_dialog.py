"""The full evidence frame of one pass, with its details, opened from a pass card."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from gatekeeper.domain.types import PassRecord
from gatekeeper.ui.pass_card import decision_text, lane_text, local_time_text
from gatekeeper.ui.qt_image import load_qimage

log = logging.getLogger(__name__)


class FrameDialog(QDialog):
    """Shows the evidence frame (scaled to the dialog) and the pass details."""

    def __init__(self, record: PassRecord, frame_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record = record
        self.setWindowTitle(self.tr("Pass %1").replace("%1", record.plate or "?"))
        self.resize(960, 640)
        layout = QVBoxLayout(self)
        self.details = QLabel(self)
        self.details.setObjectName("plateText")
        parts = [record.plate or "?", decision_text(record.decision), f"{record.confidence:.0%}",
                 local_time_text(record.time_utc, with_date=True),
                 f"{record.camera} ({lane_text(record.lane)})"]
        self.details.setText("   ·   ".join(parts))
        layout.addWidget(self.details)
        self.image_label = QLabel(self)
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setMinimumSize(320, 200)
        layout.addWidget(self.image_label, 1)
        self._pixmap = QPixmap()
        image = load_qimage(frame_path) if frame_path else None
        if image is not None and not image.isNull():
            self._pixmap = QPixmap.fromImage(image)
        else:
            self.image_label.setText(self.tr("The evidence frame is not available."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @property
    def has_image(self) -> bool:
        return not self._pixmap.isNull()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if self.has_image:
            self.image_label.setPixmap(self._pixmap.scaled(
                self.image_label.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
