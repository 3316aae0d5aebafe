"""CSV import/export: the vehicle registry (round-trips) and the filtered entries log (streamed).

Files are written as UTF-8 with a BOM so Excel shows Hangul correctly; imports also accept the
CP949 files Korean Excel writes. Cells that Excel would run as formulas get a leading apostrophe
on export (removed again on import).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from pathlib import Path

from gatekeeper.domain.files import atomic_open
from gatekeeper.domain.types import Vehicle, VehicleCategory
from gatekeeper.services.registry import ValidationError, VehicleRegistry
from gatekeeper.storage.errors import StorageError
from gatekeeper.storage.passes import PassFilter, PassRepository

log = logging.getLogger(__name__)

VEHICLE_COLUMNS = ("plate", "owner", "unit", "phone", "category", "valid_from", "valid_until", "notes")
ENTRY_COLUMNS = ("id", "time", "camera", "lane", "plate", "plate_read", "corrected_plate", "confidence",
                 "decision", "plate_format", "model_version", "frame_path", "crop_path")
CATEGORY_ALIASES = {
    "입주민": VehicleCategory.RESIDENT, "거주자": VehicleCategory.RESIDENT, "주민": VehicleCategory.RESIDENT,
    "직원": VehicleCategory.STAFF, "방문": VehicleCategory.VISITOR, "방문객": VehicleCategory.VISITOR,
    "방문자": VehicleCategory.VISITOR, "출입금지": VehicleCategory.DENIED, "차단": VehicleCategory.DENIED,
}
_FORMULA_START = ("=", "@", "\t", "\r")
_NUMBERISH = re.compile(r"[+-]?[\d\s().+-]*")
_DATE_ONLY = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})")


Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class _Cancelled(Exception):
    """Raised inside the row generator when the operator cancels an export."""


class CsvError(ValueError):
    """The file as a whole cannot be read (missing header, unreadable encoding...)."""


@dataclass(frozen=True)
class RowError:
    """Why one CSV row was not imported (``line`` is the 1-based line in the file, header = 1)."""

    line: int
    plate: str
    message: str


@dataclass
class ImportReport:
    """The outcome of an import: good rows are imported even when others fail."""

    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# -- vehicles ---------------------------------------------------------------------------------------
def export_vehicles(registry: VehicleRegistry, path: Path, page_size: int = 500) -> int:
    """Write every registered vehicle to ``path``; returns the number of rows."""

    def rows() -> Iterator[list[str]]:
        offset = 0
        while True:
            page = registry.list("", offset=offset, limit=page_size, sort="plate")
            for v in page:
                yield [v.plate, v.owner, v.unit, v.phone, v.category.value, _fmt_dt(v.valid_from),
                       _fmt_dt(v.valid_until), v.notes]
            if len(page) < page_size:
                return
            offset += page_size

    return _write_csv(path, VEHICLE_COLUMNS, rows())


def import_vehicles(registry: VehicleRegistry, path: Path, update_existing: bool = False) -> ImportReport:
    """Register the vehicles of a CSV file; bad rows are reported and skipped, good rows imported."""
    text = _read_text(Path(path))
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise CsvError(f"{path} is empty; expected a header line: {','.join(VEHICLE_COLUMNS)}")
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    if "plate" not in names:
        raise CsvError(f"{path} has no 'plate' column; expected the header: {','.join(VEHICLE_COLUMNS)}")
    unknown = [n for n in names if n and n not in VEHICLE_COLUMNS]
    if unknown:
        log.warning("ignoring unknown CSV columns %s in %s", unknown, path)
    report = ImportReport()
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        row = {n: _unescape(c.strip()) for n, c in zip(names, cells)}
        plate = row.get("plate", "")
        try:
            vehicle = _vehicle_from_row(row)
            existing = registry.lookup(plate) if update_existing else None
            if existing is not None:
                vehicle.id = existing.id
                registry.edit(vehicle)
                report.updated += 1
            else:
                registry.add(vehicle)
                report.added += 1
        except (ValidationError, ValueError) as exc:
            report.errors.append(RowError(line, plate, str(exc)))
        except StorageError as exc:
            report.errors.append(RowError(line, plate, str(exc)))
    log.info("imported %d, updated %d vehicles from %s; %d rows refused", report.added, report.updated,
             path, len(report.errors))
    return report


def _vehicle_from_row(row: dict[str, str]) -> Vehicle:
    cat_text = row.get("category", "") or VehicleCategory.RESIDENT.value
    category = CATEGORY_ALIASES.get(cat_text)
    if category is None:
        try:
            category = VehicleCategory(cat_text.lower())
        except ValueError:
            choices = ", ".join(c.value for c in VehicleCategory)
            raise ValidationError(f"Unknown category '{cat_text}'; use one of: {choices}.",
                                  "category") from None
    return Vehicle(
        plate=row.get("plate", ""), category=category, owner=row.get("owner", ""), unit=row.get("unit", ""),
        phone=row.get("phone", ""), notes=row.get("notes", ""),
        valid_from=parse_datetime(row.get("valid_from", ""), "valid_from"),
        valid_until=parse_datetime(row.get("valid_until", ""), "valid_until", end_of_day=True),
    )


def parse_datetime(text: str, name: str, end_of_day: bool = False) -> datetime | None:
    """ISO date/time; a bare date (2026-11-21, 2026.11.21) is local midnight, or 23:59:59 for an end."""
    text = (text or "").strip()
    if not text:
        return None
    m = _DATE_ONLY.fullmatch(text)
    try:
        if m:
            d = datetime(int(m[1]), int(m[2]), int(m[3]))
            dt = datetime.combine(d.date(), time(23, 59, 59) if end_of_day else time(0, 0))
        else:
            dt = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{name} '{text}' is not a date; use YYYY-MM-DD or YYYY-MM-DD HH:MM.",
                              name) from None
    return dt.astimezone(timezone.utc) if dt.tzinfo is None else dt


def _fmt_dt(dt: datetime | None) -> str:
    return dt.astimezone().isoformat() if dt else ""


# -- entries ----------------------------------------------------------------------------------------
def export_entries(repo: PassRepository, flt: PassFilter | None, path: Path, *, local_tz: bool = True,
                   page_size: int = 500, progress: Progress | None = None,
                   cancelled: Cancelled | None = None) -> int:
    """Write the passes matching ``flt`` (id order, streamed page by page); returns the row count.

    ``progress(done, total)`` after every page; ``cancelled()`` true stops the export, leaves ``path``
    untouched and returns the rows written so far.
    """
    total = repo.count(flt) if progress is not None else 0
    done = 0

    def rows() -> Iterator[list[str]]:
        nonlocal done
        for page in repo.iter_pages(flt, page_size):
            if cancelled is not None and cancelled():
                raise _Cancelled
            for p in page:
                t = p.time_utc.astimezone() if local_tz else p.time_utc
                yield [str(p.id), t.isoformat(timespec="seconds"), p.camera, p.lane.value, p.plate,
                       p.plate_read, p.corrected_plate or "", f"{p.confidence:.3f}", p.decision.value,
                       p.plate_format, p.model_version, p.frame_path, p.crop_path]
            done += len(page)
            if progress is not None:
                progress(done, max(total, done))

    try:
        return _write_csv(path, ENTRY_COLUMNS, rows())
    except _Cancelled:
        log.info("entries export to %s cancelled after %d rows", path, done)
        return done


# -- plumbing ---------------------------------------------------------------------------------------
def _write_csv(path: Path, header: Iterable[str], rows: Iterable[list[str]]) -> int:
    """Atomic write (temp file, fsync, replace) of a UTF-8-with-BOM CSV; returns the data row count."""
    n = 0
    with atomic_open(Path(path), "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(list(header))
        for r in rows:
            w.writerow([_escape(c) for c in r])
            n += 1
    return n


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CsvError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    for enc in ("utf-8-sig", "cp949"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise CsvError(f"{path} is neither UTF-8 nor CP949 text; save it from Excel as 'CSV UTF-8'.")


def _escape(cell: str) -> str:
    if not cell:
        return cell
    if cell.startswith(_FORMULA_START) or (cell[0] in "+-" and not _NUMBERISH.fullmatch(cell)):
        return "'" + cell
    return cell


def _unescape(cell: str) -> str:
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=@\t\r+-":
        return cell[1:]
    return cell
