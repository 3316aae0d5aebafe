"""Approach footage from a labelled still: the plate's size, place and growth in every frame."""

from __future__ import annotations

import numpy as np
import pytest

from gatekeeper.dataset.approach import (
    APPROACH_FRAMES,
    END_WIDTH,
    FRAME_SIZE,
    PLATE_CENTRE,
    START_WIDTH,
    approach_frames,
    empty_frames,
    plate_boxes,
    plate_widths,
)
from gatekeeper.domain.types import Box


def _still() -> tuple[np.ndarray, Box]:
    """A dark 640x480 picture with one white 'plate' 100x25 px at (300, 200)."""
    image = np.full((480, 640, 3), 20, np.uint8)
    image[200:225, 300:400] = 255
    return image, Box(300, 200, 400, 225)


def _white_extent(frame: np.ndarray) -> tuple[float, float, float]:
    """Width of the white region and its centre (x, y)."""
    mask = frame.min(axis=2) > 160
    ys, xs = np.nonzero(mask)
    return float(xs.max() - xs.min() + 1), float(xs.mean()), float(ys.mean())


def test_plate_widths_grow_geometrically_between_the_ends() -> None:
    widths = plate_widths()
    assert len(widths) == APPROACH_FRAMES
    assert widths[0] == pytest.approx(START_WIDTH) and widths[-1] == pytest.approx(END_WIDTH)
    ratios = np.array(widths[1:]) / np.array(widths[:-1])
    assert np.allclose(ratios, ratios[0]) and ratios[0] > 1
    assert plate_widths(1) == [END_WIDTH]
    with pytest.raises(ValueError):
        plate_widths(0)
    with pytest.raises(ValueError):
        plate_widths(5, start=0)


def test_every_frame_shows_the_plate_at_its_width_and_place() -> None:
    image, box = _still()
    frames = list(approach_frames(image, box))
    assert len(frames) == APPROACH_FRAMES
    w, h = FRAME_SIZE
    for frame, want in zip(frames, plate_widths(), strict=True):
        assert frame.shape == (h, w, 3) and frame.dtype == np.uint8
        width, cx, cy = _white_extent(frame)
        assert width == pytest.approx(want, abs=3)
        assert cx == pytest.approx(PLATE_CENTRE[0] * w, abs=2)
        assert cy == pytest.approx(PLATE_CENTRE[1] * h, abs=2)
    # far away the whole picture is smaller than the frame (grey around it); near, it fills the frame
    assert abs(int(frames[0][0, 0, 0]) - 90) <= 3 and abs(int(frames[-1][0, 0, 0]) - 20) <= 3


def test_plate_boxes_say_where_the_plate_is_in_each_frame() -> None:
    image, box = _still()
    boxes = plate_boxes(box)
    assert len(boxes) == APPROACH_FRAMES
    for frame, where, want in zip(approach_frames(image, box), boxes, plate_widths(), strict=True):
        assert where.width == pytest.approx(want) and where.height == pytest.approx(want / 4)
        x1, y1, x2, y2 = (round(v) for v in (where.x1, where.y1, where.x2, where.y2))
        inner = frame[y1 + 2:y2 - 2, x1 + 2:x2 - 2]
        assert inner.size and inner.min() > 160  # the white plate fills the box
        assert frame[max(0, y1 - 4), (x1 + x2) // 2].max() < 100 and frame[y2 + 4, (x1 + x2) // 2].max() < 100
    assert plate_boxes(box, frames=1, end_width=50)[0].width == pytest.approx(50)


def test_bad_input_is_refused() -> None:
    image, box = _still()
    with pytest.raises(ValueError):
        list(approach_frames(image[..., 0], box))  # no colour
    with pytest.raises(ValueError):
        list(approach_frames(image, Box(300, 200, 300, 225)))  # a box of no width


def test_empty_frames_are_grey_noise_and_repeatable() -> None:
    a = list(empty_frames(3, size=(64, 48), seed=5))
    b = list(empty_frames(3, size=(64, 48), seed=5))
    assert len(a) == 3 and all(f.shape == (48, 64, 3) for f in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert 80 < float(a[0].mean()) < 100 and float(a[0].std()) > 0.5
    assert not np.array_equal(a[0], next(empty_frames(1, size=(64, 48), seed=6)))
