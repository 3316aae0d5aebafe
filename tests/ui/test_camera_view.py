"""CameraView / CameraGrid: draw a FrameResult (boxes, read, header, state) and keep the grid layout."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtGui import QColor

from gatekeeper.domain.settings import CameraSettings
from gatekeeper.domain.types import Box, Lane, PlateRead
from gatekeeper.pipeline.types import Detection, FrameResult, PlateObservation
from gatekeeper.ui.camera_grid import CameraGrid, grid_shape
from gatekeeper.ui.camera_view import CameraView
from gatekeeper.ui.style import BOX_READ_COLOUR


def _result(read: bool = True) -> FrameResult:
    frame = np.full((240, 320, 3), 60, np.uint8)
    box = Box(100, 150, 220, 190)
    obs = PlateObservation(Detection(box, 0.9), track_id=1,
                           read=PlateRead("12가3456", 0.93) if read else None)
    return FrameResult("Gate A", frame, time.time(), [obs], analysed_fps=7.5)


def test_view_draws_frame_boxes_and_read(qtbot) -> None:
    view = CameraView("Gate A", Lane.ENTRY)
    qtbot.addWidget(view)
    view.resize(320, 240)  # same size as the frame: 1:1 mapping
    view.show()
    view.set_state("running")
    view.show_result(_result())
    image = view.grab().toImage()
    assert view.has_frame and view.frames_shown == 1
    assert view.last_read() == "12가3456"
    # the box's left edge at x=100 is drawn in the "read" colour; the frame's grey is inside the box
    edge = QColor(image.pixel(100, 170))
    assert abs(edge.red() - BOX_READ_COLOUR.red()) < 40 and abs(edge.green() - BOX_READ_COLOUR.green()) < 40
    inside = QColor(image.pixel(160, 176))
    assert inside.getRgb()[:3] == (60, 60, 60)


def test_view_state_overlay_darkens_the_frame(qtbot) -> None:
    view = CameraView("Gate B", Lane.EXIT)
    qtbot.addWidget(view)
    view.resize(320, 240)
    view.show()
    view.show_result(_result(read=False))
    view.set_state("running")
    before = QColor(view.grab().toImage().pixel(20, 120)).red()
    view.set_state("reconnecting", "Reconnecting…")
    after = QColor(view.grab().toImage().pixel(20, 120)).red()
    assert view.state == "reconnecting"
    assert after < before


def test_grid_shapes_and_resize(qtbot) -> None:
    assert [grid_shape(n) for n in (1, 2, 3, 4)] == [(1, 1), (1, 2), (2, 2), (2, 2)]
    grid = CameraGrid()
    qtbot.addWidget(grid)
    cams = [CameraSettings(name=f"Cam {i}", source="demo", lane=Lane.ENTRY if i % 2 else Lane.EXIT)
            for i in range(3)]
    grid.set_cameras(cams)
    grid.resize(800, 600)
    grid.show()
    qtbot.waitExposed(grid)
    views = grid.views()
    assert len(views) == 3
    w0, h0 = views[0].width(), views[0].height()
    assert abs(w0 - views[1].width()) <= 2 and abs(h0 - views[2].height()) <= 2
    assert views[2].y() > views[0].y() and views[1].x() > views[0].x()  # 2x2
    grid.resize(1200, 500)
    qtbot.wait(20)
    assert views[0].width() > w0 and abs(views[0].width() - views[1].width()) <= 2
    grid.set_cameras(cams[:1])
    assert grid.view("Cam 0") is not None and grid.view("Cam 1") is None
