"""Registered vehicles: CRUD and search, returning ``gatekeeper.domain.types.Vehicle`` objects."""

from __future__ import annotations

import logging

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gatekeeper.domain.plates import normalize_plate
from gatekeeper.domain.types import Vehicle, VehicleCategory
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import DuplicateError, NotFoundError
from gatekeeper.storage.models import VehicleRow

log = logging.getLogger(__name__)

VEHICLE_SORT = {
    "plate": VehicleRow.plate,
    "owner": VehicleRow.owner,
    "unit": VehicleRow.unit,
    "category": VehicleRow.category,
    "valid_until": VehicleRow.valid_until,
    "updated_at": VehicleRow.updated_at,
    "id": VehicleRow.id,
}


def to_vehicle(row: VehicleRow) -> Vehicle:
    return Vehicle(
        plate=row.plate,
        category=VehicleCategory(row.category),
        owner=row.owner,
        unit=row.unit,
        phone=row.phone,
        notes=row.notes,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        id=row.id,
    )


def _apply(row: VehicleRow, v: Vehicle) -> None:
    row.plate = normalize_plate(v.plate)
    row.category = VehicleCategory(v.category).value
    row.owner = v.owner or ""
    row.unit = v.unit or ""
    row.phone = v.phone or ""
    row.notes = v.notes or ""
    row.valid_from = v.valid_from
    row.valid_until = v.valid_until


class VehicleRepository:
    """The site's vehicle registry table (plates are stored normalized and are unique)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, vehicle: Vehicle) -> Vehicle:
        """Insert ``vehicle``; ``DuplicateError`` when its plate is already registered."""
        plate = normalize_plate(vehicle.plate)

        def work(s: Session) -> Vehicle:
            if s.scalar(select(VehicleRow.id).where(VehicleRow.plate == plate)) is not None:
                raise DuplicateError(f"The plate {plate} is already registered.")
            row = VehicleRow()
            _apply(row, vehicle)
            s.add(row)
            self._flush(s, plate)
            return to_vehicle(row)

        return self.db.run(work)

    def update(self, vehicle: Vehicle) -> Vehicle:
        """Replace the stored fields of ``vehicle.id``; ``NotFoundError``/``DuplicateError`` as fitting."""
        if vehicle.id is None:
            raise NotFoundError("Cannot update a vehicle that was never saved (it has no id).")
        plate = normalize_plate(vehicle.plate)

        def work(s: Session) -> Vehicle:
            row = s.get(VehicleRow, vehicle.id)
            if row is None:
                raise NotFoundError(f"Vehicle #{vehicle.id} no longer exists.")
            same = select(VehicleRow.id).where(VehicleRow.plate == plate, VehicleRow.id != vehicle.id)
            other = s.scalar(same)
            if other is not None:
                raise DuplicateError(f"The plate {plate} is already registered to another vehicle.")
            _apply(row, vehicle)
            self._flush(s, plate)
            return to_vehicle(row)

        return self.db.run(work)

    def delete(self, vehicle_id: int) -> None:
        """Delete a vehicle (logged passes keep their text; their link becomes empty)."""

        def work(s: Session) -> None:
            row = s.get(VehicleRow, vehicle_id)
            if row is None:
                raise NotFoundError(f"Vehicle #{vehicle_id} no longer exists.")
            s.delete(row)

        self.db.run(work)

    def get(self, vehicle_id: int) -> Vehicle | None:
        return self.db.run(lambda s: _opt(s.get(VehicleRow, vehicle_id)), write=False)

    def get_by_plate(self, plate: str) -> Vehicle | None:
        """The vehicle registered under ``plate`` (normalized before the lookup)."""
        key = normalize_plate(plate)
        if not key:
            return None
        return self.db.run(
            lambda s: _opt(s.scalar(select(VehicleRow).where(VehicleRow.plate == key))), write=False
        )

    def list(self, offset: int = 0, limit: int | None = None, sort: str = "plate",
             descending: bool = False) -> list[Vehicle]:
        """A page of vehicles sorted by ``sort`` (one of ``VEHICLE_SORT``)."""
        return self.search("", offset=offset, limit=limit, sort=sort, descending=descending)

    def search(self, text: str, offset: int = 0, limit: int | None = None, sort: str = "plate",
               descending: bool = False) -> list[Vehicle]:
        """Vehicles whose plate (normalized), owner, unit, phone or notes contain ``text``."""
        col = VEHICLE_SORT.get(sort)
        if col is None:
            raise ValueError(f"unknown vehicle sort column {sort!r}; use one of {sorted(VEHICLE_SORT)}")
        stmt = self._filtered(select(VehicleRow), text)
        stmt = stmt.order_by(col.desc() if descending else col.asc(), VehicleRow.id.asc()).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return self.db.run(lambda s: [to_vehicle(r) for r in s.scalars(stmt)], write=False)

    def count(self, text: str = "") -> int:
        stmt = self._filtered(select(func.count(VehicleRow.id)), text)
        return int(self.db.run(lambda s: s.scalar(stmt) or 0, write=False))

    @staticmethod
    def _filtered(stmt, text: str):  # type: ignore[no-untyped-def]
        text = (text or "").strip()
        if not text:
            return stmt
        conds = [
            VehicleRow.owner.contains(text, autoescape=True),
            VehicleRow.unit.contains(text, autoescape=True),
            VehicleRow.phone.contains(text, autoescape=True),
            VehicleRow.notes.contains(text, autoescape=True),
        ]
        key = normalize_plate(text)
        if key:
            conds.append(VehicleRow.plate.contains(key, autoescape=True))
        return stmt.where(or_(*conds))

    @staticmethod
    def _flush(s: Session, plate: str) -> None:
        try:
            s.flush()
        except IntegrityError as exc:
            raise DuplicateError(f"The plate {plate} is already registered.") from exc


def _opt(row: VehicleRow | None) -> Vehicle | None:
    return to_vehicle(row) if row is not None else None
