"""Second-chance preprocessing for weak reads: deskew, local contrast, sharpen, upscale."""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

DESKEW_ANGLES = np.arange(-12.0, 12.1, 2.0)
DARK_MEAN = 70  # a crop darker than this on average (0-255 grey) is a night crop: its noise is smoothed


BLANK_CONTRAST = 3.0
"""A crop whose centre spans fewer grey levels than this (the 10th to the 90th percentile, after a 3x3
Gaussian blur takes out pixel noise) shows no characters: :func:`blank`. Labelled plates (es, us-ucsd,
kr-dev, 800 synthetic Korean crops, and their night, infrared-like, JPEG, rotated, defocused and smeared
copies: 5,700 crops) span 5.9 or more (a us-ucsd plate darkened to night), mostly over 15; the flat cream
headlights the detector boxes on the demo video 0.5-0.8. Such a crop was read by the whole reader chain
and then unsmeared (its flat ellipse looks smeared sideways) at ~70-120 ms, for garbage."""
BLANK_CENTRE = (0.25, 0.75, 0.15, 0.85)  # the centre looked at: rows, then columns, as shares of the crop


def blank(crop: np.ndarray, contrast: float = BLANK_CONTRAST) -> bool:
    """True when the crop's centre is flat (:data:`BLANK_CONTRAST`): a lamp, a sky, a wall boxed by the
    detector, with no characters to read. False for a crop too small to tell."""
    if crop is None or crop.ndim not in (2, 3) or min(crop.shape[:2]) < 8:
        return False
    grey = cv2.cvtColor(crop[..., :3], cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    h, w = grey.shape
    r0, r1, c0, c1 = BLANK_CENTRE
    centre = cv2.GaussianBlur(grey, (3, 3), 0)[int(h * r0):int(h * r1), int(w * c0):int(w * c1)]
    lo, hi = np.percentile(centre, (10, 90))
    return float(hi - lo) < contrast


def denoise_dark(crop: np.ndarray) -> np.ndarray:
    """A dark (night) crop with its sensor noise smoothed by an edge-keeping bilateral filter; other crops
    unchanged. Latin reader on darkened es crops: 0.57 -> 0.64, day crops (es, us-ucsd) unchanged."""
    if crop.ndim != 3 or min(crop.shape[:2]) < 4:
        return crop
    grey = cv2.cvtColor(crop[..., :3], cv2.COLOR_BGR2GRAY)
    if float(grey.mean()) >= DARK_MEAN:
        return crop
    return cv2.bilateralFilter(np.ascontiguousarray(crop[..., :3]), 5, 40, 5)


def skew_angle(grey: np.ndarray) -> float:
    """The rotation (degrees) that makes text rows sharpest in the horizontal projection profile."""
    h, w = grey.shape[:2]
    scale = 120.0 / max(1, w)
    small = cv2.resize(grey, (max(8, int(w * scale)), max(8, int(h * scale))), interpolation=cv2.INTER_AREA)
    binar = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 5)
    sh, sw = binar.shape
    best, best_score = 0.0, -1.0
    for a in DESKEW_ANGLES:
        m = cv2.getRotationMatrix2D((sw / 2, sh / 2), float(a), 1.0)
        rot = cv2.warpAffine(binar, m, (sw, sh), flags=cv2.INTER_NEAREST)
        score = float(np.var(rot.sum(axis=1)))
        if score > best_score:
            best, best_score = float(a), score
    return best


def careful_variant(crop: np.ndarray, min_width: int = 240) -> np.ndarray | None:
    """The crop deskewed, upscaled, with CLAHE and an unsharp mask (BGR), or None if too small."""
    if crop is None or crop.size == 0 or min(crop.shape[:2]) < 4:
        return None
    grey = crop if crop.ndim == 2 else cv2.cvtColor(crop[..., :3], cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    if w < min_width:
        f = min_width / w
        grey = cv2.resize(grey, (min_width, max(4, round(h * f))), interpolation=cv2.INTER_CUBIC)
        h, w = grey.shape
    angle = skew_angle(grey)
    if abs(angle) > 0.5:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        grey = cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    grey = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(2, 6)).apply(grey)
    blur = cv2.GaussianBlur(grey, (0, 0), 1.5)
    grey = cv2.addWeighted(grey, 1.6, blur, -0.6, 0)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


YELLOW = "yellow"
NOT_YELLOW = "not_yellow"
UNKNOWN = "unknown"


def character_band(grey: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(y0, y1, x0, x1)`` of the plate's characters in a crop: the rows, then the columns, with strong
    vertical edges; None when the crop has no edges."""
    w = grey.shape[1]
    gx = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3))
    middle = gx[:, int(w * 0.15):max(int(w * 0.15) + 1, int(w * 0.85))]
    rows = np.convolve(middle.mean(1), np.ones(3) / 3, "same")
    if rows.max() <= 0:
        return None
    on = np.flatnonzero(rows >= 0.5 * rows.max())
    y0, y1 = int(on[0]), int(on[-1]) + 1
    k = max(3, w // 20)
    cols = np.convolve(gx[y0:y1].mean(0), np.ones(k) / k, "same")
    on = np.flatnonzero(cols >= 0.3 * cols.max())
    x0, x1 = int(on[0]), int(on[-1]) + 1
    return (y0, y1, x0, x1) if y1 - y0 >= 3 and x1 - x0 >= 3 else None


def _region_colour(region: np.ndarray, ground_only: bool) -> str:
    """The colour of a plate region's bright pixels (with ``ground_only``, of its brightest 40 %: the plate's
    ground rather than its characters)."""
    hsv = cv2.cvtColor(np.ascontiguousarray(region[..., :3]), cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    bright = val >= 90
    if float(sat.mean()) < 10 or float(bright.mean()) < 0.3:  # greyscale/IR, or too dark to tell
        return UNKNOWN
    if ground_only:
        bright &= val >= np.percentile(val, 60)
    yellow = float(((hue >= 12) & (hue <= 40) & (sat >= 90) & bright).sum()) / float(bright.sum())
    if yellow > 0.30:
        return YELLOW
    if yellow < 0.05:
        return NOT_YELLOW
    return UNKNOWN


def plate_colour(crop: np.ndarray) -> str:
    """``yellow`` (commercial plates), ``not_yellow`` (white/blue/green), or ``unknown`` (grey, IR, mixed).

    Two measures must agree, else ``unknown``: the bright pixels of the crop's centre, and the ground of the
    plate's character band (:func:`character_band`). A loose crop's car body around a white plate fools the
    first, a noisy or coloured background beside the characters the second. White plates on yellow or orange
    bodies (synthetic crops, half of them on such bodies): 22 of 480 called yellow by the centre alone, none
    by both; yellow plates 144 of 160 either way; the demo video's orange cars were read as commercial
    plates in 7 of their 16 frames, now in none.
    """
    if crop is None or crop.ndim != 3 or crop.size == 0 or min(crop.shape[:2]) < 4:
        return UNKNOWN
    step = max(1, min(crop.shape[:2]) // 64)  # colour needs no detail: a large crop is sampled
    crop = crop[::step, ::step]
    h, w = crop.shape[:2]
    centre = _region_colour(crop[int(h * 0.25):max(int(h * 0.25) + 1, int(h * 0.75)),
                                 int(w * 0.2):max(int(w * 0.2) + 1, int(w * 0.8))], ground_only=False)
    band = character_band(cv2.cvtColor(crop[..., :3], cv2.COLOR_BGR2GRAY))
    if centre == UNKNOWN or band is None:
        return centre
    y0, y1, x0, x1 = band
    return centre if _region_colour(crop[y0:y1, x0:x1], ground_only=True) == centre else UNKNOWN
