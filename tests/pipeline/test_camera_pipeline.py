"""The real pipeline with the real committed weights on a generated demo video (ground truth in its sidecar)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gatekeeper.dataset.demo_scene import generate_demo_video, read_sidecar
from gatekeeper.domain.settings import VotingSettings
from gatekeeper.pipeline.camera_pipeline import CameraPipeline
from gatekeeper.pipeline.runner import CameraRunner
from gatekeeper.pipeline.sources import open_source
from gatekeeper.pipeline.types import FrameResult, PlatePass


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    import torch

    torch.set_num_threads(1)
    from gatekeeper.domain.paths import AppPaths
    from gatekeeper.domain.settings import Settings
    from gatekeeper.services.runtime import ModelsMissingError, load_models

    try:
        home = tmp_path_factory.mktemp("models-home")
        return load_models(Settings(), AppPaths(home / "config", home / "data"), device="cpu")
    except ModelsMissingError as exc:
        pytest.skip(f"weights/ lacks the shipped models: {exc}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo_video(tmp_path_factory.mktemp("demo") / "demo.mp4", seconds=20, fps=10, seed=11)


@pytest.mark.slow
def test_demo_video_gives_one_pass_per_vehicle(models, demo: Path) -> None:  # noqa: ANN001
    vehicles = read_sidecar(demo)["vehicles"]
    from gatekeeper.domain.settings import CameraSettings, Settings
    from gatekeeper.services.runtime import make_pipeline

    pipeline = make_pipeline(CameraSettings(name="demo", source=str(demo)), models, Settings())  # as the app
    first: list[float] = []
    passes: list[PlatePass] = []
    results: list[FrameResult] = []
    runner = CameraRunner(open_source(str(demo), loop=False, realtime=False), pipeline,
                          on_frame=lambda f, t: first.append(t) if not first else None,
                          on_result=results.append, on_pass=passes.append, realtime=False)
    runner.start()
    assert runner.wait(240)
    runner.stop()
    assert runner.errors == 0
    texts = [p.text for p in passes]
    truth = [v["plate"] for v in vehicles]
    exact = [t for t in truth if t in texts]
    assert len(texts) == len(set(texts)), f"duplicate passes: {texts}"
    assert len(truth) - 1 <= len(passes) <= len(truth), f"passes {texts} for vehicles {truth}"
    assert len(exact) >= math.ceil(len(truth) / 2), f"read {texts}, expected {truth}"
    for p in passes:  # each pass belongs to the time a vehicle was on screen
        t = p.first_seen - first[0]
        assert any(v["start"] - 0.2 <= t <= v["end"] for v in vehicles), (p.text, t)
        assert p.best_crop.size and p.best_frame.shape == (720, 1280, 3)
        assert len(p.reads) >= VotingSettings().min_frames
    assert all(set(r.stage_ms) == {"decode", "detect", "read", "vote"} for r in results)
    assert any(o.read is not None for r in results for o in r.observations)
    timed = [ms for r in results for ms in r.read_ms]  # one reader time per crop read, none for unread boxes
    assert len(timed) == pipeline.reads > 0 and all(ms > 0 for ms in timed)
    assert all(len(r.read_ms) <= len(r.observations) for r in results)


class CountingDetector:
    """Stand-in detector that finds nothing and counts its calls (the motion gate is under test)."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, frame):  # noqa: ANN001, ANN201
        self.calls += 1
        return []


def test_motion_gate_skips_detection_on_a_still_scene(demo: Path) -> None:
    import cv2

    cap = cv2.VideoCapture(str(demo))
    ok, frame = cap.read()
    assert ok
    det = CountingDetector()
    pipeline = CameraPipeline("cam", det, reader=None, voting=VotingSettings(), motion_gate=True)  # type: ignore[arg-type]
    for i in range(60):
        pipeline.process(frame.copy(), i * 0.1)
    # the first frame and the gate's periodic forced look, not every frame
    assert 1 <= det.calls <= 5 and pipeline.detector_skipped == 60 - det.calls
    moved = frame.copy()
    moved[300:500, 500:800] = 255 - moved[300:500, 500:800]
    before = det.calls
    pipeline.process(moved, 7.0)
    assert det.calls == before + 1


def test_slow_fallback_reader_runs_only_on_some_weak_reads() -> None:
    import numpy as np

    from gatekeeper.domain.types import Box, PlateRead
    from gatekeeper.pipeline.reader_latin import PlateReaderChain
    from gatekeeper.pipeline.types import Detection

    class BoxDetector:
        name = "box"

        def detect(self, frame):  # noqa: ANN001, ANN201
            return [Detection(Box(100, 100, 260, 140), 0.9)]

    class Weak:
        name = "weak"

        def read(self, crop):  # noqa: ANN001, ANN201
            return PlateRead("12가345", 0.6)  # invalid: always weak

    class Slow:
        name = "slow"
        calls = 0

        def read(self, crop):  # noqa: ANN001, ANN201
            Slow.calls += 1
            return PlateRead("AB12CDE", 0.7)

    pipeline = CameraPipeline("cam", BoxDetector(), PlateReaderChain([Weak(), Slow()]), VotingSettings(),
                              motion_gate=False, max_reads_per_track=30)
    frame = np.zeros((360, 640, 3), np.uint8)
    for i in range(9):
        pipeline.process(frame, i * 0.15)
    assert pipeline.reads == 9 and Slow.calls == 3 == pipeline.fallback_reads
