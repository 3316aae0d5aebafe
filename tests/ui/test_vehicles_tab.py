"""Vehicles tab with a real SQLite registry: add/edit/delete through the real dialogs, CSV round trip."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.types import Vehicle, VehicleCategory
from gatekeeper.services.registry import VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.ui.vehicle_dialog import VehicleDialog
from gatekeeper.ui.vehicles_tab import VehiclesTab


def commit_text(widget: QWidget, text: str) -> None:
    """Type ``text`` the way a Korean IME delivers it (QTest.keyClicks only handles ASCII)."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


def on_modal(handler: Callable[[QWidget], None], failures: list[BaseException]) -> None:
    """Run ``handler`` on the next modal dialog (opened by a blocking exec())."""

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, run)
            return
        try:
            handler(dialog)
        except BaseException as exc:  # noqa: BLE001 - re-raised by the test
            failures.append(exc)
            dialog.reject()

    QTimer.singleShot(20, run)


@pytest.fixture()
def registry() -> VehicleRegistry:
    db = Database.for_paths(AppPaths.default().ensure())
    db.upgrade()
    yield VehicleRegistry(db)
    db.dispose()


def test_add_edit_delete_through_the_dialog(qtbot, registry) -> None:
    tab = VehiclesTab(registry)
    qtbot.addWidget(tab)
    tab.show()
    failures: list[BaseException] = []
    seen: dict[str, object] = {}

    def add(dialog: QWidget) -> None:
        assert isinstance(dialog, VehicleDialog)
        plate = dialog.plate_edit.line_edit
        seen["empty_blocked"] = not dialog.save_button.isEnabled()
        qtbot.keyClicks(plate, "12")
        commit_text(plate, "가")
        qtbot.keyClicks(plate, "34")
        seen["invalid_blocked"] = not dialog.save_button.isEnabled()
        seen["invalid_marked"] = bool(plate.property("invalid"))
        seen["message"] = dialog.plate_edit.message.text()
        qtbot.keyClicks(plate, "56")
        commit_text(dialog.owner_edit, "김민수")
        qtbot.keyClicks(dialog.unit_edit, "101-1203")
        qtbot.keyClicks(dialog.phone_edit, "010-1234-5678")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    on_modal(add, failures)
    saved = tab.add_vehicle()
    assert not failures, failures
    assert seen["empty_blocked"] and seen["invalid_blocked"] and seen["invalid_marked"]
    assert "Not a valid plate" in seen["message"]
    assert saved is not None and saved.plate == "12가3456" and saved.id is not None
    stored = registry.lookup("12가3456")
    assert (stored.owner, stored.unit, stored.phone, stored.category) == (
        "김민수", "101-1203", "010-1234-5678", VehicleCategory.RESIDENT)
    assert tab.model.rowCount() == 1 and tab.selected_vehicle().plate == "12가3456"

    def edit(dialog: QWidget) -> None:
        assert dialog.plate_edit.line_edit.text() == "12가3456"
        dialog.category_combo.setCurrentIndex(dialog.category_combo.findData("visitor"))
        seen["window_enabled"] = dialog.valid_until_edit.isEnabled()
        dialog.valid_until_edit.setDateTime(dialog.valid_from_edit.dateTime().addSecs(-3600))
        seen["window_blocked"] = not dialog.save_button.isEnabled() and dialog.error_label.isVisible()
        dialog.valid_until_edit.setDateTime(dialog.valid_from_edit.dateTime().addDays(3))
        qtbot.keyClicks(dialog.notes_edit, "moving in")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    on_modal(edit, failures)
    tab.edit_button.click()
    assert not failures, failures
    assert seen["window_enabled"] and seen["window_blocked"]
    v = registry.lookup("12가3456")
    assert v.category is VehicleCategory.VISITOR and v.notes == "moving in"
    assert v.valid_until - v.valid_from == timedelta(days=3)

    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])

    def answer(box: QWidget) -> None:
        assert isinstance(box, QMessageBox) and "12가3456" in box.text()
        box.button(next(answers)).click()

    on_modal(answer, failures)
    assert tab.delete_selected() is False
    assert registry.lookup("12가3456") is not None
    on_modal(answer, failures)
    assert tab.delete_selected() is True
    assert not failures, failures
    assert registry.lookup("12가3456") is None and tab.model.rowCount() == 0


def test_duplicate_plate_message_keeps_dialog_open(qtbot, registry) -> None:
    registry.add(Vehicle("LS15EBC", owner="A"))
    tab = VehiclesTab(registry)
    qtbot.addWidget(tab)
    dialog = tab.vehicle_dialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.plate_edit.line_edit, "ls15 ebc")
    assert dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result_vehicle() is None
    assert "already registered" in dialog.error_label.text()
    assert dialog.focusWidget() is dialog.plate_edit.line_edit
    assert registry.count() == 1


def test_search_and_csv_round_trip(qtbot, registry, tmp_path: Path) -> None:
    until = datetime(2030, 1, 1, tzinfo=timezone.utc)
    registry.add(Vehicle("12가3456", owner="김민수", unit="101-1203"))
    registry.add(Vehicle("서울34나5678", category=VehicleCategory.STAFF, owner="이영희", unit="경비실"))
    registry.add(Vehicle("LS15EBC", category=VehicleCategory.VISITOR, owner="John", valid_until=until))
    registry.add(Vehicle("34다1234", category=VehicleCategory.DENIED, notes="=cmd|calc"))
    tab = VehiclesTab(registry)
    qtbot.addWidget(tab)
    tab.show()
    commit_text(tab.search_edit, "김민")
    assert tab.model.rowCount() == 1 and tab.model.vehicle(0).plate == "12가3456"
    tab.search_edit.clear()
    qtbot.keyClicks(tab.search_edit, "ls15")
    assert [tab.model.vehicle(r).plate for r in range(tab.model.rowCount())] == ["LS15EBC"]
    tab.search_edit.clear()
    assert tab.model.rowCount() == 4

    out = tmp_path / "vehicles.csv"
    assert tab.export_csv(out) == 4
    assert "4" in tab.status_label.text()
    before = {v.plate: v for v in registry.list()}
    for v in before.values():
        registry.delete(v.id)
    tab.model.reload()
    assert tab.model.rowCount() == 0

    bad = out.read_text(encoding="utf-8-sig") + "12가34,누구,,,resident,,,\n99하9999,,,,alien,,,\n"
    out.write_text(bad, encoding="utf-8-sig")
    report = tab.import_csv(out)
    assert (report.added, len(report.errors)) == (4, 2)
    assert tab.import_report.isVisible()
    lines = tab.import_report.toPlainText().splitlines()
    assert lines[0].startswith("Line 6:") and "12가34" in lines[0]
    assert lines[1].startswith("Line 7:") and "alien" in lines[1]
    after = {v.plate: v for v in registry.list()}
    assert after.keys() == before.keys()
    for plate, v in before.items():
        a = after[plate]
        assert (a.owner, a.unit, a.phone, a.category, a.notes, a.valid_until) == (
            v.owner, v.unit, v.phone, v.category, v.notes, v.valid_until)
    assert tab.model.rowCount() == 4
