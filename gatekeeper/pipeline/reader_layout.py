"""Plate crop -> one-line grey image for the CTC reader (shared by training and inference).

A two-line plate (``서울 74`` over ``사9728``) is cut into its top and bottom lines, and the two lines
are placed side by side, so one left-to-right CTC network reads both plate layouts.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

IMG_H = 32
IMG_W = 160
ONE_LINE = "one"
TWO_LINE = "two"
TWO_LINE_SPLIT = 0.40  # the top line is ~40% of a two-line plate's height
TWO_LINE_MAX_ASPECT = 2.6  # one-line plates are ~4.7:1, two-line ~2:1 (loose or tilted crops blur this)


def to_grey(crop: np.ndarray) -> np.ndarray:
    if crop.ndim == 2:
        return crop
    if crop.shape[2] == 4:
        crop = crop[..., :3]
    return cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)


def _percentiles(values: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """``np.percentile(values, (low, high))`` (linear interpolation), from a histogram for uint8 values and
    one partial sort otherwise."""
    flat = values.reshape(-1)
    pos = [q / 100.0 * (flat.size - 1) for q in (low, high)]
    if flat.dtype == np.uint8:
        cum = np.cumsum(np.bincount(flat, minlength=256))

        def kth(k: int) -> float:
            return float(np.searchsorted(cum, k, side="right"))
    else:
        ks = sorted({min(int(k), flat.size - 1) for p in pos for k in (np.floor(p), np.floor(p) + 1)})
        part = np.partition(flat, ks)

        def kth(k: int) -> float:
            return float(part[k])
    out = []
    for p in pos:
        k = int(np.floor(p))
        a, b = kth(k), kth(min(k + 1, flat.size - 1))
        out.append(a + (b - a) * (p - k))
    return out[0], out[1]


def stretch_contrast(grey: np.ndarray) -> np.ndarray:
    """Percentile min-max stretch: night, IR and washed-out plates all come out full range."""
    lo, hi = _percentiles(grey, 2, 98)
    if hi - lo < 8:
        return grey
    if grey.dtype != np.uint8:
        return np.clip((grey.astype(np.float32) - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
    levels = (np.arange(256, dtype=np.float32) - lo) * (255.0 / (hi - lo))  # each grey level, as stretched
    return cv2.LUT(grey, np.clip(levels, 0, 255).astype(np.uint8))


def layout_order(crop: np.ndarray) -> tuple[str, str]:
    """Layouts to try, most likely first, from the crop's aspect ratio."""
    h, w = crop.shape[:2]
    return (TWO_LINE, ONE_LINE) if w < TWO_LINE_MAX_ASPECT * h else (ONE_LINE, TWO_LINE)


def _resize_h(img: np.ndarray, h: int) -> np.ndarray:
    w = max(1, round(img.shape[1] * h / max(1, img.shape[0])))
    interp = cv2.INTER_AREA if img.shape[0] > h else cv2.INTER_CUBIC
    return cv2.resize(img, (w, h), interpolation=interp)


def split_two_line(grey: np.ndarray, split: float = TWO_LINE_SPLIT) -> np.ndarray:
    """Top line and bottom line of a two-line plate, side by side, at the bottom line's height."""
    h = grey.shape[0]
    cut = int(round(h * split))
    pad = max(1, h // 40)
    top = grey[: min(h, cut + pad)]
    bottom = grey[max(0, cut - pad):]
    hh = max(top.shape[0], bottom.shape[0], 8)
    return np.hstack([_resize_h(top, hh), _resize_h(bottom, hh)])


def line_image(crop: np.ndarray, layout: str = ONE_LINE, height: int = IMG_H,
               width: int = IMG_W) -> np.ndarray:
    """The network input: uint8 grey ``height x width``, contrast stretched."""
    grey = to_grey(crop)
    if layout == TWO_LINE:
        grey = split_two_line(grey)
    interp = cv2.INTER_AREA if grey.shape[1] > width else cv2.INTER_CUBIC
    line = cv2.resize(grey, (width, height), interpolation=interp)
    return stretch_contrast(line)


def to_tensor_array(lines: list[np.ndarray]) -> np.ndarray:
    """Batch of line images -> float32 N x 1 x H x W in [-1, 1] (EasyOCR's normalisation)."""
    arr = np.stack(lines).astype(np.float32)[:, None] / 255.0
    return (arr - 0.5) / 0.5
