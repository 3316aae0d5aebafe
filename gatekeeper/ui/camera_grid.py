"""A grid of 1..4 live camera views: 1x1, 1x2, then 2x2; equal cells whatever the window size."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtWidgets import QGridLayout, QWidget

from gatekeeper.domain.settings import CameraSettings
from gatekeeper.ui.camera_view import CameraView

log = logging.getLogger(__name__)

MAX_CAMERAS = 4


def grid_shape(count: int) -> tuple[int, int]:
    """(rows, columns) for ``count`` cameras."""
    if count <= 1:
        return 1, 1
    if count == 2:
        return 1, 2
    return 2, 2


class CameraGrid(QWidget):
    """Holds one ``CameraView`` per enabled camera, looked up by camera name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.setSpacing(6)
        self._views: dict[str, CameraView] = {}

    def set_cameras(self, cameras: Sequence[CameraSettings]) -> None:
        """Replace the views with one per camera (at most four)."""
        for view in self._views.values():
            self._layout.removeWidget(view)
            view.deleteLater()
        self._views.clear()
        cameras = list(cameras)[:MAX_CAMERAS]
        rows, cols = grid_shape(len(cameras))
        for r in range(2):
            self._layout.setRowStretch(r, 1 if r < rows else 0)
        for c in range(2):
            self._layout.setColumnStretch(c, 1 if c < cols else 0)
        for i, cam in enumerate(cameras):
            view = CameraView(cam.name, cam.lane, self)
            self._layout.addWidget(view, i // cols, i % cols)
            self._views[cam.name] = view
        if not cameras:
            log.info("no enabled camera to show")

    def view(self, camera: str) -> CameraView | None:
        return self._views.get(camera)

    def views(self) -> list[CameraView]:
        return list(self._views.values())
