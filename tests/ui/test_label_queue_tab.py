"""The "To label" tab: lists the queue, badge count, opens the dialog, refreshes after labelling."""

from __future__ import annotations

from datetime import datetime, timezone

import cv2
import numpy as np
import pytest

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import Settings
from gatekeeper.domain.types import Box, Decision, Lane, PassRecord
from gatekeeper.services.labeling import LabelingService
from gatekeeper.storage.db import Database
from gatekeeper.storage.labeling_repo import LabeledPlate, LabelingRepository
from gatekeeper.ui.label_queue_tab import LabelQueueTab, tab_title


@pytest.fixture
def service(tmp_path):
    paths = AppPaths.default().ensure()
    db = Database.for_paths(paths)
    db.upgrade()
    yield LabelingService(LabelingRepository(db), paths, Settings(), user="tester")
    db.dispose()


def _queue(svc: LabelingService, tmp_path, n: int) -> list[int]:
    ids = []
    for k in range(n):
        frame = np.full((120, 160, 3), 60, np.uint8)
        cv2.rectangle(frame, (40, 80), (99, 94), (255, 255, 255), -1)
        path = tmp_path / f"f{k}.jpg"
        cv2.imwrite(str(path), frame)
        rec = PassRecord(
            plate_read="AB12",
            confidence=0.3,
            time_utc=datetime.now(timezone.utc),
            camera=f"Cam{k}",
            lane=Lane.ENTRY,
            decision=Decision.UNKNOWN,
            frame_path=str(path),
        )
        ids.append(svc.consider(rec))
    return ids


def test_lists_queue_badge_and_dialog(qtbot, service, tmp_path) -> None:
    tab = LabelQueueTab(service)
    qtbot.addWidget(tab)
    assert tab.count() == 0 and tab_title(0) == "To label" and not tab.label_button.isEnabled()
    ids = _queue(service, tmp_path, 3)
    with qtbot.waitSignal(tab.count_changed) as sig:
        tab.refresh()
    assert sig.args == [3] and tab_title(3) == "To label (3)"
    assert tab.table.rowCount() == 3 and tab.table.item(0, 1).text() == "Cam0"
    assert tab.table.item(0, 4).text() == "Low confidence"
    tab.table.selectRow(1)
    dialog = tab.open_dialog()
    qtbot.addWidget(dialog)
    assert dialog.current().id == ids[1]
    with qtbot.waitSignal(tab.count_changed) as sig:
        dialog.skip_current()
    assert sig.args == [2] and tab.table.rowCount() == 2
    service.save(ids[0], [LabeledPlate(Box(40, 80, 100, 95), "AB12CD")])
    with qtbot.waitSignal(tab.labels_saved) as saved:
        assert not dialog.save_current() and "box" in dialog.error.text()  # no box drawn yet
        dialog.editor.add_box(Box(40, 80, 100, 95))
        dialog.plate.setText("AB12")
        assert dialog.save_current()
        dialog.done(0)
    assert saved.args == [1] and tab.count() == 0
    assert "2 labelled" in tab.summary.text()


def test_installed_in_the_main_window_with_badge(qtbot, service, tmp_path) -> None:
    from gatekeeper.ui.label_queue_tab import install_labeling
    from gatekeeper.ui.main_window import AppContext, MainWindow

    ctx = AppContext(
        settings=Settings(),
        paths=service.paths,
        load_models=lambda: None,
        camera_factory=lambda *_a: (None, None),
        save_settings=False,
    )
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    tab = install_labeling(
        window,
        service,
        retrain_settings=Settings().retrain,
        new_labels=lambda: 0,
        data_dir=service.paths.data_dir,
    )
    index = window.tabs.indexOf(tab)
    assert index > 0 and window.tabs.tabText(index) == "To label"
    _queue(service, tmp_path, 2)
    window.pass_logged.emit(None)  # a pass was logged (and queued by the logging hook)
    assert window.tabs.tabText(index) == "To label (2)"
    assert tab.trigger.check() is None  # no new labels: nothing offered
    dialog = tab.open_retrain()
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and window.retrain_dialog is dialog


def test_the_quiet_hour_retrains_the_reader_the_labels_call_for(qtbot, service, tmp_path) -> None:
    from gatekeeper.training.site import synthetic_gate_frames
    from gatekeeper.ui.label_queue_tab import install_labeling
    from gatekeeper.ui.main_window import AppContext, MainWindow

    for k, (frame, box, text) in enumerate(synthetic_gate_frames(12, seed=2, latin=True)):
        path = tmp_path / f"latin{k}.jpg"
        cv2.imwrite(str(path), frame)
        service.save(service.enqueue_frame(path, text=text, box=box), [LabeledPlate(box, text, "foreign")])
    counts = service.dataset.counts()
    assert counts["plates_latin_val"] >= 1 and counts["plates_korean_train"] == 0
    ctx = AppContext(settings=Settings(), paths=service.paths, load_models=lambda: None,
                     camera_factory=lambda *_a: (None, None), save_settings=False)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    tab = install_labeling(window, service, retrain_settings=Settings().retrain, new_labels=lambda: 12,
                           data_dir=service.paths.data_dir)
    tab.trigger.start.emit(12)  # what the timer emits at the quiet hour with auto_start
    dialog = window.retrain_dialog
    qtbot.addWidget(dialog)
    assert dialog.kind.currentData() == "latin-reader" and dialog.is_running()
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    dialog.set_kind("reader")
    assert dialog.kind.currentData() == "reader" and dialog.amount_label.text() == "Steps"
    with pytest.raises(ValueError, match="unknown model kind"):
        dialog.set_kind("ocr")
