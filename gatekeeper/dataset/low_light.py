"""Low-light copies of detector training photos: night colour frames and infrared gate-camera frames.

Gate cameras run all night. A dark colour frame keeps its plates dim and noisy; an infrared frame is grey,
its scene dark and its retroreflective plates bright. The real training photos are daylight, so a detector
trained on them alone loses plates at night (a simulated night ``kr-dev`` fell from 13 to 11 of 14 found).
These copies keep every label and change only the pixels (:func:`~gatekeeper.dataset.copies.write_copies`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.copies import write_copies

log = logging.getLogger(__name__)

MANIFEST = "low_light.json"
VERSION = 1
STYLES = ("night", "ir", "grey_dusk")


def night(img: np.ndarray, rng: np.random.Generator,
          boxes: Sequence[Sequence[float]] = ()) -> np.ndarray:
    """A dark colour frame: gamma-crushed, dimmed, noisy; plates under their lamp a little brighter."""
    f = img.astype(np.float32) / 255.0
    gamma = rng.uniform(1.6, 2.6)
    gain = rng.uniform(0.35, 0.75)
    out = f ** gamma * gain
    lamp = rng.uniform(1.0, 1.8)
    for x1, y1, x2, y2 in _clip_boxes(boxes, img.shape):
        out[y1:y2, x1:x2] = np.clip(f[y1:y2, x1:x2] ** gamma * gain * lamp, 0, 1)
    out = out * 255 + rng.normal(0, rng.uniform(2, 9), out.shape)
    if rng.random() < 0.3:  # a warm sodium street light cast
        out[..., 0] *= rng.uniform(0.6, 0.85)
    return np.clip(out, 0, 255).astype(np.uint8)


def infrared(img: np.ndarray, rng: np.random.Generator,
             boxes: Sequence[Sequence[float]] = ()) -> np.ndarray:
    """An infrared frame: grey, dark scene, the (retroreflective) plates stretched bright."""
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255.0
    out = g ** rng.uniform(1.2, 2.0) * rng.uniform(70, 150)
    for x1, y1, x2, y2 in _clip_boxes(boxes, img.shape):
        patch = g[y1:y2, x1:x2]
        lo, hi = np.percentile(patch, 3), np.percentile(patch, 97)
        top = rng.uniform(170, 255)
        out[y1:y2, x1:x2] = np.clip((patch - lo) / max(hi - lo, 1e-3), 0, 1) * (top - 20) + 20
    out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.3, 1.0))
    out = out + rng.normal(0, rng.uniform(2, 7), out.shape)
    return cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def grey_dusk(img: np.ndarray, rng: np.random.Generator,
              boxes: Sequence[Sequence[float]] = ()) -> np.ndarray:
    """A grey, low-contrast dusk frame (day/night cameras switch to grey before the IR lamp is on)."""
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    out = g * rng.uniform(0.35, 0.7) + rng.uniform(5, 30) + rng.normal(0, rng.uniform(2, 6), g.shape)
    return cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


RENDER = {"night": night, "ir": infrared, "grey_dusk": grey_dusk}


def _clip_boxes(boxes: Sequence[Sequence[float]], shape: tuple[int, ...],
                max_area: float = 0.08) -> list[tuple[int, int, int, int]]:
    """Integer plate boxes grown by a small margin and clipped to the image; empty ones, boxes over
    ``max_area`` of the image (a close-up, or a loose label around a car) and boxes not wider than tall
    (no plate's shape) are dropped."""
    h, w = shape[:2]
    out = []
    for x1, y1, x2, y2 in boxes:
        if (x2 - x1) * (y2 - y1) > max_area * w * h or (x2 - x1) < 1.3 * (y2 - y1):
            continue
        mx, my = 0.05 * (x2 - x1), 0.1 * (y2 - y1)
        a, b = int(max(0, x1 - mx)), int(max(0, y1 - my))
        c, d = int(min(w, x2 + mx)), int(min(h, y2 + my))
        if c - a >= 2 and d - b >= 2:
            out.append((a, b, c, d))
    return out


def write_low_light_copies(out_dir: Path, sources: Sequence[Path], count: int, seed: int = 0) -> Path:
    """Write ``count`` low-light copies of images drawn from the YOLO ``sources`` folders (each holding
    ``images/`` and ``labels/``) to ``out_dir/train``; returns ``out_dir``. Labels are copied unchanged."""
    return write_copies(out_dir, sources, count, seed, styles=STYLES, render=RENDER, manifest=MANIFEST,
                        version=VERSION, prefix="ll", what="low-light")
