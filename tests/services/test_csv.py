"""Vehicle CSV import/export (Excel-friendly) and the streamed entries export."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gatekeeper.domain.types import Decision, Lane, PassRecord, Vehicle, VehicleCategory
from gatekeeper.services.csv_io import (
    VEHICLE_COLUMNS,
    CsvError,
    export_entries,
    export_vehicles,
    import_vehicles,
)
from gatekeeper.services.registry import VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.storage.passes import PassFilter, PassRepository

MakeRegistry = Callable[..., VehicleRegistry]


@pytest.fixture
def make_registry(tmp_path: Path) -> Iterator[MakeRegistry]:
    made: list[Database] = []

    def make(name: str = "gk") -> VehicleRegistry:
        db = Database(f"sqlite:///{tmp_path / (name + '.sqlite3')}")
        db.upgrade()
        made.append(db)
        return VehicleRegistry(db)

    yield make
    for db in made:
        db.dispose()


def test_round_trip_gives_the_same_vehicles(make_registry: MakeRegistry, tmp_path: Path) -> None:
    src = make_registry("src")
    kst = timezone(timedelta(hours=9))
    src.add(Vehicle("12가3456", owner="김민수", unit="101동 1203호", phone="+82 10-1234-5678",
                    notes='주차 "B2", 지하'))
    src.add(Vehicle("LS15EBC", VehicleCategory.VISITOR, owner="=HYPERLINK(\"x\")", notes="@risk",
                    valid_from=datetime(2026, 11, 21, 9, 0, tzinfo=kst),
                    valid_until=datetime(2026, 11, 21, 18, 30, 15, 250000, tzinfo=kst)))
    src.add(Vehicle("서울12가3456", VehicleCategory.DENIED, notes="line one\nline two"))
    src.add(Vehicle("123가4567", VehicleCategory.STAFF, phone="-"))
    path = tmp_path / "vehicles.csv"
    assert export_vehicles(src, path) == 4
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows Hangul
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header == ",".join(VEHICLE_COLUMNS)
    assert "'=HYPERLINK" in raw.decode("utf-8-sig")  # Excel would run it as a formula otherwise
    dst = make_registry("dst")
    report = import_vehicles(dst, path)
    assert report.ok and report.added == 4

    def key(v: Vehicle) -> tuple:  # type: ignore[type-arg]
        return (v.plate, v.owner, v.unit, v.phone, v.category, v.valid_from, v.valid_until, v.notes)

    assert [key(v) for v in dst.list()] == [key(v) for v in src.list()]


def test_bad_rows_are_reported_and_good_rows_imported(make_registry: MakeRegistry,
                                                      tmp_path: Path) -> None:
    reg = make_registry()
    reg.add(Vehicle("99가9999"))
    path = tmp_path / "in.csv"
    path.write_text(
        "Plate,Owner,Category,Valid_From,Valid_Until,Colour\n"
        "12가3456,김민수,입주민,,,white\n"          # line 2 ok (Korean category alias)
        "hey,nobody,resident,,,\n"                 # line 3 bad plate
        "34나5678,박지성,방문,2026-11-21,,\n"       # line 4 visitor without end
        "LS15EBC,Smith,visitor,2026.11.21,2026.11.20,\n"  # line 5 end before start
        "56다7890,,alien,,,\n"                      # line 6 unknown category
        "\n"
        "78라1234,,visitor,2026-11-21,2026-11-22,\n"  # line 8 ok
        "99가 9999,dup,,,,\n"                       # line 9 already registered
        "12가3456,again,,,,\n"                      # line 10 duplicate within the file
        "AB12CDE,,staff,31/12/2026,,\n",            # line 11 bad date
        encoding="utf-8")
    report = import_vehicles(reg, path)
    assert report.added == 2 and not report.ok
    assert [(e.line, e.plate) for e in report.errors] == [
        (3, "hey"), (4, "34나5678"), (5, "LS15EBC"), (6, "56다7890"), (9, "99가 9999"), (10, "12가3456"),
        (11, "AB12CDE")]
    assert "already registered" in report.errors[4].message and "date" in report.errors[6].message
    visitor = reg.lookup("78라1234")
    local_start = datetime(2026, 11, 21).astimezone()
    assert visitor.valid_from == local_start
    assert visitor.valid_until == datetime(2026, 11, 22, 23, 59, 59).astimezone()
    assert reg.lookup("12가3456").owner == "김민수" and reg.count() == 3


def test_cp949_file_from_korean_excel_and_update_existing(make_registry: MakeRegistry,
                                                          tmp_path: Path) -> None:
    reg = make_registry()
    reg.add(Vehicle("12가3456", owner="old"))
    path = tmp_path / "excel.csv"
    path.write_bytes("plate,owner,unit\r\n12가3456,김민수,101동\r\n34나5678,이영희,102동\r\n".encode("cp949"))
    report = import_vehicles(reg, path, update_existing=True)
    assert (report.added, report.updated, report.errors) == (1, 1, [])
    assert reg.lookup("12가3456").owner == "김민수" and reg.lookup("34나5678").unit == "102동"


def test_unreadable_files_are_refused_as_a_whole(make_registry: MakeRegistry,
                                                 tmp_path: Path) -> None:
    reg = make_registry()
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CsvError, match="empty"):
        import_vehicles(reg, empty)
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("owner,unit\nkim,101\n")
    with pytest.raises(CsvError, match="plate"):
        import_vehicles(reg, nohead)
    with pytest.raises(CsvError, match="Cannot read"):
        import_vehicles(reg, tmp_path / "missing.csv")


def test_entries_export_streams_filtered_pages(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'gk.sqlite3'}")
    db.upgrade()
    repo = PassRepository(db)
    t0 = datetime(2026, 11, 20, tzinfo=timezone.utc)
    for i in range(23):
        repo.add(PassRecord(f"{10 + i}가{1000 + i}", 0.9, t0 + timedelta(minutes=i), "Gate", Lane.ENTRY,
                            Decision.UNKNOWN if i % 2 else Decision.REGISTERED))
    pages: list[int] = []
    n = export_entries(repo, PassFilter(decisions=(Decision.UNKNOWN,)), tmp_path / "e.csv", page_size=4,
                       local_tz=False, progress=lambda done, total: pages.append(done))
    assert n == 11 and pages == [4, 8, 11]
    rows = list(csv.DictReader((tmp_path / "e.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [r["decision"] for r in rows] == ["unknown"] * 11
    assert rows[0]["time"] == "2026-11-20T00:01:00+00:00" and rows[0]["confidence"] == "0.900"
    db.dispose()
