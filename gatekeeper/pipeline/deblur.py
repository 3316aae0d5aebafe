"""Motion blur on a plate crop, sideways or up and down: notice it, estimate its length, undo it.

A car crossing the view during a long (night) exposure smears its plate horizontally: every point becomes a
short horizontal line. The smear weakens horizontal gradients (the characters' vertical strokes) against
vertical ones (their horizontal strokes), which :func:`smear_ratio` measures; its length shows as a dip of the
rows' cepstrum (a box blur's spectrum has zeros every 1/length, :func:`smear_lengths`); and a Wiener filter
with that length undoes most of it (:func:`unsmear`). The estimate is not always right on a noisy, compressed
crop, so a few candidate lengths are tried and the reader's confidence picks (:func:`smears`).
A car driving at a gate camera mounted above the lane moves down the picture and smears its plate up and
down: the same, turned by a right angle (:func:`smears`, :data:`VERTICAL_SMEAR_RATIO`).

Measured end to end (``gatekeeper eval``, still images, weights/README.md) on copies of the shared sets
smeared by a script: kr-dev 5 -> 11 of 14 with an 11 px smear, 4 -> 11 with 5 % of the plate's width plus
noise and JPEG; es 1 -> 27 of 117 (11 px), 41 -> 48 (5 %); us-ucsd 109 -> 139 of 246 (5 %); the sets as
they are 13 / 100 / 184 -> 13 / 100 / 183.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

SMEAR_RATIO = 0.8
"""A crop whose mean horizontal gradient is below this share of its mean vertical gradient may be smeared
sideways. Sharp plates: median 0.79 (kr-dev), 1.09 (es), 1.41 (us-ucsd); smeared by 5 % of their width: 0.42,
0.59, 0.79. Below it on sharp labelled crops: about half of kr-dev's, 22 of 109 es, 8 of 246 us-ucsd."""
CANDIDATES = 3  # lengths tried, deepest cepstrum dips first: on noisy JPEG crops the first is within 10 % of
# the true length for only 60 of 109 es crops smeared by 8 % (12 of 14 kr-dev),
# and a length 30 % off undoes nothing
MIN_LENGTH = 3  # px: shorter smears cost a reader little
MAX_LENGTH_SHARE = 0.15  # of the crop's width
NOISE_TO_SIGNAL = 0.01  # the Wiener filter's regularisation
# (0.05: kr-dev 13 -> 6 of 14 at 6 % with the true length)
VERTICAL_SMEAR_RATIO = 1.6
"""A crop whose mean horizontal gradient is above this multiple of its mean vertical gradient may be smeared
up and down (its horizontal strokes and edges weakened). Sharp plates (labelled crops, upscaled as read):
median 0.74 (kr-dev), 1.05 (es), 1.39 (us-ucsd, tall narrow characters), 0.91 (synthetic Korean); above it
0 of 14, 1 of 109, 58 of 246 and 0 of 800; es smeared up and down by 9 px: median 2.17, 91 of 109 above."""
VERTICAL_MAX_LENGTH_SHARE = 0.6
"""An up-and-down smear's longest candidate, as a share of the crop's height: a plate is short, so its smear
is a large share of it (es smeared by 9 px: 10-21 px on crops 57-124 px high once upscaled; with this share
the cepstrum's first two candidates held the true length within 12 % for 101 of 109 crops)."""


def smear_ratio(grey: np.ndarray) -> float:
    """Mean absolute horizontal gradient over mean absolute vertical gradient (about 1 or more on a sharp
    plate, lower when smeared sideways); 1.0 for a crop too small to tell."""
    if grey.ndim != 2 or min(grey.shape) < 3:
        return 1.0
    g = grey.astype(np.float32)
    gy = float(np.abs(np.diff(g, axis=0)).mean())
    return float(np.abs(np.diff(g, axis=1)).mean()) / gy if gy > 1e-6 else 1.0


def smear_lengths(grey: np.ndarray, count: int = CANDIDATES,
                  max_share: float = MAX_LENGTH_SHARE) -> list[int]:
    """Candidate sideways smear lengths in px, most likely first: the deepest dips of the rows' mean power
    cepstrum between :data:`MIN_LENGTH` and ``max_share`` of the width, no two within 15 % of each other."""
    h, w = grey.shape[:2]
    hi = int(w * max_share)
    if grey.ndim != 2 or hi <= MIN_LENGTH or h < 2:
        return []
    g = grey.astype(np.float32)
    g = g - g.mean(axis=1, keepdims=True)
    window = np.hanning(w).astype(np.float32)
    spectrum = np.log(np.abs(np.fft.rfft(g * window, axis=1)) ** 2 + 1e-3).mean(axis=0)
    cepstrum = np.fft.irfft(spectrum, n=w)
    out: list[int] = []
    for i in np.argsort(cepstrum[MIN_LENGTH:hi]):
        length = MIN_LENGTH + int(i)
        if all(abs(length - o) > max(1.0, 0.15 * o) for o in out):
            out.append(length)
            if len(out) == count:
                break
    return out


def unsmear(image: np.ndarray, length: int, nsr: float = NOISE_TO_SIGNAL,
            vertical: bool = False) -> np.ndarray:
    """``image`` (grey or BGR uint8) with a horizontal (or ``vertical``) box blur of ``length`` px undone by a
    Wiener filter."""
    if vertical:
        turned = np.ascontiguousarray(np.swapaxes(image, 0, 1))
        return np.ascontiguousarray(np.swapaxes(unsmear(turned, length, nsr), 0, 1))
    f = image.astype(np.float32)
    w = f.shape[1]
    pad = 2 * length
    padded = cv2.copyMakeBorder(f, 0, 0, pad, pad, cv2.BORDER_REPLICATE)
    width = padded.shape[1]
    psf = np.zeros(width, np.float32)
    psf[:length] = 1.0 / length
    otf = np.fft.rfft(np.roll(psf, -(length // 2)))
    gain = np.conj(otf) / (np.abs(otf) ** 2 + nsr)
    gain = gain[None, :, None] if f.ndim == 3 else gain[None, :]
    out = np.fft.irfft(np.fft.rfft(padded, axis=1) * gain, n=width, axis=1)[:, pad:pad + w]
    return np.clip(out, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Smear:
    """A candidate motion blur of a crop: ``length`` px, sideways or ``vertical``."""

    length: int
    vertical: bool = False

    def undo(self, image: np.ndarray) -> np.ndarray:
        """``image`` unsmeared (:func:`unsmear`)."""
        return unsmear(image, self.length, vertical=self.vertical)


def smears(crop: np.ndarray, count: int = CANDIDATES, max_ratio: float = SMEAR_RATIO,
           min_vertical_ratio: float = VERTICAL_SMEAR_RATIO) -> list[Smear]:
    """A crop's candidate smears, most likely first: sideways ones (the rows' cepstrum, :func:`smear_lengths`)
    when its :func:`smear_ratio` is under ``max_ratio``, up-and-down ones (the columns' cepstrum, up to
    :data:`VERTICAL_MAX_LENGTH_SHARE` of the height) when it is over ``min_vertical_ratio``; none for a crop
    that looks sharp."""
    if crop.size == 0 or min(crop.shape[:2]) < 3:
        return []
    grey = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    ratio = smear_ratio(grey)
    if ratio < max_ratio:
        lengths = smear_lengths(grey, count)
        log.debug("crop looks smeared sideways: trying lengths %s", lengths)
        return [Smear(n) for n in lengths]
    if ratio > min_vertical_ratio:
        lengths = smear_lengths(np.ascontiguousarray(grey.T), count, VERTICAL_MAX_LENGTH_SHARE)
        log.debug("crop looks smeared up and down: trying lengths %s", lengths)
        return [Smear(n, vertical=True) for n in lengths]
    return []


def smear_candidates(crop: np.ndarray, count: int = CANDIDATES, max_ratio: float = SMEAR_RATIO) -> list[int]:
    """The lengths of a crop's sideways :func:`smears` (none when it does not look smeared sideways)."""
    return [s.length for s in smears(crop, count, max_ratio, min_vertical_ratio=math.inf)]
