"""Synthetic Latin plates: deterministic per seed, labelled with characters only, every style drawable."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from gatekeeper.dataset.synth.latin import (
    CALIFORNIA_GLYPH_SHARE,
    FORMATS,
    LATIN_CHARSET,
    PLATE_FACE_SHARE,
    STYLES,
    LatinPlateRenderer,
    dealer_frame,
    find_latin_fonts,
    find_plate_faces,
    label_of,
    random_latin_text,
    random_vanity_text,
)
from gatekeeper.domain.plates import is_valid_plate


def test_same_seed_same_plates() -> None:
    a, b = LatinPlateRenderer(seed=3), LatinPlateRenderer(seed=3)
    for _ in range(5):
        pa, pb = a.render(), b.render()
        assert pa.text == pb.text and np.array_equal(pa.image, pb.image)


@pytest.mark.parametrize("style", [s for s, _ in STYLES])
def test_every_style_draws_its_text_inside_the_plate(style: str) -> None:
    r = LatinPlateRenderer(seed=11)
    for _ in range(4):
        p = r.render(style=style)
        h, w = p.image.shape[:2]
        x0, y0, x1, y1 = p.text_box
        assert p.image.dtype == np.uint8 and p.image.shape[2] == 3
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        assert p.text and set(p.text) <= set(LATIN_CHARSET)
        ink = p.image[y0:y1, x0:x1].astype(np.float32)
        assert ink.std() > 20  # characters are really drawn in the box


def test_separators_are_drawn_but_not_labelled() -> None:
    r = LatinPlateRenderer(seed=0)
    p = r.render(text="AB-12 C.D")
    assert p.text == "AB12CD"
    assert label_of("10.000 51") == "1000051"


def test_generated_texts_follow_the_formats_and_the_grammar() -> None:
    rng = np.random.default_rng(5)
    for pattern, _ in FORMATS:
        text = random_latin_text(rng, pattern)
        assert len(text) == len(pattern)
        assert is_valid_plate(label_of(text)), (pattern, text)


def test_hershey_fonts_suffice_without_any_font_file() -> None:
    r = LatinPlateRenderer(seed=2, fonts=[], plate_faces=[])
    p = r.render(text="7ABC123", style="plain")
    assert p.text == "7ABC123" and p.image.std() > 10


def test_system_fonts_are_found() -> None:
    fonts = find_latin_fonts()
    assert all(f.lower().endswith((".ttf", ".otf")) for f in fonts)
    assert all(Path(f).name.startswith(("RG2014", "OSP-DIN")) for f in find_plate_faces())


def test_plate_typefaces_draw_their_share_and_the_narrow_ones_the_californian_look(tmp_path) -> None:
    """Plate faces are picked by file name: a copy of any TrueType font named as FHWA Series C stands in."""
    fonts = find_latin_fonts()
    if not fonts:
        pytest.skip("no TrueType font on this machine")
    narrow = tmp_path / "RG2014C.ttf"
    wide = tmp_path / "OSP-DIN.ttf"
    for face in (narrow, wide):
        shutil.copy(fonts[0], face)
    r = LatinPlateRenderer(seed=4, fonts=fonts[1:] or fonts, plate_faces=[str(narrow), str(wide)])
    assert r.narrow_faces == [str(narrow)]
    picks = [r._font() for _ in range(4000)]
    share = sum(f in (str(narrow), str(wide)) for f in picks) / len(picks)
    assert abs(share - PLATE_FACE_SHARE) < 0.03
    without = LatinPlateRenderer(seed=4, fonts=fonts, plate_faces=[])
    assert not any(f in (str(narrow), str(wide)) for f in (without._font() for _ in range(500)))
    used: list[object] = []
    glyph = r._glyph
    r._glyph = lambda ch, font, thick: used.append(font) or glyph(ch, font, thick)  # type: ignore[method-assign]
    for _ in range(200):  # the Californian look: half in the narrow face, the rest in the stroke alphabet
        used.clear()
        r._text_mask("7ABC123", 60, condensed=True)
        assert used and len({str(f) for f in used}) == 1
        assert used[0] == str(narrow) or isinstance(used[0], tuple)
        picks.append(used[0])
    narrow_share = sum(f == str(narrow) for f in picks[-200:]) / 200
    assert 0.4 < narrow_share < 0.6
    strokes = [f for f in picks[-200:] if isinstance(f, tuple)]
    californian = sum(f[3] for f in strokes) / len(strokes)  # type: ignore[index]
    assert abs(californian - CALIFORNIA_GLYPH_SHARE) < 0.15
    assert not any(f[3] for f in (r._font() for _ in range(500)) if isinstance(f, tuple))
    plates = [r.render(style="us") for _ in range(60)]
    assert all(p.text and p.image.shape[:2] == (240, 480) for p in plates)


def test_stroke_alphabet_covers_the_charset_with_distinct_variants() -> None:
    from gatekeeper.dataset.synth.stroke_font import GLYPHS, stroke_mask

    assert set(GLYPHS) == set(LATIN_CHARSET)
    for ch in LATIN_CHARSET:
        m = stroke_mask(ch, 0, 1.0)
        assert m.ndim == 2 and m.shape[0] > m.shape[1] * 0.9 and m.max() > 0.9
    closed, open_ = stroke_mask("4", 0, 1.0), stroke_mask("4", 1, 1.0)
    assert closed.shape != open_.shape or not np.array_equal(closed, open_)
    assert stroke_mask("O").shape[1] > stroke_mask("0").shape[1]  # letter O is rounder than digit 0


def test_californian_w_is_an_h_with_a_peak_rising_from_the_stems_feet() -> None:
    from gatekeeper.dataset.synth.stroke_font import CALIFORNIA, stroke_mask

    h = stroke_mask("H", 0, 1.0)
    for variant in range(len(CALIFORNIA["W"][0])):
        w = stroke_mask("W", variant, 1.0, california=True)
        common = stroke_mask("W", variant, 1.0)
        assert w.shape == h.shape and w.shape[1] < common.shape[1]  # as wide as an H, narrower than a W
        cols = w.shape[1] // 5
        rows = w.shape[0]
        stems = w[rows // 10:-rows // 10, :cols].mean(axis=1)
        assert stems.min() > 0.5  # the left stem runs the glyph's full height, upright
        inner = w[:, 2 * cols:3 * cols].mean(axis=1)
        assert inner[: rows // 4].max() < 0.1  # nothing at the top of the middle (a W, not an M)
        assert inner[rows // 2: 2 * rows // 3].max() > 0.5  # the peak reaches the middle
        assert not np.array_equal(w > 0.5, h > 0.5)
        quarter = w.shape[1] * 3 // 10  # between the stem and the middle: the peak's flank, H's crossbar
        lows = [float(np.average(np.arange(rows), weights=g[:, quarter])) / rows for g in (w, h)]
        assert lows[0] > 0.6 and lows[1] < 0.52  # the flank runs low, from the stem's foot
    for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVXYZ":  # every other character as the common alphabet draws it
        assert np.array_equal(stroke_mask(ch, 1, 0.8, california=True), stroke_mask(ch, 1, 0.8))


def test_latin_training_samples_are_network_lines_with_charset_labels() -> None:
    from gatekeeper.training.reader_data import make_samples

    s = make_samples(60, seed=21, kind="latin")
    assert s.images.shape == (60, 32, 160) and s.images.dtype == np.uint8
    assert all(label and set(label) <= set(LATIN_CHARSET) for label in s.labels)
    again = make_samples(60, seed=21, kind="latin")
    assert again.labels == s.labels and np.array_equal(again.images, s.images)


def test_some_us_plates_use_the_condensed_californian_look() -> None:
    r = LatinPlateRenderer(seed=21)
    shapes = []
    for _ in range(40):
        p = r.render(style="us")
        x0, y0, x1, y1 = p.text_box
        shapes.append(((x1 - x0) / (y1 - y0) / len(p.text), (y1 - y0) / p.image.shape[0]))
    condensed = [s for s in shapes if s[0] < 0.75 and s[1] > 0.45]  # narrow, tall characters
    assert 8 <= len(condensed) <= 30  # 4 of 40 without the condensed look


def test_tight_training_crops_keep_every_character_with_little_margin() -> None:
    from gatekeeper.training.latin_data import tight_crop

    p = LatinPlateRenderer(seed=6).render(style="eu")
    x0, y0, x1, y1 = p.text_box
    rng = np.random.default_rng(0)
    for _ in range(10):
        c = tight_crop(p.image, p.text_box, rng)
        assert x1 - x0 <= c.shape[1] <= (x1 - x0) + 0.12 * (y1 - y0) + 2
        assert y1 - y0 <= c.shape[0] <= 1.3 * (y1 - y0) + 2


def test_a_dealer_frame_borders_the_characters_without_covering_them() -> None:
    rng = np.random.default_rng(4)
    for _ in range(20):
        plate = np.full((240, 480, 3), 230, np.uint8)
        box = (60, 60, 420, 180)  # the characters' box: 120 px tall
        plate[box[1]:box[3], box[0]:box[2]] = 20
        framed = plate.copy()
        dealer_frame(framed, rng, box)
        x0, y0, x1, y1 = box
        assert np.array_equal(framed[y0:y1 - 3, x0:x1], plate[y0:y1 - 3, x0:x1])  # at most 2 % covered
        changed = (framed != plate).any(axis=2)
        assert changed[y1 + 15:].mean(axis=1).min() > 0.5  # the bar: from 12 % of their height below them on
        assert changed[:4].all() and changed[:, :2].all()  # the rails


def test_personalised_plates_are_word_like_and_some_carry_digits() -> None:
    rng = np.random.default_rng(8)
    texts = [random_vanity_text(rng) for _ in range(400)]
    assert all(4 <= len(t) <= 7 and set(t) <= set(LATIN_CHARSET) and is_valid_plate(t) for t in texts)
    with_digits = [t for t in texts if any(c.isdigit() for c in t)]
    assert 0.15 < len(with_digits) / len(texts) < 0.45  # most are letters only, some mix in a digit
    vowels = sum(c in "AEIOUY" for t in texts for c in t) / sum(len(t) for t in texts)
    assert vowels > 0.3  # pronounceable, unlike uniform letters (6 of 26)


def test_a_share_of_the_drawn_plates_are_personalised(monkeypatch) -> None:
    import gatekeeper.dataset.synth.latin as latin

    monkeypatch.setattr(latin, "VANITY_SHARE", 1.0)
    a, b = np.random.default_rng(4), np.random.default_rng(4)
    for _ in range(20):
        a.random()  # the share's draw
        assert random_latin_text(b) == random_vanity_text(a)
    assert random_latin_text(b, "9AAA999")[0].isdigit()  # a layout asked for is kept
