"""A uniform-stroke, condensed plate alphabet drawn from polylines (the look of DIN 1451, California's
Penitentiary Gothic and similar plate faces), with the variants real plates use: open or closed 4,
flat- or round-topped 3, 1 with or without a foot (or a bare bar), pointed or flat-topped A, and
California's 4 (open, its stem starting below the middle), a W whose middle apex is at full height, and
California's own W (:data:`CALIFORNIA`: upright stems, the inner strokes rising from their feet to a point
near mid-height, as wide as an H), which no installed face draws and which readers take for an H.

Coordinates are on a 4 x 8 grid (x right, y down); glyphs are rendered as float masks.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import cv2
import numpy as np

log = logging.getLogger(__name__)

_RING = [(1, 0), (3, 0), (4, 1), (4, 7), (3, 8), (1, 8), (0, 7), (0, 1), (1, 0)]
_TOP_LOOP = [(1, 0), (3, 0), (4, 1), (4, 2.8), (3, 3.8), (1, 3.8), (0, 2.8), (0, 1), (1, 0)]
_BOTTOM_LOOP = [(1, 3.8), (0, 4.8), (0, 7), (1, 8), (3, 8), (4, 7), (4, 4.8), (3, 3.8), (1, 3.8)]
_P = [(0, 8), (0, 0), (3, 0), (4, 1), (4, 3), (3, 4), (0, 4)]

Stroke = list[tuple[float, float]]

GLYPHS: dict[str, list[list[Stroke]]] = {  # character -> variants -> strokes
    "0": [[_RING]],
    "1": [[[(1, 1.5), (2.5, 0), (2.5, 8)]], [[(1, 1.5), (2.5, 0), (2.5, 8)], [(1, 8), (4, 8)]],
          [[(2, 0), (2, 8)]]],  # a bare bar, as blur leaves a small flag: only the context tells it from I
    "2": [[[(0, 1), (1, 0), (3, 0), (4, 1), (4, 3), (0, 8), (4, 8)]]],
    "3": [[[(0, 0), (4, 0), (2, 3.5), (3, 3.5), (4, 4.5), (4, 7), (3, 8), (1, 8), (0, 7)]],
          [[(0, 1), (1, 0), (3, 0), (4, 1), (4, 2.8), (3, 3.8), (1.5, 3.8)],
           [(3, 3.8), (4, 4.8), (4, 7), (3, 8), (1, 8), (0, 7)]]],
    "4": [[[(3, 8), (3, 0), (0, 5.5), (4, 5.5)]], [[(1, 0), (0, 5.5), (4, 5.5)], [(3, 2.2), (3, 8)]],
          [[(1.4, 0), (0, 6), (4, 6)], [(3, 3.8), (3, 8)]]],  # California: open, the stem starts low
    "5": [[[(4, 0), (0.3, 0), (0, 3.6), (3, 3.3), (4, 4.3), (4, 7), (3, 8), (1, 8), (0, 7)]]],
    "6": [[[(3.6, 0), (1, 0), (0, 1), (0, 7), (1, 8), (3, 8), (4, 7), (4, 4.6), (3, 3.6), (1, 3.6),
            (0, 4.6)]]],
    "7": [[[(0, 0), (4, 0), (1.5, 8)]], [[(0, 1), (0, 0), (4, 0), (1.5, 8)]]],
    "8": [[_TOP_LOOP, _BOTTOM_LOOP]],
    "9": [[[(0.4, 8), (3, 8), (4, 7), (4, 1), (3, 0), (1, 0), (0, 1), (0, 3.4), (1, 4.4), (3, 4.4),
            (4, 3.4)]]],
    "A": [[[(0, 8), (2, 0), (4, 8)], [(0.6, 5.5), (3.4, 5.5)]],
          [[(0, 8), (0, 1), (1, 0), (3, 0), (4, 1), (4, 8)], [(0, 4.5), (4, 4.5)]]],
    "B": [[[(0, 0), (0, 8), (3, 8), (4, 7), (4, 4.8), (3, 3.8), (0, 3.8)],
           [(0, 0), (3, 0), (4, 1), (4, 2.8), (3, 3.8)]]],
    "C": [[[(4, 1), (3, 0), (1, 0), (0, 1), (0, 7), (1, 8), (3, 8), (4, 7)]]],
    "D": [[[(0, 0), (0, 8), (2.5, 8), (4, 6.5), (4, 1.5), (2.5, 0), (0, 0)]]],
    "E": [[[(4, 0), (0, 0), (0, 8), (4, 8)], [(0, 3.8), (3, 3.8)]]],
    "F": [[[(4, 0), (0, 0), (0, 8)], [(0, 3.8), (3, 3.8)]]],
    "G": [[[(4, 1), (3, 0), (1, 0), (0, 1), (0, 7), (1, 8), (3, 8), (4, 7), (4, 4.5), (2.2, 4.5)]]],
    "H": [[[(0, 0), (0, 8)], [(4, 0), (4, 8)], [(0, 3.8), (4, 3.8)]]],
    "I": [[[(2, 0), (2, 8)]], [[(2, 0), (2, 8)], [(1, 0), (3, 0)], [(1, 8), (3, 8)]]],
    "J": [[[(4, 0), (4, 7), (3, 8), (1, 8), (0, 7), (0, 6)]]],
    "K": [[[(0, 0), (0, 8)], [(4, 0), (0, 5)], [(1.3, 3.6), (4, 8)]]],
    "L": [[[(0, 0), (0, 8), (4, 8)]]],
    "M": [[[(0, 8), (0, 0), (2, 5), (4, 0), (4, 8)]]],
    "N": [[[(0, 8), (0, 0), (4, 8), (4, 0)]]],
    "O": [[_RING]],
    "P": [[_P]],
    "Q": [[_RING, [(2.5, 6), (4.3, 8.3)]]],
    "R": [[_P, [(2, 4), (4, 8)]]],
    "S": [[[(4, 1), (3, 0), (1, 0), (0, 1), (0, 2.8), (1, 3.8), (3, 4.2), (4, 5.2), (4, 7), (3, 8), (1, 8),
            (0, 7)]]],
    "T": [[[(0, 0), (4, 0)], [(2, 0), (2, 8)]]],
    "U": [[[(0, 0), (0, 7), (1, 8), (3, 8), (4, 7), (4, 0)]]],
    "V": [[[(0, 0), (2, 8), (4, 0)]]],
    "W": [[[(0, 0), (1, 8), (2, 3), (3, 8), (4, 0)]], [[(0, 0), (1, 8), (2, 0.5), (3, 8), (4, 0)]]],
    "X": [[[(0, 0), (4, 8)], [(4, 0), (0, 8)]]],
    "Y": [[[(0, 0), (2, 4), (4, 0)], [(2, 4), (2, 8)]]],
    "Z": [[[(0, 0), (4, 0), (0, 8), (4, 8)]]],
}
WIDTH = {"0": 0.9, "O": 1.15, "Q": 1.15, "M": 1.2, "W": 1.25, "I": 0.5, "1": 0.75}
# California's plate face (Penitentiary Gothic), where it differs from the glyphs above: character ->
# (variants, width). Its W is an H whose crossbar is a peak rising from the stems' feet.
CALIFORNIA: dict[str, tuple[list[list[Stroke]], float]] = {
    "W": ([[[(0, 0), (0, 8), (2, 3.4), (4, 8), (4, 0)]], [[(0, 0), (0, 8), (2, 4.4), (4, 8), (4, 0)]]], 1.0),
}


@lru_cache(maxsize=4096)
def stroke_mask(ch: str, variant: int = 0, thickness: float = 1.1, unit: int = 12,
                california: bool = False) -> np.ndarray:
    """The glyph of ``ch`` (its ``variant`` modulo the variants it has) as a float mask, ``thickness`` in
    grid units (the glyph is 8 units tall); round joins and caps. ``california``: California's glyph
    (:data:`CALIFORNIA`) where it has its own."""
    variants, width = GLYPHS[ch], WIDTH.get(ch, 1.0)
    if california and ch in CALIFORNIA:
        variants, width = CALIFORNIA[ch]
    strokes = variants[variant % len(variants)]
    sx = unit * width
    t = max(1, int(round(thickness * unit)))
    pad = t
    w = int(4 * sx) + 2 * pad + 1
    h = 8 * unit + 2 * pad + 1
    img = np.zeros((h, w), np.uint8)
    for stroke in strokes:
        pts = np.array([[pad + x * sx, pad + y * unit] for x, y in stroke], np.float32)
        for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:], strict=True):
            cv2.line(img, (int(x0), int(y0)), (int(x1), int(y1)), 255, t, cv2.LINE_AA)
        for x, y in pts:
            cv2.circle(img, (int(x), int(y)), t // 2, 255, -1, cv2.LINE_AA)
    m = img.astype(np.float32) / 255.0
    ys, xs = np.nonzero(m > 0.2)
    return np.ascontiguousarray(m[ys.min():ys.max() + 1, xs.min():xs.max() + 1])
