"""The "to label" queue: which passes need a human, and saving the human's labels as training data."""

from __future__ import annotations

import getpass
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import cv2

from gatekeeper.dataset.site_dataset import SiteDataset, atomic_write_bytes, split_for
from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.plates import is_valid_plate, normalize_plate
from gatekeeper.domain.settings import Settings
from gatekeeper.domain.types import Box, Decision, PassRecord, PlateRead, Vehicle
from gatekeeper.storage.labeling_repo import LabeledPlate, LabelingRepository, LabelItem

log = logging.getLogger(__name__)

REASON_UNKNOWN, REASON_INVALID, REASON_LOW_CONF, REASON_OPERATOR = (
    "unknown",
    "invalid",
    "low_confidence",
    "operator",
)
PLATE_KINDS = ("private", "commercial", "rental", "ev", "two_line_green", "diplomatic", "foreign")
VEHICLE_TYPES = ("car", "van", "truck", "bus", "motorcycle")
COLOURS = ("white", "black", "grey", "silver", "blue", "red", "green", "yellow", "brown", "other")
MIN_BOX_PX = 4.0

PassCorrector = Callable[[int, str, str], Any]


class LabelError(ValueError):
    """A label that cannot be saved, with a message for the operator."""


@dataclass(slots=True)
class SaveResult:
    """What saving one item wrote."""

    item_id: int
    split: str
    crops: list[Path]
    corrected_pass: bool = False
    registered: Vehicle | None = None


def current_user() -> str:
    """The OS user name (``operator`` when it cannot be found)."""
    try:
        return getpass.getuser() or "operator"
    except (OSError, KeyError):
        return "operator"


def validate_plates(
    plates: list[LabeledPlate], width: int | None = None, height: int | None = None
) -> list[str]:
    """Messages for every plate that cannot be saved (empty list: all fine)."""
    problems = []
    for i, p in enumerate(plates, start=1):
        if not is_valid_plate(p.plate):
            problems.append(f"plate {i}: '{p.plate}' is not a valid plate")
        if p.box.width < MIN_BOX_PX or p.box.height < MIN_BOX_PX:
            problems.append(f"plate {i}: the box is too small")
        if (
            width is not None
            and height is not None
            and (p.box.x2 <= 0 or p.box.y2 <= 0 or p.box.x1 >= width or p.box.y1 >= height)
        ):
            problems.append(f"plate {i}: the box is outside the image")
    return problems


class LabelingService:
    """Fills the labeling queue from logged passes and turns saved labels into site training data."""

    def __init__(
        self,
        repo: LabelingRepository,
        paths: AppPaths,
        settings: Settings | None = None,
        *,
        registry: Any = None,
        pass_corrector: PassCorrector | None = None,
        user: str | None = None,
    ) -> None:
        self.repo = repo
        self.paths = paths
        self.settings = settings or Settings()
        self.registry = registry
        self.pass_corrector = pass_corrector
        self.user = user or current_user()
        self.dataset = SiteDataset(paths.labels_dir)

    def reasons(
        self, record: PassRecord, text: str | None = None, confidence: float | None = None
    ) -> list[str]:
        """Why a pass needs a label: unknown to the registry, invalid plate text, low confidence."""
        text = record.plate if text is None else text
        confidence = record.confidence if confidence is None else confidence
        out = []
        if not is_valid_plate(text):
            out.append(REASON_INVALID)
        if confidence < self.settings.retrain.low_confidence:
            out.append(REASON_LOW_CONF)
        if self.registry is not None and hasattr(self.registry, "lookup"):
            known = is_valid_plate(text) and self.registry.lookup(text) is not None
        else:
            known = record.vehicle_id is not None or record.decision not in (
                Decision.UNKNOWN,
                Decision.VISITOR,
            )
        if not known:
            out.append(REASON_UNKNOWN)
        return out

    def consider(self, record: PassRecord, plate_pass: Any = None) -> int | None:
        """Queue ``record`` when it needs a label (call after the pass is logged); returns the item id."""
        reasons = self.reasons(
            record, getattr(plate_pass, "text", None), getattr(plate_pass, "confidence", None)
        )
        if not reasons:
            return None
        return self._enqueue(record, plate_pass, reasons[0])

    def send(self, record: PassRecord, plate_pass: Any = None) -> int:
        """The operator sends any pass to the queue."""
        return self._enqueue(record, plate_pass, REASON_OPERATOR)

    def _frame_path(self, record: PassRecord, plate_pass: Any) -> str:
        if record.frame_path:
            stored = Path(record.frame_path)
            stored = (
                stored if stored.is_absolute() else self.paths.images_dir / stored
            )  # evidence paths are relative
            if stored.is_file():
                return str(stored)
        frame = getattr(plate_pass, "best_frame", None)
        if frame is None:
            raise LabelError("this pass has no saved frame to label")
        ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
        if not ok:
            raise LabelError("the pass frame cannot be encoded")
        path = self.paths.images_dir / "labeling" / f"{uuid.uuid4().hex}.jpg"
        atomic_write_bytes(path, buf.tobytes())
        return str(path)

    def _enqueue(self, record: PassRecord, plate_pass: Any, reason: str) -> int:
        boxes: list[Box] = list(getattr(plate_pass, "boxes", []) or [])
        reads: list[PlateRead] = list(getattr(plate_pass, "reads", []) or record.reads or [])
        best_box = getattr(plate_pass, "best_box", None)
        item_id = self.repo.enqueue(
            frame_path=self._frame_path(record, plate_pass),
            camera=record.camera,
            reason=reason,
            pass_id=record.id,
            plate_read=record.plate,
            confidence=record.confidence,
            best_box=best_box,
            boxes=boxes,
            reads=reads,
        )
        self.repo.set_split(item_id, split_for(item_id))
        log.info("queued pass %s for labeling (%s) as item %d", record.id, reason, item_id)
        return item_id

    def enqueue_frame(
        self,
        frame_path: str | Path,
        *,
        text: str = "",
        confidence: float = 0.0,
        box: Box | None = None,
        camera: str = "",
        reason: str = REASON_OPERATOR,
    ) -> int:
        """Queue a frame that is not (yet) a logged pass, e.g. an imported photo."""
        item_id = self.repo.enqueue(
            frame_path=str(frame_path),
            camera=camera,
            reason=reason,
            plate_read=text,
            confidence=confidence,
            best_box=box,
            boxes=[box] if box else [],
        )
        self.repo.set_split(item_id, split_for(item_id))
        return item_id

    def pending(self) -> list[LabelItem]:
        return self.repo.pending()

    def pending_count(self) -> int:
        return self.repo.count()

    def labelled_count(self) -> int:
        return self.repo.count_labelled_since(None)

    def skip(self, item_id: int) -> None:
        self.repo.mark_skipped(item_id)

    def save(
        self,
        item_id: int,
        plates: list[LabeledPlate],
        *,
        registration: Vehicle | None = None,
        when: datetime | None = None,
    ) -> SaveResult:
        """Validate, write the detector/reader samples, record who labelled it, correct the pass."""
        item = self.repo.get(item_id)
        if item is None:
            raise LabelError(f"item {item_id} is not in the queue")
        if not plates:
            raise LabelError("draw at least one plate box")
        frame = cv2.imread(item.frame_path)
        if frame is None:
            raise LabelError(f"the frame {item.frame_path} cannot be read")
        h, w = frame.shape[:2]
        plates = [
            LabeledPlate(
                box=p.box,
                plate=normalize_plate(p.plate),
                plate_kind=p.plate_kind,
                vehicle_type=p.vehicle_type,
                colour=p.colour,
            )
            for p in plates
        ]
        problems = validate_plates(plates, w, h)
        if problems:
            raise LabelError("; ".join(problems))
        if registration is not None:
            registration = self._checked_registration(registration, plates[0].plate)
        split = item.split or split_for(item_id)
        names = self.dataset.write_item(item_id, frame, [(p.box, p.plate) for p in plates], split)
        for p, name in zip(plates, names, strict=True):
            p.crop_file = name
        self.repo.save_labels(item_id, plates, self.user, when or datetime.now(timezone.utc))
        corrected = self._correct_pass(item, plates[0].plate)
        registered = self._register(registration, plates[0].plate) if registration else None
        return SaveResult(
            item_id, split, [self.dataset.reader_dir / split / n for n in names], corrected, registered
        )

    def _correct_pass(self, item: LabelItem, text: str) -> bool:
        if item.pass_id is None or self.pass_corrector is None:
            return False
        if normalize_plate(item.plate_read) == text:
            return False
        self.pass_corrector(item.pass_id, text, self.user)
        log.info("pass %s corrected to %s by labeling", item.pass_id, text)
        return True

    def _checked_registration(self, vehicle: Vehicle, plate: str) -> Vehicle:
        """Check the registration before anything is written (bad input loses nothing)."""
        if self.registry is None:
            raise LabelError("no vehicle registry available")
        vehicle = replace(vehicle, plate=vehicle.plate or plate)
        try:
            if hasattr(self.registry, "validate"):
                vehicle = self.registry.validate(vehicle)
            if hasattr(self.registry, "lookup") and self.registry.lookup(vehicle.plate) is not None:
                raise LabelError(f"the plate {vehicle.plate} is already registered")
        except ValueError as exc:
            raise LabelError(str(exc)) from exc
        return vehicle

    def _register(self, vehicle: Vehicle, plate: str) -> Vehicle:
        try:
            return self.registry.add(vehicle)
        except ValueError as exc:
            raise LabelError(f"the label was saved but the vehicle was not registered: {exc}") from exc


def with_labeling(
    log_pass: Callable[..., PassRecord | None], service: LabelingService
) -> Callable[..., PassRecord | None]:
    """Wrap a pass-logging function ``(plate_pass, *args) -> PassRecord`` so that every logged pass is
    offered to the labeling queue; a labeling failure is logged and never loses the pass."""

    def logged(plate_pass: Any, *args: Any, **kwargs: Any) -> PassRecord | None:
        record = log_pass(plate_pass, *args, **kwargs)
        if record is not None:
            try:
                service.consider(record, plate_pass)
            except Exception:  # the pass is logged; the queue is best effort
                log.exception("could not queue pass %s for labeling", getattr(record, "id", None))
        return record

    return logged
