"""Numpy (BGR / gray) frames to ``QImage``/``QPixmap``: always an owned copy, never a view of the array."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage, QPixmap

log = logging.getLogger(__name__)


def bgr_to_qimage(frame: np.ndarray) -> QImage:
    """Convert an HxWx3 BGR (or HxW gray, or HxWx4 BGRA) uint8 array to a QImage that owns its pixels.

    The result stays valid after ``frame`` is modified or freed: the pixels are copied.
    """
    if frame is None or not isinstance(frame, np.ndarray) or frame.size == 0:
        return QImage()
    if frame.dtype != np.uint8:
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    if frame.ndim == 2:
        arr = np.ascontiguousarray(frame)
        h, w = arr.shape
        return QImage(arr.data, w, h, arr.strides[0], QImage.Format.Format_Grayscale8).copy()
    if frame.ndim != 3 or frame.shape[2] not in (3, 4):
        raise ValueError(f"expected HxW, HxWx3 or HxWx4 image, got shape {frame.shape}")
    arr = np.ascontiguousarray(frame)
    h, w, c = arr.shape
    fmt = QImage.Format.Format_BGR888 if c == 3 else QImage.Format.Format_ARGB32
    return QImage(arr.data, w, h, arr.strides[0], fmt).copy()


def bgr_to_qpixmap(frame: np.ndarray) -> QPixmap:
    """Convert a BGR array to a QPixmap (GUI thread only)."""
    return QPixmap.fromImage(bgr_to_qimage(frame))


def load_qimage(path: str | Path) -> QImage:
    """Load an image file; an empty ``QImage`` (and a log line) when it is missing or unreadable."""
    image = QImage(str(path))
    if image.isNull():
        log.warning("cannot load image %s", path)
    return image
