"""A cheap motion gate: frame difference on a small grey copy decides whether detection should run."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from gatekeeper.domain.types import Box
from gatekeeper.pipeline.types import Frame

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MotionResult:
    """Whether the frame moved, how much of it (0..1), and where (full-frame box), if anywhere."""

    moving: bool
    fraction: float
    region: Box | None
    forced: bool = False


class MotionGate:
    """Tells the pipeline whether a frame differs from the last one enough to be worth a detection.

    The frame is shrunk to ``width`` pixels wide, greyed and blurred; pixels whose difference from the
    previous frame exceeds ``threshold`` count as moving. ``min_fraction`` of the small frame must move.
    Every ``force_every`` frames (0 = never) the gate opens anyway, so a vehicle that stopped in view is
    still looked at now and then; the first frame and a change of frame size always open it.
    """

    def __init__(self, width: int = 160, threshold: int = 18, min_fraction: float = 0.002,
                 force_every: int = 25) -> None:
        if width < 16:
            raise ValueError("motion gate width must be at least 16 pixels")
        self.width = int(width)
        self.threshold = int(threshold)
        self.min_fraction = float(min_fraction)
        self.force_every = int(force_every)
        self._prev: np.ndarray | None = None
        self._shape: tuple[int, int] | None = None
        self._since_open = 0

    def reset(self) -> None:
        """Forget the previous frame (e.g. after the source restarts)."""
        self._prev = None
        self._shape = None
        self._since_open = 0

    def _small(self, frame: Frame) -> np.ndarray:
        h, w = frame.shape[:2]
        sh = max(1, round(h * self.width / w))
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        small = cv2.resize(grey, (self.width, sh), interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(small, (5, 5), 0)

    def check(self, frame: Frame) -> MotionResult:
        """Compare ``frame`` with the previous one and remember it."""
        h, w = frame.shape[:2]
        small = self._small(frame)
        prev, self._prev = self._prev, small
        if prev is None or self._shape != (h, w):
            self._shape = (h, w)
            self._since_open = 0
            return MotionResult(True, 1.0, Box(0.0, 0.0, float(w), float(h)), forced=True)
        diff = cv2.absdiff(small, prev)
        mask = (diff > self.threshold).astype(np.uint8)
        mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
        fraction = float(mask.mean())
        region = None
        if fraction > 0:
            ys, xs = np.nonzero(mask)
            sx, sy = w / small.shape[1], h / small.shape[0]
            region = Box(float(xs.min() * sx), float(ys.min() * sy),
                         float(min(w, (xs.max() + 1) * sx)), float(min(h, (ys.max() + 1) * sy)))
        moving = fraction >= self.min_fraction
        forced = False
        if moving:
            self._since_open = 0
        else:
            self._since_open += 1
            if self.force_every and self._since_open >= self.force_every:
                forced, self._since_open = True, 0
        return MotionResult(moving or forced, fraction, region if moving else None, forced=forced)

    def __call__(self, frame: Frame) -> bool:
        """True when detection should run on ``frame``."""
        return self.check(frame).moving
