"""One live camera: the frame scaled to fit, plate boxes with their reads, name, lane, FPS and state."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gatekeeper.domain.types import Lane
from gatekeeper.pipeline.types import FrameResult, PlateObservation
from gatekeeper.ui.qt_image import bgr_to_qimage
from gatekeeper.ui.style import BOX_COLOUR, BOX_READ_COLOUR, state_colour

log = logging.getLogger(__name__)

#: How long the last plate read stays in the bottom banner after the plate left the picture.
READ_HOLD_S = 4.0


class CameraView(QWidget):
    """A custom-painted live view of one camera (letterboxed, keeps the frame's aspect ratio)."""

    def __init__(self, camera: str, lane: Lane | str = Lane.ENTRY, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.camera = camera
        self.lane = Lane(lane)
        self.setObjectName("cameraView")
        self.setMinimumSize(240, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image = QImage()
        self._observations: list[PlateObservation] = []
        self._fps = 0.0
        self._state = "starting"
        self._state_message = self.tr("Starting…")
        self._last_read: tuple[str, float, float] | None = None  # text, confidence, monotonic time
        self.frames_shown = 0

    # ---- data in -------------------------------------------------------------------------------
    def show_frame(self, frame: np.ndarray, observations: Sequence[PlateObservation] = ()) -> None:
        """Show a new frame (copied) with the plate observations to draw on it."""
        self._image = bgr_to_qimage(frame)
        self._observations = list(observations)
        for obs in self._observations:
            if obs.read is not None and obs.read.text:
                self._last_read = (obs.read.text, obs.read.confidence, time.monotonic())
        self.frames_shown += 1
        self.update()

    def show_result(self, result: FrameResult) -> None:
        """Show an analysed frame with its observations and analysed FPS."""
        self._fps = result.analysed_fps
        self.show_frame(result.frame, result.observations)

    def set_fps(self, fps: float) -> None:
        self._fps = float(fps)
        self.update()

    def set_state(self, kind: str, message: str = "") -> None:
        """``kind``: starting / running / reconnecting / stopped / error; ``message`` goes over the frame."""
        self._state = kind
        self._state_message = message
        self.update()

    @property
    def state(self) -> str:
        return self._state

    @property
    def has_frame(self) -> bool:
        return not self._image.isNull()

    def last_read(self) -> str | None:
        return self._last_read[0] if self._last_read else None

    # ---- painting ------------------------------------------------------------------------------
    def _target_rect(self) -> QRectF:
        w, h = self.width(), self.height()
        iw, ih = self._image.width(), self._image.height()
        if iw <= 0 or ih <= 0:
            return QRectF(0, 0, w, h)
        scale = min(w / iw, h / ih)
        tw, th = iw * scale, ih * scale
        return QRectF((w - tw) / 2, (h - th) / 2, tw, th)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.fillRect(self.rect(), QColor("#0d0f12"))
        target = self._target_rect()
        if not self._image.isNull():
            p.drawImage(target, self._image)
            self._paint_boxes(p, target)
        self._paint_header(p)
        self._paint_read_banner(p)
        self._paint_state(p)
        p.end()

    def _paint_boxes(self, p: QPainter, target: QRectF) -> None:
        sx = target.width() / max(1, self._image.width())
        sy = target.height() / max(1, self._image.height())
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, min(16.0, target.height() / 28)))
        font.setBold(True)
        p.setFont(font)
        fm = p.fontMetrics()
        for obs in self._observations:
            b = obs.detection.box
            rect = QRectF(target.x() + b.x1 * sx, target.y() + b.y1 * sy, b.width * sx, b.height * sy)
            has_read = obs.read is not None and bool(obs.read.text)
            colour = BOX_READ_COLOUR if has_read else BOX_COLOUR
            p.setPen(QPen(colour, 2.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
            if has_read:
                label = f"{obs.read.text}  {obs.read.confidence:.0%}"
                tw, th = fm.horizontalAdvance(label) + 10, fm.height() + 4
                top = rect.top() - th - 2 if rect.top() - th - 2 > target.top() else rect.bottom() + 2
                bg = QRectF(rect.left(), top, tw, th)
                p.fillRect(bg, QColor(0, 0, 0, 190))
                p.setPen(colour)
                p.drawText(bg, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_header(self, p: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(10.5)
        font.setBold(True)
        p.setFont(font)
        fm = p.fontMetrics()
        lane = self.tr("Entry") if self.lane is Lane.ENTRY else self.tr("Exit")
        h = fm.height() + 10
        p.fillRect(QRectF(0, 0, self.width(), h), QColor(0, 0, 0, 150))
        x = 8.0
        dot = state_colour(self._state)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(dot)
        p.drawEllipse(QRectF(x, h / 2 - 5, 10, 10))
        x += 16
        p.setPen(QColor("#ffffff"))
        p.drawText(QRectF(x, 0, self.width(), h), Qt.AlignmentFlag.AlignVCenter, self.camera)
        x += fm.horizontalAdvance(self.camera) + 10
        badge_w = fm.horizontalAdvance(lane) + 14
        badge = QRectF(x, 4, badge_w, h - 8)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#1f5f99") if self.lane is Lane.ENTRY else QColor("#8a4fbf"))
        p.drawRoundedRect(badge, 3, 3)
        p.setPen(QColor("#ffffff"))
        p.drawText(badge, Qt.AlignmentFlag.AlignCenter, lane)
        fps = self.tr("%1 fps analysed").replace("%1", f"{self._fps:.1f}")
        p.setPen(QColor("#c3cad3"))
        right = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
        p.drawText(QRectF(0, 0, self.width() - 8, h), right, fps)

    def _paint_read_banner(self, p: QPainter) -> None:
        if self._last_read is None or time.monotonic() - self._last_read[2] > READ_HOLD_S:
            return
        text, conf, _ = self._last_read
        font = QFont(self.font())
        font.setPointSizeF(max(12.0, min(22.0, self.height() / 18)))
        font.setBold(True)
        p.setFont(font)
        fm = p.fontMetrics()
        label = f"{text}   {conf:.0%}"
        w, h = fm.horizontalAdvance(label) + 28, fm.height() + 12
        rect = QRectF((self.width() - w) / 2, self.height() - h - 10, w, h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 200))
        p.drawRoundedRect(rect, 6, 6)
        p.setPen(BOX_READ_COLOUR)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_state(self, p: QPainter) -> None:
        if self._state == "running" and self.has_frame:
            return
        message = self._state_message or {
            "starting": self.tr("Starting…"),
            "reconnecting": self.tr("Reconnecting…"),
            "stopped": self.tr("Stopped"),
            "error": self.tr("Camera error"),
            "running": self.tr("Waiting for frames…"),
        }.get(self._state, self._state)
        if self.has_frame:
            p.fillRect(self.rect(), QColor(0, 0, 0, 140))
        font = QFont(self.font())
        font.setPointSizeF(13)
        font.setBold(True)
        p.setFont(font)
        p.setPen(state_colour(self._state) if self._state != "starting" else QColor("#c3cad3"))
        p.drawText(self.rect().adjusted(16, 16, -16, -16),
                   Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, message)
