"""The staged reader chain on still images (``PlateReaderChain.read``): after an unsure Korean cheap pass the
Latin reader's quick read comes first, and a sure one spares the Korean careful pass; cameras share the flow
through ``PlateReaderChain.staged`` (their tracks: ``test_track_reads.py``)."""

from __future__ import annotations

import pytest

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.dataset.synth.latin import LatinPlateRenderer
from gatekeeper.pipeline.reader_chain import DIM_BELOW, FAINT_BELOW, MultiReader
from gatekeeper.pipeline.reader_latin import KOREAN_WEAK, arbitrate, latin_hint, latin_sure
from gatekeeper.pipeline.track_reads import TrackReads

from .stand_in_readers import (
    CROP,
    FAIR_LATIN,
    FORCED_KOREAN,
    SURE_LATIN,
    WEAK_KOREAN,
    Latin,
    StagedKorean,
    read_of,
)


def test_a_sure_latin_read_spares_the_careful_pass_and_gives_the_unstaged_answer() -> None:
    korean, latin = StagedKorean(WEAK_KOREAN, FORCED_KOREAN), Latin(SURE_LATIN, quick=FAIR_LATIN)
    assert latin_sure(SURE_LATIN) and not latin_sure(FAIR_LATIN)
    got = MultiReader(korean, latin).read(CROP)  # the quick read looks foreign: the full read comes next
    assert got is SURE_LATIN and korean.finishes == 0 and latin.quick_reads == 1 and latin.reads == 1
    assert arbitrate([FORCED_KOREAN, SURE_LATIN]) is SURE_LATIN  # what both passes and the arbitration give


def test_without_a_sure_latin_read_the_careful_pass_runs_and_the_arbitration_decides() -> None:
    # the quick read looks foreign but the full read is not sure
    korean, latin = StagedKorean(WEAK_KOREAN, FORCED_KOREAN), Latin(FAIR_LATIN, quick=FAIR_LATIN)
    assert MultiReader(korean, latin).read(CROP) is arbitrate([FORCED_KOREAN, FAIR_LATIN]) is FORCED_KOREAN
    assert korean.finishes == 1 and latin.quick_reads == 1 and latin.reads == 1
    # the quick read does not look foreign (digits, as the Latin network reads a Korean plate): a final
    # careful read is weighed against the quick read alone
    digits = read_of("5422257", 0.95, "latin")
    korean, latin = StagedKorean(WEAK_KOREAN, FORCED_KOREAN), Latin(SURE_LATIN, quick=digits)
    assert MultiReader(korean, latin).read(CROP) is FORCED_KOREAN
    assert korean.finishes == 1 and latin.quick_reads == 1 and latin.reads == 0
    # a careful read that is not final either: the full Latin read is asked and decides
    unsure = read_of("12가3456", 0.8, "kr")
    korean, latin = StagedKorean(WEAK_KOREAN, unsure), Latin(FAIR_LATIN, quick=None)
    assert MultiReader(korean, latin).read(CROP) is arbitrate([unsure, FAIR_LATIN]) is FAIR_LATIN
    assert korean.finishes == 1 and latin.quick_reads == 1 and latin.reads == 1


def test_what_looks_foreign_in_a_quick_latin_read() -> None:
    assert latin_hint(read_of("LS15EB", 0.993, "latin"))  # the UK video's first crop of LS15EBC,
    # one letter short
    assert latin_hint(FAIR_LATIN) and latin_hint(SURE_LATIN)
    assert not latin_hint(read_of("XI9728", 0.99, "latin"))  # a two-line Korean plate's region mark
    # and serial
    assert not latin_hint(read_of("2008652", 0.99, "latin"))  # a Korean plate's digits
    assert not latin_hint(read_of("506RRG", 0.6, "latin"))  # weak letters of a loose crop
    assert not latin_hint(read_of("AB1C", 0.99, "latin")) and not latin_hint(None)


def test_a_trusted_cheap_read_asks_only_the_latin_quick_read() -> None:
    trusted = read_of("12가3456", 0.99, "kr")
    korean, latin = (StagedKorean(trusted, None, good=True),
                     Latin(FAIR_LATIN, quick=read_of("123456", 0.9, "latin")))
    assert MultiReader(korean, latin).read(CROP) is trusted
    assert latin.reads == 0 and latin.quick_reads == 1 and korean.drafts == 1
    # the quick read can still overrule it: a sure Latin layout wins against any Korean read
    latin.quick = SURE_LATIN
    assert MultiReader(korean, latin).read(CROP) is SURE_LATIN


def test_cameras_and_still_images_share_the_staged_flow_but_for_the_second_opinions() -> None:
    trusted = read_of("12가3456", 0.99, "kr")
    korean, latin = StagedKorean(trusted, None, good=True), Latin(FAIR_LATIN, quick=SURE_LATIN)
    chain = MultiReader(korean, latin)
    assert chain.read(CROP) is SURE_LATIN  # a still image:
    # the quick read is a final cheap read's second opinion
    got = TrackReads("cam").read(chain, CROP, 1)
    assert got is not None and got.text == "12가3456"  # a camera: the frames to come are
    assert latin.quick_reads == 1 and korean.finishes == 0
    # between the whole chain's turns a camera asks no later reader: the careful read stands, weak
    unsure = read_of("12가3456", 0.8, "kr")
    korean, latin = StagedKorean(WEAK_KOREAN, unsure), Latin(SURE_LATIN, quick=SURE_LATIN)
    staged = MultiReader(korean, latin).staged(CROP, others=False, second_opinion=False)
    assert staged.read is unsure and staged.weak and not staged.spared and staged.reads == ()
    assert latin.quick_reads == latin.reads == 0 and korean.finishes == 1
    # on its turn the sure Latin read spares the careful pass; the reads are kept in chain order
    staged = MultiReader(korean, latin).staged(CROP, others=True, second_opinion=False)
    assert staged.read is SURE_LATIN and staged.spared and staged.weak and staged.reads == (None, SURE_LATIN)
    assert korean.finishes == 1 and latin.quick_reads == 1 and latin.reads == 1


def test_a_faint_crop_ends_a_turn_before_the_careful_pass_when_asked() -> None:
    # a sticker or a grille: the Korean cheap read and the Latin quick read are both unsure
    faint_kr = read_of("5서12", FAINT_BELOW - 0.1, "kr")
    faint_latin = read_of("HX1", FAINT_BELOW - 0.3, "latin")
    korean, latin = StagedKorean(faint_kr, FORCED_KOREAN), Latin(FAIR_LATIN, quick=faint_latin)
    staged = MultiReader(korean, latin).staged(CROP, others=True, second_opinion=False, faint=True)
    assert staged.faint and staged.weak and staged.read is None and staged.reads == ()
    assert korean.finishes == latin.reads == 0 and latin.quick_reads == 1
    # not asked (a still image): the careful pass and the full read as ever
    staged = MultiReader(korean, latin).staged(CROP, others=True, second_opinion=False)
    assert not staged.faint and staged.read is FORCED_KOREAN and korean.finishes == 1
    # one sure read is enough to go on: a Korean plate's digits, read surely by the Latin network
    latin.quick = read_of("1234567", 0.97, "latin")
    staged = MultiReader(korean, latin).staged(CROP, others=True, second_opinion=False, faint=True)
    assert not staged.faint and staged.read is FORCED_KOREAN and korean.finishes == 2  # final: weighed
    # against the quick read
    # and so is a sure cheap read, whatever the quick read
    korean.cheap, latin.quick = read_of("12가345", FAINT_BELOW, "kr"), None
    staged = MultiReader(korean, latin).staged(CROP, others=True, second_opinion=False, faint=True)
    assert not staged.faint and korean.finishes == 3


def test_a_dim_crop_ends_a_turn_before_the_careful_pass_unless_a_full_read_is_sure() -> None:
    # every quick read between FAINT_BELOW and DIM_BELOW (the car seen whole, its grille read as letters):
    # the Latin full read comes first, and when it is not sure either, the turn ends there
    dim = (FAINT_BELOW + DIM_BELOW) / 2
    korean = StagedKorean(read_of("5서12", dim, "kr"), FORCED_KOREAN)
    latin = Latin(read_of("POURA9AL", DIM_BELOW - 0.05, "latin"), quick=read_of("POURA9AL", dim, "latin"))
    staged = MultiReader(korean, latin).staged(CROP, others=True, second_opinion=False, faint=True)
    assert staged.faint and staged.weak and staged.read is None
    assert korean.finishes == 0 and latin.quick_reads == latin.reads == 1
    # a plate at night: its quick reads are dim, its full read sure (es 1000051 darkened: 0.93)
    latin.full = read_of("1000051", 0.93, "latin")
    staged = MultiReader(korean, latin).staged(CROP, others=True, second_opinion=False, faint=True)
    assert not staged.faint and korean.finishes == 1 and latin.reads == 2
    # not asked (a still image): the careful pass as ever, and no full read before it
    latin.full = read_of("POURA9AL", DIM_BELOW - 0.05, "latin")
    staged = MultiReader(korean, latin).staged(CROP, others=True, second_opinion=False)
    assert not staged.faint and staged.read is FORCED_KOREAN and korean.finishes == 2 and latin.reads == 2


def test_a_camera_spares_the_careful_pass_when_a_quick_read_looks_foreign_and_the_cheap_one_is_weak() -> None:
    korean, latin = StagedKorean(WEAK_KOREAN, FORCED_KOREAN), Latin(FAIR_LATIN, quick=FAIR_LATIN)
    staged = MultiReader(korean, latin).staged(CROP, others=True, second_opinion=False, foreign_spares=True)
    assert staged.read is FAIR_LATIN and staged.spared and staged.weak and staged.reads == (None, FAIR_LATIN)
    assert korean.finishes == 0 and latin.quick_reads == 1 and latin.reads == 1
    # a still image waits for a sure Latin read: the careful pass runs, and its forced Korean read wins
    assert MultiReader(korean, latin).read(CROP) is FORCED_KOREAN and korean.finishes == 1
    # a cheap read at KOREAN_WEAK or more looks Korean (kr-dev's 인천71바4770, whose region mark the Latin
    # network read as letters, H477OE at 0.92): the careful pass runs
    korean.cheap = read_of("인천716바4770", KOREAN_WEAK + 0.05, "kr")
    staged = MultiReader(korean, latin).staged(CROP, others=True, second_opinion=False, foreign_spares=True)
    assert not staged.spared and korean.finishes == 2


@pytest.mark.slow
def test_real_readers_spare_the_careful_pass_on_clean_latin_plates_and_still_read_korean_ones(
        real_chain, finishes) -> None:
    spared = right = 0
    r = LatinPlateRenderer(seed=4711)
    for _ in range(12):
        plate = r.render()
        before = len(finishes)
        got = real_chain.read(plate.image)
        right += got is not None and got.text == plate.text
        spared += len(finishes) == before
    assert right >= 9 and spared >= 6, (right, spared)  # clean plates: most are read sure
    kr = PlateRenderer(seed=31)
    for style in (PlateStyle.WHITE_8, PlateStyle.YELLOW_COMMERCIAL_2LINE, PlateStyle.WHITE_REGIONAL):
        img, text = kr.render(style=style)
        got = real_chain.read(img)
        assert got is not None and got.text == text and got.reader == "kr_reader", (got, text)

