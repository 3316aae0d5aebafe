"""VehicleRepository on a real SQLite file: CRUD, duplicates, search, paging, FK behaviour."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import pytest

from gatekeeper.domain.types import PassRecord, Vehicle, VehicleCategory
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import DuplicateError, NotFoundError
from gatekeeper.storage.passes import PassRepository
from gatekeeper.storage.vehicles import VehicleRepository

MakePass = Callable[..., PassRecord]


def test_crud_roundtrip_returns_domain_objects(db: Database) -> None:
    repo = VehicleRepository(db)
    until = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)
    v = repo.add(Vehicle("12가 3456", VehicleCategory.VISITOR, owner="김민수", unit="101-1203",
                         phone="010-1234-5678", notes="택배",
                         valid_from=datetime(2026, 11, 1, tzinfo=timezone.utc), valid_until=until))
    assert isinstance(v, Vehicle) and v.id is not None and v.plate == "12가3456"
    got = repo.get_by_plate("12가-3456")
    assert got == v and got.valid_until == until and got.valid_until.tzinfo is not None
    v.owner = "이영희"
    v.plate = "12가3457"
    repo.update(v)
    assert repo.get(v.id).owner == "이영희" and repo.get_by_plate("12가3456") is None
    repo.delete(v.id)
    assert repo.get(v.id) is None and repo.count() == 0
    with pytest.raises(NotFoundError):
        repo.delete(v.id)


def test_duplicate_plates_are_refused(db: Database) -> None:
    repo = VehicleRepository(db)
    a = repo.add(Vehicle("LS15EBC"))
    with pytest.raises(DuplicateError, match="LS15EBC"):
        repo.add(Vehicle("ls15 ebc"))
    b = repo.add(Vehicle("AB12CDE"))
    b.plate = "LS15-EBC"
    with pytest.raises(DuplicateError):
        repo.update(b)
    assert repo.get(b.id).plate == "AB12CDE" and repo.get(a.id).plate == "LS15EBC"


def test_search_sort_and_paging(db: Database) -> None:
    repo = VehicleRepository(db)
    for i in range(25):
        repo.add(Vehicle(f"{10 + i}가{1000 + i}", owner=f"owner{i:02d}", unit=f"동{i % 3}"))
    repo.add(Vehicle("서울12가3456", owner="박지성"))
    assert repo.count() == 26
    page1, page2 = repo.list(0, 10), repo.list(10, 10)
    assert len(page1) == 10 and not {v.id for v in page1} & {v.id for v in page2}
    assert [v.plate for v in page1] == sorted(v.plate for v in page1)
    assert [v.owner for v in repo.search("박지")] == ["박지성"]
    assert [v.plate for v in repo.search("서울")] == ["서울12가3456"]
    assert len(repo.search("동1")) == 8 and repo.count("동1") == 8
    assert repo.list(0, 1, sort="owner", descending=True)[0].owner == "박지성"
    assert repo.search("100%") == []  # LIKE wildcards are escaped
    with pytest.raises(ValueError):
        repo.list(sort="nonsense")


def test_deleting_a_vehicle_keeps_its_passes(db: Database, make_pass: MakePass) -> None:
    vehicles, passes = VehicleRepository(db), PassRepository(db)
    v = vehicles.add(Vehicle("12가3456"))
    rec = make_pass("12가3456")
    rec.vehicle_id = v.id
    stored = passes.add(rec)
    assert stored.vehicle_id == v.id
    vehicles.delete(v.id)
    again = passes.get(stored.id)
    assert again is not None and again.vehicle_id is None and again.plate_read == "12가3456"
