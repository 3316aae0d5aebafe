"""Repositories of the labeling queue and the model registry; they return plain dataclasses."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import func, select

from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.storage.models_labeling import LabelItemRow, LabelPlateRow, ModelVersionRow

log = logging.getLogger(__name__)

PENDING, LABELLED, SKIPPED = "pending", "labelled", "skipped"
ACTIVE, REJECTED, RETIRED, CANDIDATE = "active", "rejected", "retired", "candidate"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(slots=True)
class LabeledPlate:
    """One plate on a labelled frame: its box (full-frame pixels), text and attributes."""

    box: Box
    plate: str
    plate_kind: str = ""
    vehicle_type: str = ""
    colour: str = ""
    crop_file: str = ""


@dataclass(slots=True)
class LabelItem:
    """One queued pass: the full frame, the detector's boxes and reads of every frame, and its label."""

    id: int
    frame_path: str
    camera: str = ""
    reason: str = "operator"
    pass_id: int | None = None
    plate_read: str = ""
    confidence: float = 0.0
    best_box: Box | None = None
    boxes: list[Box] = field(default_factory=list)
    reads: list[PlateRead] = field(default_factory=list)
    created_at: datetime | None = None
    status: str = PENDING
    split: str = "train"
    labelled_by: str | None = None
    labelled_at: datetime | None = None
    plates: list[LabeledPlate] = field(default_factory=list)


@dataclass(slots=True)
class ModelVersion:
    """One registered model version."""

    version: str
    kind: str
    path: str
    status: str = CANDIDATE
    parent: str | None = None
    data_size: int = 0
    metrics: dict = field(default_factory=dict)
    sha256: dict = field(default_factory=dict)
    created_at: datetime | None = None
    report_path: str = ""
    note: str = ""


def _box_json(box: Box | None) -> str:
    return json.dumps(None if box is None else [box.x1, box.y1, box.x2, box.y2])


def _box_from(value: object) -> Box | None:
    if not isinstance(value, list) or len(value) != 4:
        return None
    return Box(*(float(v) for v in value))


def _read_json(r: PlateRead) -> dict:
    return {"text": r.text, "confidence": r.confidence, "plate_format": r.plate_format, "reader": r.reader}


def _item(row: LabelItemRow) -> LabelItem:
    boxes = [b for b in (_box_from(v) for v in json.loads(row.boxes_json or "[]")) if b is not None]
    reads = [
        PlateRead(
            text=str(r.get("text", "")),
            confidence=float(r.get("confidence", 0.0)),
            plate_format=str(r.get("plate_format", "")),
            reader=str(r.get("reader", "")),
        )
        for r in json.loads(row.reads_json or "[]")
    ]
    plates = [
        LabeledPlate(
            box=Box(p.x1, p.y1, p.x2, p.y2),
            plate=p.plate,
            plate_kind=p.plate_kind,
            vehicle_type=p.vehicle_type,
            colour=p.colour,
            crop_file=p.crop_file,
        )
        for p in row.plates
    ]
    return LabelItem(
        id=row.id,
        frame_path=row.frame_path,
        camera=row.camera,
        reason=row.reason,
        pass_id=row.pass_id,
        plate_read=row.plate_read,
        confidence=row.confidence,
        best_box=_box_from(json.loads(row.best_box_json or "null")),
        boxes=boxes,
        reads=reads,
        created_at=row.created_at,
        status=row.status,
        split=row.split,
        labelled_by=row.labelled_by,
        labelled_at=row.labelled_at,
        plates=plates,
    )


class LabelingRepository:
    """The "to label" queue: enqueue passes, list pending items, store the human's labels."""

    def __init__(self, db) -> None:  # db: gatekeeper.storage.db.Database
        self._db = db

    def enqueue(
        self,
        *,
        frame_path: str,
        camera: str = "",
        reason: str = "operator",
        pass_id: int | None = None,
        plate_read: str = "",
        confidence: float = 0.0,
        best_box: Box | None = None,
        boxes: list[Box] | None = None,
        reads: list[PlateRead] | None = None,
        split: str = "train",
        created_at: datetime | None = None,
    ) -> int:
        """Add one item; a pass already queued (same ``pass_id``) is not queued twice. Returns the id."""
        with self._db.session() as s:
            if pass_id is not None:
                existing = s.scalar(select(LabelItemRow.id).where(LabelItemRow.pass_id == pass_id))
                if existing is not None:
                    return int(existing)
            row = LabelItemRow(
                pass_id=pass_id,
                camera=camera,
                reason=reason,
                frame_path=frame_path,
                plate_read=plate_read,
                confidence=float(confidence),
                best_box_json=_box_json(best_box),
                boxes_json=json.dumps([[b.x1, b.y1, b.x2, b.y2] for b in boxes or []]),
                reads_json=json.dumps([_read_json(r) for r in reads or []], ensure_ascii=False),
                created_at=created_at or _utcnow(),
                status=PENDING,
                split=split,
            )
            s.add(row)
            s.flush()
            new_id = int(row.id)
            s.commit()
        return new_id

    def set_split(self, item_id: int, split: str) -> None:
        with self._db.session() as s:
            row = s.get(LabelItemRow, item_id)
            if row is None:
                raise KeyError(item_id)
            row.split = split
            s.commit()

    def get(self, item_id: int) -> LabelItem | None:
        with self._db.session(write=False) as s:
            row = s.get(LabelItemRow, item_id)
            return None if row is None else _item(row)

    def pending(self, limit: int = 1000) -> list[LabelItem]:
        """Pending items, oldest first."""
        with self._db.session(write=False) as s:
            rows = s.scalars(
                select(LabelItemRow)
                .where(LabelItemRow.status == PENDING)
                .order_by(LabelItemRow.created_at, LabelItemRow.id)
                .limit(limit)
            ).all()
            return [_item(r) for r in rows]

    def count(self, status: str = PENDING) -> int:
        with self._db.session(write=False) as s:
            return int(
                s.scalar(select(func.count()).select_from(LabelItemRow).where(LabelItemRow.status == status))
                or 0
            )

    def labelled(self, split: str | None = None) -> list[LabelItem]:
        """Labelled items (optionally of one split), in labelling order."""
        with self._db.session(write=False) as s:
            q = select(LabelItemRow).where(LabelItemRow.status == LABELLED)
            if split is not None:
                q = q.where(LabelItemRow.split == split)
            rows = s.scalars(q.order_by(LabelItemRow.labelled_at, LabelItemRow.id)).all()
            return [_item(r) for r in rows]

    def count_labelled_since(self, since: datetime | None) -> int:
        """Labels saved after ``since`` (all of them when ``since`` is None)."""
        with self._db.session(write=False) as s:
            q = select(func.count()).select_from(LabelItemRow).where(LabelItemRow.status == LABELLED)
            if since is not None:
                q = q.where(LabelItemRow.labelled_at > since)
            return int(s.scalar(q) or 0)

    def save_labels(
        self, item_id: int, plates: list[LabeledPlate], user: str, when: datetime | None = None
    ) -> None:
        """Replace the item's plates with ``plates`` and mark it labelled by ``user``."""
        with self._db.session() as s:
            row = s.get(LabelItemRow, item_id)
            if row is None:
                raise KeyError(item_id)
            row.plates.clear()
            for p in plates:
                row.plates.append(
                    LabelPlateRow(
                        x1=p.box.x1,
                        y1=p.box.y1,
                        x2=p.box.x2,
                        y2=p.box.y2,
                        plate=p.plate,
                        plate_kind=p.plate_kind,
                        vehicle_type=p.vehicle_type,
                        colour=p.colour,
                        crop_file=p.crop_file,
                    )
                )
            row.status = LABELLED
            row.labelled_by = user
            row.labelled_at = when or _utcnow()
            s.commit()

    def mark_skipped(self, item_id: int) -> None:
        with self._db.session() as s:
            row = s.get(LabelItemRow, item_id)
            if row is None:
                raise KeyError(item_id)
            row.status = SKIPPED
            s.commit()


def _version(row: ModelVersionRow) -> ModelVersion:
    return ModelVersion(
        version=row.version,
        kind=row.kind,
        path=row.path,
        status=row.status,
        parent=row.parent,
        data_size=row.data_size,
        metrics=json.loads(row.metrics_json or "{}"),
        sha256=json.loads(row.sha256_json or "{}"),
        created_at=row.created_at,
        report_path=row.report_path,
        note=row.note,
    )


class ModelVersionRepository:
    """The ``model_versions`` table: at most one active version per kind."""

    def __init__(self, db) -> None:
        self._db = db

    def add(self, mv: ModelVersion) -> ModelVersion:
        with self._db.session() as s:
            s.add(
                ModelVersionRow(
                    version=mv.version,
                    kind=mv.kind,
                    parent=mv.parent,
                    data_size=mv.data_size,
                    metrics_json=json.dumps(mv.metrics, ensure_ascii=False),
                    created_at=mv.created_at or _utcnow(),
                    sha256_json=json.dumps(mv.sha256),
                    path=mv.path,
                    status=mv.status,
                    report_path=mv.report_path,
                    note=mv.note,
                )
            )
            s.commit()
        return self.get(mv.version)  # type: ignore[return-value]

    def get(self, version: str) -> ModelVersion | None:
        with self._db.session(write=False) as s:
            row = s.get(ModelVersionRow, version)
            return None if row is None else _version(row)

    def list(self, kind: str | None = None) -> list[ModelVersion]:
        with self._db.session(write=False) as s:
            q = select(ModelVersionRow)
            if kind is not None:
                q = q.where(ModelVersionRow.kind == kind)
            return [
                _version(r)
                for r in s.scalars(q.order_by(ModelVersionRow.created_at, ModelVersionRow.version)).all()
            ]

    def count(self, kind: str) -> int:
        with self._db.session(write=False) as s:
            return int(
                s.scalar(
                    select(func.count()).select_from(ModelVersionRow).where(ModelVersionRow.kind == kind)
                )
                or 0
            )

    def active(self, kind: str) -> ModelVersion | None:
        with self._db.session(write=False) as s:
            row = s.scalar(
                select(ModelVersionRow).where(ModelVersionRow.kind == kind, ModelVersionRow.status == ACTIVE)
            )
            return None if row is None else _version(row)

    def update(
        self,
        version: str,
        *,
        status: str | None = None,
        metrics: dict | None = None,
        path: str | None = None,
        report_path: str | None = None,
    ) -> None:
        with self._db.session() as s:
            row = s.get(ModelVersionRow, version)
            if row is None:
                raise KeyError(version)
            if status is not None:
                row.status = status
            if metrics is not None:
                row.metrics_json = json.dumps(metrics, ensure_ascii=False)
            if path is not None:
                row.path = path
            if report_path is not None:
                row.report_path = report_path
            s.commit()

    def activate(self, version: str) -> ModelVersion:
        """Make ``version`` the only active one of its kind (the previous one is retired)."""
        with self._db.session() as s:
            row = s.get(ModelVersionRow, version)
            if row is None:
                raise KeyError(version)
            for other in s.scalars(
                select(ModelVersionRow).where(
                    ModelVersionRow.kind == row.kind, ModelVersionRow.status == ACTIVE
                )
            ):
                if other.version != version:
                    other.status = RETIRED
            row.status = ACTIVE
            s.commit()
            return _version(row)
