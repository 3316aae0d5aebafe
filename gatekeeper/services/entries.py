"""The entries log as the UI sees it: filtered, sorted pages, counts, corrections and CSV export."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from gatekeeper.domain.decisions import decide
from gatekeeper.domain.plates import is_valid_plate
from gatekeeper.domain.types import Correction, PassRecord
from gatekeeper.services.registry import ValidationError, VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import NotFoundError
from gatekeeper.storage.passes import SORT_COLUMNS, PassFilter, PassRepository

log = logging.getLogger(__name__)

__all__ = ["SORT_COLUMNS", "EntriesService", "PassFilter"]


class EntriesService:
    """Read and correct the gate log page by page (the table model never loads the whole table)."""

    def __init__(self, db: Database, registry: VehicleRegistry | None = None) -> None:
        self.repo = PassRepository(db)
        self.registry = registry or VehicleRegistry(db)

    def query(self, flt: PassFilter | None = None, sort: str = "time_utc", descending: bool = True,
              offset: int = 0, limit: int = 100) -> list[PassRecord]:
        """One page of passes; ``sort`` is a key of ``SORT_COLUMNS``."""
        return self.repo.query(flt, sort, descending, offset, limit)

    def count(self, flt: PassFilter | None = None) -> int:
        return self.repo.count(flt)

    def get(self, pass_id: int) -> PassRecord | None:
        """One pass with its per-frame reads (for the detail view)."""
        return self.repo.get(pass_id)

    def latest(self, n: int = 20) -> list[PassRecord]:
        return self.repo.latest(n)

    def cameras(self) -> list[str]:
        return self.repo.cameras()

    def corrections(self, pass_id: int) -> list[Correction]:
        return self.repo.corrections(pass_id)

    def correct(self, pass_id: int, text: str, operator: str, force: bool = False) -> PassRecord:
        """Record the operator's plate for a pass and re-decide it against the registry.

        The original read is kept; an empty ``text`` removes the correction. ``ValidationError`` when the
        text is not a plate (unless ``force``); ``NotFoundError`` when the pass is gone.
        """
        current = self.repo.get(pass_id)
        if current is None:
            raise NotFoundError(f"Pass #{pass_id} no longer exists.")
        text = (text or "").strip()
        if text and not force and not is_valid_plate(text):
            raise ValidationError(
                f"'{text}' is not a valid plate (e.g. 12가3456, 서울12가3456 or a Latin plate like LS15EBC).",
                "plate")
        plate = text or current.plate_read
        vehicle = self.registry.lookup(plate)
        decision = decide(vehicle, current.time_utc)
        record = self.repo.correct(pass_id, text, operator, decision=decision,
                                   vehicle_id=vehicle.id if vehicle else None)
        log.info("pass #%d corrected to %r by %s (%s)", pass_id, record.plate, operator, decision.value)
        return record

    def export_csv(self, flt: PassFilter | None, path: Path, local_tz: bool = True) -> int:
        """Write the matching passes to ``path`` (UTF-8 with BOM, streamed in pages); returns the row count."""
        from gatekeeper.services.csv_io import export_entries

        return export_entries(self.repo, flt, path, local_tz=local_tz)


def day_filter(day: datetime, **kwargs: object) -> PassFilter:
    """A filter for the local calendar day of ``day`` (naive = local time), for the log's date picker."""
    start = day.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    return PassFilter(since=start, until=start + timedelta(days=1), **kwargs)  # type: ignore[arg-type]
