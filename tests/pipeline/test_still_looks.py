"""Still images' looks (the larger input, the fine look and its tiles, the mirrored look) and which of their
boxes are reported; the real models on rendered plates and a demo frame, stand-in detectors where the boxes
themselves are what is tested."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from gatekeeper.domain.types import Box
from gatekeeper.pipeline.recognizer import Recognizer, fine_tiles


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
    lost = Recognizer(models.detector, models.reader).recognize(big)  # at most the car boxed whole
    assert plate not in [o.read.text for o in lost if o.read is not None]
    obs = Recognizer(models.detector, models.reader, max_imgsz=640).recognize(big)
    assert obs and obs[0].read is not None and obs[0].read.text == plate


@pytest.mark.slow
def test_a_far_plate_in_a_traffic_camera_frame_is_found_by_the_fine_look(models, stop_frame) -> None:  # noqa: ANN001
    """A demo frame in a canvas six times its size: at the first look's 640 input the plate is a few pixels
    wide and lost; the fine look (the long side / 2, at most 1280) finds and reads it."""
    frame, plate = stop_frame
    h, w = frame.shape[:2]
    big = cv2.copyMakeBorder(frame, 0, 5 * h, 0, 5 * w, cv2.BORDER_CONSTANT, value=(90, 90, 90))
    lost = Recognizer(models.detector, models.reader, max_imgsz=640).recognize(big)
    assert plate not in [o.read.text for o in lost if o.read is not None]
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
    (1080, 1920, 1920, 1), (2160, 3840, 2560, 2), (4320, 7680, 2560, 8), (6000, 8000, 2560, 12),
    (20000, 400, 2560, 11),
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


def _scene(seed: int, size: tuple[int, int], plates: list[tuple[int, int, int]],
           marked: bool = False) -> tuple[np.ndarray, list[str]]:
    """A grey noise picture of ``size`` (h, w) with a rendered white 8-digit plate of 240x52 px at each
    (renderer seed, x, y) of ``plates``, and their texts; ``marked``: with the red top-left pixel by which
    :class:`LooksDetector` tells the mirrored picture."""
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle

    scene = np.random.default_rng(seed).integers(70, 110, (*size, 3), dtype=np.uint8)
    if marked:
        scene[0, 0] = (0, 0, 255)
    texts = []
    for plate_seed, x, y in plates:
        img, text = PlateRenderer(seed=plate_seed).render(style=PlateStyle.WHITE_8)
        scene[y:y + 52, x:x + 240] = cv2.resize(img, (240, 52))
        texts.append(text)
    return scene, texts


class LooksDetector:
    """A stand-in for the detector (what is tested here is which boxes are kept): ``first`` at the first look,
    ``fine`` at the fine look's input ``fine_size``, ``mirrored`` on the image mirrored (told by a red marker
    pixel at its top left corner, which the mirror moves to the other), ``low`` when asked for boxes scored
    down to a lower confidence (the second look)."""

    imgsz = 320

    def __init__(self, first: list, fine: list | None = None, fine_size: int | None = None,  # noqa: ANN001
                 mirrored: list | None = None, low: list | None = None) -> None:
        self.first, self.fine, self.fine_size = first, fine or [], fine_size
        self.mirrored, self.low = mirrored, low or []

    def detect(self, frame: np.ndarray, confidence: float | None = None, imgsz: int | None = None) -> list:
        if confidence is not None:
            return list(self.low)
        if imgsz is not None and imgsz == self.fine_size:
            return list(self.fine)
        if self.mirrored is not None and frame[0, 0, 2] != 255:
            return list(self.mirrored)
        return list(self.first)


@pytest.mark.slow
def test_weak_boxes_are_reported_only_when_read_as_a_plate(models) -> None:  # noqa: ANN001
    from gatekeeper.pipeline.types import Detection

    scene, (text,) = _scene(3, (400, 900), [(12, 600, 300)])
    cv2.circle(scene, (150, 120), 40, (200, 200, 200), 6)  # a badge
    top = Detection(Box(90, 60, 210, 180), 0.9)
    weak_plate = Detection(Box(600, 300, 840, 352), 0.3)
    weak_noise = Detection(Box(300, 200, 450, 240), 0.3)
    detector = LooksDetector([top, weak_plate, weak_noise])
    everything = Recognizer(detector, models.reader).recognize(scene)
    assert [o.detection for o in everything] == [top, weak_plate, weak_noise]
    kept = Recognizer(detector, models.reader, unsure_min_score=0.5).recognize(scene)
    assert [o.detection for o in kept] == [top, weak_plate]  # the best box, and the weak one read as a plate
    assert kept[1].read is not None and kept[1].read.text == text


@pytest.mark.slow
def test_boxes_only_the_fine_look_found_are_reported_only_when_read_as_a_sure_plate(models) -> None:  # noqa: ANN001
    from gatekeeper.pipeline.types import Detection

    scene, texts = _scene(4, (1080, 1920), [(21, 300, 700), (22, 1500, 300)])
    first = Detection(Box(296, 696, 544, 756), 0.6)  # the near plate, loosely boxed
    again = Detection(Box(299, 699, 541, 753), 0.8)  # the same plate, better boxed by the fine look
    far = Detection(Box(1500, 300, 1740, 352), 0.4)  # a plate only the fine look found
    noise = Detection(Box(800, 100, 950, 140), 0.7)  # texture only the fine look found, scored high
    detector = LooksDetector([first], [again, noise, far], fine_size=960)
    rec = Recognizer(detector, models.reader, max_imgsz=640, unsure_min_score=0.5, fine_max_imgsz=1280)
    kept = rec.recognize(scene)
    assert [o.detection for o in kept] == [again, far]  # the better box of the near plate, the sure far one
    assert [o.read.text if o.read else None for o in kept] == texts
    assert ([o.detection for o in Recognizer(detector, models.reader, max_imgsz=640).recognize(scene)]
            == [first])


@pytest.mark.slow
def test_a_plate_the_fine_look_finds_inside_a_box_around_its_car_is_its_own_box(models) -> None:  # noqa: ANN001
    """The first look boxes a whole car (a large, high-scored box); the fine look boxes the plate inside it.
    The plate is not taken for a part of the car's box: it is kept, and read."""
    from gatekeeper.pipeline.types import Detection

    scene, (text,) = _scene(5, (1080, 1920), [(23, 900, 700)])
    car = Detection(Box(500, 300, 1500, 1000), 0.8)
    plate = Detection(Box(900, 700, 1140, 752), 0.45)
    detector = LooksDetector([car], [plate], fine_size=960)
    rec = Recognizer(detector, models.reader, max_imgsz=640, unsure_min_score=0.5, fine_max_imgsz=1280)
    kept = rec.recognize(scene)
    assert [o.detection for o in kept] == [car, plate]
    assert kept[1].read is not None and kept[1].read.text == text


@pytest.mark.slow
def test_a_plate_only_the_mirrored_look_finds_is_read(models, left_eyed_detector) -> None:  # noqa: ANN001
    scene, (text,) = _scene(6, (400, 900), [(24, 600, 200)])  # in the right half: the stand-in misses it
    assert Recognizer(left_eyed_detector, models.reader).recognize(scene) == []
    calls = left_eyed_detector.calls
    found = Recognizer(left_eyed_detector, models.reader, mirror=True).recognize(scene)
    assert left_eyed_detector.calls == calls + 2  # the first look, then the mirrored one
    assert len(found) == 1 and found[0].detection.box.iou(Box(600, 200, 840, 252)) > 0.9
    assert found[0].read is not None and found[0].read.text == text


@pytest.mark.slow
def test_boxes_only_the_mirrored_look_found_are_reported_only_when_read_as_a_plate(models) -> None:  # noqa: ANN001
    from gatekeeper.pipeline.types import Detection

    scene, (text, text2) = _scene(7, (400, 900), [(25, 80, 60), (26, 600, 300)], marked=True)
    plate = Detection(Box(80, 60, 320, 112), 0.7)
    w = scene.shape[1]
    # the mirrored look (in its own coordinates): a box around the first plate and its surroundings, scored
    # higher; the second plate, weakly; and a patch of noise, scored high
    around = Detection(Box(w - 380, 20, w - 40, 160), 0.9)
    second = Detection(Box(w - 840, 300, w - 600, 352), 0.3)
    noise = Detection(Box(w - 500, 200, w - 380, 240), 0.8)
    detector = LooksDetector([plate], mirrored=[around, second, noise])
    kept = Recognizer(detector, models.reader, unsure_min_score=0.5, mirror=True).recognize(scene)
    assert [o.detection.box for o in kept] == [plate.box, Box(600, 300, 840, 352)]
    assert [o.read.text if o.read else None for o in kept] == [text, text2]


@pytest.mark.slow
def test_where_only_the_mirrored_look_found_noise_the_second_look_comes_first(models) -> None:  # noqa: ANN001
    from gatekeeper.pipeline.types import Detection

    scene, (text,) = _scene(8, (400, 900), [(27, 600, 300)], marked=True)
    w = scene.shape[1]
    noise = Detection(Box(w - 500, 100, w - 380, 140), 0.6)  # in the mirrored image's coordinates
    plate = Detection(Box(600, 300, 840, 352), 0.1)
    options = {"fallback_confidence": 0.08, "unsure_min_score": 0.5, "mirror": True}
    detector = LooksDetector([], mirrored=[noise], low=[plate])
    found = Recognizer(detector, models.reader, **options).recognize(scene)
    assert [o.detection for o in found] == [plate]
    assert found[0].read is not None and found[0].read.text == text
    alone = Recognizer(LooksDetector([], mirrored=[noise]), models.reader, **options).recognize(scene)
    assert [o.detection.box for o in alone] == [Box(380, 100, 500, 140)]  # no plate anywhere: its best box
