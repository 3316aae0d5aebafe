"""Box geometry (``gatekeeper.domain.types.Box``): sizes, overlap, containment and IoU."""

from __future__ import annotations

import pytest

from gatekeeper.domain.types import Box


def test_a_box_has_no_negative_size() -> None:
    box = Box(10, 20, 50, 30)
    assert (box.width, box.height, box.area) == (40, 10, 400)
    flipped = Box(50, 30, 10, 20)
    assert (flipped.width, flipped.height, flipped.area) == (0, 0, 0)


def test_offset_is_how_far_the_other_centre_lies() -> None:
    assert Box(0, 0, 10, 10).offset(Box(20, -10, 30, 0)) == (20.0, -10.0)


def test_containment_is_the_share_of_the_smaller_box_the_other_covers() -> None:
    big, inside = Box(0, 0, 100, 40), Box(10, 10, 50, 30)
    half_out, apart = Box(80, 10, 120, 30), Box(200, 0, 300, 40)
    assert big.containment(inside) == inside.containment(big) == 1.0
    assert big.containment(half_out) == 0.5 and big.intersection(half_out) == 400
    assert big.containment(apart) == 0.0 and big.containment(Box(5, 5, 5, 5)) == 0.0  # an empty box


def test_iou_is_the_shared_area_over_the_union() -> None:
    a, b = Box(0, 0, 10, 10), Box(5, 0, 15, 10)
    assert a.iou(a) == 1.0
    assert a.iou(b) == b.iou(a) == pytest.approx(50 / 150)
    assert a.iou(Box(20, 20, 30, 30)) == 0.0
    assert Box(3, 3, 3, 3).iou(Box(3, 3, 3, 3)) == 0.0  # two empty boxes share nothing
