"""Blurred copies of detector training photos: plates smeared by motion and out of focus.

A car passing a gate camera under a long night shutter, or a traffic camera's far lane out of focus,
gives plates whose characters run together; the training photos are sharp, so the detector trained on
them alone found only 0.54 of es's plates smeared by 11 px sideways (0.96 sharp). These copies keep every
label and change only the pixels (:func:`~gatekeeper.dataset.copies.write_copies`): two in three are
smeared along a line (mostly sideways, some up and down, as a car seen from the front moves), one in
three defocused by a disc.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.copies import write_copies

log = logging.getLogger(__name__)

MANIFEST = "blur.json"
VERSION = 1
STYLES = ("motion", "motion", "defocus")
MOTION_LENGTH = (0.012, 0.05)
"""A smear's length, as a share of the picture's long side (3.6-15 px on a 300 px training photo; es's
11 px test smear is 0.026 of its 416 px pictures)."""
SIDEWAYS_SHARE = 0.65  # of the smears within 12 degrees of sideways; the rest within 15 of up and down
DEFOCUS_RADIUS = (0.005, 0.013)  # a defocus disc's radius, as a share of the picture's long side
SUPERSAMPLE = 8  # kernel cells are sampled this finely (a smear of 3.6 px is 3.6 px long)


def line_kernel(length: float, angle_deg: float) -> np.ndarray:
    """A normalised kernel smearing along a line ``length`` px long at ``angle_deg`` (0: sideways), centred
    (points along the line splatted bilinearly)."""
    length = max(float(length), 1.0)
    size = int(math.ceil(length)) | 1
    c = size // 2
    t = np.linspace(-(length - 1) / 2, (length - 1) / 2, int(length * SUPERSAMPLE) + 1)
    x = c + t * math.cos(math.radians(angle_deg))
    y = c + t * math.sin(math.radians(angle_deg))
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    k = np.zeros((size + 1, size + 1), np.float64)
    corners = ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy))
    for dx, dy, w in corners:
        np.add.at(k, (y0 + dy, x0 + dx), w)
    k = k[:size, :size].astype(np.float32)
    return k / k.sum()


def disc_kernel(radius: float) -> np.ndarray:
    """A normalised defocus disc of ``radius`` px, centred (each cell weighted by how much of it the disc
    covers)."""
    radius = max(float(radius), 0.5)
    size = 2 * int(math.ceil(radius)) + 1
    n = size * SUPERSAMPLE
    grid = (np.arange(n) + 0.5) / SUPERSAMPLE - size / 2
    inside = (grid[None, :] ** 2 + grid[:, None] ** 2 <= radius ** 2).astype(np.float32)
    k = inside.reshape(size, SUPERSAMPLE, size, SUPERSAMPLE).mean(axis=(1, 3))
    return k / k.sum()


def motion(img: np.ndarray, rng: np.random.Generator,
           boxes: Sequence[Sequence[float]] = ()) -> np.ndarray:
    """The picture smeared along a line (:data:`MOTION_LENGTH`, :data:`SIDEWAYS_SHARE`)."""
    length = rng.uniform(*MOTION_LENGTH) * max(img.shape[:2])
    if rng.random() < SIDEWAYS_SHARE:
        angle = rng.uniform(-12, 12)
    else:
        angle = 90 + rng.uniform(-15, 15)
    return cv2.filter2D(img, -1, line_kernel(length, angle), borderType=cv2.BORDER_REFLECT)


def defocus(img: np.ndarray, rng: np.random.Generator,
            boxes: Sequence[Sequence[float]] = ()) -> np.ndarray:
    """The picture out of focus (:data:`DEFOCUS_RADIUS`)."""
    radius = rng.uniform(*DEFOCUS_RADIUS) * max(img.shape[:2])
    return cv2.filter2D(img, -1, disc_kernel(radius), borderType=cv2.BORDER_REFLECT)


RENDER = {"motion": motion, "defocus": defocus}


def write_blur_copies(out_dir: Path, sources: Sequence[Path], count: int, seed: int = 0) -> Path:
    """Write ``count`` blurred copies of images drawn from the YOLO ``sources`` folders (each holding
    ``images/`` and ``labels/``) to ``out_dir/train``; returns ``out_dir``. Labels are copied unchanged."""
    return write_copies(out_dir, sources, count, seed, styles=STYLES, render=RENDER, manifest=MANIFEST,
                        version=VERSION, prefix="bl", what="blurred")
