"""The gate log: add passes with their reads, filter/sort/page them, correct plates, spool on failure."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from gatekeeper.domain.plates import normalize_plate
from gatekeeper.domain.types import Box, Correction, Decision, Lane, PassRecord, PlateRead
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import NotFoundError, PassSpooledError, StorageError
from gatekeeper.storage.models import CameraRow, CorrectionRow, PassReadRow, PassRow, VehicleRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassFilter:
    """What the entries log shows. Empty fields do not filter.

    ``plate`` is a partial plate (Hangul or Latin, spaces/dashes ignored) matched against the read
    and the corrected text; ``since`` is inclusive, ``until`` exclusive.
    """

    plate: str = ""
    since: datetime | None = None
    until: datetime | None = None
    cameras: tuple[str, ...] = ()
    decisions: tuple[Decision, ...] = ()
    lane: Lane | None = None
    max_confidence: float | None = None
    corrected_only: bool = False


SORT_COLUMNS: dict[str, Any] = {
    "id": PassRow.id,
    "time_utc": PassRow.time_utc,
    "plate": func.coalesce(PassRow.corrected_plate, PassRow.plate_read),
    "plate_read": PassRow.plate_read,
    "corrected_plate": PassRow.corrected_plate,
    "confidence": PassRow.confidence,
    "camera": CameraRow.name,
    "lane": PassRow.lane,
    "decision": PassRow.decision,
    "plate_format": PassRow.plate_format,
    "model_version": PassRow.model_version,
}


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _read_to_json(r: PlateRead, box: Box | None, frame_time: float | None) -> dict[str, Any]:
    return {
        "text": r.text, "confidence": float(r.confidence),
        "char_confidences": [float(c) for c in r.char_confidences],
        "plate_format": r.plate_format, "reader": r.reader,
        "box": [float(box.x1), float(box.y1), float(box.x2), float(box.y2)] if box is not None else None,
        "frame_time": float(frame_time) if frame_time is not None else None,
    }


def record_to_json(record: PassRecord, uid: str, boxes: Sequence[Box | None] = (),
                   frame_times: Sequence[float | None] = (), source: str = "") -> dict[str, Any]:
    """The spool form of a pass (plain JSON)."""
    n = len(record.reads)
    bx = list(boxes) if len(boxes) == n else [None] * n
    ft = list(frame_times) if len(frame_times) == n else [None] * n
    return {
        "uid": uid, "plate_read": record.plate_read, "corrected_plate": record.corrected_plate,
        "confidence": float(record.confidence), "time_utc": _aware(record.time_utc).isoformat(),
        "camera": record.camera, "camera_source": source, "lane": Lane(record.lane).value,
        "decision": Decision(record.decision).value, "plate_format": record.plate_format,
        "frame_path": record.frame_path, "crop_path": record.crop_path, "model_version": record.model_version,
        "vehicle_id": record.vehicle_id,
        "reads": [_read_to_json(r, b, t) for r, b, t in zip(record.reads, bx, ft)],
    }


def record_from_json(d: dict[str, Any]) -> tuple[PassRecord, list[Box | None], list[float | None]]:
    reads = [PlateRead(r["text"], r["confidence"], tuple(r.get("char_confidences") or ()),
                       r.get("plate_format", ""), r.get("reader", "")) for r in d.get("reads", [])]
    boxes = [Box(*r["box"]) if r.get("box") else None for r in d.get("reads", [])]
    times = [r.get("frame_time") for r in d.get("reads", [])]
    rec = PassRecord(
        plate_read=d["plate_read"], confidence=d["confidence"],
        time_utc=datetime.fromisoformat(d["time_utc"]),
        camera=d["camera"], lane=Lane(d["lane"]), decision=Decision(d["decision"]),
        corrected_plate=d.get("corrected_plate"), frame_path=d.get("frame_path", ""),
        crop_path=d.get("crop_path", ""), model_version=d.get("model_version", ""),
        plate_format=d.get("plate_format", ""), vehicle_id=d.get("vehicle_id"), reads=reads,
    )
    return rec, boxes, times


def to_record(row: PassRow, with_reads: bool = False) -> PassRecord:
    reads = []
    if with_reads:
        reads = [PlateRead(r.text, r.confidence, tuple(json.loads(r.char_confidences or "[]")),
                           r.plate_format, r.reader) for r in row.reads]
    return PassRecord(
        plate_read=row.plate_read, confidence=row.confidence, time_utc=row.time_utc, camera=row.camera.name,
        lane=Lane(row.lane), decision=Decision(row.decision), corrected_plate=row.corrected_plate,
        frame_path=row.frame_path, crop_path=row.crop_path, model_version=row.model_version,
        plate_format=row.plate_format, vehicle_id=row.vehicle_id, reads=reads, id=row.id,
    )


class PassRepository:
    """The passes table and its reads and corrections; returns ``PassRecord`` objects."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- writing ----------------------------------------------------------------------------------
    def add(self, record: PassRecord, *, boxes: Sequence[Box | None] = (),
            frame_times: Sequence[float | None] = (), camera_source: str = "") -> PassRecord:
        """Commit ``record`` with its per-frame reads; returns it with its id.

        ``boxes``/``frame_times`` pair with ``record.reads`` (ignored unless the lengths match). When the
        commit fails the pass goes to the spool and ``PassSpooledError`` (with the record) is raised.
        """
        entry = record_to_json(record, uuid.uuid4().hex, boxes, frame_times, camera_source)
        try:
            stored = self.db.run(lambda s: self._insert(s, entry))
        except StorageError as exc:
            if self.db.spool is None:
                raise
            try:
                self.db.spool.append(entry)
            except OSError as spool_exc:
                raise StorageError(f"{exc} The pass could not be spooled either ({spool_exc}).") from exc
            raise PassSpooledError(
                f"{exc} The pass of {record.plate} is kept in {self.db.spool.path} and will be written "
                "as soon as the database accepts writes again.", record, exc) from exc
        if self.db.spool is not None and self.db.spool.path.exists():
            self.db.replay_spool()
        return stored

    def replay_spool(self) -> int:
        """Write every spooled pass not yet in the table (matched by uid); returns how many were written."""
        spool = self.db.spool
        if spool is None:
            return 0
        written, done = 0, []
        for entry in spool.entries():
            try:
                inserted = self.db.run(lambda s, e=entry: self._insert_once(s, e))
            except StorageError as exc:
                log.warning("spooled pass %s not replayed yet: %s", entry.get("uid"), exc)
                break
            except (KeyError, ValueError, TypeError) as exc:
                log.error("dropping an unreadable spooled pass %s: %s", entry.get("uid"), exc)
                done.append(entry["uid"])
                continue
            written += int(inserted)
            done.append(entry["uid"])
        spool.remove(done)
        if written:
            log.info("replayed %d spooled passes from %s", written, spool.path)
        return written

    def _insert_once(self, s: Session, entry: dict[str, Any]) -> bool:
        if s.scalar(select(PassRow.id).where(PassRow.uid == entry["uid"])) is not None:
            return False
        self._insert(s, entry)
        return True

    def _insert(self, s: Session, entry: dict[str, Any]) -> PassRecord:
        rec, boxes, times = record_from_json(entry)
        camera = self._camera(s, rec.camera, rec.lane, entry.get("camera_source", ""))
        vehicle_id = rec.vehicle_id
        if vehicle_id is not None and s.get(VehicleRow, vehicle_id) is None:
            vehicle_id = None  # deleted meanwhile (spool replay)
        corrected = normalize_plate(rec.corrected_plate) if rec.corrected_plate else None
        row = PassRow(
            uid=entry["uid"], plate_read=rec.plate_read, plate_norm=normalize_plate(rec.plate_read),
            corrected_plate=corrected, corrected_norm=corrected, confidence=float(rec.confidence),
            time_utc=rec.time_utc, camera=camera, lane=Lane(rec.lane).value,
            decision=Decision(rec.decision).value,
            plate_format=rec.plate_format, frame_path=rec.frame_path, crop_path=rec.crop_path,
            model_version=rec.model_version, vehicle_id=vehicle_id,
        )
        for r, b, t in zip(rec.reads, boxes, times):
            row.reads.append(PassReadRow(
                text=r.text, confidence=float(r.confidence),
                char_confidences=json.dumps(list(r.char_confidences)),
                plate_format=r.plate_format, reader=r.reader,
                box_json=json.dumps([b.x1, b.y1, b.x2, b.y2] if b is not None else None),
                frame_time=t,
            ))
        s.add(row)
        s.flush()
        return to_record(row, with_reads=True)

    @staticmethod
    def _camera(s: Session, name: str, lane: Lane, source: str) -> CameraRow:
        row = s.scalar(select(CameraRow).where(CameraRow.name == name))
        if row is not None:
            if source and row.source != source:
                row.source = source
            row.lane = Lane(lane).value
            return row
        row = CameraRow(name=name, source=source, lane=Lane(lane).value)
        try:
            with s.begin_nested():
                s.add(row)
        except IntegrityError:  # another gate created it at the same moment (PostgreSQL)
            row = s.scalars(select(CameraRow).where(CameraRow.name == name)).one()
        return row

    def correct(self, pass_id: int, new_text: str, operator: str, *, decision: Decision | None = None,
                vehicle_id: int | None = None) -> PassRecord:
        """Set the operator's plate text on a pass; the original read stays, a correction row is added.

        An empty ``new_text`` removes the correction. When ``decision`` is given the pass is re-decided:
        its decision and ``vehicle_id`` are replaced.
        """
        new = normalize_plate(new_text) or None

        def work(s: Session) -> PassRecord:
            row = s.get(PassRow, pass_id)
            if row is None:
                raise NotFoundError(f"Pass #{pass_id} no longer exists.")
            old = row.corrected_plate or row.plate_read
            row.corrected_plate = new
            row.corrected_norm = new
            if decision is not None:
                row.decision = Decision(decision).value
                row.vehicle_id = vehicle_id
            s.add(CorrectionRow(pass_id=row.id, old_text=old, new_text=new or "", operator=operator or "",
                                time_utc=datetime.now(timezone.utc)))
            s.flush()
            return to_record(row, with_reads=True)

        return self.db.run(work)

    def delete(self, pass_id: int) -> None:
        def work(s: Session) -> None:
            row = s.get(PassRow, pass_id)
            if row is None:
                raise NotFoundError(f"Pass #{pass_id} no longer exists.")
            s.delete(row)

        self.db.run(work)

    # -- reading ----------------------------------------------------------------------------------
    def get(self, pass_id: int) -> PassRecord | None:
        """One pass with its per-frame reads."""
        stmt = select(PassRow).options(selectinload(PassRow.reads)).where(PassRow.id == pass_id)

        def work(s: Session) -> PassRecord | None:
            row = s.scalar(stmt)
            return to_record(row, with_reads=True) if row is not None else None

        return self.db.run(work, write=False)

    def query(self, flt: PassFilter | None = None, sort: str = "time_utc", descending: bool = True,
              offset: int = 0, limit: int | None = 100, with_reads: bool = False) -> list[PassRecord]:
        """One page of passes matching ``flt``, sorted by ``sort`` (a key of ``SORT_COLUMNS``)."""
        col = SORT_COLUMNS.get(sort)
        if col is None:
            raise ValueError(f"unknown sort column {sort!r}; use one of {sorted(SORT_COLUMNS)}")
        tie = PassRow.id.desc() if descending else PassRow.id.asc()
        stmt = self._filtered(select(PassRow).join(PassRow.camera), flt)
        stmt = stmt.order_by(col.desc() if descending else col.asc(), tie).offset(max(0, offset))
        if limit is not None:
            stmt = stmt.limit(limit)
        if with_reads:
            stmt = stmt.options(selectinload(PassRow.reads))
        return self.db.run(lambda s: [to_record(r, with_reads) for r in s.scalars(stmt).unique()],
                           write=False)

    def count(self, flt: PassFilter | None = None) -> int:
        stmt = self._filtered(select(func.count(PassRow.id)).select_from(PassRow).join(PassRow.camera), flt)
        return int(self.db.run(lambda s: s.scalar(stmt) or 0, write=False))

    def latest(self, n: int = 20) -> list[PassRecord]:
        """The ``n`` most recent passes, newest first."""
        return self.query(None, "time_utc", True, 0, n)

    def iter_pages(self, flt: PassFilter | None = None, page_size: int = 500) -> Iterator[list[PassRecord]]:
        """Every matching pass in id order, a page at a time (keyset paging: stable under new inserts)."""
        last = 0
        while True:
            stmt = self._filtered(select(PassRow).join(PassRow.camera), flt).where(PassRow.id > last)
            stmt = stmt.order_by(PassRow.id.asc()).limit(page_size)
            page = self.db.run(lambda s, st=stmt: [to_record(r) for r in s.scalars(st)], write=False)
            if not page:
                return
            yield page
            last = page[-1].id or last
            if len(page) < page_size:
                return

    def cameras(self) -> list[str]:
        """Names of the cameras that have logged passes (for the log's camera filter)."""
        return self.db.run(lambda s: list(s.scalars(select(CameraRow.name).order_by(CameraRow.name))),
                           write=False)

    def corrections(self, pass_id: int | None = None, since: datetime | None = None) -> list[Correction]:
        """Correction rows (oldest first) of one pass, or of every pass since ``since``."""
        stmt = select(CorrectionRow).order_by(CorrectionRow.time_utc.asc(), CorrectionRow.id.asc())
        if pass_id is not None:
            stmt = stmt.where(CorrectionRow.pass_id == pass_id)
        if since is not None:
            stmt = stmt.where(CorrectionRow.time_utc >= since)
        return self.db.run(lambda s: [
            Correction(c.pass_id, c.old_text, c.new_text, c.operator, c.time_utc, c.id)
            for c in s.scalars(stmt)
        ], write=False)

    @staticmethod
    def _filtered(stmt: Select[Any], flt: PassFilter | None) -> Select[Any]:
        if flt is None:
            return stmt
        key = normalize_plate(flt.plate)
        if key:
            stmt = stmt.where(or_(PassRow.plate_norm.contains(key, autoescape=True),
                                  PassRow.corrected_norm.contains(key, autoescape=True)))
        if flt.since is not None:
            stmt = stmt.where(PassRow.time_utc >= flt.since)
        if flt.until is not None:
            stmt = stmt.where(PassRow.time_utc < flt.until)
        if flt.cameras:
            stmt = stmt.where(CameraRow.name.in_(list(flt.cameras)))
        if flt.decisions:
            stmt = stmt.where(PassRow.decision.in_([Decision(d).value for d in flt.decisions]))
        if flt.lane is not None:
            stmt = stmt.where(PassRow.lane == Lane(flt.lane).value)
        if flt.max_confidence is not None:
            stmt = stmt.where(PassRow.confidence <= flt.max_confidence)
        if flt.corrected_only:
            stmt = stmt.where(PassRow.corrected_plate.is_not(None))
        return stmt


