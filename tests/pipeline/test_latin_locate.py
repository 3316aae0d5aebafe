"""The character row finder of Latin plate crops: characters that touch a dealer frame's edge."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from gatekeeper.pipeline import latin_locate
from gatekeeper.pipeline.latin_locate import find_rows


def framed_plate(text: str) -> np.ndarray:
    """A light plate with dark characters standing on the bottom edge of a dark frame (as a Californian
    dealer frame often runs along the characters' feet): characters and frame make one blob."""
    img = np.full((90, 220), 235, np.uint8)
    cv2.putText(img, text, (14, 66), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 30, 4)
    cv2.rectangle(img, (4, 8), (215, 66), 30, 3)
    return img


@pytest.mark.parametrize("text", ["4RAR512", "7WGO233", "5SHE489"])
def test_a_row_standing_on_a_frame_edge_is_found(text: str) -> None:
    grey = framed_plate(text)
    assert latin_locate._best_row_in(grey, latin_locate._masks(grey)) is None  # the plain masks see no row
    rows = find_rows(grey)
    assert len(rows) == 1 and rows[0].main and rows[0].chars >= len(text)
    x0, y0, x1, y1 = rows[0].box
    assert x0 <= 16 and x1 >= 200  # every character is in the row
    assert 30 <= y0 <= 40 and 60 <= y1 <= 67  # the characters' height, not the frame's


def test_frame_edges_are_removed_and_characters_kept() -> None:
    mask = np.zeros((60, 200), np.uint8)
    cv2.rectangle(mask, (2, 2), (197, 57), 255, 2)  # frame
    cv2.rectangle(mask, (20, 15), (30, 55), 255, -1)  # a character's stem, standing on the frame
    kept = latin_locate._without_frame(mask)
    assert not kept[2:4, 40:190].any() and not kept[10:50, 2:4].any()  # frame edges gone
    assert kept[20:50, 22:28].all()  # the stem stays


def test_a_framed_plate_reads_right(latin_reader) -> None:
    read = latin_reader.read(cv2.cvtColor(framed_plate("7WGO233"), cv2.COLOR_GRAY2BGR))
    assert read is not None and read.text == "7WGO233"
