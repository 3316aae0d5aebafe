"""CameraRunner threading on a real video file: drops when slow, lock-step, flush at end, quick stop.

The detector/reader here are deterministic stand-ins (a fixed box after a delay, a fixed text): these
tests are about the runner's threads and queue; the real models run in test_camera_pipeline.py.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.domain.settings import VotingSettings
from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.camera_pipeline import CameraPipeline
from gatekeeper.pipeline.runner import CameraRunner
from gatekeeper.pipeline.sources import SourceState, SourceStatus, open_source
from gatekeeper.pipeline.types import Detection, FrameResult, PlatePass


class DelayDetector:
    name = "delay"

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def detect(self, frame: np.ndarray) -> list[Detection]:
        time.sleep(self.delay)
        return [Detection(Box(40, 40, 120, 60), 0.9)]


class FixedReader:
    name = "fixed"

    def __init__(self, text: str) -> None:
        self.text = text

    def read(self, crop: np.ndarray) -> PlateRead | None:
        return PlateRead(self.text, 0.95)


@pytest.fixture()
def video(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (160, 96))
    for i in range(30):
        writer.write(np.full((96, 160, 3), i * 8, np.uint8))
    writer.release()
    return path


def _pipeline(delay: float, text: str = "12가3456", early: int = 0) -> CameraPipeline:
    return CameraPipeline("cam", DelayDetector(delay), FixedReader(text), VotingSettings(min_frames=2),
                          motion_gate=False, early_reads=early)


def test_lockstep_analyses_every_frame_and_flushes(video: Path) -> None:
    frames: list[float] = []
    results: list[FrameResult] = []
    passes: list[PlatePass] = []
    runner = CameraRunner(open_source(str(video), loop=False, realtime=False), _pipeline(0.0),
                          on_frame=lambda f, t: frames.append(t), on_result=results.append,
                          on_pass=passes.append, realtime=False)
    runner.start()
    assert runner.wait(10)
    assert runner.stop()
    assert len(frames) == 30 and len(results) == 30 and runner.dropped_frames == 0
    assert [p.text for p in passes] == ["12가3456"]  # the open track was flushed at end of stream
    assert set(results[0].stage_ms) == {"decode", "detect", "read", "vote"}
    assert results[-1].captured_at > 0


def test_realtime_drops_frames_when_analysis_is_slow(video: Path) -> None:
    frames: list[float] = []
    results: list[FrameResult] = []
    runner = CameraRunner(open_source(str(video), loop=False, realtime=True), _pipeline(0.1, early=3),
                          on_frame=lambda f, t: frames.append(t), on_result=results.append)
    runner.start()
    assert runner.wait(10)
    runner.stop()
    assert len(frames) == 30  # display sees every frame
    assert len(results) < 20 and runner.dropped_frames > 0
    assert runner.dropped_frames + len(results) == 30
    assert results[-1].dropped_frames <= runner.dropped_frames
    assert 3 <= max(r.analysed_fps for r in results) <= 12


def test_stop_is_quick_with_a_broken_source() -> None:
    states: list[SourceStatus] = []
    src = open_source("rtsp://127.0.0.1:9/none", loop=True, backoff=(2.0, 10.0))
    runner = CameraRunner(src, _pipeline(0.0), on_state=states.append)
    runner.start()
    deadline = time.monotonic() + 8
    while not any(s.state == SourceState.RECONNECTING for s in states) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any(s.state == SourceState.RECONNECTING for s in states)
    t0 = time.monotonic()
    assert runner.stop(timeout=2.0)
    assert time.monotonic() - t0 < 2.0 and not runner.running
    assert states[-1].state == SourceState.STOPPED


def test_hot_swap_between_frames(video: Path) -> None:
    pipeline = _pipeline(0.0, text="12가3456", early=3)
    seen: list[str] = []
    swapped = threading.Event()

    def on_pass(p: PlatePass) -> None:
        seen.append(p.text)

    def on_result(r: FrameResult) -> None:
        if len(seen) == 1 and not swapped.is_set():
            pipeline.set_models(reader=FixedReader("34나5678"))
            pipeline.tracker.tracks.clear()  # a new vehicle arrives
            swapped.set()

    runner = CameraRunner(open_source(str(video), loop=False, realtime=False), pipeline,
                          on_result=on_result, on_pass=on_pass, realtime=False)
    runner.start()
    assert runner.wait(10)
    runner.stop()
    assert seen == ["12가3456", "34나5678"]
    assert pipeline.reader.name == "fixed"


def test_analysis_errors_do_not_stop_the_camera(video: Path) -> None:
    class Flaky(DelayDetector):
        calls = 0

        def detect(self, frame: np.ndarray) -> list[Detection]:
            self.calls += 1
            if self.calls % 3 == 0:
                raise RuntimeError("model hiccup")
            return []

    results: list[FrameResult] = []
    runner = CameraRunner(open_source(str(video), loop=False, realtime=False),
                          CameraPipeline("cam", Flaky(0), FixedReader("x"), VotingSettings(),
                                         motion_gate=False),
                          on_result=results.append, realtime=False)
    runner.start()
    assert runner.wait(10)
    runner.stop()
    assert runner.errors == 10 and len(results) == 20 and "hiccup" in runner.last_error
