"""The labeling dialog driven like an operator: drag a box edge, type the plate, Enter, Esc, Ctrl+Z."""

from __future__ import annotations

from datetime import datetime, timezone

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import Settings
from gatekeeper.domain.types import Box, Decision, Lane, PassRecord
from gatekeeper.services.labeling import LabelingService
from gatekeeper.services.registry import VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.storage.labeling_repo import LabelingRepository
from gatekeeper.storage.passes import PassRepository
from gatekeeper.ui.labeling_dialog import LabelingDialog


@pytest.fixture
def env(tmp_path):
    paths = AppPaths.default().ensure()
    db = Database.for_paths(paths)
    db.upgrade()
    passes = PassRepository(db)
    svc = LabelingService(
        LabelingRepository(db),
        paths,
        Settings(),
        registry=VehicleRegistry(db),
        pass_corrector=passes.correct,
        user="tester",
    )
    ids = []
    for k in range(3):
        frame = np.full((240, 320, 3), 70 + k, np.uint8)
        cv2.rectangle(frame, (100, 150), (199, 179), (250, 250, 250), -1)
        path = tmp_path / f"frame{k}.jpg"
        cv2.imwrite(str(path), frame)
        rec = passes.add(
            PassRecord(
                plate_read="12가345",
                confidence=0.4,
                time_utc=datetime.now(timezone.utc),
                camera="Gate",
                lane=Lane.ENTRY,
                decision=Decision.UNKNOWN,
                frame_path=str(path),
            )
        )
        ids.append(svc.consider(rec, None))
    svc.repo.enqueue  # noqa: B018 - the queue is filled through consider(); boxes set below
    for item_id in ids:  # give each item the detector's (slightly wrong) box
        with db.session() as s:
            from gatekeeper.storage.models_labeling import LabelItemRow

            s.get(LabelItemRow, item_id).best_box_json = "[100, 150, 180, 180]"
    yield svc, passes, paths, ids
    db.dispose()


def _view_point(dialog: LabelingDialog, x: float, y: float) -> QPoint:
    return dialog.editor.mapFromScene(x, y)


def _drag(widget, start: QPoint, end: QPoint, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, modifier, start)
    steps = 5
    for i in range(1, steps + 1):
        QTest.mouseMove(widget, start + (end - start) * i / steps)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, modifier, end)


def _type(widget, text: str) -> None:
    """Type ``text`` as key events (QTest.keyClicks cannot send Hangul)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def _open(qtbot, svc) -> LabelingDialog:
    dialog = LabelingDialog(svc, svc.pending())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_drag_edge_type_plate_and_enter_saves(qtbot, env) -> None:
    svc, passes, paths, ids = env
    dialog = _open(qtbot, svc)
    assert dialog.progress.text() == "1 / 3"
    assert dialog.editor.boxes() == [Box(100, 150, 180, 180)]
    assert dialog.plate.line_edit.text() == "12가345"  # prefilled with the vote
    viewport = dialog.editor.viewport()
    _drag(viewport, _view_point(dialog, 180, 165), _view_point(dialog, 200, 165))  # right edge to x=200
    box = dialog.editor.boxes()[0]
    assert abs(box.x2 - 200) < 2.5 and box.x1 == 100 and box.y1 == 150 and box.y2 == 180
    dialog.plate.line_edit.setFocus()
    dialog.plate.line_edit.selectAll()
    _type(dialog.plate.line_edit, "12가3456")
    assert dialog.plate.is_valid()
    QTest.keyClick(dialog.plate.line_edit, Qt.Key.Key_Return)
    assert dialog.progress.text() == "2 / 3"
    item = svc.repo.get(ids[0])
    assert item.status == "labelled" and item.labelled_by == "tester"
    assert item.plates[0].plate == "12가3456" and abs(item.plates[0].box.x2 - 200) < 2.5
    label = (paths.labels_dir / "detector" / item.split / "labels" / f"item_{ids[0]}.txt").read_text().split()
    cls, cx, cy, w, h = label
    assert cls == "0" and abs(float(cx) - 150 / 320) < 0.01 and abs(float(w) - 100 / 320) < 0.01
    assert abs(float(cy) - 165 / 240) < 1e-3 and abs(float(h) - 30 / 240) < 1e-3
    crop = cv2.imread(str(paths.labels_dir / "reader" / item.split / f"item_{ids[0]}_0.png"))
    assert crop is not None and crop.shape[0] == 64 and crop[20:44, 10:-10].mean() > 200
    csv_rows = (
        (paths.labels_dir / "reader" / item.split / "labels.csv").read_text(encoding="utf-8").splitlines()
    )
    assert csv_rows[1:] == [f"item_{ids[0]}_0.png,12가3456"]
    assert passes.get(item.pass_id).corrected_plate == "12가3456"


def test_invalid_text_is_refused_with_message(qtbot, env) -> None:
    svc, _, paths, ids = env
    dialog = _open(qtbot, svc)
    dialog.plate.line_edit.selectAll()
    _type(dialog.plate.line_edit, "12가34")
    assert not dialog.plate.is_valid() and dialog.plate.line_edit.property("invalid")
    QTest.keyClick(dialog.plate.line_edit, Qt.Key.Key_Return)
    assert dialog.progress.text() == "1 / 3" and "not a valid plate" in dialog.error.text()
    assert svc.repo.get(ids[0]).status == "pending" and not (paths.labels_dir / "reader").exists()


def test_escape_skips_and_ctrl_z_undoes(qtbot, env) -> None:
    svc, _, _, ids = env
    dialog = _open(qtbot, svc)
    QTest.keyClick(dialog.plate.line_edit, Qt.Key.Key_Escape)
    assert dialog.progress.text() == "2 / 3" and svc.repo.get(ids[0]).status == "skipped"
    assert dialog.isVisible()
    viewport = dialog.editor.viewport()
    _drag(
        viewport,
        _view_point(dialog, 20, 20),
        _view_point(dialog, 80, 40),
        Qt.KeyboardModifier.ControlModifier,
    )
    assert len(dialog.editor.boxes()) == 2  # Ctrl+drag drew a second plate
    new = dialog.editor.boxes()[1]
    assert abs(new.x1 - 20) < 2.5 and abs(new.y2 - 40) < 2.5
    QTest.keyClick(dialog.editor, Qt.Key.Key_Delete)  # deletes the selected (new) box
    assert len(dialog.editor.boxes()) == 1
    QTest.keyClick(dialog.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(dialog.editor.boxes()) == 2
    QTest.keyClick(dialog.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert dialog.editor.boxes() == [Box(100, 150, 180, 180)]
    before = dialog.editor.transform().m11()
    centre = QPointF(dialog.editor.viewport().rect().center())
    wheel = QWheelEvent(
        centre,
        dialog.editor.mapToGlobal(centre),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(dialog.editor.viewport(), wheel)
    assert dialog.editor.transform().m11() == pytest.approx(before * 1.25)
