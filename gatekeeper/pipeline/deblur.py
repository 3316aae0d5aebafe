"""Motion blur on a plate crop, sideways, slanted or up and down: notice it, estimate it, undo it.

A car crossing the view during a long (night) exposure smears its plate horizontally: every point becomes a
short horizontal line. The smear weakens horizontal gradients (the characters' vertical strokes) against
vertical ones (their horizontal strokes), which :func:`smear_ratio` measures; its length and direction show
as a dip of the crop's 2D cepstrum (a line blur's spectrum is zero along stripes 1/length apart,
:func:`smear_directions`); and a Wiener filter along that line undoes most of it (:func:`unsmear`,
:func:`undo_tilted`). The estimate is not always right on a noisy, compressed crop, so a few candidates are
tried and the reader's confidence picks (:func:`smears`). A car driving at a gate camera mounted above the
lane moves down the picture and smears its plate up and down; one seen at an angle smears it on a slant
(:data:`MAX_TILT`, :data:`VERTICAL_SMEAR_RATIO`). The ratio misses smears that leave a plate's strokes
balanced (a Korean plate's Hangul up and down, any plate at 45 degrees); a deep cepstrum dip notices them
and tells which way they run (:func:`smear_depths`, :data:`NOTICE_DEPTH`).

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
CANDIDATES = 3  # smears tried, deepest cepstrum dips first: on noisy JPEG crops the first is within 10 % of
# the true length for only 60 of 109 es crops smeared by 8 % (12 of 14 kr-dev),
# and a length 30 % off undoes nothing
MIN_LENGTH = 3  # px: shorter smears cost a reader little
MAX_LENGTH_SHARE = 0.15  # of the crop's width: the most a smear may span sideways
NOISE_TO_SIGNAL = 0.01  # the Wiener filter's regularisation
# (0.05: kr-dev 13 -> 6 of 14 at 6 % with the true length)
VERTICAL_SMEAR_RATIO = 1.6
"""A crop whose mean horizontal gradient is above this multiple of its mean vertical gradient may be smeared
up and down (its horizontal strokes and edges weakened). Sharp plates (labelled crops, upscaled as read):
median 0.74 (kr-dev), 1.05 (es), 1.39 (us-ucsd, tall narrow characters), 0.91 (synthetic Korean); above it
0 of 14, 1 of 109, 58 of 246 and 0 of 800; es smeared up and down by 9 px: median 2.17, 91 of 109 above."""
VERTICAL_MAX_LENGTH_SHARE = 0.6
"""The most a smear may span up and down, as a share of the crop's height: a plate is short, so its smear
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


MAX_TILT = 35.0
"""Degrees a smear may lean off sideways (or off up and down) and still be estimated: a car seen at an angle
crosses the view on a slant. Its direction and length are the deepest dip of the crop's 2D power cepstrum in
that sector (:func:`smear_directions`)."""
DIAGONAL_HALF_WIDTH = 25.0
"""Degrees either side of 45 searched for a smear whose deepest cepstrum dip is nearer 45 degrees than
sideways or up and down (:data:`SECTORS`)."""


NOTICE_DEPTH = 25.0
"""A crop whose deepest 2D cepstrum dip in a sector (:func:`smear_depths`) is this many robust deviations
below the cepstrum's median is smeared in that sector, whatever its gradient ratio says. Sharp labelled
crops (kr-dev, es, us-ucsd and their night, infrared-like and JPEG copies, 1,300 crops): at most 24. Korean
plates smeared 13 px at 45 degrees: 44-145; up and down by 9 px: 41-140 (12 of 14 look sharp by their
ratio: Hangul's horizontal strokes); es smeared at 45 degrees: median 15, 20 of the 62 that look sharp over
it."""

SECTORS = {"sideways": (0.0, MAX_TILT), "slant": (45.0 - DIAGONAL_HALF_WIDTH, 45.0 + DIAGONAL_HALF_WIDTH),
           "vertical": (90.0 - MAX_TILT, 90.0)}
"""Where a smear's candidates are looked for, as the least and most the smear leans off sideways (either
way, in degrees). :func:`smear_depths` measures the narrow middle of each (:data:`DEPTH_BANDS`)."""
SLANT_OVER = 1.6
"""A crop that looks smeared sideways (or up and down) by its gradient ratio is searched on the slant
(:data:`SECTORS`) instead when its slant dip is this many times as deep as the other's (es smeared 13 px at 45
degrees: the first candidate right for 47 of 109 crops instead of 28; at 1.3 es smeared at 20 degrees lost 4
of its 56, at 1.6 none of any sideways, slanted or upright set)."""
DEPTH_BANDS = {"sideways": (0.0, MAX_TILT), "slant": (MAX_TILT, 90.0 - MAX_TILT),
               "vertical": (90.0 - MAX_TILT, 90.0)}
"""The sectors' bands whose deepest dip :func:`smear_depths` measures: they split the half turn without
overlapping."""


Cepstrum = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""A crop's centred 2D power cepstrum and, per cell, the smear length, angle and lean off sideways it stands
for, and whether it is a plausible smear (:func:`_cepstrum`)."""


def _cepstrum(grey: np.ndarray) -> Cepstrum:
    """The crop's 2D power cepstrum (centred) with, per cell, the smear length and angle it stands for, how
    far that angle leans off sideways (0-90, either way) and whether the cell is a plausible smear: one of
    each symmetric pair, at least :data:`MIN_LENGTH` long, spanning at most :data:`MAX_LENGTH_SHARE` of the
    width and :data:`VERTICAL_MAX_LENGTH_SHARE` of the height."""
    h, w = grey.shape
    g = grey.astype(np.float32)
    g -= g.mean()
    window = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    spectrum = np.log(np.abs(np.fft.fft2(g * window)) ** 2 + 1e-3)
    cepstrum = np.fft.fftshift(np.real(np.fft.ifft2(spectrum)))
    dy, dx = np.mgrid[0:h, 0:w]
    dy, dx = dy - h // 2, dx - w // 2
    length = np.hypot(dx, dy)
    angle = np.degrees(np.arctan2(dy, dx))
    lean = np.minimum(np.abs(angle), 180 - np.abs(angle))
    half = (dx > 0) | ((dx == 0) & (dy > 0))  # the cepstrum is symmetric: one of each pair
    ok = (half & (length >= MIN_LENGTH)
          & (np.abs(dx) <= w * MAX_LENGTH_SHARE) & (np.abs(dy) <= h * VERTICAL_MAX_LENGTH_SHARE))
    return cepstrum, length, angle, lean, ok


def smear_depths(grey: np.ndarray) -> dict[str, float]:
    """How deep the crop's deepest 2D cepstrum dip is in each sector (:data:`DEPTH_BANDS`), in robust
    deviations (median absolute deviation) below the median of every plausible smear's cell: a sharp plate's
    is 5-24, a clearly smeared one's 25 and more (:data:`NOTICE_DEPTH`). Empty for a crop too small."""
    if grey.ndim != 2 or min(grey.shape) < 3:
        return {}
    return _depths(_cepstrum(grey))


def _depths(parts: Cepstrum) -> dict[str, float]:
    """:func:`smear_depths` of a computed :func:`_cepstrum`."""
    cepstrum, _, _, lean, ok = parts
    values = cepstrum[ok]
    if values.size == 0:
        return {}
    median = float(np.median(values))
    spread = float(np.median(np.abs(values - median))) + 1e-9
    out: dict[str, float] = {}
    for name, (lo, hi) in DEPTH_BANDS.items():
        band = ok & (lean >= lo) & (lean <= hi)
        if band.any():
            out[name] = (median - float(cepstrum[band].min())) / spread
    return out


def smear_directions(grey: np.ndarray, count: int = CANDIDATES,
                     sector: str = "sideways") -> list[tuple[int, float]]:
    """Candidate smears ``(length px, angle degrees)``, most likely first: the deepest dips of the crop's 2D
    power cepstrum (a line blur's spectrum is zero along stripes 1/length apart, across its direction) in
    one of :data:`SECTORS`, at least :data:`MIN_LENGTH` long and spanning at most :data:`MAX_LENGTH_SHARE` of
    the width and :data:`VERTICAL_MAX_LENGTH_SHARE` of the height; no two alike (length within 15 %, angle
    within 8 degrees). Angles are measured in the picture: 0 sideways, positive leaning down to the right,
    90 up and down."""
    if grey.ndim != 2 or min(grey.shape) < 3:
        return []
    return _dips(_cepstrum(grey), sector, count)


def _dips(parts: Cepstrum, sector: str, count: int) -> list[tuple[int, float]]:
    """:func:`smear_directions` of a computed :func:`_cepstrum`."""
    cepstrum, length, angle, lean, ok = parts
    lo, hi = SECTORS[sector]
    idx = np.flatnonzero(ok & (lean >= lo) & (lean <= hi))
    out: list[tuple[int, float]] = []
    for i in idx[np.argsort(cepstrum.flat[idx])]:
        n, a = int(round(length.flat[i])), float(angle.flat[i])  # (-90, 90]: one of each pair
        if all(abs(n - m) > max(1.0, 0.15 * m) or abs(a - b) > 8 for m, b in out):
            out.append((n, a))
            if len(out) == count:
                break
    return out


def undo_tilted(image: np.ndarray, length: int, angle: float, nsr: float = NOISE_TO_SIGNAL) -> np.ndarray:
    """``image`` with a box blur of ``length`` px along ``angle`` degrees undone: turned so the smear runs
    sideways, unsmeared (:func:`unsmear`), turned back."""
    h, w = image.shape[:2]
    pad = 2 * length
    big = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    size = (big.shape[1], big.shape[0])
    centre = (size[0] / 2 - 0.5, size[1] / 2 - 0.5)
    turn = dict(flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    level = cv2.warpAffine(big, cv2.getRotationMatrix2D(centre, angle, 1.0), size, **turn)
    undone = unsmear(level, length, nsr)
    back = cv2.warpAffine(undone, cv2.getRotationMatrix2D(centre, -angle, 1.0), size, **turn)
    return np.ascontiguousarray(back[pad:pad + h, pad:pad + w])


@dataclass(frozen=True)
class Smear:
    """A candidate motion blur of a crop: ``length`` px along ``angle`` degrees (0 sideways, 90 up and down,
    positive leaning down to the right)."""

    length: int
    angle: float = 0.0

    @property
    def vertical(self) -> bool:
        """Nearer up and down than sideways."""
        return abs(self.angle) > 45

    def undo(self, image: np.ndarray) -> np.ndarray:
        """``image`` unsmeared (:func:`unsmear`; :func:`undo_tilted` for a slanted smear)."""
        if self.angle == 0 or abs(self.angle) == 90:
            return unsmear(image, self.length, vertical=self.angle != 0)
        return undo_tilted(image, self.length, self.angle)


def smears(crop: np.ndarray, count: int = CANDIDATES, max_ratio: float = SMEAR_RATIO,
           min_vertical_ratio: float = VERTICAL_SMEAR_RATIO,
           notice_depth: float = NOTICE_DEPTH) -> list[Smear]:
    """A crop's candidate smears, most likely first (:func:`smear_directions`), in the sector whose cepstrum
    dip is deepest when that dip is ``notice_depth`` deep or more (:func:`smear_depths`); otherwise near
    sideways when its :func:`smear_ratio` is under ``max_ratio``, near up and down (up to
    :data:`VERTICAL_MAX_LENGTH_SHARE` of the height) when it is over ``min_vertical_ratio``; none for a crop
    that looks sharp."""
    if crop.size == 0 or min(crop.shape[:2]) < 3:
        return []
    grey = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    ratio = smear_ratio(grey)
    gated = ratio < max_ratio or ratio > min_vertical_ratio
    if not gated and notice_depth == math.inf:  # the ratio alone decides: no cepstrum needed
        return []
    parts = _cepstrum(grey)
    depths = _depths(parts)
    deepest = max(depths, key=depths.__getitem__) if depths else ""
    if deepest and depths[deepest] >= notice_depth:
        sector = deepest
    elif gated:
        sector = "sideways" if ratio < max_ratio else "vertical"
        if depths.get("slant", 0.0) > SLANT_OVER * depths.get(sector, 0.0):
            sector = "slant"
    else:
        return []
    found = [Smear(n, a) for n, a in _dips(parts, sector, count)]
    log.debug("crop looks smeared %s (ratio %.2f, depths %s): trying %s", sector, ratio, depths, found)
    return found
