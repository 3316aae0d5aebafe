"""Plate colour (which syllables a read may carry) on loose crops: the car body around a plate does not
count."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.pipeline.reader_prep import NOT_YELLOW, UNKNOWN, YELLOW, character_band, plate_colour

ORANGE = (0, 140, 235)  # BGR: a taxi / school-bus body
GREY = (90, 90, 90)


def on_body(style: PlateStyle, body: tuple[int, int, int], seed: int, text: str | None = None,
            margin: tuple[float, float] = (0.35, 1.0)) -> tuple[np.ndarray, str]:
    """A rendered plate 150 px wide in a loose crop of a car body (``margin``: share of the plate's width
    beside it, share of its height above and below), as a camera crops a detector box."""
    img, text = PlateRenderer(seed=seed).render(text, style)
    plate = cv2.resize(img, (150, round(img.shape[0] * 150 / img.shape[1])), interpolation=cv2.INTER_AREA)
    ph, pw = plate.shape[:2]
    mx, my = int(pw * margin[0]), int(ph * margin[1])
    crop = np.empty((ph + 2 * my, pw + 2 * mx, 3), np.uint8)
    crop[:] = body
    noise = np.random.default_rng(seed).normal(0, 6, crop.shape)
    crop = np.clip(crop + noise, 0, 255).astype(np.uint8)
    crop[my:my + ph, mx:mx + pw] = plate
    return crop, text


def test_the_character_band_is_found_inside_a_loose_crop() -> None:
    crop, _ = on_body(PlateStyle.WHITE_8, ORANGE, seed=1)
    y0, y1, x0, x1 = character_band(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY))
    h, w = crop.shape[:2]
    assert 0.15 * h < y0 < y1 < 0.85 * h  # the body above and below is left out
    assert 0.1 * w < x0 < x1 < 0.9 * w
    assert character_band(np.full((40, 120), 128, np.uint8)) is None


@pytest.mark.parametrize("seed", range(4))
def test_white_plates_on_orange_bodies_are_not_yellow(seed: int) -> None:
    """The centre of such a crop is half body: measured there alone, all of these plates were yellow."""
    for style in (PlateStyle.WHITE_8, PlateStyle.WHITE_7, PlateStyle.RENTAL):
        crop, _ = on_body(style, ORANGE, seed)
        assert plate_colour(crop) != YELLOW, style


@pytest.mark.parametrize("seed", range(4))
def test_yellow_plates_stay_yellow(seed: int) -> None:
    for style in (PlateStyle.YELLOW_COMMERCIAL_1LINE, PlateStyle.YELLOW_COMMERCIAL_2LINE):
        for body in (GREY, ORANGE):
            crop, _ = on_body(style, body, seed, margin=(0.1, 0.2))
            assert plate_colour(crop) == YELLOW, (style, body)
    white, _ = on_body(PlateStyle.WHITE_8, GREY, seed, margin=(0.1, 0.2))
    assert plate_colour(white) == NOT_YELLOW


def test_greyscale_and_degenerate_crops_are_unknown() -> None:
    crop, _ = on_body(PlateStyle.YELLOW_COMMERCIAL_1LINE, GREY, seed=0)
    grey = cv2.cvtColor(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)  # infrared camera
    assert plate_colour(grey) == UNKNOWN
    assert plate_colour(np.zeros((2, 2, 3), np.uint8)) == UNKNOWN
    assert plate_colour(np.zeros((0, 5, 3), np.uint8)) == UNKNOWN


@pytest.mark.slow
def test_a_white_plate_on_an_orange_taxi_keeps_its_syllable() -> None:
    """A wrong "yellow" limits the read to commercial syllables: 200머8652 was read 200아8652."""
    from gatekeeper.pipeline.reader import KoreanPlateReader

    reader = KoreanPlateReader(Path(__file__).resolve().parents[2] / "weights")
    texts = ["200머8652", "12가3456", "345버6789", "67러1234", "88허5521", "123서4567"]
    right = 0
    for seed, text in enumerate(texts):
        crop, text = on_body(PlateStyle.WHITE_8 if len(text) == 9 else PlateStyle.WHITE_7, ORANGE, seed, text)
        got = reader.read(crop)
        right += got is not None and got.text == text
    assert right >= len(texts) - 1
