"""One vehicle pass as a card: plate crop, text, confidence, local time, camera and coloured decision."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gatekeeper.domain.types import Decision, Lane, PassRecord
from gatekeeper.ui.qt_image import load_qimage
from gatekeeper.ui.style import decision_colour

log = logging.getLogger(__name__)

ImageResolver = Callable[[str], "Path | None"]
CROP_SIZE = (120, 40)


def decision_text(decision: Decision | str) -> str:
    """Translated name of a decision."""
    names = {
        Decision.REGISTERED: QCoreApplication.translate("PassCard", "Registered"),
        Decision.VISITOR: QCoreApplication.translate("PassCard", "Visitor"),
        Decision.UNKNOWN: QCoreApplication.translate("PassCard", "Unknown"),
        Decision.DENIED: QCoreApplication.translate("PassCard", "Denied"),
    }
    try:
        return names[Decision(decision)]
    except ValueError:
        return str(decision)


def lane_text(lane: Lane | str) -> str:
    """Translated name of a lane."""
    try:
        lane = Lane(lane)
    except ValueError:
        return str(lane)
    if lane is Lane.ENTRY:
        return QCoreApplication.translate("PassCard", "Entry")
    return QCoreApplication.translate("PassCard", "Exit")


def local_time_text(when: datetime, with_date: bool = False) -> str:
    """A UTC time (naive means UTC) shown in the computer's local time zone."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    local = when.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def default_resolver(path: str) -> Path | None:
    """Absolute paths as they are; relative ones cannot be resolved without the image store."""
    p = Path(path) if path else None
    return p if p is not None and p.is_absolute() else None


class PassCard(QFrame):
    """Clickable card of one pass; ``clicked(record)`` opens the evidence frame."""

    clicked = Signal(object)

    def __init__(self, record: PassRecord, resolve: ImageResolver = default_resolver,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record = record
        self.setObjectName("passCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self.tr("Click to see the full evidence frame"))
        outer = QHBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(10)

        self.crop_label = QLabel(self)
        self.crop_label.setObjectName("plateCrop")
        self.crop_label.setFixedSize(*CROP_SIZE)
        self.crop_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        crop_path = resolve(record.crop_path) if record.crop_path else None
        image = load_qimage(crop_path) if crop_path else None
        if image is not None and not image.isNull():
            self.crop_label.setPixmap(QPixmap.fromImage(image).scaled(
                self.crop_label.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        else:
            self.crop_label.setText(self.tr("no image"))
        outer.addWidget(self.crop_label)

        text_col = QVBoxLayout()
        text_col.setSpacing(3)
        self.plate_label = QLabel(record.plate or "?", self)
        self.plate_label.setObjectName("plateText")
        text_col.addWidget(self.plate_label)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.badge = QLabel(decision_text(record.decision), self)
        self.badge.setObjectName("decisionBadge")
        colour = decision_colour(record.decision).name()
        self.badge.setStyleSheet(f"background: {colour};")
        row.addWidget(self.badge)
        self.time_label = QLabel(local_time_text(record.time_utc), self)
        self.time_label.setObjectName("cardTime")
        row.addWidget(self.time_label)
        row.addStretch(1)
        text_col.addLayout(row)
        meta = self.tr("%1 (%2) · %3").replace("%1", record.camera).replace("%2", lane_text(record.lane)) \
            .replace("%3", self.tr("%1% sure").replace("%1", f"{record.confidence * 100:.0f}"))
        self.meta_label = QLabel(meta, self)
        self.meta_label.setObjectName("cardMeta")
        self.meta_label.setToolTip(local_time_text(record.time_utc, with_date=True))
        text_col.addWidget(self.meta_label)
        outer.addLayout(text_col, 1)
        self._resolve = resolve

    def frame_path(self) -> Path | None:
        """Where the full evidence frame of this pass lies (``None`` when unknown)."""
        return self._resolve(self.record.frame_path) if self.record.frame_path else None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.record)
        super().mouseReleaseEvent(event)
