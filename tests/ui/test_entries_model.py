"""Entries model over a real SQLite file: paging on demand, filters, sorting, live inserts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.types import Decision, Lane, PassRecord
from gatekeeper.services.entries import EntriesService, EntryFilter
from gatekeeper.storage.db import Database
from gatekeeper.ui.entries_model import (
    COL_CONF,
    COL_DECISION,
    COL_PLATE,
    COL_READ,
    COL_TIME,
    EntriesModel,
    matches,
)

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
PLATES = ["12가3456", "34나5678", "서울12가3456", "LS15EBC", "AB12CDE", "123가4567", "56다7890"]
DECISIONS = [Decision.REGISTERED, Decision.UNKNOWN, Decision.VISITOR, Decision.DENIED]


@pytest.fixture()
def service() -> EntriesService:
    db = Database.for_paths(AppPaths.default().ensure())
    db.upgrade()
    yield EntriesService(db)
    db.dispose()


def make_pass(i: int) -> PassRecord:
    return PassRecord(
        plate_read=PLATES[i % len(PLATES)], confidence=0.5 + (i % 50) / 100,
        time_utc=T0 + timedelta(hours=i), camera="Gate A" if i % 2 == 0 else "Gate B",
        lane=Lane.ENTRY if i % 2 == 0 else Lane.EXIT, decision=DECISIONS[i % len(DECISIONS)],
        plate_format="latin" if PLATES[i % len(PLATES)].isascii() else "kr_private",
    )


def fill(service: EntriesService, n: int) -> list[PassRecord]:
    return [service.repo.add(make_pass(i)) for i in range(n)]


def test_pages_on_demand_without_loading_everything(qtbot, service) -> None:
    fill(service, 500)
    model = EntriesModel(service, page_size=100)
    assert model.total == 500
    assert model.rowCount() == 100 and model.canFetchMore()
    # newest first by default
    assert model.record(0).time_utc == T0 + timedelta(hours=499)
    model.fetchMore()
    assert model.rowCount() == 200
    view = QTableView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.setModel(model)
    view.show()
    view.scrollToBottom()
    qtbot.wait(10)
    assert 200 <= model.rowCount() < 500  # the view pulls further pages only as it scrolls
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 500 and not model.canFetchMore()
    ids = [model.record(r).id for r in range(500)]
    assert len(set(ids)) == 500


def test_display_roles(qtbot, service) -> None:
    rec = fill(service, 4)[3]
    service.correct(rec.id, "LS15EBD", "kim")
    model = EntriesModel(service)
    idx = model.index(0, COL_PLATE)
    assert model.data(idx) == "LS15EBD"
    assert model.data(model.index(0, COL_READ)) == rec.plate_read
    assert rec.plate_read in model.data(idx, Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(0, COL_DECISION), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(0, COL_CONF)).endswith("%")
    expected_local = rec.time_utc.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert model.data(model.index(0, COL_TIME)) == expected_local
    assert model.headerData(COL_PLATE, Qt.Orientation.Horizontal) == "Plate"


def test_filters_partial_hangul_latin_date_and_decision(qtbot, service) -> None:
    fill(service, 140)
    model = EntriesModel(service, page_size=1000)
    model.set_filter(EntryFilter(plate="가34"))  # 12가3456, 서울12가3456
    plates = {model.record(r).plate for r in range(model.rowCount())}
    assert plates == {"12가3456", "서울12가3456"}
    assert model.total == 40
    model.set_filter(EntryFilter(plate="서울"))
    assert model.total == 20
    model.set_filter(EntryFilter(plate="ls15"))  # Latin, case-insensitive
    assert {model.record(r).plate for r in range(model.rowCount())} == {"LS15EBC"}
    model.set_filter(EntryFilter(start=T0 + timedelta(hours=10), end=T0 + timedelta(hours=20)))
    assert model.total == 10
    assert all(T0 + timedelta(hours=10) <= model.record(r).time_utc < T0 + timedelta(hours=20)
               for r in range(model.rowCount()))
    model.set_filter(EntryFilter(decision=Decision.DENIED, camera="Gate B"))
    assert model.total == 35
    assert all(model.record(r).decision is Decision.DENIED and model.record(r).camera == "Gate B"
               for r in range(model.rowCount()))
    model.set_filter(EntryFilter(plate="없는번호"))
    assert model.total == 0 and model.rowCount() == 0


def test_sorting_is_done_by_the_database(qtbot, service) -> None:
    fill(service, 300)
    model = EntriesModel(service, page_size=50)
    model.sort(COL_CONF, Qt.SortOrder.DescendingOrder)
    assert model.rowCount() == 50
    confs = [model.record(r).confidence for r in range(50)]
    assert confs == sorted(confs, reverse=True) and confs[0] == pytest.approx(0.99)
    model.sort(COL_TIME, Qt.SortOrder.AscendingOrder)
    assert model.record(0).time_utc == T0
    model.sort(COL_PLATE, Qt.SortOrder.AscendingOrder)
    while model.canFetchMore():
        model.fetchMore()
    plates = [model.record(r).plate for r in range(model.rowCount())]
    assert plates == sorted(plates)


def test_new_pass_slot_inserts_on_top_when_it_matches(qtbot, service) -> None:
    fill(service, 30)
    model = EntriesModel(service, page_size=10)
    model.set_filter(EntryFilter(camera="Gate A"))
    before = model.total
    new = service.repo.add(PassRecord("77라1234", 0.9, T0 + timedelta(days=40), "Gate A", Lane.ENTRY,
                                      Decision.UNKNOWN))
    with qtbot.waitSignal(model.rowsInserted):
        model.add_pass(new)
    assert model.record(0).id == new.id and model.total == before + 1
    other = service.repo.add(PassRecord("77라1235", 0.9, T0 + timedelta(days=41), "Gate B", Lane.EXIT,
                                        Decision.UNKNOWN))
    model.add_pass(other)
    assert model.record(0).id == new.id and model.total == before + 1
    assert not matches(EntryFilter(camera="Gate A"), other)
    model.set_filter(EntryFilter())
    assert model.total == 32
