"""qt_image: conversions copy the pixels and keep colour order."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from gatekeeper.ui.qt_image import bgr_to_qimage, bgr_to_qpixmap, load_qimage


def test_bgr_conversion_copies_and_keeps_colours(qapp) -> None:
    frame = np.zeros((20, 30, 3), np.uint8)
    frame[:, :] = (255, 0, 0)  # pure blue in BGR
    image = bgr_to_qimage(frame)
    assert (image.width(), image.height()) == (30, 20)
    assert QColor(image.pixel(5, 5)).getRgb()[:3] == (0, 0, 255)
    frame[:, :] = (0, 0, 255)  # the array changes; the image must not
    del frame
    assert QColor(image.pixel(5, 5)).getRgb()[:3] == (0, 0, 255)


def test_non_contiguous_and_gray(qapp) -> None:
    big = np.zeros((40, 60, 3), np.uint8)
    big[::2, ::2] = (0, 255, 0)
    view = big[::2, ::2]  # strided view
    image = bgr_to_qimage(view)
    assert (image.width(), image.height()) == (30, 20)
    assert QColor(image.pixel(3, 3)).getRgb()[:3] == (0, 255, 0)
    gray = np.full((10, 11), 128, np.uint8)
    g = bgr_to_qimage(gray)
    assert g.format() == QImage.Format.Format_Grayscale8
    assert QColor(g.pixel(2, 2)).red() == 128
    assert not bgr_to_qpixmap(big).isNull()


def test_bad_input(qapp, tmp_path) -> None:
    assert bgr_to_qimage(np.zeros((0, 0, 3), np.uint8)).isNull()
    with pytest.raises(ValueError):
        bgr_to_qimage(np.zeros((4, 4, 2), np.uint8))
    assert load_qimage(tmp_path / "missing.png").isNull()


def test_qt_binding_keeps_none_referenced(qapp) -> None:
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None on every void call, so a long-running
    window died with ``none_dealloc``; build/requirements.txt excludes it. This catches a relapse."""
    import sys

    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.update()
    assert sys.getrefcount(None) - before > -100
