"""Repositories of the gate log (one module per aggregate); they return domain objects, never ORM rows."""

from __future__ import annotations

from gatekeeper.storage.passes import SORT_COLUMNS, PassFilter, PassRepository
from gatekeeper.storage.vehicles import VEHICLE_SORT, VehicleRepository

__all__ = ["SORT_COLUMNS", "VEHICLE_SORT", "PassFilter", "PassRepository", "VehicleRepository"]
