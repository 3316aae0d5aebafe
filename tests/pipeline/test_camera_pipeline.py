"""The real pipeline with the real committed weights on a generated demo video (ground truth in its
sidecar)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gatekeeper.dataset.demo_scene import generate_demo_video, read_sidecar
from gatekeeper.domain.settings import VotingSettings
from gatekeeper.pipeline.camera_pipeline import CameraPipeline
from gatekeeper.pipeline.runner import CameraRunner
from gatekeeper.pipeline.sources import open_source
from gatekeeper.pipeline.track_reads import FALLBACK_EVERY
from gatekeeper.pipeline.types import FrameResult, PlatePass


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
    assert all(len(r.read_cpu_ms) == len(r.read_ms) == len(r.read_boxes) for r in results)
    # each read's box is one of its frame's observed boxes
    assert all(set(r.read_boxes) <= {o.detection.box for o in r.observations} for r in results)
    assert sum(ms for r in results for ms in r.read_cpu_ms) > 0


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


class BoxDetector:
    """One fixed plate box in every frame (the readers are under test)."""

    name = "box"

    def detect(self, frame):  # noqa: ANN001, ANN201
        from gatekeeper.domain.types import Box
        from gatekeeper.pipeline.types import Detection

        return [Detection(Box(100, 100, 260, 140), 0.9)]


def test_slow_fallback_reader_runs_only_on_some_weak_reads() -> None:
    import numpy as np

    from gatekeeper.domain.types import PlateRead
    from gatekeeper.pipeline.reader_chain import PlateReaderChain

    class Weak:
        name = "weak"

        def read(self, crop):  # noqa: ANN001, ANN201
            return PlateRead("12가345", 0.6)  # invalid: always weak

    class Slow:
        name = "slow"
        calls = 0

        def read(self, crop):  # noqa: ANN001, ANN201
            Slow.calls += 1
            return None  # a second opinion that finds nothing: the first reader keeps the lead

    pipeline = CameraPipeline("cam", BoxDetector(), PlateReaderChain([Weak(), Slow()]), VotingSettings(),
                              motion_gate=False, max_reads_per_track=30)
    frame = np.zeros((360, 640, 3), np.uint8)
    for i in range(3 * FALLBACK_EVERY):
        pipeline.process(frame, i * 0.15)
    assert pipeline.reads == 3 * FALLBACK_EVERY and Slow.calls == 3 == pipeline.fallback_reads


def test_a_track_the_chain_reads_as_latin_is_read_by_the_latin_reader_first() -> None:
    """A foreign plate: after the whole chain chose a strong Latin read, the track's next crops go to the
    Latin reader alone (a few ms) instead of the Korean careful pass, while its reads stay that strong; once
    they weaken, the whole chain runs again on every ``FALLBACK_EVERY``-th weak read and gives the lead back
    to the Korean reader when it wins."""
    import numpy as np

    from gatekeeper.domain.types import PlateRead
    from gatekeeper.pipeline.reader_chain import MultiReader

    class Korean:
        name = "kr"
        calls = 0
        text, conf = "12가345", 0.6  # invalid: weak

        def read(self, crop):  # noqa: ANN001, ANN201
            Korean.calls += 1
            return PlateRead(Korean.text, Korean.conf, (Korean.conf,) * len(Korean.text), reader="kr")

    class Latin:
        name = "latin"
        calls = 0
        text, conf = "AB12CDE", 0.92  # a common layout with five letters: it leads

        def read(self, crop):  # noqa: ANN001, ANN201
            Latin.calls += 1
            return PlateRead(Latin.text, Latin.conf, (Latin.conf,) * len(Latin.text), reader="latin")

    pipeline = CameraPipeline("cam", BoxDetector(), MultiReader(Korean(), Latin()), VotingSettings(),
                              motion_gate=False, max_reads_per_track=30, early_reads=50)  # never decided
    frame = np.zeros((360, 640, 3), np.uint8)
    texts = []
    for i in range(6):
        result = pipeline.process(frame, i * 0.15)
        texts += [o.read.text for o in result.observations if o.read is not None]
    assert pipeline.reads == 6 and pipeline.fallback_reads == 1  # the whole chain on the first read only
    assert Latin.calls == 6 and Korean.calls == 1  # was: Korean 6 (a careful pass each), Latin 2
    assert texts == ["AB12CDE"] * 6
    Latin.text, Latin.conf = "AB12", 0.6  # the Latin reads weaken, the Korean reads become trusted
    Korean.text, Korean.conf = "12가3456", 0.99
    for i in range(6, 12):
        pipeline.process(frame, i * 0.15)
    # reads 7 to 5 + FALLBACK_EVERY alone, read 6 + FALLBACK_EVERY the whole chain
    assert Latin.calls == 6 + FALLBACK_EVERY and pipeline.fallback_reads == 2
    assert Korean.calls == 1 + 1 + 6 - FALLBACK_EVERY  # where the Korean read wins back the lead, then alone


def test_weak_latin_reads_do_not_take_a_korean_track() -> None:
    """The first crops of an approaching Korean plate can give the chain a Latin read (``HG6654``): it
    may win that read, but the track stays with the Korean reader."""
    from gatekeeper.domain.types import PlateRead
    from gatekeeper.pipeline.reader_chain import MultiReader
    from gatekeeper.pipeline.reader_latin import latin_leads

    assert latin_leads(PlateRead("AB12CDE", 0.92))
    assert not latin_leads(PlateRead("HG6654", 0.95))  # six characters
    assert not latin_leads(PlateRead("7UG5850", 0.95))  # two letters
    assert not latin_leads(PlateRead("AB12CDE", 0.85))
    assert not latin_leads(None)
    assert MultiReader(object()).leads(PlateRead("LS15EBC", 0.97))


class MovingBox:
    """The box of whatever the test draws, moving from frame to frame (readers and voting under test)."""

    name = "moving"

    def __init__(self) -> None:
        self.box = None

    def detect(self, frame):  # noqa: ANN001, ANN201
        from gatekeeper.pipeline.types import Detection

        return [Detection(self.box, 0.6)]


@pytest.mark.parametrize(("period", "width"), [(12, 200), (16, 300)])
def test_a_grille_read_as_a_korean_plate_is_not_logged(
    models, period: int, width: int  # noqa: ANN001
) -> None:
    """A radiator grille's bars, boxed by the detector as a car comes nearer: the real Korean reader's careful
    read makes them ``111사1111`` (the grammar puts the syllable in), frame after frame; a camera logs no pass
    (its turns on such crops mostly end faint: nothing on them reads surely)."""
    import cv2
    import numpy as np

    from gatekeeper.domain import plates
    from gatekeeper.domain.types import Box
    from gatekeeper.pipeline.recognizer import read_crop

    detector = MovingBox()
    pipeline = CameraPipeline("gate", detector, models.reader, VotingSettings(), motion_gate=False)
    korean, passes, careful = [], [], []
    for i in range(14):
        w = int(width * (1 + 0.05 * i))
        h, x, y, step = int(w * 0.4), 500 - 5 * i, 300 + 8 * i, int(period * (1 + 0.05 * i))
        frame = np.full((720, 1280, 3), 120, np.uint8)
        cv2.rectangle(frame, (x, y), (x + w, y + h), (170, 170, 170), -1)
        for bar in range(x + 5, x + w - 5, step):
            cv2.rectangle(frame, (bar, y + 8), (bar + period // 3, y + h - 8), (40, 40, 40), -1)
        detector.box = Box(x, y, x + w, y + h)
        careful.append(read_crop(models.reader.readers[0], frame[y:y + h, x:x + w], 160))
        result = pipeline.process(frame, i * 0.15)
        read = [o.read.text for o in result.observations if o.read is not None]
        korean += [text for text in read if plates.is_korean(text)]
        passes += result.passes
    passes += pipeline.flush()
    assert passes == []
    # what a pass would have been made of, had every turn read the grille carefully
    assert [r.text for r in careful if r is not None].count("111사1111") >= 2
    assert korean.count("111사1111") <= 1
