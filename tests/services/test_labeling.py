"""LabelingService on a real database: which passes get queued, and what saving a label writes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import cv2
import numpy as np
import pytest

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import Settings
from gatekeeper.domain.types import Box, Decision, Lane, PassRecord, PlateRead, Vehicle, VehicleCategory
from gatekeeper.pipeline.types import PlatePass
from gatekeeper.services.labeling import LabelError, LabelingService, with_labeling
from gatekeeper.services.registry import VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.storage.labeling_repo import LabeledPlate, LabelingRepository
from gatekeeper.storage.passes import PassRepository


@pytest.fixture
def env(tmp_path):
    paths = AppPaths.default().ensure()
    db = Database.for_paths(paths)
    db.upgrade()
    registry = VehicleRegistry(db)
    passes = PassRepository(db)
    svc = LabelingService(
        LabelingRepository(db),
        paths,
        Settings(),
        registry=registry,
        pass_corrector=passes.correct,
        user="tester",
    )
    yield svc, registry, passes, paths
    db.dispose()


def _frame() -> np.ndarray:
    frame = np.full((240, 320, 3), 80, np.uint8)
    cv2.rectangle(frame, (100, 150), (199, 179), (250, 250, 250), -1)
    return frame


def _log(
    passes: PassRepository,
    text: str,
    conf: float,
    decision: Decision = Decision.UNKNOWN,
    vehicle_id: int | None = None,
) -> tuple[PassRecord, PlatePass]:
    reads = [PlateRead(text, conf, plate_format="kr_private", reader="kr"), PlateRead(text[:-1] + "9", 0.3)]
    record = passes.add(
        PassRecord(
            plate_read=text,
            confidence=conf,
            time_utc=datetime.now(timezone.utc),
            camera="Gate",
            lane=Lane.ENTRY,
            decision=decision,
            vehicle_id=vehicle_id,
            reads=reads,
        )
    )
    frame = _frame()
    pp = PlatePass(
        track_id=1,
        camera="Gate",
        text=text,
        confidence=conf,
        plate_format="kr_private",
        first_seen=0.0,
        last_seen=1.0,
        best_crop=frame[150:180, 100:200].copy(),
        best_frame=frame,
        best_box=Box(98, 148, 203, 182),
        reads=reads,
        boxes=[Box(90, 140, 190, 170), Box(98, 148, 203, 182)],
    )
    return record, pp


def test_consider_queues_unknown_invalid_and_low_confidence_only(env) -> None:
    svc, registry, passes, _ = env
    v = registry.add(Vehicle(plate="12가3456", category=VehicleCategory.RESIDENT, owner="Kim"))
    known = _log(passes, "12가3456", 0.95, Decision.REGISTERED, v.id)
    assert svc.consider(*known) is None
    unknown = _log(passes, "34나5678", 0.95)
    low = _log(passes, "12가3456", 0.4, Decision.REGISTERED, v.id)
    invalid = _log(passes, "12가34", 0.95)
    ids = [svc.consider(*unknown), svc.consider(*low), svc.consider(*invalid)]
    assert all(ids) and svc.pending_count() == 3
    assert [svc.repo.get(i).reason for i in ids] == ["unknown", "low_confidence", "invalid"]
    item = svc.repo.get(ids[0])
    assert item.pass_id == unknown[0].id and cv2.imread(item.frame_path).shape == (240, 320, 3)
    assert len(item.boxes) == 2 and item.best_box == Box(98, 148, 203, 182) and len(item.reads) == 2
    assert svc.send(*known) and svc.pending_count() == 4  # the operator may send any pass


def test_save_writes_dataset_corrects_pass_and_registers(env) -> None:
    svc, registry, passes, paths = env
    record, pp = _log(passes, "34나5679", 0.5)
    item_id = svc.consider(record, pp)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    result = svc.save(
        item_id,
        [LabeledPlate(Box(100, 150, 200, 180), "34나 5678", "private", "car", "white")],
        registration=Vehicle(plate="", owner="Lee", unit="101-1203"),
    )
    split = svc.repo.get(item_id).split
    assert result.split == split and result.corrected_pass and result.registered.plate == "34나5678"
    label = (paths.labels_dir / "detector" / split / "labels" / f"item_{item_id}.txt").read_text()
    assert label == "0 0.468750 0.687500 0.312500 0.125000\n"
    rows = (paths.labels_dir / "reader" / split / "labels.csv").read_text(encoding="utf-8").splitlines()
    assert rows == ["image,plate", f"item_{item_id}_0.png,34나5678"]
    assert cv2.imread(str(result.crops[0])).shape[0] == 64
    item = svc.repo.get(item_id)
    assert item.status == "labelled" and item.labelled_by == "tester" and item.labelled_at >= before
    assert item.plates[0].crop_file == f"item_{item_id}_0.png"
    fixed = passes.get(record.id)
    assert fixed.corrected_plate == "34나5678" and fixed.plate_read == "34나5679"
    assert registry.lookup("34나5678").owner == "Lee"
    assert svc.pending_count() == 0 and svc.labelled_count() == 1


def test_invalid_label_is_refused_and_nothing_written(env) -> None:
    svc, _, passes, paths = env
    item_id = svc.consider(*_log(passes, "34나5679", 0.5))
    with pytest.raises(LabelError, match="not a valid plate"):
        svc.save(item_id, [LabeledPlate(Box(100, 150, 200, 180), "34나56")])
    with pytest.raises(LabelError, match="at least one"):
        svc.save(item_id, [])
    with pytest.raises(LabelError, match="too small"):
        svc.save(item_id, [LabeledPlate(Box(100, 150, 101, 151), "34나5678")])
    assert not (paths.labels_dir / "reader").exists()
    assert svc.repo.get(item_id).status == "pending"
    svc.skip(item_id)
    assert svc.repo.get(item_id).status == "skipped" and svc.pending_count() == 0


def test_logging_hook_queues_and_never_loses_the_pass(env) -> None:
    svc, _, passes, _ = env
    calls = []

    def log_pass(plate_pass, camera):
        record, _pp = _log(passes, plate_pass.text, plate_pass.confidence)
        calls.append(camera)
        return record

    hooked = with_labeling(log_pass, svc)
    _record, pp = _log(passes, "34나5679", 0.5)
    assert hooked(pp, "Gate").plate_read == "34나5679" and calls == ["Gate"]
    assert svc.pending_count() == 1
    pp.best_frame = None  # no frame on disk and none in memory: queueing fails, logging does not
    assert hooked(pp, "Gate") is not None and svc.pending_count() == 1
