"""EntriesService: the log's filter/sort/page API, corrections that re-decide, CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gatekeeper.domain.types import Decision, Lane, PassRecord, PlateRead, Vehicle
from gatekeeper.services.entries import EntriesService, EntryFilter, EntrySort, day_filter
from gatekeeper.services.registry import ValidationError, VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import NotFoundError
from gatekeeper.storage.passes import PassRepository

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'gk.sqlite3'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def service(db: Database) -> EntriesService:
    repo = PassRepository(db)
    for i in range(30):
        text = ["12가3456", "34나5678", "LS15EBC"][i % 3]
        repo.add(PassRecord(text, 0.5 + i / 100, T0 + timedelta(minutes=10 * i), f"Cam {i % 2}",
                            Lane.ENTRY if i % 2 else Lane.EXIT, Decision.UNKNOWN, plate_format="kr_private",
                            reads=[PlateRead(text, 0.8)]))
    return EntriesService(db, VehicleRegistry(db))


def test_query_count_and_pages(service: EntriesService) -> None:
    assert service.count() == 30 and service.count(EntryFilter(plate="가34")) == 10
    page = service.query(EntryFilter(camera="Cam 1"), EntrySort("time", descending=False), 0, 5)
    assert [p.camera for p in page] == ["Cam 1"] * 5
    assert [p.time_utc for p in page] == sorted(p.time_utc for p in page)
    by_plate = service.query(None, EntrySort("plate"), 0, 30)
    assert [p.plate for p in by_plate] == sorted((p.plate for p in by_plate), reverse=True)
    assert service.query(None, EntrySort("format"), 25, 10) and len(service.query(None, None, 25, 10)) == 5
    flt = EntryFilter(start=T0 + timedelta(minutes=60), end=T0 + timedelta(minutes=120))
    assert service.count(flt) == 6
    assert service.count(EntryFilter(decision=Decision.UNKNOWN, lane=Lane.EXIT)) == 15
    assert service.cameras() == ["Cam 0", "Cam 1"]
    assert len(service.latest(3)) == 3


def test_day_filter_covers_one_local_day(service: EntriesService) -> None:
    flt = day_filter(T0)
    assert flt.end - flt.start == timedelta(days=1)
    assert flt.start <= T0 < flt.end
    assert 0 < service.count(flt) <= 30


def test_correction_redecides_and_keeps_the_original(service: EntriesService) -> None:
    vehicle = service.registry.add(Vehicle("12가3457"))
    target = service.query(EntryFilter(plate="12가3456"), None, 0, 1)[0]
    fixed = service.correct(target.id, "12가 3457", "kim")
    assert fixed.plate == "12가3457" and fixed.plate_read == "12가3456"
    assert fixed.decision is Decision.REGISTERED and fixed.vehicle_id == vehicle.id
    assert [(c.old_text, c.new_text) for c in service.corrections(target.id)] == [("12가3456", "12가3457")]
    assert service.get(target.id).reads[0].text == "12가3456"
    with pytest.raises(ValidationError):
        service.correct(target.id, "not a plate", "kim")
    forced = service.correct(target.id, "외교123456", "kim", force=True)
    assert forced.decision is Decision.UNKNOWN and forced.vehicle_id is None
    with pytest.raises(NotFoundError):
        service.correct(123456, "12가3456", "kim")


def test_export_streams_pages_with_progress_and_can_be_cancelled(service: EntriesService,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "entries.csv"
    seen: list[tuple[int, int]] = []
    n = service.export_csv(EntryFilter(camera="Cam 0"), out, progress=lambda d, t: seen.append((d, t)))
    assert n == 15 and seen[-1] == (15, 15)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 15 and {r["camera"] for r in rows} == {"Cam 0"}
    assert "12가3456" in {r["plate"] for r in rows}
    assert [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    # cancel: the previous file stays as it was and no temp file is left behind
    n2 = service.export_csv(None, out, cancelled=lambda: True)
    assert n2 == 0 and out.read_bytes() == raw
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv") == ["entries.csv"]
