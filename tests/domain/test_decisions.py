"""Gate decisions from the registry entry of a plate."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gatekeeper.domain.decisions import decide
from gatekeeper.domain.types import Decision, Vehicle, VehicleCategory

KST = timezone(timedelta(hours=9))
NOON = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def visitor(start: datetime | None, end: datetime | None) -> Vehicle:
    return Vehicle("12가3456", VehicleCategory.VISITOR, valid_from=start, valid_until=end)


def test_unknown_plate() -> None:
    assert decide(None, NOON) is Decision.UNKNOWN


@pytest.mark.parametrize("category", [VehicleCategory.RESIDENT, VehicleCategory.STAFF])
def test_registered(category: VehicleCategory) -> None:
    assert decide(Vehicle("12가3456", category), NOON) is Decision.REGISTERED


def test_denied_wins_even_inside_a_window() -> None:
    v = Vehicle("12가3456", VehicleCategory.DENIED, valid_from=NOON - timedelta(days=1))
    assert decide(v, NOON) is Decision.DENIED


def test_visitor_inside_window() -> None:
    assert decide(visitor(NOON - timedelta(hours=1), NOON + timedelta(hours=1)), NOON) is Decision.VISITOR


def test_visitor_without_window_is_a_visitor() -> None:
    assert decide(visitor(None, None), NOON) is Decision.VISITOR


def test_visitor_before_window_is_unknown() -> None:
    assert decide(visitor(NOON + timedelta(minutes=1), None), NOON) is Decision.UNKNOWN


def test_expired_visitor_is_unknown() -> None:
    assert decide(visitor(None, NOON - timedelta(seconds=1)), NOON) is Decision.UNKNOWN


def test_window_edges_are_inclusive() -> None:
    assert decide(visitor(NOON, NOON), NOON) is Decision.VISITOR


def test_naive_datetimes_are_utc() -> None:
    naive_noon = NOON.replace(tzinfo=None)
    v = visitor(naive_noon - timedelta(hours=1), naive_noon + timedelta(hours=1))
    assert decide(v, NOON) is Decision.VISITOR  # aware "when", naive window
    assert decide(v, naive_noon) is Decision.VISITOR  # both naive
    assert decide(v, naive_noon + timedelta(hours=2)) is Decision.UNKNOWN


def test_other_time_zones_compare_by_instant() -> None:
    # 20:00 KST is 11:00 UTC: inside a window that ends at noon UTC.
    v = visitor(None, NOON)
    assert decide(v, datetime(2026, 11, 21, 20, 0, tzinfo=KST)) is Decision.VISITOR
    assert decide(v, datetime(2026, 11, 21, 21, 30, tzinfo=KST)) is Decision.UNKNOWN


def test_default_time_is_now() -> None:
    now = datetime.now(timezone.utc)
    assert decide(visitor(now - timedelta(hours=1), now + timedelta(hours=1))) is Decision.VISITOR
    assert decide(visitor(None, now - timedelta(hours=1))) is Decision.UNKNOWN
