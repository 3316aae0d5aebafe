"""The synthetic Korean plate renderer: every style, determinism, font-only mode, valid texts."""

from __future__ import annotations

import numpy as np
import pytest

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle, random_plate_text
from gatekeeper.domain.plates import is_valid_plate


@pytest.mark.parametrize("style", list(PlateStyle))
def test_every_style_renders_a_plate(style: PlateStyle) -> None:
    r = PlateRenderer(seed=3)
    img, text = r.render(style=style)
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    h, w = img.shape[:2]
    assert 1.5 < w / h < 5.5 and 100 <= h <= 240
    assert is_valid_plate(text), text
    assert img.std() > 20  # there is ink on the plate, not a blank colour
    deg = r.degrade(img)
    assert deg.shape == img.shape and deg.dtype == np.uint8


def test_one_and_two_line_shapes() -> None:
    r = PlateRenderer(seed=0)
    one, _ = r.render(style=PlateStyle.WHITE_8)
    two, _ = r.render(style=PlateStyle.YELLOW_COMMERCIAL_2LINE)
    assert one.shape[1] / one.shape[0] > 4.0
    assert two.shape[1] / two.shape[0] < 2.2


def test_same_seed_same_plates() -> None:
    a, b = PlateRenderer(seed=7), PlateRenderer(seed=7)
    for _ in range(3):
        (ia, ta), (ib, tb) = a.render(), b.render()
        assert ta == tb and np.array_equal(ia, ib)
        assert np.array_equal(a.degrade(ia), b.degrade(ib))
    other, _ = PlateRenderer(seed=8).render()
    assert other.shape != ia.shape or not np.array_equal(other, ia)


def test_given_text_is_drawn_in_given_style() -> None:
    img, text = PlateRenderer(seed=1).render("서울74사9728", PlateStyle.YELLOW_COMMERCIAL_2LINE)
    assert text == "서울74사9728"
    b, g, r = img.reshape(-1, 3).mean(0)
    assert r > b + 60  # yellow plate


def test_font_only_mode_when_glyphs_are_missing(tmp_path) -> None:
    r = PlateRenderer(seed=2, glyph_dir=tmp_path / "missing")
    assert r.font_only
    for style in PlateStyle:
        img, text = r.render(style=style)
        assert img.std() > 20 and is_valid_plate(text)


def test_random_texts_are_grammar_valid() -> None:
    rng = np.random.default_rng(0)
    for style in PlateStyle:
        for _ in range(40):
            t = random_plate_text(rng, style)
            assert is_valid_plate(t), (style, t)
    assert is_valid_plate(random_plate_text(rng))
