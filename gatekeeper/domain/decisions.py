"""Decision rules: what a plate read means at the gate."""

from __future__ import annotations

from datetime import datetime, timezone

from gatekeeper.domain.types import Decision, Vehicle, VehicleCategory


def decide(vehicle: Vehicle | None, when: datetime | None = None) -> Decision:
    """Decide a pass from the registry entry for its plate (``None`` when the plate is not registered).

    Residents and staff are registered; denied vehicles are denied; visitors are visitors inside their
    validity window and unknown outside it.
    """
    if vehicle is None:
        return Decision.UNKNOWN
    if vehicle.category is VehicleCategory.DENIED:
        return Decision.DENIED
    if vehicle.category is VehicleCategory.VISITOR:
        now = _aware(when or datetime.now(timezone.utc))
        start = _aware(vehicle.valid_from) if vehicle.valid_from else None
        end = _aware(vehicle.valid_until) if vehicle.valid_until else None
        if (start and now < start) or (end and now > end):
            return Decision.UNKNOWN
        return Decision.VISITOR
    return Decision.REGISTERED


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
