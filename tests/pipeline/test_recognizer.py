"""Still-image recognition: crop helpers, and the real models on a rendered plate and a demo frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.recognizer import (
    Recognizer,
    crop_plate,
    crop_rect,
    grammar_checked,
    looks_like_plate_crop,
    shifted,
    upscale,
    vote_reads,
    whole_box,
)


def test_crop_clips_to_frame_and_adds_margin() -> None:
    frame = np.zeros((100, 200, 3), np.uint8)
    assert crop_plate(frame, Box(50, 40, 150, 60), 0.1).shape == (24, 120, 3)
    assert crop_plate(frame, Box(-20, -5, 30, 10), 0.0).shape == (10, 30, 3)


def test_upscale_small_crops_only() -> None:
    small = np.zeros((20, 80, 3), np.uint8)
    assert upscale(small, 160).shape == (40, 160, 3)
    assert upscale(np.zeros((50, 200, 3), np.uint8), 160).shape == (50, 200, 3)


def test_plate_crop_heuristic() -> None:
    assert looks_like_plate_crop(np.zeros((50, 230, 3), np.uint8))
    assert not looks_like_plate_crop(np.zeros((720, 1280, 3), np.uint8))
    assert not looks_like_plate_crop(np.zeros((100, 100, 3), np.uint8))


def test_grammar_check_corrects_confusions() -> None:
    r = grammar_checked(PlateRead("l2 가 3456", 0.9))
    assert r.text == "12가3456" and r.plate_format == "kr_private"
    assert grammar_checked(PlateRead("zz", 0.9)).text == "ZZ"


def test_bad_image_is_a_clear_error() -> None:
    rec = Recognizer(None, reader=None)  # type: ignore[arg-type]  # fails before any model runs
    with pytest.raises(ValueError, match="BGR"):
        rec.recognize(np.zeros((10, 10), np.uint8))


@pytest.mark.slow
def test_reads_a_plate_crop_and_a_scene(models, stop_frame) -> None:  # noqa: ANN001
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle

    rec = Recognizer(models.detector, models.reader, upscale_min_width=160, recheck_below=0.8)
    ok = 0
    renderer = PlateRenderer(seed=5)
    for style in (PlateStyle.WHITE_8, PlateStyle.WHITE_7, PlateStyle.YELLOW_COMMERCIAL_2LINE):
        img, text = renderer.render(style=style)
        img = cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2))
        obs = rec.recognize(img)
        assert obs, "a plate-shaped image must be read whole when nothing is detected"
        ok += any(o.read is not None and o.read.text == text for o in obs)
    assert ok >= 2

    frame, plate = stop_frame
    obs = rec.recognize(frame)
    assert obs and obs[0].detection.score > 0
    assert obs[0].read is not None and obs[0].read.text == plate


class CountingDetector:
    """The real detector, counting how often it is asked."""

    def __init__(self, inner) -> None:  # noqa: ANN001
        self.inner, self.calls = inner, 0

    def detect(self, frame: np.ndarray) -> list:
        self.calls += 1
        return self.inner.detect(frame)


def test_a_plate_crop_read_surely_whole_is_one_plate(models) -> None:  # noqa: ANN001
    """Crop-only sets: the whole image is the plate; the detector, which may split a close-up plate into
    two boxes, is asked only when the whole-image read is weak or invalid."""
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle

    det = CountingDetector(models.detector)
    rec = Recognizer(det, models.reader, upscale_min_width=160, recheck_below=0.8)
    img, text = PlateRenderer(seed=11).render(style=PlateStyle.WHITE_8)
    img = cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2))
    obs = rec.recognize(img)
    assert len(obs) == 1 and obs[0].read is not None and obs[0].read.text == text
    assert obs[0].detection.box == Box(0.0, 0.0, float(img.shape[1]), float(img.shape[0]))
    assert det.calls == 0
    blank = np.full((60, 240, 3), 170, np.uint8)
    rec.recognize(blank)
    assert det.calls == 1


@pytest.mark.slow
def test_second_look_below_the_threshold_keeps_only_sure_reads(models, stop_frame) -> None:  # noqa: ANN001
    """A frame whose plate scores under the detector's threshold (as a dark frame's does) is found by the
    second look; a frame without a plate stays empty, and without a fallback nothing is looked at twice."""
    from gatekeeper.pipeline.detector import YoloPlateDetector

    det = models.detector
    strict = YoloPlateDetector(det.weights, imgsz=det.imgsz, confidence=0.99, device="cpu")
    frame, plate = stop_frame
    assert not strict.detect(frame), "the plate must score under 0.99 for this test to mean anything"

    assert Recognizer(strict, models.reader, recheck_below=0.8).recognize(frame) == []
    rec = Recognizer(strict, models.reader, recheck_below=0.8, fallback_confidence=0.1)
    obs = rec.recognize(frame)
    assert [o.read.text for o in obs if o.read is not None] == [plate]
    assert 0.1 <= obs[0].detection.score < 0.99

    road = np.full_like(frame, 90)
    cv2.line(road, (0, 500), (1279, 560), (230, 230, 230), 12)
    assert rec.recognize(road) == []


class FixedDetector:
    """Always the same boxes (a stand-in for the detector: what is tested here is what is kept)."""

    imgsz = 320

    def __init__(self, detections: list) -> None:  # noqa: ANN001
        self.detections = detections

    def detect(self, frame: np.ndarray, confidence: float | None = None, imgsz: int | None = None) -> list:
        return list(self.detections)


def test_large_images_count_as_plate_crops_only_when_wider_than_any_picture() -> None:
    assert looks_like_plate_crop(np.zeros((220, 1000, 3), np.uint8))  # a high-resolution one-line plate
    assert not looks_like_plate_crop(np.zeros((720, 1280, 3), np.uint8))  # 16:9
    assert not looks_like_plate_crop(np.zeros((1080, 2560, 3), np.uint8))  # 21:9
    assert not looks_like_plate_crop(np.zeros((520, 1000, 3), np.uint8))  # large and only 1.9:1


@pytest.mark.slow
def test_a_large_crop_nothing_is_detected_in_is_read_whole_when_sure(models) -> None:  # noqa: ANN001
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle

    img, text = PlateRenderer(seed=13).render(style=PlateStyle.YELLOW_COMMERCIAL_2LINE)
    big = cv2.resize(img, (1000, round(1000 * img.shape[0] / img.shape[1])), interpolation=cv2.INTER_CUBIC)
    assert not looks_like_plate_crop(big)
    obs = Recognizer(FixedDetector([]), models.reader, fallback_confidence=0.1).recognize(big)
    assert len(obs) == 1 and obs[0].read is not None and obs[0].read.text == text
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 255, big.shape, dtype=np.uint8)
    assert Recognizer(FixedDetector([]), models.reader, fallback_confidence=0.1).recognize(texture) == []


class CountingReader:
    """Reads every crop as the same weak plate (so each box is re-read from a wider crop) and counts."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def read(self, crop: np.ndarray) -> PlateRead:
        self.calls += 1
        return PlateRead("12가3456", 0.5, (0.5,) * 7)


def test_the_reader_time_of_every_crop_is_kept_for_the_last_image() -> None:
    from gatekeeper.pipeline.types import Detection

    scene = np.full((450, 600, 3), 90, np.uint8)  # not plate-shaped: not read whole first
    boxes = [Detection(Box(50, 50, 200, 90), 0.9), Detection(Box(350, 200, 500, 240), 0.8)]
    reader = CountingReader()
    rec = Recognizer(FixedDetector(boxes), reader, upscale_min_width=0)
    assert rec.read_ms == []
    rec.recognize(scene)
    assert reader.calls == 4  # two boxes, each also read from a wider crop (the read is not sure)
    assert len(rec.read_ms) == reader.calls and all(ms > 0 for ms in rec.read_ms)
    rec.detector = FixedDetector(boxes[:1])
    rec.recognize(scene)
    assert len(rec.read_ms) == 2  # this image's crops only


def test_the_vote_sums_confidence_per_text() -> None:
    a1, a2 = PlateRead("12가3456", 0.5, ()), PlateRead("12가3456", 0.6, ())
    b = PlateRead("12가3457", 0.95, ())
    assert vote_reads([b, a1, None, a2]) == 3  # 1.1 against 0.95; of the winning text, its surest read
    assert vote_reads([b, a1]) == 0
    assert vote_reads([PlateRead("AB12", 0.5, ()), PlateRead("AB13", 0.5, ())]) == 0  # a tie: the first text
    assert vote_reads([None, None]) is None and vote_reads([]) is None
    assert shifted(Box(10, 20, 110, 50), -2.5, 3) == Box(7.5, 23, 107.5, 53)


class CornerReader:
    """Reads a crop whose top-left pixel is bright as a wrong plate, surely; any other crop as the right
    plate, unsurely (what a reader does when a box edge cuts a character at exactly one placement)."""

    name = "corner"

    def __init__(self) -> None:
        self.origins: list[int] = []

    def read(self, crop: np.ndarray) -> PlateRead:
        self.origins.append(int(crop[0, 0, 0]))
        if crop[0, 0, 0] > 200:
            return PlateRead("12가3457", 0.95, (0.95,) * 7)
        return PlateRead("12가3456", 0.6, (0.6,) * 7)


def test_the_shift_vote_outvotes_a_read_that_holds_at_one_box_placement_only() -> None:
    from gatekeeper.pipeline.types import Detection

    scene = np.full((450, 600, 3), 60, np.uint8)  # not plate-shaped: not read whole first
    box = Box(200, 100, 300, 130)  # 100 px wide: the vote moves it by 3 px at 0.03
    x0, y0 = 200 - 8, 100 - 3  # the unmoved crop's corner (8 % margin: 8 and 2.4 px, floored)
    scene[y0, x0] = 255
    detector = FixedDetector([Detection(box, 0.9)])
    plain = Recognizer(detector, CornerReader(), upscale_min_width=0)
    assert plain.read_box(scene, box)[0].text == "12가3457"  # type: ignore[union-attr]
    reader = CornerReader()
    voted = Recognizer(detector, reader, upscale_min_width=0, shift_vote=0.03)
    obs = voted.recognize(scene)
    assert len(obs) == 1 and obs[0].read is not None and obs[0].read.text == "12가3456"
    assert obs[0].read.confidence == pytest.approx(8 * 0.6 / 9)  # as sure as the nine placements agree
    # nine placements; the unmoved one is sure, each moved one unsure and read again from a wider crop
    assert len(reader.origins) == 1 + 8 * 2 and reader.origins.count(255) == 1
    assert obs[0].crop[0, 0, 0] != 255  # the crop that gave the winning read


@pytest.mark.slow
def test_the_shift_vote_keeps_a_clean_read(models) -> None:  # noqa: ANN001
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
    from gatekeeper.pipeline.types import Detection

    scene = np.random.default_rng(6).integers(70, 110, (400, 900, 3), dtype=np.uint8)
    img, text = PlateRenderer(seed=31).render(style=PlateStyle.WHITE_8)
    scene[300:352, 500:740] = cv2.resize(img, (240, 52))
    detector = FixedDetector([Detection(Box(500, 300, 740, 352), 0.9)])
    for share in (0.0, 0.025):
        obs = Recognizer(detector, models.reader, shift_vote=share).recognize(scene)
        assert len(obs) == 1 and obs[0].read is not None and obs[0].read.text == text


class EdgeReader:
    """Reads every crop as the same weak plate and records its first and last column's value and its shape
    (read on a column ramp, the values are the columns the crop starts and ends at)."""

    name = "edge"

    def __init__(self) -> None:
        self.cuts: list[tuple[int, int, tuple[int, int]]] = []

    def read(self, crop: np.ndarray) -> PlateRead:
        self.cuts.append((int(crop[0, 0, 0]), int(crop[0, -1, 0]), crop.shape[:2]))
        return PlateRead("12가3456", 0.5, (0.5,) * 7)


def test_a_plate_crop_read_whole_is_voted_over_cuts_at_either_side() -> None:
    """Read whole, a plate crop's shift vote reads it as it is and cut by a step at its right, then its left
    edge (a box filling the image, moved, would be clipped back to the image by the margin)."""
    reader = EdgeReader()
    crop = np.repeat(np.repeat(np.arange(200, dtype=np.uint8)[None, :, None], 100, axis=0), 3, axis=2)
    obs = Recognizer(FixedDetector([]), reader, upscale_min_width=0, shift_vote=0.025).recognize(crop)
    assert len(obs) == 1 and obs[0].read is not None
    assert obs[0].detection.box == Box(0.0, 0.0, 200.0, 100.0)  # reported as the whole image
    # the box inside the margin is 172 px wide: a step of 4.3 px. Each moved crop is unsure and so also
    # read from a wider one (the whole image again); no placement cuts the height
    assert reader.cuts == [(0, 199, (100, 200)), (0, 195, (100, 196)), (0, 199, (100, 200)),
                           (4, 199, (100, 196)), (0, 199, (100, 200))]
    assert obs[0].read.confidence == 0.5  # every placement read the same
    plain = EdgeReader()
    Recognizer(FixedDetector([]), plain, upscale_min_width=0).recognize(crop)
    assert plain.cuts == [(0, 199, (100, 200))]  # without the vote: the image as it is, once


def test_the_whole_image_box_crops_to_the_image() -> None:
    for w, h in ((85, 46), (400, 100), (51, 32), (1, 1), (7, 3)):
        assert crop_rect((h, w, 3), whole_box(w, h)) == (0, 0, w, h)
        assert crop_rect((h, w, 3), whole_box(w, h, 0.2), 0.2) == (0, 0, w, h)
