"""Logging a vehicle pass: decide against the registry, store the evidence images, then commit the row."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from gatekeeper.domain.decisions import decide
from gatekeeper.domain.plates import normalize_plate
from gatekeeper.domain.settings import CameraSettings
from gatekeeper.domain.types import Lane, PassRecord, Vehicle
from gatekeeper.pipeline.types import PlatePass
from gatekeeper.services.images import ImageStore
from gatekeeper.services.registry import VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import StorageError
from gatekeeper.storage.passes import PassRepository

log = logging.getLogger(__name__)

_EPOCH_MIN = 1_000_000_000.0  # timestamps below this are video/monotonic time, not wall-clock time


def pass_time(plate_pass: PlatePass) -> datetime:
    """Wall-clock UTC time of a pass: its best frame's timestamp when that is epoch time, else now."""
    for ts in (plate_pass.frame_timestamp, plate_pass.first_seen):
        if ts and ts > _EPOCH_MIN:
            return datetime.fromtimestamp(ts, tz=timezone.utc)
    return datetime.now(timezone.utc)


class PassLogger:
    """Turns a pipeline ``PlatePass`` into a stored ``PassRecord``; safe to call from camera threads.

    Order matters for evidence: the frame and crop images are written (atomically) first and the row
    is committed only after its images exist. An image that cannot be written (disk full) is counted in
    ``image_errors``/``last_error`` and the pass is logged without it. When the database refuses the
    row, the pass is spooled and ``PassSpooledError`` (a ``StorageError`` carrying the record) is
    raised; nothing is lost.
    """

    def __init__(self, db: Database, images: ImageStore, registry: VehicleRegistry | None = None) -> None:
        self.repo = PassRepository(db)
        self.images = images
        self.registry = registry or VehicleRegistry(db)
        self.image_errors = 0
        self.last_error = ""
        self._lock = threading.Lock()

    def log(self, plate_pass: PlatePass, camera: CameraSettings | str | None = None, model_version: str = "",
            *, lane: Lane | None = None, when: datetime | None = None) -> PassRecord:
        """Decide, store the images, commit the pass with its per-frame reads; returns it with its id."""
        name, source, cam_lane = _camera(camera, plate_pass.camera)
        lane = Lane(lane) if lane is not None else cam_lane
        when = when or pass_time(plate_pass)
        text = normalize_plate(plate_pass.text)
        vehicle = self._lookup(text)
        decision = decide(vehicle, when)
        frame_path = self._save(plate_pass.best_frame, "frame", when, name)
        crop_path = self._save(plate_pass.best_crop, "crop", when, name)
        record = PassRecord(
            plate_read=text, confidence=float(plate_pass.confidence), time_utc=when, camera=name, lane=lane,
            decision=decision, frame_path=frame_path, crop_path=crop_path, model_version=model_version,
            plate_format=plate_pass.plate_format or "", vehicle_id=vehicle.id if vehicle else None,
            reads=list(plate_pass.reads),
        )
        stored = self.repo.add(record, boxes=list(plate_pass.boxes), camera_source=source)
        log.info("pass #%s %s at %s (%s, %.2f)", stored.id, stored.plate, name, decision.value,
                 stored.confidence)
        return stored

    def _lookup(self, text: str) -> Vehicle | None:
        """The registry entry for ``text``; a failing database must not lose the pass (it is spooled)."""
        if not text:
            return None
        try:
            return self.registry.lookup(text)
        except StorageError as exc:
            log.error("registry lookup of %s failed, deciding as unknown: %s", text, exc)
            return None

    def _save(self, image: object, kind: str, when: datetime, camera: str) -> str:
        """Store one evidence image; on failure (disk full...) the pass is still logged, without it."""
        if image is None or getattr(image, "size", 0) == 0:
            return ""
        try:
            return self.images.save(image, kind, when=when, camera=camera)
        except (StorageError, ValueError) as exc:
            with self._lock:
                self.image_errors += 1
                self.last_error = str(exc)
            log.error("%s image of a pass at %s not saved: %s", kind, camera, exc)
            return ""


def _camera(camera: CameraSettings | str | None, fallback: str) -> tuple[str, str, Lane]:
    if isinstance(camera, CameraSettings):
        return camera.name, camera.source, camera.lane
    return (camera or fallback or "camera"), "", Lane.ENTRY
