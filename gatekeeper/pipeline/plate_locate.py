"""Find the plate rectangle inside a loose crop and warp it flat (detector boxes carry car body around it)."""

from __future__ import annotations

import logging

import cv2
import numpy as np

from gatekeeper.pipeline.latin_locate import char_row, cut_around
from gatekeeper.pipeline.reader_layout import ONE_LINE, TWO_LINE, to_grey

log = logging.getLogger(__name__)

TWO_LINE_CUT = (0.9, 0.8, 0.3, 0.15)  # margins (left, top, right, bottom) around the character row,
# in its height
ONE_LINE_CUT = (0.6, 0.25, 0.5, 0.25)

MIN_AREA = 0.12  # of the crop
ASPECT = (1.3, 6.5)
MIN_FILL = 0.72  # contour area / its rotated rectangle's area


def _order(pts: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    s = pts.sum(1)
    d = np.diff(pts, axis=1).ravel()
    return np.float32([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])


def _candidates(grey: np.ndarray, hsv: np.ndarray | None) -> list[np.ndarray]:
    masks = []
    blur = cv2.GaussianBlur(grey, (5, 5), 0)
    _, otsu = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks += [otsu, 255 - otsu]
    if hsv is not None:
        _, sat = cv2.threshold(cv2.GaussianBlur(hsv[..., 1], (5, 5), 0), 0, 255,
                               cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        masks.append(sat)
    k = max(3, (min(grey.shape) // 12) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    return [cv2.morphologyEx(m, cv2.MORPH_CLOSE, kernel) for m in masks]


def locate_plate(crop: np.ndarray) -> np.ndarray | None:
    """Corners (4x2 float32, TL TR BR BL) of the most plate-like bright or coloured region, or None."""
    if crop is None or crop.size == 0 or min(crop.shape[:2]) < 12:
        return None
    grey = crop if crop.ndim == 2 else cv2.cvtColor(crop[..., :3], cv2.COLOR_BGR2GRAY)
    hsv = None if crop.ndim == 2 else cv2.cvtColor(crop[..., :3], cv2.COLOR_BGR2HSV)
    h, w = grey.shape
    area = float(h * w)
    best, best_score = None, 0.0
    for mask in _candidates(grey, hsv):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            ca = cv2.contourArea(c)
            if ca < MIN_AREA * area:
                continue
            rect = cv2.minAreaRect(c)
            (rw, rh) = rect[1]
            if rw < 2 or rh < 2:
                continue
            long_, short = max(rw, rh), min(rw, rh)
            fill = ca / (rw * rh)
            if not (ASPECT[0] <= long_ / short <= ASPECT[1]) or fill < MIN_FILL:
                continue
            if ca > 0.97 * area:  # the whole crop: nothing to gain
                continue
            score = ca * fill
            if score > best_score:
                best_score = score
                hull = cv2.convexHull(c)
                quad = cv2.approxPolyDP(hull, 0.04 * cv2.arcLength(hull, True), True)
                pts = quad.reshape(-1, 2).astype(np.float32) if len(quad) == 4 else cv2.boxPoints(rect)
                best = _order(np.asarray(pts, np.float32))
    return best


def rectify(crop: np.ndarray, corners: np.ndarray, pad: float = 0.04) -> np.ndarray:
    """Warp the quadrilateral flat, keeping its mean side lengths, with a little margin."""
    tl, tr, br, bl = corners
    w = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    h = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    w, h = max(8.0, float(w)), max(4.0, float(h))
    px, py = pad * w, pad * h
    dst = np.float32([[px, py], [px + w, py], [px + w, py + h], [px, py + h]])
    m = cv2.getPerspectiveTransform(np.float32(corners), dst)
    size = (int(round(w + 2 * px)), int(round(h + 2 * py)))
    return cv2.warpPerspective(crop, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def located_plate(crop: np.ndarray) -> np.ndarray | None:
    """The plate found in ``crop``, warped flat, or None when no plate-like region stands out."""
    corners = locate_plate(crop)
    return None if corners is None else rectify(crop, corners)


def text_cuts(crop: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """The plate cut around its main character row (found by its blobs, not by the plate's outline, so a
    plate on a car body of its own colour is still found): ``(cut, layout)`` for a two-line plate (room for
    the smaller top line and the syllable left of the digits) and for a one-line plate; empty when no row
    of characters is found."""
    if crop is None or crop.size == 0 or min(crop.shape[:2]) < 12:
        return []
    box = char_row(to_grey(crop))
    if box is None:
        return []
    return [(np.ascontiguousarray(cut_around(crop, box, *margins)), layout)
            for margins, layout in ((TWO_LINE_CUT, TWO_LINE), (ONE_LINE_CUT, ONE_LINE))]
