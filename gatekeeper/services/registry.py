"""The site's vehicle registry: validated add/edit/delete and plate lookup (Qt-free)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone

from gatekeeper.domain.plates import normalize_plate, parse_plate
from gatekeeper.domain.types import Vehicle, VehicleCategory
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import DuplicateError, StorageError
from gatekeeper.storage.vehicles import VehicleRepository

log = logging.getLogger(__name__)

MAX_FIELD = {"owner": 128, "unit": 64, "phone": 64}


class ValidationError(ValueError):
    """A vehicle entry the registry refuses; ``field`` names the offending field for the form."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class VehicleRegistry:
    """Registered vehicles with the site's rules: valid plate grammar, visitor windows, no duplicates."""

    def __init__(self, db: Database) -> None:
        self.repo = VehicleRepository(db)

    def validate(self, vehicle: Vehicle, now: datetime | None = None) -> Vehicle:
        """A normalized copy of ``vehicle``, or ``ValidationError`` saying what is wrong."""
        raw = (vehicle.plate or "").strip()
        if not raw:
            raise ValidationError("Enter the plate number.", "plate")
        info = parse_plate(raw)
        if info is None:
            raise ValidationError(
                f"'{raw}' is not a valid plate. Korean plates look like 12가3456, 123가4567 or "
                "서울12가3456; foreign plates use 2-10 Latin letters and digits with at least one digit.",
                "plate",
            )
        try:
            category = VehicleCategory(vehicle.category)
        except ValueError:
            choices = ", ".join(c.value for c in VehicleCategory)
            raise ValidationError(f"Unknown category '{vehicle.category}'; use one of: {choices}.",
                                  "category") from None
        for name, limit in MAX_FIELD.items():
            if len(getattr(vehicle, name) or "") > limit:
                raise ValidationError(f"The {name} is too long (at most {limit} characters).", name)
        start, end = _aware(vehicle.valid_from), _aware(vehicle.valid_until)
        if category is VehicleCategory.VISITOR:
            if end is None:
                raise ValidationError("A visitor needs the end of the visit (valid until).", "valid_until")
            if start is None:  # a visit registered without a start is valid from the start of today
                local = (now or datetime.now(timezone.utc)).astimezone()
                start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
        if start is not None and end is not None and end < start:
            raise ValidationError("'Valid until' must not be before 'valid from'.", "valid_until")
        return replace(vehicle, plate=info.text, category=category, valid_from=start, valid_until=end,
                       owner=(vehicle.owner or "").strip(), unit=(vehicle.unit or "").strip(),
                       phone=(vehicle.phone or "").strip(), notes=(vehicle.notes or "").strip())

    def add(self, vehicle: Vehicle) -> Vehicle:
        """Validate and register ``vehicle``; ``ValidationError`` for bad input or a duplicate plate."""
        v = self.validate(vehicle)
        try:
            return self.repo.add(replace(v, id=None))
        except DuplicateError as exc:
            raise ValidationError(f"The plate {v.plate} is already registered.", "plate") from exc

    def edit(self, vehicle: Vehicle) -> Vehicle:
        """Validate and save changes of a registered vehicle (``vehicle.id`` set)."""
        if vehicle.id is None:
            raise ValidationError("This vehicle has not been registered yet.")
        v = self.validate(vehicle)
        try:
            return self.repo.update(v)
        except DuplicateError as exc:
            raise ValidationError(f"The plate {v.plate} is already registered to another vehicle.",
                                  "plate") from exc

    def delete(self, vehicle_id: int) -> None:
        self.repo.delete(vehicle_id)

    def get(self, vehicle_id: int) -> Vehicle | None:
        return self.repo.get(vehicle_id)

    def lookup(self, plate_text: str) -> Vehicle | None:
        """The registered vehicle for a read plate (normalized first), or ``None``."""
        if not normalize_plate(plate_text):
            return None
        return self.repo.get_by_plate(plate_text)

    def list(self, search: str = "", offset: int = 0, limit: int | None = None, sort: str = "plate",
             descending: bool = False) -> list[Vehicle]:
        """Vehicles (a page when ``limit`` is set) whose plate/owner/unit/phone/notes contain ``search``."""
        return self.repo.search(search, offset, limit, sort, descending)

    def search(self, text: str, offset: int = 0, limit: int | None = None, sort: str = "plate",
               descending: bool = False) -> list[Vehicle]:
        return self.repo.search(text, offset, limit, sort, descending)

    def count(self, text: str = "") -> int:
        return self.repo.count(text)


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


__all__ = ["StorageError", "ValidationError", "VehicleRegistry"]
