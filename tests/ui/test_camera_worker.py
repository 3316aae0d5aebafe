"""CameraWorker on a real generated video: frames reach the GUI thread, stop is quick, passes get logged."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import numpy as np
import pytest

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import CameraSettings, VotingSettings
from gatekeeper.domain.types import Box, Lane, PlateRead
from gatekeeper.pipeline.camera_pipeline import CameraPipeline
from gatekeeper.pipeline.sources import open_source
from gatekeeper.pipeline.types import PlatePass
from gatekeeper.ui.camera_worker import CameraState, CameraWorker, LiveFrame

from .uihelpers import BrightBoxDetector, NoReader, write_video


def _pipeline(name: str) -> CameraPipeline:
    return CameraPipeline(name, BrightBoxDetector(), NoReader(), VotingSettings(), motion_gate=False)


def _factory(video, camera):
    def make(progress):
        progress(1.0)
        source = open_source(str(video), loop=True)
        return source, _pipeline(camera.name)
    return make


def test_worker_emits_frames_results_and_stops_fast(qtbot, tmp_path) -> None:
    video = write_video(tmp_path / "gate.mp4")
    cam = CameraSettings(name="Gate A", source=str(video), lane=Lane.ENTRY)
    worker = CameraWorker(cam, _factory(video, cam), display_fps=15)
    frames: list[LiveFrame] = []
    states: list[CameraState] = []
    results = []
    main = threading.get_ident()
    seen_threads: set[int] = set()

    def on_frame(live: LiveFrame) -> None:
        seen_threads.add(threading.get_ident())
        frames.append(live)
        worker.frame_shown()

    worker.frame.connect(on_frame)
    worker.state.connect(states.append)
    worker.result.connect(results.append)
    worker.start()
    try:
        qtbot.waitUntil(lambda: len(frames) >= 5 and len(results) >= 3, timeout=15000)
    finally:
        t0 = time.monotonic()
        stopped = worker.stop(2.0)
        elapsed = time.monotonic() - t0
    assert stopped and elapsed < 2.0, f"stop took {elapsed:.2f} s"
    qtbot.waitUntil(lambda: states and states[-1].kind == "stopped", timeout=2000)
    assert seen_threads == {main}  # delivered to the GUI thread
    assert frames[0].camera == "Gate A" and frames[0].frame.shape == (240, 320, 3)
    assert any(r.observations for r in results)  # the detector found the moving box
    assert any(s.kind == "running" for s in states)
    # display throttle: at most ~15 fps
    span = frames[-1].timestamp - frames[0].timestamp
    assert len(frames) <= 15 * span + 3


def test_worker_logs_passes_in_its_thread(qtbot, tmp_path) -> None:
    video = write_video(tmp_path / "gate.mp4", seconds=1.0)
    cam = CameraSettings(name="Gate B", source=str(video), lane=Lane.EXIT)
    main = threading.get_ident()
    logged_in: list[int] = []

    def log_pass(p: PlatePass):
        from gatekeeper.services.images import ImageStore
        from gatekeeper.services.passes import PassLogger
        from gatekeeper.storage.db import Database

        logged_in.append(threading.get_ident())
        paths = AppPaths.default(tmp_path / "data").ensure()
        db = Database.for_paths(paths)
        db.upgrade()
        try:
            return PassLogger(db, ImageStore(paths.images_dir)).log(p, cam, "test")
        finally:
            db.dispose()

    worker = CameraWorker(cam, _factory(video, cam), log_pass=log_pass)
    worker.start()
    try:
        crop = np.full((26, 80, 3), 255, np.uint8)
        frame = np.full((240, 320, 3), 70, np.uint8)
        now = datetime.now(timezone.utc).timestamp()
        plate = PlatePass(track_id=1, camera="Gate B", text="12가3456", confidence=0.91, plate_format="kr",
                          first_seen=now, last_seen=now + 1, best_crop=crop, best_frame=frame,
                          best_box=Box(10, 10, 90, 36), reads=[PlateRead("12가3456", 0.91)],
                          frame_timestamp=now)
        with qtbot.waitSignal(worker.pass_logged, timeout=10000) as sig:
            worker._on_pass(plate)  # what the runner's processing thread calls
    finally:
        assert worker.stop(2.0)
    record = sig.args[0]
    assert record.id is not None and record.plate == "12가3456" and record.camera == "Gate B"
    assert record.lane == Lane.EXIT and record.crop_path and record.frame_path
    assert logged_in and logged_in[0] != main


@pytest.mark.parametrize("url", ["rtsp://127.0.0.1:9/none"])
def test_failing_source_reconnects_and_stops(qtbot, url) -> None:
    cam = CameraSettings(name="Broken", source=url)

    def make(progress):
        source = open_source(url, loop=True, backoff=(0.2, 1.0))
        return source, _pipeline(cam.name)

    worker = CameraWorker(cam, make)
    states: list[CameraState] = []
    worker.state.connect(states.append)
    worker.start()
    try:
        qtbot.waitUntil(lambda: any(s.kind == "reconnecting" for s in states), timeout=15000)
    finally:
        t0 = time.monotonic()
        assert worker.stop(2.0)
        assert time.monotonic() - t0 < 2.0
    assert "retrying" in [s for s in states if s.kind == "reconnecting"][0].message


def test_factory_error_becomes_error_state(qtbot) -> None:
    cam = CameraSettings(name="Bad", source="/nonexistent.mp4")

    def make(progress):
        raise FileNotFoundError("video file not found: /nonexistent.mp4")

    worker = CameraWorker(cam, make)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        states: list[CameraState] = []
        worker.state.connect(states.append)
        worker.start()
    qtbot.waitUntil(lambda: any(s.kind == "error" for s in states), timeout=2000)
    assert "not found" in [s for s in states if s.kind == "error"][0].message
    assert worker.stop(1.0)
