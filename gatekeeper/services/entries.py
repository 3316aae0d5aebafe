"""The entries log as the UI sees it: filtered, sorted pages, counts, corrections and CSV export."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from gatekeeper.domain.decisions import decide
from gatekeeper.domain.plates import is_valid_plate
from gatekeeper.domain.types import Correction, Decision, Lane, PassRecord
from gatekeeper.services.csv_io import Cancelled, Progress, export_entries
from gatekeeper.services.registry import ValidationError, VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import NotFoundError
from gatekeeper.storage.passes import SORT_COLUMNS, PassFilter, PassRepository

log = logging.getLogger(__name__)

__all__ = ["SORT_COLUMNS", "EntriesService", "EntryFilter", "EntrySort", "PassFilter", "day_filter"]

SORT_ALIASES = {"time": "time_utc", "format": "plate_format"}


@dataclass(frozen=True)
class EntryFilter:
    """The log's filter bar: partial plate (Hangul/Latin, read or corrected), [start, end), one camera,
    one decision, one lane. Empty fields do not filter."""

    plate: str = ""
    start: datetime | None = None
    end: datetime | None = None
    camera: str | None = None
    decision: Decision | None = None
    lane: Lane | None = None

    def to_pass_filter(self) -> PassFilter:
        return PassFilter(
            plate=self.plate, since=self.start, until=self.end,
            cameras=(self.camera,) if self.camera else (),
            decisions=(Decision(self.decision),) if self.decision else (),
            lane=Lane(self.lane) if self.lane else None,
        )


@dataclass(frozen=True)
class EntrySort:
    """Sort order of the log: ``key`` is a ``SORT_COLUMNS`` key or an alias (``time``, ``format``)."""

    key: str = "time"
    descending: bool = True

    @property
    def column(self) -> str:
        return SORT_ALIASES.get(self.key, self.key)


AnyFilter = EntryFilter | PassFilter | None


def as_pass_filter(flt: AnyFilter) -> PassFilter | None:
    return flt.to_pass_filter() if isinstance(flt, EntryFilter) else flt


class EntriesService:
    """Read and correct the gate log page by page (the table model never loads the whole table)."""

    def __init__(self, db: Database, registry: VehicleRegistry | None = None) -> None:
        self.repo = PassRepository(db)
        self.registry = registry or VehicleRegistry(db)

    def query(self, flt: AnyFilter = None, sort: EntrySort | None = None, offset: int = 0,
              limit: int = 100) -> list[PassRecord]:
        """One page of passes matching ``flt`` in ``sort`` order (default: newest first)."""
        sort = sort or EntrySort()
        return self.repo.query(as_pass_filter(flt), sort.column, sort.descending, offset, limit)

    def count(self, flt: AnyFilter = None) -> int:
        return self.repo.count(as_pass_filter(flt))

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

    def export_csv(self, flt: AnyFilter, path: Path, *, progress: Progress | None = None,
                   cancelled: Cancelled | None = None, local_tz: bool = True) -> int:
        """Write the matching passes to ``path`` (UTF-8 with BOM, streamed in pages); returns the row count.

        ``progress(done, total)`` is called after each page; when ``cancelled()`` turns true the export
        stops and ``path`` is left untouched.
        """
        return export_entries(self.repo, as_pass_filter(flt), path, local_tz=local_tz, progress=progress,
                              cancelled=cancelled)


def day_filter(day: datetime, **kwargs: object) -> EntryFilter:
    """A filter for the local calendar day of ``day`` (naive = local time), for the log's date picker."""
    start = day.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    return EntryFilter(start=start, end=start + timedelta(days=1), **kwargs)  # type: ignore[arg-type]
