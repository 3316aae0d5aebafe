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


def _scan_best_row(grey: np.ndarray, masks: list[np.ndarray]):
    """``_best_row_in`` as a plain scan: every blob a seed, the first of the most blobs (then the tallest)."""
    best, best_key = None, None
    for mask in masks:
        blobs = latin_locate._blobs(mask, grey.shape[0])
        for seed in blobs:
            row = latin_locate._row(blobs, seed)
            key = (len(row), int(seed[3]))
            if len(row) >= latin_locate.MIN_CHARS and (best_key is None or key > best_key):
                best_key, best = key, (row, blobs)
    return best


def _noisy_plates(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    out = []
    for i in range(count):
        img = np.full((int(rng.integers(40, 120)), int(rng.integers(120, 300))), int(rng.integers(150, 250)),
                      np.uint8)
        scale = float(rng.uniform(0.6, 1.6))
        cv2.putText(img, "".join(rng.choice(list("0123456789ABCDEFHKLMNPRSTWXYZ"), 7)),
                    (int(rng.integers(0, 20)), int(img.shape[0] * 0.7)), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    int(rng.integers(0, 80)), int(rng.integers(1, 5)))
        noise = rng.normal(0, float(rng.uniform(0, 40)), img.shape)
        out.append(np.clip(img + noise, 0, 255).astype(np.uint8) if i % 3 else framed_plate("4RAR512"))
    return out


def test_the_row_search_finds_what_a_plain_scan_finds() -> None:
    for grey in _noisy_plates(40):
        for masks in (latin_locate._masks(grey),
                      [latin_locate._without_frame(m) for m in latin_locate._masks(grey)]):
            got, want = latin_locate._best_row_in(grey, masks), _scan_best_row(grey, masks)
            assert (got is None) == (want is None)
            if got is not None:
                assert [b.tolist() for b in got[0]] == [b.tolist() for b in want[0]]
                assert [b.tolist() for b in got[1]] == [b.tolist() for b in want[1]]


def test_rows_are_remembered_by_content_not_by_array() -> None:
    grey = framed_plate("7WGO233")
    first = find_rows(grey)
    first.clear()  # the caller's list is its own
    again = find_rows(grey.copy())
    assert again and again == find_rows(np.ascontiguousarray(grey[:, :]))
    wider = np.zeros((grey.shape[0], grey.shape[1] + 10), np.uint8)
    wider[:, :grey.shape[1]] = grey
    assert find_rows(wider[:, :grey.shape[1]]) == again  # a strided view reads as its copy
    other = framed_plate("5SHE489")
    assert find_rows(other) != again or other.tobytes() == grey.tobytes()
