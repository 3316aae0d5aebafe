"""VehicleRegistry: plate grammar, category rules, duplicates, lookups (real SQLite file)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gatekeeper.domain.types import Vehicle, VehicleCategory
from gatekeeper.services.registry import ValidationError, VehicleRegistry
from gatekeeper.storage.db import Database


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[VehicleRegistry]:
    db = Database(f"sqlite:///{tmp_path / 'gk.sqlite3'}")
    db.upgrade()
    yield VehicleRegistry(db)
    db.dispose()


def test_valid_korean_and_latin_plates_are_normalized(registry: VehicleRegistry) -> None:
    a = registry.add(Vehicle(" 12가 3456 ", owner=" 김민수 "))
    b = registry.add(Vehicle("ls15-ebc", category=VehicleCategory.STAFF))
    c = registry.add(Vehicle("서울 12가 3456"))
    assert (a.plate, a.owner, b.plate, c.plate) == ("12가3456", "김민수", "LS15EBC", "서울12가3456")
    assert registry.lookup("12가3456") == a and registry.lookup("LS15 EBC") == b
    assert registry.lookup("99가9999") is None and registry.lookup("") is None and registry.count() == 3


@pytest.mark.parametrize("plate", ["", "hey", "12가34", "ABCDEFGHI", "가가가", "1234567890123"])
def test_invalid_plates_are_refused_with_a_clear_message(registry: VehicleRegistry, plate: str) -> None:
    with pytest.raises(ValidationError) as err:
        registry.add(Vehicle(plate))
    assert err.value.field == "plate" and ("plate" in str(err.value))
    assert registry.count() == 0


def test_duplicates_are_refused(registry: VehicleRegistry) -> None:
    first = registry.add(Vehicle("12가3456"))
    with pytest.raises(ValidationError, match="already registered"):
        registry.add(Vehicle("12가 3456"))
    other = registry.add(Vehicle("34나5678"))
    other.plate = "12가-3456"
    with pytest.raises(ValidationError, match="another vehicle"):
        registry.edit(other)
    first.owner = "이영희"
    assert registry.edit(first).owner == "이영희"  # saving itself is not a duplicate


def test_visitor_rules(registry: VehicleRegistry) -> None:
    now = datetime.now(timezone.utc)
    with pytest.raises(ValidationError, match="end of the visit") as err:
        registry.add(Vehicle("12가3456", VehicleCategory.VISITOR))
    assert err.value.field == "valid_until"
    with pytest.raises(ValidationError, match="before"):
        registry.add(Vehicle("12가3456", VehicleCategory.VISITOR, valid_from=now,
                             valid_until=now - timedelta(hours=1)))
    v = registry.add(Vehicle("12가3456", VehicleCategory.VISITOR, valid_until=now + timedelta(hours=2)))
    assert v.valid_from is not None and v.valid_from <= now  # the window starts now by default
    with pytest.raises(ValidationError):
        registry.add(Vehicle("34나5678", VehicleCategory.RESIDENT, valid_from=now,
                             valid_until=now - timedelta(days=1)))
    naive = registry.add(Vehicle("LS15EBC", VehicleCategory.VISITOR, valid_from=datetime(2026, 1, 1),
                                 valid_until=datetime(2026, 1, 2)))
    assert naive.valid_from == datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_edit_delete_and_search(registry: VehicleRegistry) -> None:
    v = registry.add(Vehicle("12가3456", owner="김민수", unit="101동"))
    registry.add(Vehicle("34나5678", owner="박지성", unit="102동"))
    assert [x.plate for x in registry.list("101")] == ["12가3456"]
    assert [x.plate for x in registry.search("가34")] == ["12가3456"]
    with pytest.raises(ValidationError):
        registry.edit(Vehicle("56다7890"))  # never saved
    with pytest.raises(ValidationError, match="too long"):
        registry.add(Vehicle("56다7890", owner="x" * 200))
    registry.delete(v.id)
    assert registry.lookup("12가3456") is None and registry.count() == 1
