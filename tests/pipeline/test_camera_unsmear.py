"""Cameras read a weak read of a smeared plate crop unsmeared too, on the whole reader chain's turn only."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.synth.degrade import smear as smeared
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.deblur import CANDIDATES, smear_ratio
from gatekeeper.pipeline.reader_chain import PlateReaderChain
from gatekeeper.pipeline.track_reads import (
    CAMERA_SMEAR_RATIO,
    CAMERA_VERTICAL_SMEAR_RATIO,
    FALLBACK_EVERY,
    SETTLED_BY,
    TrackReads,
)

TEXT = "12가3456"


def ratio(image: np.ndarray) -> float:
    return smear_ratio(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


@pytest.fixture(scope="module")
def plate() -> np.ndarray:
    """A rendered EU plate, 320 px wide: its strokes are mostly vertical, so it is sharp by the ratio."""
    from gatekeeper.dataset.synth.latin import LatinPlateRenderer

    p = LatinPlateRenderer(seed=3).render(style="eu")
    return cv2.resize(p.image, (320, round(p.image.shape[0] * 320 / p.image.shape[1])))


class SharpReader:
    """Reads ``TEXT`` surely only from a crop at least half as sharp sideways as the clean plate, else a weak
    fragment (a stand-in for the Korean network, whose reads fall apart on a smeared plate). Counts its
    calls."""

    name = "sharp"

    def __init__(self, sharp_ratio: float) -> None:
        self.sharp_ratio, self.calls = sharp_ratio, 0

    def read(self, crop: np.ndarray) -> PlateRead:
        self.calls += 1
        if ratio(crop) >= 0.5 * self.sharp_ratio:
            return PlateRead(TEXT, 0.99, (0.99,) * len(TEXT))
        return PlateRead(TEXT[:-2], 0.4, (0.4,) * (len(TEXT) - 2))


class NoRead:
    """A second reader that finds nothing (a Latin reader on a Korean plate)."""

    name = "none"

    def read(self, crop: np.ndarray) -> None:
        return None


def test_a_weak_read_of_a_smeared_crop_is_read_unsmeared(plate) -> None:  # noqa: ANN001
    blurred = smeared(plate, 32)
    assert ratio(blurred) < CAMERA_SMEAR_RATIO <= ratio(plate)
    plain = TrackReads("cam")
    weak = plain.read(PlateReaderChain(SharpReader(ratio(plate)), NoRead()), blurred, 1)
    assert weak is not None and weak.text == TEXT[:-2] and plain.unsmeared == 0
    reader = SharpReader(ratio(plate))
    reads = TrackReads("cam", unsmear=True)
    fixed = reads.read(PlateReaderChain(reader, NoRead()), blurred, 1)
    assert fixed is not None and fixed.text == TEXT and fixed.confidence == 0.99
    assert reads.unsmeared == 1 and reader.calls == 1 + CANDIDATES


class UprightReader(SharpReader):
    """Reads ``TEXT`` surely only from a crop not much less sharp up and down than the clean plate (its ratio
    at most 1.3x the clean plate's), else a weak fragment."""

    def read(self, crop: np.ndarray) -> PlateRead:
        self.calls += 1
        if ratio(crop) <= 1.3 * self.sharp_ratio:
            return PlateRead(TEXT, 0.99, (0.99,) * len(TEXT))
        return PlateRead(TEXT[:-2], 0.4, (0.4,) * (len(TEXT) - 2))


def test_a_weak_read_of_a_crop_smeared_up_and_down_is_read_unsmeared(plate) -> None:  # noqa: ANN001
    turned = np.ascontiguousarray(np.swapaxes(plate, 0, 1))
    blurred = np.ascontiguousarray(np.swapaxes(smeared(turned, 16), 0, 1))  # a quarter of its height
    assert ratio(plate) <= CAMERA_VERTICAL_SMEAR_RATIO < ratio(blurred)
    reader = UprightReader(ratio(plate))
    reads = TrackReads("cam", unsmear=True)
    fixed = reads.read(PlateReaderChain(reader, NoRead()), blurred, 1)
    assert fixed is not None and fixed.text == TEXT and fixed.confidence == 0.99
    assert reads.unsmeared == 1 and reader.calls == 1 + CANDIDATES


def test_only_on_the_whole_chains_turn(plate) -> None:  # noqa: ANN001
    blurred = smeared(plate, 32)
    reader = SharpReader(10.0)  # never sharp enough: every read of the track stays weak
    reads = TrackReads("cam", unsmear=True)
    chain = PlateReaderChain(reader, NoRead())
    counts = []
    for _ in range(2 * FALLBACK_EVERY + 1):
        reads.read(chain, blurred, 7)
        counts.append(reads.unsmeared)
    assert counts == [1] * FALLBACK_EVERY + [2] * FALLBACK_EVERY + [3]
    assert reader.calls == 2 * FALLBACK_EVERY + 1 + 3 * CANDIDATES


def test_a_sharp_crop_or_a_settled_read_is_not_read_again(plate) -> None:  # noqa: ANN001
    weakly = SharpReader(10.0)
    reads = TrackReads("cam", unsmear=True)
    reads.read(PlateReaderChain(weakly, NoRead()), plate, 1)  # weak, but the crop is sharp
    assert reads.unsmeared == 0 and weakly.calls == 1
    surely = SharpReader(0.0)  # reads every crop surely, smeared or not
    got = reads.read(PlateReaderChain(surely, NoRead()), smeared(plate, 32), 2)
    assert got is not None and got.text == TEXT and reads.unsmeared == 0 and surely.calls == 1


def test_a_korean_track_read_strongly_twice_is_not_read_unsmeared(real_chain, tmp_path) -> None:  # noqa: ANN001
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle

    img, text = PlateRenderer(seed=0, glyph_dir=tmp_path).render("123나4567", PlateStyle.WHITE_8)
    pad = (img.shape[1] * 10 // 22 - img.shape[0]) // 2  # a loose box: the careful pass reads it
    loose = cv2.copyMakeBorder(img, pad, pad, 4, 4, cv2.BORDER_CONSTANT, value=(60, 60, 60))
    blurred = smeared(loose, loose.shape[1] // 8)  # the car passing a night shutter
    assert ratio(blurred) < CAMERA_SMEAR_RATIO
    reads = TrackReads("cam", unsmear=True)
    got = [getattr(reads.read(real_chain, loose, 1), "text", None) for _ in range(SETTLED_BY)]
    assert got == [text] * SETTLED_BY
    assert reads.fallback_reads == reads.unsmeared == 0
    reads.read(real_chain, blurred, 1)  # weak, and no turn of the whole chain: the track is read
    assert reads.fallback_reads == reads.unsmeared == 0
    reads.read(real_chain, blurred, 2)  # a new track's first weak read: its turn, and read unsmeared
    assert reads.unsmeared == 1 and reads.fallback_reads + reads.faint == 1  # (nothing reads it surely:
    # the turn leaves out the careful pass, FAINT_BELOW, but not the unsmeared reads)


@pytest.mark.slow
def test_the_real_pipeline_logs_a_smeared_real_car_right(shared_data: Path) -> None:
    """The UK test video smeared by 21 px sideways (about 15 % of the plate's width as the car comes
    near): nothing is logged without unsmearing, the right plate with it."""
    from gatekeeper.domain.paths import AppPaths
    from gatekeeper.domain.settings import CameraSettings, Settings
    from gatekeeper.pipeline.sources import open_source
    from gatekeeper.services.runtime import ModelsMissingError, load_models, make_pipeline

    video = shared_data / "video" / "uk_car_approach.mp4"
    if not video.is_file():
        pytest.skip("the UK test video is not present")
    settings = Settings()
    try:
        models = load_models(settings, AppPaths.default(None), device="cpu")
    except ModelsMissingError as exc:
        pytest.skip(f"weights/ lacks the shipped models: {exc}")
    source = open_source(str(video), loop=False, realtime=False)
    frames = []
    while (got := source.read()) is not None:
        frames.append(smeared(got[0], 21))
    source.close()
    logged = {}
    for unsmear in (False, True):
        settings.reader.camera_unsmear = unsmear
        pipeline = make_pipeline(CameraSettings(name="gate", source=str(video)), models, settings)
        texts = [p.text for i, f in enumerate(frames) for p in pipeline.process(f, i / 30).passes]
        logged[unsmear] = texts + [p.text for p in pipeline.flush()]
        assert (pipeline.unsmeared > 0) == unsmear
    assert logged[False] != ["LS15EBC"]
    assert logged[True] == ["LS15EBC"]
