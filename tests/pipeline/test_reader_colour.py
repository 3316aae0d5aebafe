"""The plate colour's restriction of the use syllable, and the network overruling a misjudged colour."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.domain import plates
from gatekeeper.domain.paths import weights_dir
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline import reader as reader_module
from gatekeeper.pipeline.reader import PRIOR_REFUTED_BELOW, Draft, KoreanPlateReader, colour_refuted


def _r(text: str, confs: tuple[float, ...]) -> PlateRead:
    return PlateRead(text=text, confidence=min(confs), char_confidences=confs)


def test_a_syllable_the_network_all_but_rules_out_refutes_the_colour() -> None:
    forced = (1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0)  # 214바1415: the colour's 바 where the network saw 너
    assert colour_refuted(_r("214바1415", forced))
    assert not colour_refuted(_r("214바1415", (1.0, 1.0, 1.0, 0.6, 1.0, 1.0, 1.0, 1.0)))
    regional = (1.0, 1.0, 1.0, 1.0, PRIOR_REFUTED_BELOW - 0.01, 1.0, 1.0, 1.0, 1.0)
    assert colour_refuted(_r("경남79버5641", regional))  # the syllable, not the region mark, is judged
    assert not colour_refuted(_r("경남79버5641", (0.0, 0.0) + (1.0,) * 7))
    assert colour_refuted(None)
    assert not colour_refuted(_r("5AZJ257", (0.0,) * 7))  # no syllable: nothing the colour forced
    assert not colour_refuted(PlateRead(text="214바1415", confidence=0.1))  # no per-character values


@pytest.fixture(scope="module")
def reader() -> KoreanPlateReader:
    return KoreanPlateReader(weights_dir(), backend="onnx")


def _misjudged(reader: KoreanPlateReader, crop: np.ndarray, syllables: str) -> Draft:
    draft = reader.draft(crop)
    assert draft is not None
    return dataclasses.replace(draft, syllables=syllables, good=False)


def test_a_sure_read_overrules_a_misjudged_colour(reader: KoreanPlateReader, tmp_path, monkeypatch) -> None:
    # EV plates judged yellow (as on a yellow car body): the colour allows only commercial syllables.
    # Rendered from fonts alone (no glyph folder), as on a machine without ../shared.
    crops = [PlateRenderer(seed=seed, glyph_dir=tmp_path).render("214너1415", PlateStyle.BLUE_EV)[0]
             for seed in range(4)]
    for crop in crops:
        got = reader.finish(_misjudged(reader, crop, plates.COMMERCIAL_SYLLABLES))
        assert got is not None and got.text == "214너1415"
        assert got.confidence >= reader_module.PRIOR_OVERRULED_AT
    monkeypatch.setattr(reader_module, "PRIOR_OVERRULED_AT", 1.01)  # never overruled: the colour decides
    for crop in crops:
        forced = reader.finish(_misjudged(reader, crop, plates.COMMERCIAL_SYLLABLES))
        assert forced is not None and plates.parse_plate(forced.text).syllable in plates.COMMERCIAL_SYLLABLES


def test_a_plate_of_the_judged_colour_reads_as_before(reader: KoreanPlateReader, tmp_path) -> None:
    # commercial plates judged yellow: the colour's syllable is the network's too, nothing to overrule
    for seed in range(3):
        crop, text = PlateRenderer(seed=seed, glyph_dir=tmp_path).render("서울74사9728",
                                                                      PlateStyle.YELLOW_COMMERCIAL_2LINE)
        got = reader.finish(_misjudged(reader, crop, plates.COMMERCIAL_SYLLABLES))
        assert got is not None and got.text == text


def test_a_read_apart_in_the_syllable_alone_does_not_overrule_a_weak_colour_vote() -> None:
    from gatekeeper.pipeline.reader import _syllable_apart

    # a yellow plate: the colour settles the look-alike 아/마, a sure private read does not overrule it
    assert _syllable_apart("경남95아3351", "경남95마3351") and _syllable_apart("214바1415", "214너1415")
    # another view's wrong read won the colour's vote: a sure read of another plate overrules it
    assert not _syllable_apart("700어1170", "충남99바7798") and not _syllable_apart("12가3456", "13가3456")
    assert not _syllable_apart("5AZJ257", "5AZJ257")  # no Korean syllable
