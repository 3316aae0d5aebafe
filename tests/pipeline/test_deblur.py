"""Motion blur, sideways, slanted or up and down: noticed, estimated, undone; still images read unsmeared."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.blur import line_kernel
from gatekeeper.dataset.synth.degrade import smear as smeared
from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.deblur import (
    CANDIDATES,
    NOTICE_DEPTH,
    SMEAR_RATIO,
    VERTICAL_SMEAR_RATIO,
    Smear,
    smear_depths,
    smear_directions,
    smear_ratio,
    smears,
    undo_tilted,
    unsmear,
)
from gatekeeper.pipeline.recognizer import Recognizer, crop_plate
from gatekeeper.pipeline.types import Detection


@pytest.fixture(scope="module")
def plate() -> tuple[np.ndarray, str]:
    """A rendered white Korean plate, 320 px wide."""
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle

    img, text = PlateRenderer(seed=31).render(style=PlateStyle.WHITE_8)
    return cv2.resize(img, (320, round(img.shape[0] * 320 / img.shape[1]))), text


@pytest.fixture(scope="module")
def latin_plate() -> tuple[np.ndarray, str]:
    """A rendered EU plate, 320 px wide: mostly vertical strokes, so sharp it is far above the smear ratio
    (Hangul's horizontal strokes put many sharp Korean plates under it)."""
    from gatekeeper.dataset.synth.latin import LatinPlateRenderer

    p = LatinPlateRenderer(seed=3).render(style="eu")
    return cv2.resize(p.image, (320, round(p.image.shape[0] * 320 / p.image.shape[1]))), p.text


@pytest.fixture(scope="module")
def shipped_reader(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The shipped reader chain, as the app loads it (skips when weights/ lacks the models)."""
    import torch

    torch.set_num_threads(1)
    from gatekeeper.domain.paths import AppPaths
    from gatekeeper.domain.settings import Settings
    from gatekeeper.services.runtime import ModelsMissingError, load_models

    root = tmp_path_factory.mktemp("models")
    try:
        return load_models(Settings(), AppPaths(root / "config", root / "data"), device="cpu").reader
    except ModelsMissingError as exc:
        pytest.skip(f"weights/ lacks the shipped models: {exc}")


def test_a_sideways_smear_lowers_the_gradient_ratio(plate) -> None:  # noqa: ANN001
    grey = cv2.cvtColor(plate[0], cv2.COLOR_BGR2GRAY)
    sharp = smear_ratio(grey)
    assert smear_ratio(smeared(grey, 16)) < 0.6 * sharp
    assert (smear_ratio(np.zeros((2, 50), np.uint8)) == 1.0
            and smear_ratio(np.full((20, 50), 7, np.uint8)) == 1.0)


@pytest.mark.parametrize("length", [6, 11, 19, 30])
def test_the_smear_length_is_the_first_candidate(plate, length: int) -> None:  # noqa: ANN001
    grey = cv2.cvtColor(plate[0], cv2.COLOR_BGR2GRAY)
    noisy = smeared(grey, length).astype(np.float32) + np.random.default_rng(length).normal(0, 2, grey.shape)
    found = smear_directions(np.clip(noisy, 0, 255).astype(np.uint8))
    assert abs(found[0][0] - length) <= 1 and found[0][1] == 0 and len(found) == CANDIDATES
    assert all(abs(n - m) > 1 or abs(a - b) > 8 for i, (n, a) in enumerate(found) for m, b in found[i + 1:])
    assert smear_directions(np.zeros((30, 15), np.uint8)) == []  # too narrow for any length


def test_unsmearing_at_the_right_length_restores_the_plate(plate) -> None:  # noqa: ANN001
    image = plate[0]
    blurred = smeared(image, 15)
    restored = unsmear(blurred, 15)
    assert restored.shape == image.shape and restored.dtype == np.uint8
    inner = (slice(10, -10), slice(40, -40))  # the replicated borders are not restored

    def error(x: np.ndarray) -> float:
        return float(np.abs(x[inner].astype(int) - image[inner]).mean())

    assert error(restored) < 0.5 * error(blurred)
    assert all(error(restored) < error(unsmear(blurred, other)) for other in (8, 12, 18, 22))
    grey = unsmear(cv2.cvtColor(blurred, cv2.COLOR_BGR2GRAY), 15)
    assert grey.shape == image.shape[:2]


def test_candidates_only_for_a_smeared_crop(latin_plate) -> None:  # noqa: ANN001
    image = latin_plate[0]
    assert smear_ratio(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)) >= SMEAR_RATIO

    def sideways(crop: np.ndarray) -> list[Smear]:  # the gradient ratio's gate alone
        # (its tall letters put it over the up-and-down ratio)
        return smears(crop, min_vertical_ratio=math.inf, notice_depth=math.inf)

    assert sideways(image) == []
    assert sideways(smeared(image, 12)) == []  # 4 % of its width: the ratio hardly moves
    found = sideways(smeared(image, 24))
    assert len(found) == CANDIDATES and found[0] == Smear(24, 0.0)
    assert sideways(np.zeros((0, 0, 3), np.uint8)) == []
    # the cepstrum's dip of a clean 12 px smear is deep enough to notice it all the same
    assert smears(image, min_vertical_ratio=math.inf) == []
    assert smears(smeared(image, 12), min_vertical_ratio=math.inf)[0] == Smear(12, 0.0)


class SharpnessReader:
    """Reads the plate right only from a crop whose gradient ratio is between ``low`` and ``high`` times a
    clean plate's (a stand-in for a network, whose reads fall apart on a smeared plate: a sideways smear
    lowers the ratio, an up-and-down one raises it); otherwise a fragment. Counts its calls."""

    name = "sharpness"

    def __init__(self, text: str, sharp_ratio: float, low: float = 0.7, high: float = math.inf) -> None:
        self.text, self.sharp_ratio, self.low, self.high, self.calls = text, sharp_ratio, low, high, 0

    def read(self, crop: np.ndarray) -> PlateRead:
        self.calls += 1
        ratio = smear_ratio(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY))
        if self.low * self.sharp_ratio <= ratio <= self.high * self.sharp_ratio:
            return PlateRead(self.text, 0.95, (0.95,) * len(self.text))
        return PlateRead(self.text[:-2], 0.6, (0.6,) * (len(self.text) - 2))


def test_a_smeared_still_plate_is_read_unsmeared(latin_plate, even_plate) -> None:  # noqa: ANN001
    image, text = latin_plate
    sharp = smear_ratio(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    blurred = smeared(image, 24)
    plain = Recognizer(None, SharpnessReader(text, sharp)).recognize(blurred)
    assert plain[0].read is not None and plain[0].read.text == text[:-2]
    reader = SharpnessReader(text, sharp)
    fixed = Recognizer(None, reader, unsmear=True).recognize(blurred)
    assert len(fixed) == 1 and fixed[0].read is not None and fixed[0].read.text == text
    assert reader.calls == 1 + CANDIDATES  # a plate-shaped crop read whole: no wider crop to compare
    assert np.array_equal(fixed[0].crop, blurred)  # the evidence is the picture as taken
    sharp_image, sharp_text = even_plate
    clean = SharpnessReader(sharp_text, smear_ratio(cv2.cvtColor(sharp_image, cv2.COLOR_BGR2GRAY)))
    assert Recognizer(None, clean, unsmear=True).recognize(sharp_image)[0].read.text == sharp_text
    assert clean.calls == 1  # a sharp plate: no unsmeared reads


@pytest.mark.slow
def test_the_real_readers_read_a_smeared_plate_unsmeared(plate, shipped_reader) -> None:  # noqa: ANN001
    image, text = plate
    blurred = smeared(image, 22)  # 7 % of the plate's width
    obs = Recognizer(None, shipped_reader, unsmear=True).recognize(blurred)
    assert len(obs) == 1 and obs[0].read is not None and obs[0].read.text == text


class SureReader:
    """Reads every crop as the same plate, surely; counts its calls."""

    name = "sure"

    def __init__(self, text: str, confidence: float) -> None:
        self.text, self.confidence, self.calls = text, confidence, 0

    def read(self, crop: np.ndarray) -> PlateRead:
        self.calls += 1
        return PlateRead(self.text, self.confidence, (self.confidence,) * len(self.text))


@pytest.mark.parametrize(("text", "confidence", "unsmeared"), [
    ("12가3456", 0.995, False),  # Hangul's horizontal strokes put many sharp Korean plates under the ratio
    ("12가3456", 0.98, True),  # smeared Korean plates read 0.93-0.99
    ("4ABC123", 0.995, False),  # a sure Latin read (letters in a common layout)
    ("4123123", 0.995, True),  # digits only: a smeared Korean plate read by the Latin network looks like this
])
def test_a_settled_read_is_not_read_unsmeared(plate, text: str, confidence: float,  # noqa: ANN001
                                              unsmeared: bool) -> None:
    reader = SureReader(text, confidence)
    obs = Recognizer(None, reader, unsmear=True).recognize(smeared(plate[0], 24))
    assert obs[0].read is not None and obs[0].read.text == text
    assert reader.calls == (1 + CANDIDATES if unsmeared else 1)


class OneBox:
    """A detector that always finds the same box."""

    imgsz = 320

    def __init__(self, box: Box) -> None:
        self.box = box

    def detect(self, frame: np.ndarray, confidence: float | None = None, imgsz: int | None = None) -> list:
        return [Detection(self.box, 0.9)]


def test_with_the_shift_vote_every_placement_is_read_unsmeared(latin_plate) -> None:  # noqa: ANN001
    image, text = latin_plate
    scene = np.full((300, 700, 3), 128, np.uint8)
    h, w = image.shape[:2]
    scene[100:100 + h, 200:200 + w] = image
    box = Box(200, 100, 200 + w, 100 + h)
    sharp = smear_ratio(cv2.cvtColor(crop_plate(scene, box), cv2.COLOR_BGR2GRAY))  # with the plate's edges
    reader = SharpnessReader(text, sharp)
    recognizer = Recognizer(OneBox(box), reader, unsmear=True, shift_vote=0.025)
    obs = recognizer.recognize(smeared(scene, 24))  # the whole frame:
    # the car crossed the view in the exposure
    assert len(obs) == 1 and obs[0].read is not None and obs[0].read.text == text
    assert obs[0].read.confidence == pytest.approx(0.95)  # every placement read it unsmeared
    # each placement: its crop, a wider one (the smeared read is unsure), and its crop unsmeared at every
    # candidate length of the box (estimated once, on the box as found)
    assert reader.calls == 9 * (2 + CANDIDATES)


def smeared_up_and_down(image: np.ndarray, length: int) -> np.ndarray:
    """``image`` smeared vertically by ``length`` px (a car driving at a camera above the lane)."""
    turned = np.ascontiguousarray(np.swapaxes(image, 0, 1))
    return np.ascontiguousarray(np.swapaxes(smeared(turned, length), 0, 1))


@pytest.fixture(scope="module")
def even_plate() -> tuple[np.ndarray, str]:
    """A rendered EU plate, 320 px wide, as sharp up and down as sideways (its ratio between the two
    thresholds)."""
    from gatekeeper.dataset.synth.latin import LatinPlateRenderer

    p = LatinPlateRenderer(seed=4).render(style="eu")
    image = cv2.resize(p.image, (320, round(p.image.shape[0] * 320 / p.image.shape[1])))
    assert SMEAR_RATIO <= smear_ratio(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)) <= VERTICAL_SMEAR_RATIO
    return image, p.text


def test_an_up_and_down_smear_is_noticed_measured_and_undone(even_plate) -> None:  # noqa: ANN001
    image = even_plate[0]
    assert smears(image) == []  # sharp
    blurred = smeared_up_and_down(image, 14)  # ~20 % of the plate's height
    assert smear_ratio(cv2.cvtColor(blurred, cv2.COLOR_BGR2GRAY)) > VERTICAL_SMEAR_RATIO
    found = smears(blurred)
    assert len(found) == CANDIDATES and all(s.vertical for s in found)
    assert abs(found[0].length - 14) <= 1
    inner = (slice(20, -20), slice(10, -10))  # the replicated borders are not restored

    def error(x: np.ndarray) -> float:
        return float(np.abs(x[inner].astype(int) - image[inner]).mean())

    restored = found[0].undo(blurred)
    assert restored.shape == image.shape and error(restored) < 0.7 * error(blurred)
    assert all(error(restored) < error(Smear(n, 90).undo(blurred)) for n in (8, 11, 17, 20))
    assert error(Smear(14).undo(blurred)) > error(restored)  # the wrong way round undoes nothing
    sideways = smears(smeared(image, 40))
    assert sideways and not any(s.vertical for s in sideways)
    assert smears(np.zeros((0, 0, 3), np.uint8)) == [] and smears(np.zeros((2, 40), np.uint8)) == []


def on_a_slant(image: np.ndarray, length: float, angle: float) -> np.ndarray:
    """``image`` smeared by ``length`` px along ``angle`` degrees (a car seen at an angle)."""
    return cv2.filter2D(image, -1, line_kernel(length, angle), borderType=cv2.BORDER_REPLICATE)


@pytest.fixture(scope="module")
def framed_plate() -> tuple[np.ndarray, str]:
    """The rendered Korean plate 200 px wide in a grey margin of 1/12 of its width (a detector box's crop)."""
    from gatekeeper.dataset.synth import PlateRenderer, PlateStyle

    img, text = PlateRenderer(seed=31).render(style=PlateStyle.WHITE_8)
    small = cv2.resize(img, (200, round(img.shape[0] * 200 / img.shape[1])), interpolation=cv2.INTER_AREA)
    return cv2.copyMakeBorder(small, 16, 16, 16, 16, cv2.BORDER_CONSTANT, value=(90, 90, 90)), text


@pytest.mark.parametrize("angle", [25.0, -30.0])
def test_a_slanted_smear_is_measured_and_undone(framed_plate, angle: float) -> None:  # noqa: ANN001
    image = framed_plate[0]
    blurred = on_a_slant(image, 14, angle)
    found = smears(blurred)
    assert len(found) == CANDIDATES and not found[0].vertical
    assert abs(found[0].angle - angle) <= 4 and abs(found[0].length - 14) <= 2
    inner = (slice(20, -20), slice(20, -20))

    def error(x: np.ndarray) -> float:
        return float(np.abs(x[inner].astype(int) - image[inner]).mean())

    restored = found[0].undo(blurred)
    assert restored.shape == image.shape and restored.dtype == np.uint8
    assert error(restored) < 0.7 * error(blurred)
    assert error(restored) < error(Smear(found[0].length).undo(blurred))  # undone sideways
    assert error(restored) < error(Smear(found[0].length, -angle).undo(blurred))  # the other slant


def test_a_level_or_upright_smear_is_undone_without_turning(framed_plate) -> None:  # noqa: ANN001
    grey = cv2.cvtColor(framed_plate[0], cv2.COLOR_BGR2GRAY)
    assert np.array_equal(Smear(9).undo(grey), unsmear(grey, 9))
    assert np.array_equal(Smear(9, 90).undo(grey), unsmear(grey, 9, vertical=True))
    slanted = undo_tilted(grey, 9, 20.0)
    assert slanted.shape == grey.shape and slanted.dtype == np.uint8
    level = undo_tilted(grey, 9, 0.0).astype(int)  # turning by nothing only resamples the borders
    assert np.abs(level[20:-20, 20:-20] - unsmear(grey, 9)[20:-20, 20:-20].astype(int)).mean() < 1.0


def test_a_still_plate_smeared_up_and_down_is_read_unsmeared(even_plate) -> None:  # noqa: ANN001
    image, text = even_plate
    sharp = smear_ratio(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    blurred = smeared_up_and_down(image, 14)
    plain = Recognizer(None, SharpnessReader(text, sharp, low=0.0, high=1.3)).recognize(blurred)
    assert plain[0].read is not None and plain[0].read.text == text[:-2]
    reader = SharpnessReader(text, sharp, low=0.0, high=1.3)  # read right only as sharp up and down
    fixed = Recognizer(None, reader, unsmear=True).recognize(blurred)
    assert fixed[0].read is not None and fixed[0].read.text == text
    assert reader.calls == 1 + CANDIDATES


@pytest.mark.slow
def test_the_real_readers_read_a_plate_smeared_up_and_down(even_plate, shipped_reader) -> None:  # noqa: ANN001
    image, text = even_plate
    small = cv2.resize(image, (120, round(image.shape[0] * 120 / image.shape[1])),
                       interpolation=cv2.INTER_AREA)
    blurred = smeared_up_and_down(small, 8)  # a third of the plate's height at 120 px wide
    plain = Recognizer(None, shipped_reader).recognize(blurred)
    assert not plain or plain[0].read is None or plain[0].read.text != text
    obs = Recognizer(None, shipped_reader, unsmear=True).recognize(blurred)
    assert len(obs) == 1 and obs[0].read is not None and obs[0].read.text == text


@pytest.mark.slow
@pytest.mark.parametrize("angle", [25.0, -30.0])
def test_the_real_readers_read_a_plate_smeared_on_a_slant(framed_plate, shipped_reader,  # noqa: ANN001
                                                          angle: float) -> None:
    image, text = framed_plate
    blurred = on_a_slant(image, 14, angle)  # 7 % of the plate's width
    plain = Recognizer(None, shipped_reader).recognize(blurred)
    assert not plain or plain[0].read is None or plain[0].read.text != text
    obs = Recognizer(None, shipped_reader, unsmear=True).recognize(blurred)
    assert len(obs) == 1 and obs[0].read is not None and obs[0].read.text == text


def grey_of(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


@pytest.mark.parametrize(("length", "angle"), [(10.0, 90.0), (14.0, 45.0), (14.0, -45.0)])
def test_a_smear_the_gradient_ratio_misses_is_noticed_by_its_depth(framed_plate, length: float,  # noqa: ANN001
                                                                   angle: float) -> None:
    image = framed_plate[0]
    sharp = smear_depths(grey_of(image))
    assert set(sharp) == {"sideways", "slant", "vertical"} and max(sharp.values()) < NOTICE_DEPTH
    assert smears(image) == []
    blurred = on_a_slant(image, length, angle)
    # a Korean plate's Hangul keeps the ratio in the sharp band, up and down or at 45 degrees
    assert SMEAR_RATIO <= smear_ratio(grey_of(blurred)) <= VERTICAL_SMEAR_RATIO
    depths = smear_depths(grey_of(blurred))
    assert max(depths, key=depths.__getitem__) == ("vertical" if angle == 90 else "slant")
    assert max(depths.values()) >= NOTICE_DEPTH
    found = smears(blurred)
    assert len(found) == CANDIDATES and abs(found[0].length - length) <= 2
    assert min(abs(found[0].angle - angle), 180 - abs(found[0].angle - angle)) <= 4
    inner = (slice(20, -20), slice(20, -20))

    def error(x: np.ndarray) -> float:
        return float(np.abs(x[inner].astype(int) - image[inner]).mean())

    restored = found[0].undo(blurred)
    assert error(restored) < 0.7 * error(blurred)
    assert error(restored) < error(Smear(found[0].length).undo(blurred))  # undone sideways
    assert smears(blurred, notice_depth=math.inf) == []  # the ratio alone misses it
    assert smear_depths(np.zeros((2, 40), np.uint8)) == {}


def test_a_crop_that_looks_smeared_sideways_is_searched_where_its_dip_is(framed_plate) -> None:  # noqa: ANN001
    image = framed_plate[0]
    slanted = on_a_slant(image, 14, 45)
    ratio = smear_ratio(grey_of(slanted))
    # taken for a sideways smear by its ratio, the depth not asked: its dip is far deeper on the slant
    found = smears(slanted, max_ratio=ratio + 0.1, notice_depth=math.inf)
    assert found and abs(found[0].angle - 45) <= 4 and abs(found[0].length - 14) <= 2
    level = on_a_slant(image, 14, 20)  # a smear within the sideways sector stays there
    found = smears(level, max_ratio=smear_ratio(grey_of(level)) + 0.1, notice_depth=math.inf)
    assert found and abs(found[0].angle - 20) <= 4


@pytest.mark.slow
@pytest.mark.parametrize(("length", "angle"), [(10.0, 90.0), (16.0, 45.0)])
def test_the_real_readers_read_a_korean_plate_smeared_where_the_ratio_misses(  # noqa: ANN001
        framed_plate, shipped_reader, length: float, angle: float) -> None:
    image, text = framed_plate
    blurred = on_a_slant(image, length, angle)
    plain = Recognizer(None, shipped_reader).recognize(blurred)
    assert not plain or plain[0].read is None or plain[0].read.text != text
    obs = Recognizer(None, shipped_reader, unsmear=True).recognize(blurred)
    assert len(obs) == 1 and obs[0].read is not None and obs[0].read.text == text
