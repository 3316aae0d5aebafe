"""A Latin read that passed over a glyph (``PlateRead.gap_before``): the Latin network reads a Korean plate as
its digits with a wide gap where the Hangul stands, and that gap keeps the plate Korean in the arbitration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.domain.paths import weights_dir
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.reader_decode import GAP_WIDE, wide_gap
from gatekeeper.pipeline.reader_latin import arbitrate


def _probs(frames: list[int], t: int = 40, classes: int = 11) -> np.ndarray:
    """T x C probabilities whose greedy read has one character starting at each of ``frames``."""
    probs = np.full((t, classes), 0.01, np.float32)
    best = np.zeros(t, int)
    for k, f in enumerate(frames):
        best[f:f + 2] = 1 + k % (classes - 1)
    probs[np.arange(t), best] = 0.9
    return probs


def test_a_glyph_wide_stretch_between_two_characters_is_found() -> None:
    assert wide_gap(_probs([4, 8, 20, 24, 28, 32])) == 2  # 41하8182: the gap after 41
    assert wide_gap(_probs([4, 8, 12, 21, 25, 29, 33])) == 3  # 123가4567
    assert wide_gap(_probs([4, 8, 12, 16, 20, 24, 28])) == -1  # evenly spaced
    # es 1032148 spaced its gap 1.75-1.8 times the median: no glyph there
    assert wide_gap(_probs([6, 10, 14, 21, 24, 27, 31])) == -1 and 7 / 4 < GAP_WIDE
    assert wide_gap(_probs([4, 20, 24, 28])) == -1  # too few characters to tell
    assert wide_gap(np.zeros((0, 11), np.float32)) == -1


def _latin(text: str, gap: int) -> PlateRead:
    return PlateRead(text, 1.0, (1.0,) * len(text), "latin", "latin_reader", gap_before=gap)


def _kr(text: str, hangul: float) -> PlateRead:
    confs = tuple(hangul if "가" <= ch <= "힣" else 0.99 for ch in text)
    return PlateRead(text, float(np.exp(np.mean(np.log(confs)))), confs, "", "kr_reader")


def test_a_gap_where_the_korean_read_has_its_hangul_keeps_the_plate_korean() -> None:
    # a faint rental 하 (0.5: under the invented-Hangul line) beside a certain digit read of the rest
    korean = _kr("41하8182", 0.5)
    # no gap seen: the syllable looks invented
    assert arbitrate([korean, _latin("418182", -1)]).text == "418182"
    assert arbitrate([korean, _latin("418182", 2)]) is korean  # the gap is where the 하 is
    assert arbitrate([korean, _latin("418182", 3)]).text == "418182"  # a gap elsewhere is no evidence
    # a digit misread besides (227호6512 read 2275512): the gap makes it the Korean plate's digits
    korean = _kr("227호6512", 0.8)
    assert arbitrate([korean, _latin("2275512", 3)]) is korean
    assert arbitrate([korean, _latin("2275512", -1)]).text == "2275512"
    # a region mark in front does not count among the digits before the syllable
    korean = _kr("울산69자1044", 0.6)
    assert arbitrate([korean, _latin("691044", 2)]) is korean


@pytest.fixture(scope="module")
def latin_net():  # noqa: ANN201
    from gatekeeper.pipeline.reader_latin_net import LatinNetReader

    return LatinNetReader(weights_dir(), backend="onnx")


@pytest.mark.parametrize(("style", "text", "at"), [
    (PlateStyle.WHITE_8, "123가4567", 3), (PlateStyle.WHITE_7, "12가3456", 2),
    (PlateStyle.RENTAL, "41하8182", 2),
])
def test_the_latin_network_passes_over_the_hangul_of_a_korean_plate(
        latin_net, tmp_path: Path, style: PlateStyle, text: str, at: int) -> None:
    for seed in (0, 3):  # fonts alone (no glyph folder), as on a machine without ../shared
        img, _ = PlateRenderer(seed=seed, glyph_dir=tmp_path).render(text, style)
        views = latin_net.read_views(img)
        digits = text.replace(text[at], "")
        assert sum(v.text == digits and v.gap_before == at for v in views) >= len(views) // 2, views
        got = latin_net.read(img)
        assert got is not None and got.text == digits and got.gap_before == at
