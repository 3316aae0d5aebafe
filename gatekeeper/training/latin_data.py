"""Training samples for the Latin reader: synthetic Latin plates cropped as the detector or the row
finder would crop them (:func:`gatekeeper.pipeline.latin_locate.latin_views`)."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping

import cv2
import numpy as np

from gatekeeper.dataset.synth import FontNotFoundError, PlateRenderer, PlateStyle
from gatekeeper.dataset.synth.degrade import degrade
from gatekeeper.dataset.synth.latin import LatinPlateRenderer, pick_weighted
from gatekeeper.pipeline.latin_locate import cut_around
from gatekeeper.pipeline.reader_layout import ONE_LINE, line_image

log = logging.getLogger(__name__)

ROW_SHARE = 0.45  # share of samples cut to the character row (the reader's second view)
TIGHT_SHARE = 0.1  # ... cut right at the characters (tight hand-drawn boxes, crop-only sets)
KOREAN_SHARE = 0.04  # one-line Korean plates labelled with their digits only: the Latin reader skips Hangul
KOREAN_ONE_LINE = (PlateStyle.WHITE_8, PlateStyle.WHITE_7, PlateStyle.BLUE_EV, PlateStyle.RENTAL,
                   PlateStyle.YELLOW_COMMERCIAL_1LINE)
_korean: weakref.WeakKeyDictionary[LatinPlateRenderer, PlateRenderer | None] = weakref.WeakKeyDictionary()


def row_crop(plate: np.ndarray, box: tuple[int, int, int, int], rng: np.random.Generator) -> np.ndarray:
    """The character row with an uneven margin, as :func:`latin_views` cuts it from a real crop."""
    px = rng.uniform(0.08, 0.5, 2)
    py = rng.uniform(-0.02, 0.3, 2)
    return cut_around(plate, box, px[0], py[0], px[1], py[1])


def tight_crop(plate: np.ndarray, box: tuple[int, int, int, int], rng: np.random.Generator) -> np.ndarray:
    """The characters with almost no margin (0-6 % of their height at the sides, 0-15 % above and below)."""
    px = rng.uniform(0.0, 0.06, 2)
    py = rng.uniform(0.0, 0.15, 2)
    return cut_around(plate, box, px[0], py[0], px[1], py[1])


def latin_sample(renderer: LatinPlateRenderer, rng: np.random.Generator,
                 weights: Mapping[str, float] | None = None) -> tuple[np.ndarray, str]:
    """One network input (uint8 32x160) and its label; with ``weights`` (style name: weight) the plate's
    style is drawn by them, else by the renderer (:data:`gatekeeper.dataset.synth.latin.STYLES`)."""
    from gatekeeper.training.reader_data import detector_crop

    korean = _korean_renderer(renderer) if rng.random() < KOREAN_SHARE else None
    if korean is not None:
        image, text = korean.render(style=KOREAN_ONE_LINE[int(rng.integers(len(KOREAN_ONE_LINE)))])
        label = "".join(ch for ch in text if ch.isascii())
        crop = detector_crop(image, rng, loose=True)
    else:
        plate = renderer.render(style=pick_weighted(rng, tuple(weights.items())) if weights else None)
        label = plate.text
        k = rng.random()
        if k < TIGHT_SHARE:
            crop = tight_crop(plate.image, plate.text_box, rng)
        elif k < TIGHT_SHARE + ROW_SHARE:
            crop = row_crop(plate.image, plate.text_box, rng)
        else:
            crop = detector_crop(plate.image, rng, loose=True) if rng.random() < 0.9 else plate.image
    crop = degrade(crop, rng)
    width = int(np.exp(rng.uniform(np.log(50), np.log(320))))
    height = max(8, round(crop.shape[0] * width / crop.shape[1]))
    interp = cv2.INTER_AREA if width < crop.shape[1] else cv2.INTER_LINEAR
    crop = cv2.resize(crop, (width, height), interpolation=interp)
    line = line_image(crop, ONE_LINE)
    if rng.random() < 0.08:
        line = 255 - line  # light characters on a dark plate, after grey conversion
    return line, label


def _korean_renderer(renderer: LatinPlateRenderer) -> PlateRenderer | None:
    """A Korean renderer seeded from the Latin one (None when no Hangul glyphs or fonts are available)."""
    if renderer not in _korean:
        try:
            _korean[renderer] = PlateRenderer(seed=int(renderer.rng.integers(1 << 31)))
        except FontNotFoundError as exc:
            log.warning("no Korean plates in the Latin training data: %s", exc)
            _korean[renderer] = None
    return _korean[renderer]
