"""Find the main row of characters in a Latin plate crop (state names, dealer frames and stickers left
out)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

log = logging.getLogger(__name__)

MIN_CHARS = 3
HEIGHT_RANGE = (0.2, 0.9)  # of the crop height
SAME_HEIGHT = 0.2  # blobs of one row differ in height by at most this fraction
SAME_LINE = 0.25  # and in vertical centre by at most this fraction of the height
SECOND_ROW_CHARS = 2  # a two-line plate's other row has at least this many blobs
SECOND_ROW_HEIGHT = 0.6  # and a height within this ratio of the main row's
ROW_MIN_ASPECT = 4.0  # a two-line plate's row narrower than this (``HFX``) is padded to it before reading
SEARCH_HEIGHT = 256  # rows are searched on the crop shrunk to this height (large crops: as found, cheaper)
FRAME_RUN_WIDTH = 0.25  # a horizontal ink run this share of the crop's width is a frame's edge,
# not a character
FRAME_RUN_HEIGHT = 0.75  # ... and so is a vertical run this share of its height
ROWS_CACHE = 8  # images whose rows :func:`find_rows` remembers


def _masks(grey: np.ndarray) -> list[np.ndarray]:
    blur = cv2.GaussianBlur(grey, (3, 3), 0)
    block = max(11, (grey.shape[0] // 2) | 1)
    out = []
    for mode in (cv2.THRESH_BINARY_INV, cv2.THRESH_BINARY):  # dark on light first, then light on dark
        out.append(cv2.threshold(blur, 0, 255, mode + cv2.THRESH_OTSU)[1])
        out.append(cv2.adaptiveThreshold(blur, 255, cv2.ADAPTIVE_THRESH_MEAN_C, mode, block, 7))
    return out


def _blobs(mask: np.ndarray, h: int) -> list[np.ndarray]:
    """The character-like connected components of ``mask`` (their stats rows: x, y, w, h, area)."""
    _, _, st, _ = cv2.connectedComponentsWithStats(mask)
    bw, bh, area = st[:, 2], st[:, 3], st[:, 4]
    keep = ((HEIGHT_RANGE[0] * h <= bh) & (bh <= HEIGHT_RANGE[1] * h) & (0.08 * bh <= bw) & (bw <= 1.6 * bh)
            & (area >= 0.12 * bw * bh))
    keep[0] = False  # the background
    return [st[i] for i in np.flatnonzero(keep)]


def _row(blobs: list[np.ndarray], seed: np.ndarray) -> list[np.ndarray]:
    """The blobs of about ``seed``'s height whose centres are on its line."""
    height, centre = seed[3], seed[1] + seed[3] / 2
    return [b for b in blobs if abs(b[3] - height) <= SAME_HEIGHT * height
            and abs(b[1] + b[3] / 2 - centre) <= SAME_LINE * height]


def _extent(row: list[np.ndarray]) -> tuple[int, int, int, int]:
    return (int(min(b[0] for b in row)), int(min(b[1] for b in row)),
            int(max(b[0] + b[2] for b in row)), int(max(b[1] + b[3] for b in row)))


def _without_frame(mask: np.ndarray) -> np.ndarray:
    """``mask`` without its long horizontal and vertical ink runs (:data:`FRAME_RUN_WIDTH`,
    :data:`FRAME_RUN_HEIGHT`): the edges of a dealer frame or a plate border that touch the characters and
    make one blob of them (no row was found in a quarter of us-ucsd's detector crops before)."""
    h, w = mask.shape[:2]
    across = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, max(3, int(w * FRAME_RUN_WIDTH))), np.uint8))
    down = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((max(3, int(h * FRAME_RUN_HEIGHT)), 1), np.uint8))
    return cv2.bitwise_and(mask, cv2.bitwise_not(cv2.bitwise_or(across, down)))


def _best_row(grey: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]] | None:
    """The row with the most character-like blobs of one height (the tallest on ties) and all blobs of
    the threshold mask it was found in; when the plain masks hold no row, the masks without the frame's
    edges (:func:`_without_frame`) are searched."""
    masks = _masks(grey)
    return _best_row_in(grey, masks) or _best_row_in(grey, [_without_frame(m) for m in masks])


def _best_row_in(grey: np.ndarray,
                 masks: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]] | None:
    """:func:`_best_row` over ``masks``."""
    best, best_key = None, None
    for mask in masks:
        blobs = _blobs(mask, grey.shape[0])
        if len(blobs) < MIN_CHARS:
            continue
        st = np.array(blobs)
        height, centre = st[:, 3], st[:, 1] + st[:, 3] / 2
        # member[i, j]: blob j is on the row of seed i (as :func:`_row` decides)
        member = ((np.abs(height[None, :] - height[:, None]) <= SAME_HEIGHT * height[:, None])
                  & (np.abs(centre[None, :] - centre[:, None]) <= SAME_LINE * height[:, None]))
        counts = member.sum(1)
        rank = np.where(counts >= MIN_CHARS, counts * (int(height.max()) + 1) + height, -1)
        i = int(rank.argmax())  # the first seed of the largest (count, height), as a scan with ">" finds
        key = (int(counts[i]), int(height[i]))
        if rank[i] >= 0 and (best_key is None or key > best_key):
            best_key, best = key, ([blobs[j] for j in np.flatnonzero(member[i])], blobs)
    return best


def char_row(grey: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the row with the most character-like blobs of one height (the tallest on
    ties), or None when no row of at least ``MIN_CHARS`` blobs is found."""
    return next((r.box for r in find_rows(grey) if r.main), None)


@dataclass(frozen=True)
class CharRow:
    """One row of characters: its box (x0, y0, x1, y1) and how many character blobs it holds."""

    box: tuple[int, int, int, int]
    chars: int
    main: bool = True


def find_rows(grey: np.ndarray) -> list[CharRow]:
    """The character rows of a two-line plate (``MH 12`` over ``AB 1234``), top first: the main row (see
    :func:`char_row`) and a second row of at least ``SECOND_ROW_CHARS`` blobs of a similar height
    (:data:`SECOND_ROW_HEIGHT`) stacked above or below it, overlapping it across. One row for a one-line
    plate, none when no row is found. A crop taller than :data:`SEARCH_HEIGHT` is searched shrunk to it.

    The last few answers are remembered by the image's content: the Korean reader's row cuts and the Latin
    reader look for the rows of the same grey crop, and the second asks for free."""
    grey = np.ascontiguousarray(grey, dtype=np.uint8)
    return list(_rows_of(grey.shape, grey.tobytes()))


@lru_cache(maxsize=ROWS_CACHE)
def _rows_of(shape: tuple[int, ...], data: bytes) -> tuple[CharRow, ...]:
    """:func:`find_rows` of the image held in ``data`` (``shape``, uint8)."""
    grey = np.frombuffer(data, np.uint8).reshape(shape)
    h, w = grey.shape[:2]
    if h <= SEARCH_HEIGHT:
        return tuple(_find_rows(grey))
    f = SEARCH_HEIGHT / h
    small = cv2.resize(grey, (max(1, round(w * f)), SEARCH_HEIGHT), interpolation=cv2.INTER_AREA)
    return tuple(CharRow(_scaled(r.box, 1 / f, w, h), r.chars, r.main) for r in _find_rows(small))


def _scaled(box: tuple[int, int, int, int], k: float, w: int, h: int) -> tuple[int, int, int, int]:
    """``box`` scaled by ``k``, rounded outwards and clipped to a ``w`` x ``h`` image."""
    x0, y0, x1, y1 = box
    return int(x0 * k), int(y0 * k), min(w, math.ceil(x1 * k)), min(h, math.ceil(y1 * k))


def _find_rows(grey: np.ndarray) -> list[CharRow]:
    found = _best_row(grey)
    if found is None:
        return []
    row, blobs = found
    main = CharRow(_extent(row), len(row))
    x0m, y0m, x1m, y1m = main.box
    mh = y1m - y0m
    taken = {id(b) for b in row}
    rest = [b for b in blobs if id(b) not in taken]
    best: CharRow | None = None
    for seed in rest:
        other = _row(rest, seed)
        x0, y0, x1, y1 = _extent(other)
        height = y1 - y0
        overlap = min(x1, x1m) - max(x0, x0m)
        if (len(other) >= SECOND_ROW_CHARS and SECOND_ROW_HEIGHT <= height / mh <= 1 / SECOND_ROW_HEIGHT
                and (y1 <= y0m + 0.15 * mh or y0 >= y1m - 0.15 * mh)
                and abs((y0 + y1) - (y0m + y1m)) / 2 <= 2.0 * mh
                and overlap >= 0.5 * min(x1 - x0, x1m - x0m)
                and (best is None or (len(other), height) > (best.chars, best.box[3] - best.box[1]))):
            best = CharRow((x0, y0, x1, y1), len(other), main=False)
    if best is None:
        return [main]
    return sorted([main, best], key=lambda r: r.box[1])


def cut_around(image: np.ndarray, box: tuple[int, int, int, int], left: float, top: float, right: float,
               bottom: float) -> np.ndarray:
    """``image`` cut around ``box`` with margins on each side given in the box's height, clipped to the
    image (negative margins cut into the box)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    ch = y1 - y0
    xa, xb = int(max(0, x0 - left * ch)), int(min(w, x1 + right * ch))
    ya, yb = int(max(0, y0 - top * ch)), int(min(h, y1 + bottom * ch))
    return image[ya:yb, xa:xb]


def row_crop(grey: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The row with a margin of a quarter character height on every side."""
    h, w = grey.shape[:2]
    x0, y0, x1, y1 = box
    ch = y1 - y0
    px, py = int(0.25 * ch), int(0.15 * ch)
    return grey[max(0, y0 - py):min(h, y1 + py), max(0, x0 - px):min(w, x1 + px)]


def widened(row: np.ndarray, aspect: float = ROW_MIN_ASPECT) -> np.ndarray:
    """A short row padded left and right with its edge pixels to ``aspect`` (width / height), so that its
    characters are not stretched to a reader's wide input; wider rows are returned as they are."""
    h, w = row.shape[:2]
    if h == 0 or w >= aspect * h:
        return row
    extra = int(aspect * h) - w
    return cv2.copyMakeBorder(row, 0, 0, extra // 2, extra - extra // 2, cv2.BORDER_REPLICATE)


def latin_views(grey: np.ndarray) -> list[np.ndarray]:
    """The character row of a plate crop, plain and contrast-normalised (CLAHE); empty when none is found."""
    box = char_row(grey)
    if box is None:
        return []
    row = np.ascontiguousarray(row_crop(grey, box))
    return [row, cv2.createCLAHE(2.0, (4, 4)).apply(row)]
