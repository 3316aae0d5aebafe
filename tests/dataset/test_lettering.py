"""Copies of detector training images with writing that is not a plate: drawn clear of the plates, labels
kept (the writer's determinism and cache: test_copies.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.lettering import (
    PLATE_CLEARANCE,
    STYLES,
    draw_writing,
    hangul_fonts,
    random_words,
    text_mask,
    write_lettering_copies,
)
from gatekeeper.domain.plates import is_korean, is_valid_plate


def test_words_are_never_a_korean_plate() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        lines = random_words(rng)
        assert 1 <= len(lines) <= 2 and all(lines)
        for line in lines:
            assert not (is_valid_plate(line) and is_korean(line)), line


def test_hangul_words_come_when_a_hangul_font_is_installed() -> None:
    if not hangul_fonts():
        pytest.skip("no Hangul font installed (fonts-nanum)")
    rng = np.random.default_rng(1)
    lines = [line for _ in range(100) for line in random_words(rng)]
    assert any(not c.isascii() for line in lines for c in line)
    mask = text_mask(["태권도 학원"], 30, rng)
    assert mask.shape[0] >= 25 and mask.shape[1] > 2 * mask.shape[0] and 0.05 < float(mask.mean()) < 0.8


def test_a_text_mask_stacks_its_lines_at_the_asked_height() -> None:
    rng = np.random.default_rng(2)
    one = text_mask(["HONK IF YOU LOVE"], 20, rng)
    two = text_mask(["HONK IF YOU LOVE", "MOTORS"], 20, rng)
    assert 15 <= one.shape[0] <= 40 and one.shape[1] > 4 * one.shape[0]
    assert two.shape[0] > 1.8 * one.shape[0]
    assert one.max() > 0.9 and one.min() == 0.0


@pytest.mark.parametrize("style", STYLES)
def test_writing_is_drawn_clear_of_the_plates(style: str) -> None:
    rng = np.random.default_rng(3)
    base = np.full((300, 400, 3), 128, np.uint8)
    plate = (150.0, 200.0, 250.0, 230.0)
    drawn = 0
    for _ in range(20):
        img = base.copy()
        drawn += draw_writing(img, rng, [plate], style)
        changed = np.nonzero(np.abs(img.astype(int) - base).max(axis=2) > 0)
        if not len(changed[0]):
            continue
        ys, xs = changed
        mx, my = PLATE_CLEARANCE * 100, PLATE_CLEARANCE * 30
        near = (xs > plate[0] - mx) & (xs < plate[2] + mx) & (ys > plate[1] - my) & (ys < plate[3] + my)
        assert not near.any(), "the plate and its surround stay as they were"
    assert drawn >= 15


def test_a_picture_that_is_all_plate_gets_no_writing() -> None:
    img = np.full((60, 120, 3), 200, np.uint8)
    before = img.copy()
    assert not draw_writing(img, np.random.default_rng(4), [(0.0, 0.0, 120.0, 60.0)], "body")
    assert np.array_equal(img, before)


def test_copies_carry_writing_and_their_labels(tmp_path: Path,
                                               yolo_folder: Callable[[Path, int], Path]) -> None:
    src = yolo_folder(tmp_path / "src", 6)
    out = write_lettering_copies(tmp_path / "lt", [src], count=6, seed=5)
    images = sorted((out / "train" / "images").glob("*.jpg"))
    assert len(images) == 6
    assert {p.stem.split("_")[1] for p in images} == set(STYLES)
    for img_path in images:
        label = (out / "train" / "labels" / f"{img_path.stem}.txt").read_text(encoding="utf-8")
        assert label == "0 0.5 0.5 0.5 0.1667\n"
    originals = [cv2.imread(str(p)).astype(int) for p in sorted((src / "images").glob("*.jpg"))]
    copies = [cv2.imread(str(p)).astype(int) for p in images]
    # every copy differs from every source photo by more than JPEG's noise somewhere: writing was drawn
    assert all(min(np.abs(c - o).max(axis=2).mean() for o in originals) > 2.0 for c in copies)
