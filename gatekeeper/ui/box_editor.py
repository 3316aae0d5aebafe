"""A zoomable, pannable frame view whose plate boxes can be drawn, moved, resized, deleted and undone.

Mouse: drag a box's corner or edge to resize it, its inside to move it; Ctrl+drag on the frame draws a
new box; drag on the frame pans; the wheel zooms around the cursor. Keys: Del deletes the selected box,
Ctrl+Z (handled by the dialog through :meth:`undo`) restores the previous boxes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget

from gatekeeper.domain.types import Box

log = logging.getLogger(__name__)

HANDLE_PX = 7.0  # how close (in screen pixels) to an edge a press grabs it
MIN_SIZE = 4.0
MAX_UNDO = 100
ZOOM_STEP = 1.25


@dataclass
class BoxEntry:
    """One box and whatever the dialog keeps with it (plate text, kind...)."""

    box: Box
    data: dict = field(default_factory=dict)


class BoxEditor(QGraphicsView):
    """Frame + editable plate boxes (full-frame pixel coordinates)."""

    boxes_changed = Signal()
    selection_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boxEditor")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self._pixmap = QGraphicsPixmapItem()
        self.scene().addItem(self._pixmap)
        self._entries: list[BoxEntry] = []
        self._items: list = []
        self._selected = -1
        self._undo: list[tuple[list[BoxEntry], int]] = []
        self._drag: tuple[str, int, QPointF, Box] | None = None  # (mode, index, start, original)
        self._pan_last: QPointF | None = None

    # -- model -----------------------------------------------------------------------------------
    def set_image(self, image: QImage) -> None:
        self._pixmap.setPixmap(QPixmap.fromImage(image))
        self.scene().setSceneRect(QRectF(0, 0, image.width(), image.height()))
        self.fit()

    def image_size(self) -> tuple[int, int]:
        pm = self._pixmap.pixmap()
        return pm.width(), pm.height()

    def set_entries(self, entries: list[BoxEntry]) -> None:
        """Replace all boxes (clears the undo history)."""
        self._entries = [BoxEntry(e.box, dict(e.data)) for e in entries]
        self._undo.clear()
        self._selected = 0 if self._entries else -1
        self._redraw()
        self.selection_changed.emit(self._selected)

    def entries(self) -> list[BoxEntry]:
        return list(self._entries)

    def boxes(self) -> list[Box]:
        return [e.box for e in self._entries]

    def selected(self) -> int:
        return self._selected

    def select(self, index: int) -> None:
        index = index if 0 <= index < len(self._entries) else -1
        if index != self._selected:
            self._selected = index
            self._redraw()
            self.selection_changed.emit(index)

    def set_data(self, index: int, **values: object) -> None:
        """Update what the dialog keeps with box ``index`` (not an undoable box change)."""
        if 0 <= index < len(self._entries):
            self._entries[index].data.update(values)

    def can_undo(self) -> bool:
        return bool(self._undo)

    def _snapshot(self) -> None:
        self._undo.append(([BoxEntry(e.box, dict(e.data)) for e in self._entries], self._selected))
        del self._undo[:-MAX_UNDO]

    def undo(self) -> bool:
        """Restore the boxes before the last change; False when there is nothing to undo."""
        if not self._undo:
            return False
        self._entries, selected = self._undo.pop()
        self._selected = selected if selected < len(self._entries) else len(self._entries) - 1
        self._redraw()
        self.boxes_changed.emit()
        self.selection_changed.emit(self._selected)
        return True

    def add_box(self, box: Box | None = None, data: dict | None = None) -> int:
        """Add ``box`` (default: a plate-shaped box in the middle of the visible area); returns its index."""
        if box is None:
            visible = self.mapToScene(self.viewport().rect()).boundingRect().intersected(self.sceneRect())
            c = visible.center()
            w = max(MIN_SIZE * 4, visible.width() * 0.25)
            h = w / 4.5
            box = Box(c.x() - w / 2, c.y() - h / 2, c.x() + w / 2, c.y() + h / 2)
        self._snapshot()
        self._entries.append(BoxEntry(self._clamped(box), dict(data or {})))
        self._selected = len(self._entries) - 1
        self._redraw()
        self.boxes_changed.emit()
        self.selection_changed.emit(self._selected)
        return self._selected

    def delete_selected(self) -> bool:
        if not 0 <= self._selected < len(self._entries):
            return False
        self._snapshot()
        del self._entries[self._selected]
        self._selected = min(self._selected, len(self._entries) - 1)
        self._redraw()
        self.boxes_changed.emit()
        self.selection_changed.emit(self._selected)
        return True

    def set_box(self, index: int, box: Box) -> None:
        """Set one box programmatically (undoable)."""
        self._snapshot()
        self._entries[index] = replace(self._entries[index], box=self._clamped(box))
        self._redraw()
        self.boxes_changed.emit()

    # -- view ------------------------------------------------------------------------------------
    def fit(self) -> None:
        if not self.sceneRect().isEmpty():
            self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(0.05 / current, min(factor, 40.0 / current))
        self.scale(factor, factor)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt naming
        delta = event.angleDelta().y()
        if delta:
            self.zoom(ZOOM_STEP if delta > 0 else 1 / ZOOM_STEP)
        event.accept()

    def _redraw(self) -> None:
        for item in self._items:
            self.scene().removeItem(item)
        self._items = []
        for i, entry in enumerate(self._entries):
            b = entry.box
            selected = i == self._selected
            pen = QPen(QColor("#ffca28") if selected else QColor("#00e676"))
            pen.setCosmetic(True)
            pen.setWidthF(2.5 if selected else 1.5)
            item = self.scene().addRect(
                QRectF(b.x1, b.y1, b.width, b.height),
                pen,
                QBrush(QColor(255, 202, 40, 40)) if selected else QBrush(),
            )
            label = self.scene().addSimpleText(str(i + 1))
            label.setBrush(pen.color())
            label.setFlag(label.GraphicsItemFlag.ItemIgnoresTransformations)
            label.setPos(b.x1, b.y1 - 2)
            self._items += [item, label]

    def _clamped(self, box: Box) -> Box:
        w, h = self.image_size()
        x1, x2 = sorted((box.x1, box.x2))
        y1, y2 = sorted((box.y1, box.y2))
        if w and h:
            x1, x2 = max(0.0, min(x1, w)), max(0.0, min(x2, w))
            y1, y2 = max(0.0, min(y1, h)), max(0.0, min(y2, h))
        return Box(x1, y1, x2, y2)

    # -- mouse -----------------------------------------------------------------------------------
    def hit_test(self, p: QPointF) -> tuple[str, int]:
        """(mode, index) under scene point ``p``: mode is a set of edges 'l','r','t','b', 'move' or ''."""
        tol = HANDLE_PX / max(self.transform().m11(), 1e-6)
        order = ([self._selected] if self._selected >= 0 else []) + [
            i for i in range(len(self._entries) - 1, -1, -1) if i != self._selected
        ]
        for i in order:
            b = self._entries[i].box
            if not (b.x1 - tol <= p.x() <= b.x2 + tol and b.y1 - tol <= p.y() <= b.y2 + tol):
                continue
            mode = ""
            if abs(p.x() - b.x1) <= tol:
                mode += "l"
            elif abs(p.x() - b.x2) <= tol:
                mode += "r"
            if abs(p.y() - b.y1) <= tol:
                mode += "t"
            elif abs(p.y() - b.y2) <= tol:
                mode += "b"
            return (mode or "move"), i
        return "", -1

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        p = self.mapToScene(event.position().toPoint())
        self.setFocus()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._snapshot()
            self._entries.append(BoxEntry(self._clamped(Box(p.x(), p.y(), p.x(), p.y()))))
            self._selected = len(self._entries) - 1
            self._drag = ("rb", self._selected, p, self._entries[-1].box)
            self._redraw()
            self.selection_changed.emit(self._selected)
            return event.accept()
        mode, index = self.hit_test(p)
        if index < 0:
            self._pan_last = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return event.accept()
        self.select(index)
        self._snapshot()
        self._drag = (mode, index, p, self._entries[index].box)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_last is not None:
            d = event.position() - self._pan_last
            self._pan_last = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(d.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(d.y()))
            return event.accept()
        if self._drag is None:
            mode, _ = self.hit_test(self.mapToScene(event.position().toPoint()))
            cursors = {
                "l": Qt.CursorShape.SizeHorCursor,
                "r": Qt.CursorShape.SizeHorCursor,
                "t": Qt.CursorShape.SizeVerCursor,
                "b": Qt.CursorShape.SizeVerCursor,
                "lt": Qt.CursorShape.SizeFDiagCursor,
                "rb": Qt.CursorShape.SizeFDiagCursor,
                "rt": Qt.CursorShape.SizeBDiagCursor,
                "lb": Qt.CursorShape.SizeBDiagCursor,
                "move": Qt.CursorShape.SizeAllCursor,
            }
            self.viewport().setCursor(cursors.get(mode, Qt.CursorShape.CrossCursor))
            return super().mouseMoveEvent(event)
        mode, index, start, b = self._drag
        p = self.mapToScene(event.position().toPoint())
        dx, dy = p.x() - start.x(), p.y() - start.y()
        if mode == "move":
            new = Box(b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy)
            w, h = self.image_size()
            sx = -min(new.x1, 0.0) - max(new.x2 - w, 0.0) if w else 0.0
            sy = -min(new.y1, 0.0) - max(new.y2 - h, 0.0) if h else 0.0
            new = Box(new.x1 + sx, new.y1 + sy, new.x2 + sx, new.y2 + sy)
        else:
            new = Box(
                b.x1 + dx if "l" in mode else b.x1,
                b.y1 + dy if "t" in mode else b.y1,
                b.x2 + dx if "r" in mode else b.x2,
                b.y2 + dy if "b" in mode else b.y2,
            )
        self._entries[index] = replace(self._entries[index], box=self._clamped(new))
        self._redraw()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_last is not None:
            self._pan_last = None
            self.viewport().unsetCursor()
            return event.accept()
        if self._drag is None:
            return super().mouseReleaseEvent(event)
        _mode, index, _start, original = self._drag
        self._drag = None
        box = self._entries[index].box
        if box.width < MIN_SIZE or box.height < MIN_SIZE:
            if original.width < MIN_SIZE:  # a click with Ctrl, not a drawn box: drop it
                self._entries, self._selected = self._undo.pop()
            else:
                self._entries[index] = replace(self._entries[index], box=original)
                self._undo.pop()
            self._redraw()
            self.selection_changed.emit(self._selected)
            return event.accept()
        if box == original:
            self._undo.pop()  # a click that changed nothing is not an undo step
        else:
            self.boxes_changed.emit()
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
            return event.accept()
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
            return event.accept()
        if event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(ZOOM_STEP)
            return event.accept()
        if event.key() == Qt.Key.Key_Minus:
            self.zoom(1 / ZOOM_STEP)
            return event.accept()
        if event.key() == Qt.Key.Key_0:
            self.fit()
            return event.accept()
        super().keyPressEvent(event)
