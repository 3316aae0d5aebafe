"""The Korean reader's vote over its careful pass's views, and the region mark it completes."""

from __future__ import annotations

from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.reader import REGION_SURE, REGION_VIEWS, vote, with_region


def _r(text: str, conf: float) -> PlateRead:
    return PlateRead(text=text, confidence=conf, char_confidences=(conf,) * len(text))


def test_views_that_read_the_region_mark_complete_the_winner() -> None:
    # the row cuts read the plate without its stacked region mark and outvote the two views that read it
    reads = [_r("20자1841", 0.992), _r("20자1841", 0.995), _r("20자1841", 0.763),
             _r("울산20자1841", 0.998), _r("울산20자1841", 0.996), _r("충남20자1841", 0.862)]
    got = vote(reads)
    assert got is not None and got.text == "울산20자1841" and got.confidence == 0.998


def test_the_region_is_chosen_by_summed_confidence_among_sure_views() -> None:
    reads = [_r("25사1697", 0.998), _r("25사1697", 0.997), _r("세종25사1697", 0.998),
             _r("세종25사1697", 0.96), _r("서울25사1697", 0.999)]
    assert vote(reads).text == "세종25사1697"


def test_an_unsure_region_or_another_plate_is_not_taken() -> None:
    assert vote([_r("12소9260", 0.99), _r("12소9260", 0.98), _r("세종12소9260", 0.9)]).text == "12소9260"
    # a region in front of another text is another plate, not this one with its mark
    assert vote([_r("20자1841", 0.99), _r("20자1841", 0.98), _r("울산20자1844", 0.99)]).text == "20자1841"
    # a three-digit class takes no region mark
    assert vote([_r("123가4567", 0.99), _r("123가4567", 0.98), _r("서울123가4567", 0.99)]).text == "123가4567"


def test_a_winner_with_a_region_or_a_latin_winner_is_kept() -> None:
    got = _r("서울12가3456", 0.9)
    assert with_region(got, [got, _r("서울12가3456", 0.99)]) is got
    latin = _r("4567", 0.99)
    assert with_region(latin, [latin, _r("서울4567", 0.99)]) is latin


def test_the_threshold_is_the_constant_unless_given() -> None:
    reads = [_r("20자1841", 0.99), _r("울산20자1841", REGION_SURE)]
    assert with_region(reads[0], reads).text == "울산20자1841"
    assert with_region(reads[0], reads, sure=REGION_SURE + 0.01).text == "20자1841"


def test_one_view_completes_only_a_commercial_plate() -> None:
    # a yellow one-line plate's stacked region mark: the row cuts leave it out, one view may read it alone
    reads = [_r("20자1841", 0.99), _r("20자1841", 0.99), _r("울산20자1841", 0.99)]
    assert with_region(reads[0], reads).text == "울산20자1841"
    # a white plate has no stacked mark: one view's region against the rest is read into the margin
    reads = [_r("67마5125", 1.0), _r("67마5125", 1.0), _r("67마5125", 0.99), _r("대구67마5125", 0.99)]
    assert REGION_VIEWS == 2 and vote(reads).text == "67마5125"
    reads.append(_r("대구67마5125", 0.98))  # two sure views read it
    assert with_region(reads[0], reads).text == "대구67마5125"
