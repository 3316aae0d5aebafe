"""PassLogger with real PlatePass objects: decide, images first, then the row; spool; 4 threads."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from gatekeeper.domain.settings import CameraSettings
from gatekeeper.domain.types import Box, Decision, Lane, PlateRead, Vehicle, VehicleCategory
from gatekeeper.pipeline.types import PlatePass
from gatekeeper.services import images as images_mod
from gatekeeper.services.images import ImageStore
from gatekeeper.services.passes import PassLogger, pass_time
from gatekeeper.services.registry import VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import PassSpooledError
from gatekeeper.storage.passes import PassFilter, PassRepository


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'gk.sqlite3'}", spool_path=tmp_path / "pending_passes.jsonl",
                        busy_timeout_ms=100, lock_retries=2, retry_backoff_s=0.05)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def logger(db: Database, tmp_path: Path) -> PassLogger:
    return PassLogger(db, ImageStore(tmp_path / "images"), VehicleRegistry(db))


def plate_pass(text: str = "12가3456", camera: str = "Gate 1", ts: float | None = None,
               seed: int = 0) -> PlatePass:
    rng = np.random.default_rng(seed)
    frame = rng.integers(0, 255, (90, 160, 3), dtype=np.uint8)
    crop = frame[40:60, 50:110].copy()
    ts = time.time() if ts is None else ts
    reads = [PlateRead(text, 0.9, (0.9,) * len(text), "kr_private", "kr"),
             PlateRead(text, 0.8, (), "kr_private", "kr")]
    boxes = [Box(50, 40, 110, 60), Box(52, 41, 111, 61)]
    return PlatePass(track_id=seed, camera=camera, text=text, confidence=0.88, plate_format="kr_private",
                     first_seen=ts - 1, last_seen=ts, best_crop=crop, best_frame=frame, best_box=boxes[0],
                     reads=reads, boxes=boxes, frame_timestamp=ts - 0.5)


def test_logs_images_then_row_with_reads(logger: PassLogger, db: Database, tmp_path: Path) -> None:
    pp = plate_pass(ts=1_790_000_000.0)
    cam = CameraSettings(name="North gate", source="rtsp://10.0.0.5/stream", lane=Lane.EXIT)
    rec = logger.log(pp, cam, "kr-3")
    assert rec.id is not None and rec.camera == "North gate" and rec.lane is Lane.EXIT
    assert rec.decision is Decision.UNKNOWN and rec.model_version == "kr-3"
    assert rec.plate_format == "kr_private"
    assert rec.time_utc == datetime.fromtimestamp(1_790_000_000.0 - 0.5, tz=timezone.utc)
    frame = logger.images.load(rec.frame_path)
    assert np.abs(frame.astype(int) - pp.best_frame.astype(int)).mean() < 60 and frame.shape == (90, 160, 3)
    assert logger.images.load(rec.crop_path).shape == (20, 60, 3)
    stored = PassRepository(db).get(rec.id)
    assert [r.text for r in stored.reads] == ["12가3456", "12가3456"] and stored.reads[0].reader == "kr"


def test_decision_uses_the_registry(logger: PassLogger) -> None:
    reg = logger.registry
    resident = reg.add(Vehicle("12가3456"))
    reg.add(Vehicle("34나5678", VehicleCategory.DENIED))
    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    reg.add(Vehicle("LS15EBC", VehicleCategory.VISITOR, valid_until=soon))
    a = logger.log(plate_pass("12가 3456"), "Gate 1")
    assert a.decision is Decision.REGISTERED and a.vehicle_id == resident.id and a.plate_read == "12가3456"
    assert logger.log(plate_pass("34나5678"), "Gate 1").decision is Decision.DENIED
    assert logger.log(plate_pass("LS15EBC"), "Gate 1").decision is Decision.VISITOR
    old = logger.log(plate_pass("LS15EBC"), "Gate 1", when=datetime.now(timezone.utc) + timedelta(days=2))
    assert old.decision is Decision.UNKNOWN


def test_locked_database_keeps_the_images_and_spools_the_pass(logger: PassLogger, db: Database,
                                                              tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "gk.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(PassSpooledError) as err:
            logger.log(plate_pass("12가3456"), "Gate 1")
    finally:
        other.rollback()
        other.close()
    spooled = json.loads(db.spool.path.read_text(encoding="utf-8").splitlines()[0])
    assert logger.images.path(spooled["frame_path"]).is_file()  # images were written before the row
    assert logger.images.path(spooled["crop_path"]).is_file()
    assert err.value.record.frame_path == spooled["frame_path"]
    logger.log(plate_pass("34나5678"), "Gate 1")
    repo = PassRepository(db)
    assert repo.count() == 2
    assert repo.query(PassFilter(plate="12가3456"))[0].frame_path == spooled["frame_path"]


def test_image_failure_still_logs_the_pass(logger: PassLogger, db: Database,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(images_mod.os, "fsync", full)
    rec = logger.log(plate_pass(), "Gate 1")
    assert rec.id is not None and rec.frame_path == "" and rec.crop_path == ""
    assert logger.image_errors == 2 and "full" in logger.last_error


def test_concurrent_logging_from_four_camera_threads(logger: PassLogger, db: Database) -> None:
    logger.registry.add(Vehicle("12가3456"))
    errors: list[BaseException] = []
    ids: list[int] = []
    lock = threading.Lock()

    def worker(cam: int) -> None:
        try:
            for i in range(8):
                text = "12가3456" if i % 4 == 0 else f"{20 + cam}나{1000 + i}"
                rec = logger.log(plate_pass(text, camera=f"Cam {cam}", seed=cam * 100 + i), f"Cam {cam}")
                with lock:
                    ids.append(rec.id)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(c,)) for c in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(ids) == 32 and len(set(ids)) == 32
    repo = PassRepository(db)
    assert repo.count() == 32 and repo.cameras() == ["Cam 0", "Cam 1", "Cam 2", "Cam 3"]
    assert repo.count(PassFilter(decisions=(Decision.REGISTERED,))) == 8
    for rec in repo.query(limit=None):
        assert logger.images.path(rec.frame_path).is_file() and logger.images.path(rec.crop_path).is_file()


def test_pass_time_falls_back_to_now_for_video_time() -> None:
    pp = plate_pass(ts=12.0)
    before = datetime.now(timezone.utc)
    assert before <= pass_time(pp) <= datetime.now(timezone.utc)


def test_unreadable_database_still_keeps_the_pass(tmp_path: Path) -> None:
    """A corrupt database file: the lookup fails, the images are written and the pass is spooled."""
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all" * 200)
    db = Database(f"sqlite:///{bad}", spool_path=tmp_path / "pending_passes.jsonl", lock_retries=1)
    logger = PassLogger(db, ImageStore(tmp_path / "images"))
    with pytest.raises(PassSpooledError, match="damaged") as err:
        logger.log(plate_pass("12가3456"), "Gate 1")
    assert err.value.record.decision is Decision.UNKNOWN
    assert logger.images.path(err.value.record.frame_path).is_file()
    assert len(db.spool.entries()) == 1
    db.dispose()


def test_numpy_scalars_from_the_pipeline_are_stored(logger: PassLogger, db: Database) -> None:
    pp = plate_pass("12가3456")
    f32 = np.float32
    pp.confidence = f32(0.75)
    pp.boxes = [Box(f32(1.5), f32(2), f32(30), f32(12)),
                Box(np.int64(2), np.int64(3), np.int64(31), np.int64(13))]
    pp.reads = [PlateRead("12가3456", f32(0.7), tuple(f32(0.9) for _ in range(7)), "kr_private", "kr")] * 2
    rec = logger.log(pp, "Gate 1")
    again = PassRepository(db).get(rec.id)
    assert (again.confidence == pytest.approx(0.75)
            and again.reads[0].char_confidences[0] == pytest.approx(0.9))
