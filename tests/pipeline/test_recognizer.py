"""Still-image recognition: crop helpers, and the real models on a rendered plate and a demo frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.recognizer import (
    Recognizer,
    crop_plate,
    fine_tiles,
    grammar_checked,
    looks_like_plate_crop,
    shifted,
    upscale,
    vote_reads,
)


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
def stop_frame(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, str]:
    """A demo-camera frame with the first vehicle stopped at the gate, and its plate."""
    from gatekeeper.dataset.demo_scene import generate_demo_video, read_sidecar

    video = generate_demo_video(tmp_path_factory.mktemp("demo") / "d.mp4", seconds=7, fps=5, seed=2)
    truth = read_sidecar(video)["vehicles"][0]
    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, int((truth["stop_start"] + 0.5) * 5))
    good, frame = cap.read()
    cap.release()
    assert good
    return frame, truth["plate"]


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


def test_still_input_grows_with_the_image() -> None:
    class Sized:
        imgsz = 320

    rec = Recognizer(Sized(), reader=None, max_imgsz=640)  # type: ignore[arg-type]
    assert rec.input_size(np.zeros((1440, 1920, 3), np.uint8)) == 640
    assert rec.input_size(np.zeros((720, 1280, 3), np.uint8)) == 448
    assert rec.input_size(np.zeros((416, 416, 3), np.uint8)) is None  # the detector's own 320
    assert rec.input_size(np.zeros((4000, 6000, 3), np.uint8)) == 640
    assert Recognizer(Sized(), reader=None).input_size(np.zeros((1440, 1920, 3), np.uint8)) is None  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_small_plate_in_a_large_still_is_found_at_a_larger_input(models, stop_frame) -> None:  # noqa: ANN001
    """A demo frame in a canvas three times its size (a street photo's far plate): lost at the 320 input,
    found and read when the still is detected at 640."""
    frame, plate = stop_frame
    h, w = frame.shape[:2]
    big = cv2.copyMakeBorder(frame, 0, 2 * h, 0, 2 * w, cv2.BORDER_CONSTANT, value=(90, 90, 90))
    assert Recognizer(models.detector, models.reader).recognize(big) == []
    obs = Recognizer(models.detector, models.reader, max_imgsz=640).recognize(big)
    assert obs and obs[0].read is not None and obs[0].read.text == plate


@pytest.mark.slow
def test_a_far_plate_in_a_traffic_camera_frame_is_found_by_the_fine_look(models, stop_frame) -> None:  # noqa: ANN001
    """A demo frame in a canvas six times its size: at the first look's 640 input the plate is a few pixels
    wide and lost; the fine look (the long side / 2, at most 1280) finds and reads it."""
    frame, plate = stop_frame
    h, w = frame.shape[:2]
    big = cv2.copyMakeBorder(frame, 0, 5 * h, 0, 5 * w, cv2.BORDER_CONSTANT, value=(90, 90, 90))
    assert Recognizer(models.detector, models.reader, max_imgsz=640).recognize(big) == []
    rec = Recognizer(models.detector, models.reader, max_imgsz=640, fine_max_imgsz=1280)
    assert rec.fine_size(big) == 1280
    obs = rec.recognize(big)
    assert obs and obs[0].read is not None and obs[0].read.text == plate


def test_the_fine_look_is_only_for_images_it_sees_larger() -> None:
    class Sized:
        imgsz = 320

    rec = Recognizer(Sized(), reader=None, max_imgsz=640, fine_max_imgsz=1280)  # type: ignore[arg-type]
    assert rec.fine_size(np.zeros((1080, 1920, 3), np.uint8)) == 960  # first look 640
    assert rec.fine_size(np.zeros((2160, 3840, 3), np.uint8)) == 1280
    assert rec.fine_size(np.zeros((900, 1200, 3), np.uint8)) == 608  # first look 416
    assert rec.fine_size(np.zeros((480, 640, 3), np.uint8)) is None  # 320 both: nothing gained
    assert rec.fine_size(np.zeros((416, 416, 3), np.uint8)) is None
    off = Recognizer(Sized(), reader=None, max_imgsz=640)  # type: ignore[arg-type]
    assert off.fine_size(np.zeros((2160, 3840, 3), np.uint8)) is None


@pytest.mark.parametrize(("h", "w", "side", "count"), [
    (1080, 1920, 1920, 1), (2160, 3840, 2560, 2), (4320, 7680, 2560, 8), (6000, 8000, 2560, 12), (20000, 400, 2560, 11),
])
def test_fine_tiles_cover_the_image_with_overlap(h: int, w: int, side: int, count: int) -> None:
    tiles = fine_tiles(h, w, side)
    assert len(tiles) == count
    covered = np.zeros((h // 8, w // 8), np.uint8)
    for x0, y0, x1, y1 in tiles:
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        covered[y0 // 8:y1 // 8, x0 // 8:x1 // 8] += 1
    assert covered.min() >= 1
    if count > 1:  # neighbours overlap by a quarter of a tile at least: a plate on a seam is whole in one
        tile_w = tiles[0][2] - tiles[0][0]
        xs = sorted({t[0] for t in tiles})
        assert all(b - a <= 0.75 * tile_w + 1 for a, b in zip(xs, xs[1:]))


@pytest.mark.slow
def test_a_far_plate_in_an_8k_frame_is_found_by_the_tiled_fine_look(models, stop_frame) -> None:  # noqa: ANN001
    """A demo frame at half size in a 7680x4320 canvas, across the seam of two tiles: one fine look at 1280
    sees its plate shrunk six times and loses it; the fine look in tiles (each at 1280, the image halved)
    finds it, once."""
    frame, plate = stop_frame
    frame = cv2.resize(frame, (frame.shape[1] // 2, frame.shape[0] // 2), interpolation=cv2.INTER_AREA)
    h, w = frame.shape[:2]
    big = np.full((4320, 7680, 3), 90, np.uint8)
    x, y = 2560 - w // 2, 2000
    big[y:y + h, x:x + w] = frame
    rec = Recognizer(models.detector, models.reader, max_imgsz=640, fine_max_imgsz=1280)
    assert len(fine_tiles(*big.shape[:2], 2560)) == 8
    found = [o for o in rec.recognize(big) if o.read is not None and o.read.text == plate]
    assert len(found) == 1  # read once, though two tiles hold it
    assert x < found[0].detection.box.x1 < found[0].detection.box.x2 < x + w
    whole = models.detector.detect(big, imgsz=1280)  # the image looked at whole, at the same input
    assert not any(d.box.iou(found[0].detection.box) > 0.3 for d in whole)


class FixedDetector:
    """Always the same boxes (a stand-in for the detector: what is tested here is what is kept)."""

    imgsz = 320

    def __init__(self, detections: list) -> None:  # noqa: ANN001
        self.detections = detections

    def detect(self, frame: np.ndarray, confidence: float | None = None, imgsz: int | None = None) -> list:
        return list(self.detections)


@pytest.mark.slow
def test_weak_boxes_are_reported_only_when_read_as_a_plate(models) -> None:  # noqa: ANN001
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
    from gatekeeper.pipeline.types import Detection

    rng = np.random.default_rng(3)
    scene = rng.integers(70, 110, (400, 900, 3), dtype=np.uint8)
    img, text = PlateRenderer(seed=12).render(style=PlateStyle.WHITE_8)
    plate = cv2.resize(img, (240, 52))
    scene[300:352, 600:840] = plate
    cv2.circle(scene, (150, 120), 40, (200, 200, 200), 6)  # a badge
    top = Detection(Box(90, 60, 210, 180), 0.9)
    weak_plate = Detection(Box(600, 300, 840, 352), 0.3)
    weak_noise = Detection(Box(300, 200, 450, 240), 0.3)
    detector = FixedDetector([top, weak_plate, weak_noise])
    everything = Recognizer(detector, models.reader).recognize(scene)
    assert [o.detection for o in everything] == [top, weak_plate, weak_noise]
    kept = Recognizer(detector, models.reader, unsure_min_score=0.5).recognize(scene)
    assert [o.detection for o in kept] == [top, weak_plate]  # the best box, and the weak one read as a plate
    assert kept[1].read is not None and kept[1].read.text == text


class LookDetector(FixedDetector):
    """Other boxes at the fine look's input than at the first look's."""

    def __init__(self, first: list, fine: list, fine_size: int) -> None:  # noqa: ANN001
        super().__init__(first)
        self.fine, self.fine_size = fine, fine_size

    def detect(self, frame: np.ndarray, confidence: float | None = None, imgsz: int | None = None) -> list:
        return list(self.fine if imgsz == self.fine_size else self.detections)


@pytest.mark.slow
def test_boxes_only_the_fine_look_found_are_reported_only_when_read_as_a_sure_plate(models) -> None:  # noqa: ANN001
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
    from gatekeeper.pipeline.types import Detection

    rng = np.random.default_rng(4)
    scene = rng.integers(70, 110, (1080, 1920, 3), dtype=np.uint8)
    texts = []
    for seed, (x, y) in ((21, (300, 700)), (22, (1500, 300))):
        img, text = PlateRenderer(seed=seed).render(style=PlateStyle.WHITE_8)
        scene[y:y + 52, x:x + 240] = cv2.resize(img, (240, 52))
        texts.append(text)
    first = Detection(Box(296, 696, 544, 756), 0.6)  # the near plate, loosely boxed
    again = Detection(Box(299, 699, 541, 753), 0.8)  # the same plate, better boxed by the fine look
    far = Detection(Box(1500, 300, 1740, 352), 0.4)  # a plate only the fine look found
    noise = Detection(Box(800, 100, 950, 140), 0.7)  # texture only the fine look found, scored high
    detector = LookDetector([first], [again, noise, far], fine_size=960)
    rec = Recognizer(detector, models.reader, max_imgsz=640, unsure_min_score=0.5, fine_max_imgsz=1280)
    kept = rec.recognize(scene)
    assert [o.detection for o in kept] == [again, far]  # the better box of the near plate, the sure far one
    assert [o.read.text if o.read else None for o in kept] == texts
    assert [o.detection for o in Recognizer(detector, models.reader, max_imgsz=640).recognize(scene)] == [first]


@pytest.mark.slow
def test_a_plate_the_fine_look_finds_inside_a_box_around_its_car_is_its_own_box(models) -> None:  # noqa: ANN001
    """The first look boxes a whole car (a large, high-scored box); the fine look boxes the plate inside it.
    The plate is not taken for a part of the car's box: it is kept, and read."""
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
    from gatekeeper.pipeline.types import Detection

    scene = np.random.default_rng(5).integers(70, 110, (1080, 1920, 3), dtype=np.uint8)
    img, text = PlateRenderer(seed=23).render(style=PlateStyle.WHITE_8)
    scene[700:752, 900:1140] = cv2.resize(img, (240, 52))
    car = Detection(Box(500, 300, 1500, 1000), 0.8)
    plate = Detection(Box(900, 700, 1140, 752), 0.45)
    detector = LookDetector([car], [plate], fine_size=960)
    rec = Recognizer(detector, models.reader, max_imgsz=640, unsure_min_score=0.5, fine_max_imgsz=1280)
    kept = rec.recognize(scene)
    assert [o.detection for o in kept] == [car, plate]
    assert kept[1].read is not None and kept[1].read.text == text


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
    """Reads a crop whose top-left pixel is bright as a wrong plate, surely; any other crop as the right plate,
    unsurely (what a reader does when a box edge cuts a character at exactly one placement)."""

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


def test_placements_the_frame_edge_clips_to_one_crop_are_read_once() -> None:
    """A plate crop read whole: moved left or right, the box's crop is clipped to the whole image again."""
    reader = CountingReader()
    crop = np.full((100, 400, 3), 90, np.uint8)
    obs = Recognizer(FixedDetector([]), reader, upscale_min_width=0, shift_vote=0.025).recognize(crop)
    assert len(obs) == 1 and obs[0].read is not None
    # unmoved (the whole image: no wider crop to compare), then up and down, each unsure and so also read from
    # a wider crop (the whole image); left and right give the unmoved crop again, the diagonals up's or down's
    assert reader.calls == 1 + 2 * 2
    assert obs[0].read.confidence == 0.5  # every placement read the same


@pytest.mark.slow
def test_a_plate_only_the_mirrored_look_finds_is_read(models, left_eyed_detector) -> None:  # noqa: ANN001
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle

    scene = np.random.default_rng(6).integers(70, 110, (400, 900, 3), dtype=np.uint8)
    img, text = PlateRenderer(seed=24).render(style=PlateStyle.WHITE_8)
    scene[200:252, 600:840] = cv2.resize(img, (240, 52))  # in the right half: the stand-in misses it
    assert Recognizer(left_eyed_detector, models.reader).recognize(scene) == []
    calls = left_eyed_detector.calls
    found = Recognizer(left_eyed_detector, models.reader, mirror=True).recognize(scene)
    assert left_eyed_detector.calls == calls + 2  # the first look, then the mirrored one
    assert len(found) == 1 and found[0].detection.box.iou(Box(600, 200, 840, 252)) > 0.9
    assert found[0].read is not None and found[0].read.text == text


class MirrorDetector(FixedDetector):
    """Other boxes on the mirrored image (told by a marker pixel the mirror moves to another corner)."""

    def __init__(self, first: list, mirrored: list) -> None:  # noqa: ANN001
        super().__init__(first)
        self.mirrored = mirrored

    def detect(self, frame: np.ndarray, confidence: float | None = None, imgsz: int | None = None) -> list:
        return list(self.detections if frame[0, 0, 2] == 255 else self.mirrored)


@pytest.mark.slow
def test_boxes_only_the_mirrored_look_found_are_reported_only_when_read_as_a_plate(models) -> None:  # noqa: ANN001
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
    from gatekeeper.pipeline.types import Detection

    scene = np.random.default_rng(7).integers(70, 110, (400, 900, 3), dtype=np.uint8)
    scene[0, 0] = (0, 0, 255)
    img, text = PlateRenderer(seed=25).render(style=PlateStyle.WHITE_8)
    scene[60:112, 80:320] = cv2.resize(img, (240, 52))
    img2, text2 = PlateRenderer(seed=26).render(style=PlateStyle.WHITE_8)
    scene[300:352, 600:840] = cv2.resize(img2, (240, 52))
    plate = Detection(Box(80, 60, 320, 112), 0.7)
    w = scene.shape[1]
    # the mirrored look (in its own coordinates): a box around the first plate and its surroundings, scored
    # higher; the second plate, weakly; and a patch of noise, scored high
    around = Detection(Box(w - 380, 20, w - 40, 160), 0.9)
    second = Detection(Box(w - 840, 300, w - 600, 352), 0.3)
    noise = Detection(Box(w - 500, 200, w - 380, 240), 0.8)
    detector = MirrorDetector([plate], [around, second, noise])
    kept = Recognizer(detector, models.reader, unsure_min_score=0.5, mirror=True).recognize(scene)
    assert [o.detection.box for o in kept] == [plate.box, Box(600, 300, 840, 352)]
    assert [o.read.text if o.read else None for o in kept] == [text, text2]


class FallbackMirrorDetector(MirrorDetector):
    """Nothing at the first look; ``low`` when asked for boxes scored down to a lower confidence."""

    def __init__(self, mirrored: list, low: list) -> None:  # noqa: ANN001
        super().__init__([], mirrored)
        self.low = low

    def detect(self, frame: np.ndarray, confidence: float | None = None, imgsz: int | None = None) -> list:
        return list(self.low) if confidence is not None else super().detect(frame)


@pytest.mark.slow
def test_where_only_the_mirrored_look_found_noise_the_second_look_comes_first(models) -> None:  # noqa: ANN001
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
    from gatekeeper.pipeline.types import Detection

    scene = np.random.default_rng(8).integers(70, 110, (400, 900, 3), dtype=np.uint8)
    scene[0, 0] = (0, 0, 255)
    img, text = PlateRenderer(seed=27).render(style=PlateStyle.WHITE_8)
    scene[300:352, 600:840] = cv2.resize(img, (240, 52))
    w = scene.shape[1]
    noise = Detection(Box(w - 500, 100, w - 380, 140), 0.6)  # in the mirrored image's coordinates
    plate = Detection(Box(600, 300, 840, 352), 0.1)
    rec = Recognizer(FallbackMirrorDetector([noise], [plate]), models.reader, fallback_confidence=0.08,
                     unsure_min_score=0.5, mirror=True)
    found = rec.recognize(scene)
    assert [o.detection for o in found] == [plate] and found[0].read is not None and found[0].read.text == text
    alone = Recognizer(FallbackMirrorDetector([noise], []), models.reader, fallback_confidence=0.08,
                       unsure_min_score=0.5, mirror=True).recognize(scene)
    assert [o.detection.box for o in alone] == [Box(380, 100, 500, 140)]  # no plate anywhere: its best box
