"""Approach footage from a labelled still: the picture zoomed so that its plate grows from a distant
``START_WIDTH`` to a near ``END_WIDTH`` px over a camera's frames, as a car driving up to a gate camera would
show it, then empty frames until the next car. ``gatekeeper eval DIR --approach`` runs such footage through
the camera pipeline (:mod:`gatekeeper.services.approach`), so that what cameras log can be measured on the
same labelled sets as still images.

The frames are deterministic: JPEG-compressed at ``JPEG_QUALITY`` as a camera's stream is, the empty
frames a flat grey with sensor noise from a seeded generator.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import cv2
import numpy as np

from gatekeeper.dataset.synth.degrade import noise
from gatekeeper.domain.types import Box

log = logging.getLogger(__name__)

FPS = 15.0
FRAME_SIZE = (1280, 720)  # width, height: 720p, as ``gatekeeper bench`` measures
APPROACH_FRAMES = 30  # 2 s at FPS
START_WIDTH = 50.0  # px: the plate far away
END_WIDTH = 240.0  # px: the plate near, as the demo camera sees it at the barrier
GAP_FRAMES = 40  # empty frames after each car: longer than a track's timeout (1.5 s), so it ends
JPEG_QUALITY = 80
PLATE_CENTRE = (0.5, 0.6)  # where the plate's centre stays, as shares of the frame's width and height
BACKGROUND = 90  # grey level outside the picture and in the empty frames


def jpeg(frame: np.ndarray, quality: int = JPEG_QUALITY) -> np.ndarray:
    """``frame`` after a round trip through JPEG at ``quality``."""
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("frame could not be JPEG-encoded")
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def plate_widths(frames: int = APPROACH_FRAMES, start: float = START_WIDTH,
                 end: float = END_WIDTH) -> list[float]:
    """The plate's width in each frame of an approach: growing geometrically (a car at a steady speed)."""
    if frames < 1 or start <= 0 or end <= 0:
        raise ValueError("an approach needs at least one frame and positive plate widths")
    if frames == 1:
        return [float(end)]
    return [float(start * (end / start) ** (i / (frames - 1))) for i in range(frames)]


def approach_frames(image: np.ndarray, box: Box, *, frames: int = APPROACH_FRAMES,
                    start_width: float = START_WIDTH, end_width: float = END_WIDTH,
                    size: tuple[int, int] = FRAME_SIZE, quality: int = JPEG_QUALITY) -> Iterator[np.ndarray]:
    """The frames (BGR, ``size`` = width x height) of ``image`` zoomed so that the plate in ``box`` is as
    wide as :func:`plate_widths` says, its centre kept at :data:`PLATE_CENTRE`."""
    if image is None or image.ndim != 3 or box.width <= 0 or box.height <= 0:
        raise ValueError("an approach needs a colour image and a plate box of positive size")
    w, h = size
    for width in plate_widths(frames, start_width, end_width):
        s, dx, dy = _placement(box, width, size)
        m = np.float32([[s, 0, dx], [0, s, dy]])
        frame = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=(BACKGROUND,) * 3)
        yield jpeg(frame, quality)


def _placement(box: Box, width: float, size: tuple[int, int]) -> tuple[float, float, float]:
    """The scale and shift (x, y) that make the plate in ``box`` ``width`` px wide, its centre at
    :data:`PLATE_CENTRE` of a frame of ``size``."""
    s = width / box.width
    return (s, PLATE_CENTRE[0] * size[0] - s * (box.x1 + box.x2) / 2,
            PLATE_CENTRE[1] * size[1] - s * (box.y1 + box.y2) / 2)


def plate_boxes(box: Box, *, frames: int = APPROACH_FRAMES, start_width: float = START_WIDTH,
                end_width: float = END_WIDTH, size: tuple[int, int] = FRAME_SIZE) -> list[Box]:
    """Where the plate labelled ``box`` is in each frame of :func:`approach_frames` (same arguments)."""
    out = []
    for width in plate_widths(frames, start_width, end_width):
        s, dx, dy = _placement(box, width, size)
        out.append(Box(s * box.x1 + dx, s * box.y1 + dy, s * box.x2 + dx, s * box.y2 + dy))
    return out


def empty_frames(count: int = GAP_FRAMES, size: tuple[int, int] = FRAME_SIZE, seed: int = 0,
                 quality: int = JPEG_QUALITY) -> Iterator[np.ndarray]:
    """``count`` frames of an empty lane: flat grey with a little sensor noise."""
    rng = np.random.default_rng(seed)
    w, h = size
    lane = np.full((h, w, 3), BACKGROUND, np.uint8)
    for _ in range(count):
        yield jpeg(noise(lane, rng, sigma=2.0), quality)
