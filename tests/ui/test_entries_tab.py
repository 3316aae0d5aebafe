"""Entries tab with a real SQLite log: filter bar, background CSV export, plate correction dialog."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QDate, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.types import Decision, Lane, PassRecord
from gatekeeper.services.entries import EntriesService
from gatekeeper.storage.db import Database
from gatekeeper.ui.correction_dialog import CorrectionDialog
from gatekeeper.ui.entries_tab import EntriesTab

PLATES = ["12가3456", "34나5678", "서울12가3456", "LS15EBC", "AB12CDE"]
DECISIONS = [Decision.REGISTERED, Decision.UNKNOWN, Decision.VISITOR, Decision.DENIED]


def commit_text(widget: QWidget, text: str) -> None:
    """Type ``text`` the way a Korean IME delivers it (QTest.keyClicks only handles ASCII)."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


@pytest.fixture()
def paths() -> AppPaths:
    return AppPaths.default().ensure()


@pytest.fixture()
def service(paths: AppPaths) -> EntriesService:
    db = Database.for_paths(paths)
    db.upgrade()
    yield EntriesService(db)
    db.dispose()


def fill(service: EntriesService, n: int, start: datetime) -> list[PassRecord]:
    return [service.repo.add(PassRecord(
        plate_read=PLATES[i % len(PLATES)], confidence=0.6, time_utc=start + timedelta(hours=i),
        camera="Gate A" if i % 2 == 0 else "Gate B", lane=Lane.ENTRY, decision=DECISIONS[i % 4],
    )) for i in range(n)]


def local_noon(days_ago: int) -> datetime:
    day = datetime.now().astimezone().replace(hour=12, minute=0, second=0, microsecond=0)
    return (day - timedelta(days=days_ago)).astimezone(timezone.utc)


def test_filter_bar_drives_the_query(qtbot, service) -> None:
    fill(service, 60, local_noon(10))  # 60 hours from 10 days ago: spread over three local days
    tab = EntriesTab(service, page_size=20)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_cameras(["Gate C"])
    assert [tab.camera_combo.itemData(i) for i in range(tab.camera_combo.count())] == [
        None, "Gate C", "Gate A", "Gate B"]
    assert tab.model.total == 60 and tab.model.rowCount() == 20
    assert "60" in tab.count_label.text()

    commit_text(tab.plate_edit, "가34")
    qtbot.waitUntil(lambda: tab.model.total == 24)
    assert {tab.model.record(r).plate for r in range(tab.model.rowCount())} == {"12가3456", "서울12가3456"}
    tab.plate_edit.clear()
    qtbot.keyClicks(tab.plate_edit, "ab12")
    qtbot.waitUntil(lambda: tab.model.total == 12)

    tab.plate_edit.clear()
    tab.apply_filter()
    day = QDate.currentDate().addDays(-9)
    tab.date_check.setChecked(True)
    tab.date_from.setDate(day)
    tab.date_to.setDate(day)
    expected = sum(1 for i in range(60)
                   if (local_noon(10) + timedelta(hours=i)).astimezone().date() == day.toPython())
    assert tab.model.total == expected > 0
    tab.date_check.setChecked(False)

    tab.decision_combo.setCurrentIndex(tab.decision_combo.findData(Decision.DENIED.value))
    tab.camera_combo.setCurrentIndex(tab.camera_combo.findData("Gate B"))
    assert tab.model.total == 15
    assert all(tab.model.record(r).decision is Decision.DENIED for r in range(tab.model.rowCount()))


def test_export_csv_of_filtered_rows_runs_in_background(qtbot, service, tmp_path: Path) -> None:
    fill(service, 700, local_noon(100))
    tab = EntriesTab(service, page_size=50)
    qtbot.addWidget(tab)
    tab.show()
    commit_text(tab.plate_edit, "서울")
    qtbot.waitUntil(lambda: tab.model.total == 140)
    out = tmp_path / "entries.csv"
    progress: list[tuple[int, int]] = []
    tab.export_progress.connect(lambda d, t: progress.append((d, t)))
    with qtbot.waitSignal(tab.export_finished, timeout=20000) as finished:
        tab.export_csv(out)
        assert not tab.export_button.isEnabled()  # returns at once; the window stays responsive
    assert finished.args == [str(out)]
    assert tab.export_button.isEnabled()
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 140
    assert {r["plate"] for r in rows} == {"서울12가3456"}
    assert progress and progress[-1] == (140, 140)
    assert "140" in tab.count_label.text()


def test_correct_plate_keeps_the_original_read(qtbot, service, paths: AppPaths) -> None:
    crop = QImage(240, 60, QImage.Format.Format_RGB32)
    crop.fill(QColor("white"))
    assert crop.save(str(paths.images_dir / "crop.png"))
    record = service.repo.add(PassRecord("12가3458", 0.41, local_noon(1), "Gate A", Lane.ENTRY,
                                         Decision.UNKNOWN, crop_path="crop.png"))
    fill(service, 3, local_noon(2))
    tab = EntriesTab(service, operator="kim", images_dir=paths.images_dir)
    qtbot.addWidget(tab)
    tab.show()
    assert not tab.correct_button.isEnabled()
    tab.table.selectRow(0)
    assert tab.selected_record().id == record.id and tab.correct_button.isEnabled()

    seen: dict[str, object] = {}

    def fill_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CorrectionDialog)
        seen["image"] = dialog.image_label.pixmap() is not None and not dialog.image_label.pixmap().isNull()
        seen["original"] = dialog.original_label.text()
        edit = dialog.plate_edit.line_edit
        seen["unchanged_blocked"] = not dialog.save_button.isEnabled()
        edit.clear()
        qtbot.keyClicks(edit, "12")
        commit_text(edit, "가")
        qtbot.keyClicks(edit, "345")
        seen["invalid_blocked"] = not dialog.save_button.isEnabled()
        seen["invalid_marked"] = bool(edit.property("invalid"))
        qtbot.keyClicks(edit, "6")
        seen["operator"] = dialog.operator_edit.text()
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(50, fill_dialog)
    with qtbot.waitSignal(tab.pass_corrected, timeout=10000) as sig:
        tab.correct_button.click()
    assert seen == {"image": True, "original": "12가3458", "unchanged_blocked": True,
                    "invalid_blocked": True, "invalid_marked": True, "operator": "kim"}
    updated = sig.args[0]
    assert (updated.plate_read, updated.corrected_plate) == ("12가3458", "12가3456")
    stored = service.get(record.id)
    assert stored.plate_read == "12가3458" and stored.plate == "12가3456"
    history = service.corrections(record.id)
    assert [(c.old_text, c.new_text, c.operator) for c in history] == [("12가3458", "12가3456", "kim")]
    assert tab.model.record(0).plate == "12가3456"
    tab.table.selectRow(0)
    assert tab.register_button.isEnabled()
    with qtbot.waitSignal(tab.register_requested) as reg:
        tab.register_button.click()
    assert reg.args == ["12가3456"]


def test_correction_dialog_without_image_uses_os_user(qtbot) -> None:
    rec = PassRecord("LS15EBC", 0.9, local_noon(0), "Gate", Lane.EXIT, Decision.UNKNOWN, id=7)
    dialog = CorrectionDialog(rec)
    qtbot.addWidget(dialog)
    assert dialog.image_label.text() == "No image"
    assert dialog.operator()  # the OS user name
    dialog.plate_edit.setText("LS15 EBD")
    assert dialog.save_button.isEnabled() and dialog.new_text() == "LS15EBD"
    dialog.operator_edit.clear()
    assert not dialog.save_button.isEnabled()
