"""How a camera reads one tracked plate with the staged reader chain (``TrackReads``): the cheap reads first,
the whole chain only on its turns, turns that wait for a legible crop, and tracks that agree."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.domain.settings import VotingSettings
from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.camera_pipeline import CameraPipeline
from gatekeeper.pipeline.reader_chain import FAINT_BELOW, MultiReader
from gatekeeper.pipeline.reader_latin import KOREAN_WEAK
from gatekeeper.pipeline.track_reads import (
    AGREE_CONFIDENCE,
    FALLBACK_EVERY,
    MAX_WAITS,
    SETTLED_BY,
    TrackReads,
)
from gatekeeper.pipeline.types import Detection

from .stand_in_readers import (
    CROP,
    FAIR_LATIN,
    FORCED_KOREAN,
    SURE_LATIN,
    WEAK_KOREAN,
    BoxDetector,
    Latin,
    StagedKorean,
    read_of,
    stand_in_camera,
)


def test_a_camera_hands_a_sure_latin_plate_to_the_latin_reader_without_a_careful_pass() -> None:
    korean, latin = StagedKorean(WEAK_KOREAN, FORCED_KOREAN), Latin(SURE_LATIN, quick=SURE_LATIN)
    pipeline = stand_in_camera(korean, latin)
    frame = np.zeros((360, 640, 3), np.uint8)
    texts = []
    for i in range(4):
        result = pipeline.process(frame, i * 0.15)
        texts += [o.read.text for o in result.observations if o.read is not None]
    assert texts == ["5AZJ257"] * 4
    assert korean.drafts == 1 and korean.finishes == 0  # one cheap pass, never the careful one
    # then the Latin reader leads the track alone; its quick read agrees with the track's text: no full read
    assert latin.quick_reads == 1 + 3 and latin.reads == 1
    assert pipeline.fallback_reads == 1 and pipeline.track_reads.spared == 1
    latin.quick = FAIR_LATIN  # a quick read of another text gets the full read, as before
    texts = [o.read.text for o in pipeline.process(frame, 0.6).observations if o.read is not None]
    assert texts == ["5AZJ257"] and latin.quick_reads == 5 and latin.reads == 2


def test_a_cheap_read_that_agrees_with_the_tracks_strong_read_needs_no_careful_pass() -> None:
    trusted = read_of("12가3456", 0.99, "kr")
    korean, latin = StagedKorean(trusted, None, good=True), Latin(None)
    pipeline = stand_in_camera(korean, latin)
    frame = np.zeros((360, 640, 3), np.uint8)
    pipeline.process(frame, 0.0)  # a final cheap read: the track's text
    korean.cheap, korean.good = read_of("12가3456", 0.8, "kr"), False  # later crops read it weakly
    korean.careful = read_of("12가3458", 0.9, "kr")
    texts = [o.read.text for i in (1, 2) for o in pipeline.process(frame, i * 0.15).observations if o.read]
    assert texts == ["12가3456"] * 2 and korean.finishes == 0 and latin.quick_reads == latin.reads == 0
    assert pipeline.fallback_reads == 0  # an agreeing read is not weak
    # a weak read of another text: the careful pass and the chain
    korean.cheap = read_of("12가3459", 0.8, "kr")
    texts = [o.read.text for o in pipeline.process(frame, 0.45).observations if o.read]
    assert texts == ["12가3458"] and korean.finishes == 1 and latin.reads == 1


def test_a_korean_track_read_strongly_twice_as_one_plate_takes_no_more_turns() -> None:
    trusted = read_of("12가3456", 0.99, "kr")
    korean, latin = StagedKorean(trusted, read_of("12가3458", 0.99, "kr"), good=True), Latin(None)
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    for _ in range(SETTLED_BY):  # strongly, but by the cheap pass alone: the Latin reader was never asked
        assert reads.read(chain, CROP, 1).text == "12가3456"
    korean.cheap, korean.good = read_of("12가3459", 0.8, "kr"), False  # a weak crop: its turn all the same
    assert reads.read(chain, CROP, 1).text == "12가3458" and korean.finishes == 1
    assert latin.quick_reads == 1  # the whole chain read it as a trusted Korean plate
    korean.cheap, korean.good = trusted, True
    assert reads.read(chain, CROP, 1).text == "12가3456"  # and strongly again
    korean.cheap, korean.good = read_of("12가3459", 0.8, "kr"), False
    assert [reads.read(chain, CROP, 1) for _ in range(2 * FALLBACK_EVERY)] == [None] * (2 * FALLBACK_EVERY)
    assert korean.finishes == 1 and latin.quick_reads == 1 and reads.fallback_reads == 0  # no turn came
    assert reads.read(chain, CROP, 2).text == "12가3458" and korean.finishes == 2  # a new track: its turn


def test_a_korean_read_chosen_over_a_latin_read_with_letters_does_not_settle_a_track() -> None:
    # es BEHM927: the Korean network forces it into 85부4927 (trusted), the Latin reader reads 8EHM927 weakly;
    # the arbitration keeps the Korean read, but later turns (the Latin read may be sure there) must come
    trusted = read_of("85부4927", 0.99, "kr")
    korean = StagedKorean(read_of("85부492", 0.85, "kr"), trusted)
    latin = Latin(read_of("8EHM927", 0.85, "latin"), quick=read_of("8EHM927", 0.85, "latin"))
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    assert reads.read(chain, CROP, 1).text == "85부4927" and korean.finishes == 1  # a turn chose it
    korean.cheap, korean.good = trusted, True
    assert [reads.read(chain, CROP, 1).text for _ in range(SETTLED_BY)] == ["85부4927"] * SETTLED_BY
    korean.cheap, korean.good = read_of("85부492", 0.85, "kr"), False
    latin.full = latin.quick = read_of("BEHM927", 1.0, "latin")
    reads.read(chain, CROP, 1)  # its turn came: the Latin reader is asked again, fully this time (its
    # quick read looks foreign beside a weak cheap read: no careful pass)
    assert korean.finishes == 1 and latin.quick_reads == 2 and latin.reads == 1 and reads.spared == 1


def test_a_track_read_strongly_twice_as_a_latin_plate_keeps_its_turns() -> None:
    # the Korean reader's cheap pass reads a foreign plate as a valid Latin text; the whole chain's turns
    # pick the Latin reader's read, which does not lead: the track still takes its turns
    korean = StagedKorean(read_of("AB12CDE", 0.99, "kr"), None, good=True)
    latin = Latin(read_of("AB12CDF", 0.7, "latin"), quick=read_of("AB12CDF", 0.7, "latin"))
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    assert [reads.read(chain, CROP, 3).text for _ in range(SETTLED_BY)] == ["AB12CDE"] * SETTLED_BY
    korean.cheap, korean.good = read_of("12가3459", 0.8, "kr"), False
    for _ in range(2):
        reads.read(chain, CROP, 3)
        reads.read(chain, CROP, 3)
    assert reads.fallback_reads == 2 and korean.finishes == 2


def test_a_weak_read_never_becomes_the_text_later_reads_agree_with() -> None:
    korean, latin = StagedKorean(WEAK_KOREAN, read_of("12가3456", 0.7, "kr")), Latin(None)
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    assert reads.read(chain, CROP, 1).text == "12가3456"  # the careful read, not final: weak
    korean.cheap = korean.other = read_of("12가3456", 0.8, "kr")
    for _ in range(FALLBACK_EVERY - 1):
        assert reads.read(chain, CROP, 1) is None  # a weak cheap read between turns, though of the same text
    assert reads.read(chain, CROP, 1).text == "12가3456" and korean.finishes == 2 and korean.others == 0


def _texts(reads: TrackReads, chain: MultiReader, n: int) -> list[str]:
    return [r.text if r is not None else "" for r in (reads.read(chain, CROP, 1) for _ in range(n))]


def test_two_turns_that_choose_the_same_latin_read_hand_it_the_lead() -> None:
    # es 1000051: no letters, so never a Latin layout that leads at once; the Korean reader finds nothing
    digits = read_of("1000051", 0.95, "latin")
    korean, latin = StagedKorean(WEAK_KOREAN, None), Latin(digits, quick=digits)
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    turns = 2 * FALLBACK_EVERY - 1  # the crops up to the second turn
    assert _texts(reads, chain, turns) == ["1000051"] + [""] * (FALLBACK_EVERY - 1) + ["1000051"]
    assert korean.drafts == turns and korean.finishes == 2 and latin.reads == 2
    # agreed: the Latin reader leads, and its quick read of the same text settles each later crop
    assert _texts(reads, chain, 4) == ["1000051"] * 4
    assert korean.drafts == turns and korean.finishes == 2 and latin.reads == 2
    assert latin.quick_reads == 2 + 4 and reads.fallback_reads == 2
    # another text: weak again, and on the chain's next turn (a first pick of that text) the lead goes back
    latin.quick = latin.full = read_of("1000057", 0.95, "latin")
    texts = _texts(reads, chain, FALLBACK_EVERY)
    assert texts[0] == "1000057" and reads.fallback_reads == 3 and korean.finishes == 3
    drafts = korean.drafts
    assert _texts(reads, chain, 1) == [""] and korean.drafts == drafts + 1


def test_turns_agree_only_on_the_same_text_read_sure_enough() -> None:
    unsure = read_of("1000051", AGREE_CONFIDENCE - 0.05, "latin")
    korean, latin = StagedKorean(WEAK_KOREAN, None), Latin(unsure, quick=unsure)
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    n = 3 * FALLBACK_EVERY
    _texts(reads, chain, n)
    assert korean.drafts == n and reads.fallback_reads == 3  # never agreed: every turn is the whole chain's
    texts = iter(["1000051", "1000057", "1000051"])  # sure, but each turn reads another text than the last

    def full(crop: np.ndarray) -> PlateRead:
        latin.reads += 1
        return read_of(next(texts), 0.95, "latin")

    latin.read = full  # type: ignore[method-assign]
    latin.quick = None
    reads = TrackReads("cam")
    _texts(reads, chain, n)
    assert reads.fallback_reads == 3 and korean.drafts == 2 * n


def test_two_turns_that_choose_the_same_korean_read_make_it_the_text_later_reads_agree_with() -> None:
    fair = read_of("12가3456", AGREE_CONFIDENCE + 0.05, "kr")  # not final: weak, but sure enough to agree
    korean, latin = StagedKorean(WEAK_KOREAN, fair), Latin(None)
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    _texts(reads, chain, 2 * FALLBACK_EVERY - 1)
    assert korean.finishes == 2
    korean.cheap = read_of("12가3456", 0.6, "kr")  # a weak cheap read of the agreed text is taken as it is
    assert _texts(reads, chain, 3) == ["12가3456"] * 3 and korean.finishes == 2 and latin.reads == 2


def test_two_turns_of_an_unstaged_chain_that_choose_the_first_readers_read_make_it_strong() -> None:
    from gatekeeper.pipeline.reader_chain import PlateReaderChain

    fair = read_of("12가3456", AGREE_CONFIDENCE + 0.05, "plain")  # not final, sure enough to agree
    plain = Latin(fair, quick=fair)  # a cheap first reader with a quick read and no draft / finish: unstaged
    reads, chain = TrackReads("cam"), PlateReaderChain([plain, Latin(None)])
    assert not chain.stages
    _texts(reads, chain, 2 * FALLBACK_EVERY - 1)
    assert plain.reads == 2 * FALLBACK_EVERY - 1 and reads.fallback_reads == 2
    # agreed: the text is the track's strong read, so its quick read settles the next crop
    assert _texts(reads, chain, 1) == ["12가3456"] and plain.quick_reads == 1
    assert plain.reads == 2 * FALLBACK_EVERY - 1


def test_between_turns_a_good_cheap_read_that_is_not_final_is_kept_weak() -> None:
    good = read_of("12가3456", 0.99, "kr", hangul=0.85)  # good for the cheap pass, its Hangul weak
    korean = StagedKorean(good, read_of("12가3458", 0.9, "kr"), good=True)
    latin = Latin(SURE_LATIN, quick=SURE_LATIN)
    staged = MultiReader(korean, latin).staged(CROP, others=False, second_opinion=False, careful=False)
    assert staged.read is good and staged.weak and korean.finishes == 0
    assert latin.quick_reads == latin.reads == 0
    korean.cheap, korean.good = WEAK_KOREAN, False
    staged = MultiReader(korean, latin).staged(CROP, others=False, second_opinion=False, careful=False)
    assert staged.read is None and staged.weak and korean.finishes == 0


def test_a_cheap_read_in_the_other_layout_that_agrees_with_the_track_needs_no_careful_pass() -> None:
    trusted = read_of("12가3456", 0.99, "kr")
    korean, latin = StagedKorean(trusted, None, good=True), Latin(None)
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    assert reads.read(chain, CROP, 1).text == "12가3456"
    # a loose box of the plate: read in its likely layout (two lines, by its aspect) it is garbage
    korean.cheap, korean.good = read_of("1212가3456", 0.85, "kr"), False
    korean.other, korean.careful = read_of("12가3456", 0.93, "kr"), read_of("12가3458", 0.9, "kr")
    assert [reads.read(chain, CROP, 1).text for _ in range(2)] == ["12가3456"] * 2
    assert korean.others == 2 and korean.finishes == 0 and latin.reads == latin.quick_reads == 0
    korean.other = read_of("12가3457", 0.99, "kr")  # another text in the other layout: the careful pass
    assert reads.read(chain, CROP, 1).text == "12가3458" and korean.finishes == 1 and korean.others == 3


def test_a_camera_does_not_read_boxes_too_tall_for_a_plate() -> None:
    class TallDetector(BoxDetector):
        def detect(self, frame: np.ndarray) -> list[Detection]:
            return [Detection(Box(100, 100, 160, 190), 0.9), Detection(Box(300, 100, 380, 150), 0.9)]

    korean = StagedKorean(read_of("12가3456", 0.99, "kr"), None, good=True)
    pipeline = CameraPipeline("cam", TallDetector(), MultiReader(korean, Latin(None)), VotingSettings(),
                              motion_gate=False)
    result = pipeline.process(np.zeros((360, 640, 3), np.uint8), 0.0)
    assert len(result.observations) == 2
    assert [o.read is not None for o in result.observations] == [False, True]
    assert korean.drafts == 1 and pipeline.unreadable_boxes == 1 and len(result.read_ms) == 1


def test_a_camera_reads_weak_korean_crops_carefully_only_on_the_whole_chain_turns() -> None:
    # the Latin reader finds nothing
    korean, latin = StagedKorean(WEAK_KOREAN, read_of("12가3456", 0.7, "kr")), Latin(None)
    pipeline = stand_in_camera(korean, latin)
    frame = np.zeros((360, 640, 3), np.uint8)
    reads = 2 * FALLBACK_EVERY
    got = []
    for i in range(reads):
        got += [o.read.text if o.read else "" for o in pipeline.process(frame, i * 0.15).observations]
    assert korean.drafts == reads and korean.finishes == 2  # between the turns a weak cheap read ends there
    assert got == (["12가3456"] + [""] * (FALLBACK_EVERY - 1)) * 2
    assert latin.quick_reads == latin.reads == 2 == pipeline.fallback_reads  # the turns: the whole chain
    assert pipeline.track_reads.spared == 0


ILLEGIBLE = read_of("5서", 0.55, "kr")  # the cheap pass on a car far away, boxed whole: no plate to read yet


def test_a_turn_waits_for_a_crop_whose_cheap_read_shows_a_plate() -> None:
    korean, latin = StagedKorean(ILLEGIBLE, read_of("12가3456", 0.7, "kr")), Latin(None)
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    assert _texts(reads, chain, 1) == [""] and reads.waited == 1
    assert korean.finishes == latin.quick_reads == latin.reads == reads.fallback_reads == 0
    korean.cheap = WEAK_KOREAN  # the car came nearer: its plate shows, and the turn is this crop's
    assert _texts(reads, chain, 1) == ["12가3456"] and reads.fallback_reads == 1 and korean.finishes == 1
    assert _texts(reads, chain, FALLBACK_EVERY) == [""] * (FALLBACK_EVERY - 1) + ["12가3456"]  # turns as ever
    assert reads.waited == 1 and reads.fallback_reads == 2 and korean.finishes == 2


def test_a_turn_waits_past_few_crops_and_a_still_image_never_waits() -> None:
    # a plate the Korean network cannot see (letters alone) gets the whole chain on the crop after the waits
    weflyn = read_of("WEFLYN", 0.95, "latin")
    korean, latin = StagedKorean(ILLEGIBLE, None), Latin(weflyn, quick=weflyn)
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    assert _texts(reads, chain, MAX_WAITS + 1) == [""] * MAX_WAITS + ["WEFLYN"]
    assert reads.waited == MAX_WAITS and reads.fallback_reads == latin.reads == 1 and len(reads) == 1
    reads.forget(set())
    assert len(reads) == 0 and _texts(reads, chain, 1) == [""]  # a new track waits again
    korean.finishes = 0
    assert chain.read(CROP).text == "WEFLYN" and korean.finishes == 1


def test_a_turn_on_a_crop_nothing_reads_surely_ends_before_the_careful_pass() -> None:
    # a sticker on the boot: the Korean cheap read (legible: no wait) and the Latin quick read are unsure
    faint = read_of("12가34", FAINT_BELOW - 0.1, "kr")
    korean = StagedKorean(faint, read_of("12가3456", 0.7, "kr"))
    latin = Latin(None, quick=read_of("AB", FAINT_BELOW - 0.2, "latin"))
    reads, chain = TrackReads("cam"), MultiReader(korean, latin)
    assert _texts(reads, chain, 1) == [""] and reads.faint == 1 and reads.waited == 0
    assert korean.finishes == latin.reads == reads.fallback_reads == 0 and latin.quick_reads == 1
    # the turns keep their pace: the plate came near and its digits read surely on the next turn's crop
    latin.quick = read_of("1234567", 0.99, "latin")
    assert _texts(reads, chain, FALLBACK_EVERY) == [""] * (FALLBACK_EVERY - 1) + ["12가3456"]
    assert reads.faint == 1 and reads.fallback_reads == 1 and korean.finishes == 1 and latin.quick_reads == 2
    # a still image is read in full
    latin.quick = read_of("AB", FAINT_BELOW - 0.2, "latin")
    assert chain.read(CROP).text == "12가3456" and korean.finishes == 2


def test_track_reads_forgets_ended_tracks() -> None:
    korean, latin = StagedKorean(WEAK_KOREAN, FORCED_KOREAN), Latin(SURE_LATIN, quick=SURE_LATIN)
    reads = TrackReads("cam")
    chain = MultiReader(korean, latin)
    for tid in (1, 2, 3):
        assert reads.read(chain, CROP, tid) is not None
    assert len(reads) == 3
    reads.forget({2})
    assert len(reads) == 1
    # tracks read strongly at once (nothing weak kept for them) are counted and forgotten too
    trusted = StagedKorean(read_of("12가3456", 0.99, "kr"), None, good=True)
    chain = MultiReader(trusted, Latin(None))
    for tid in (4, 5):
        assert reads.read(chain, CROP, tid) is not None
    assert len(reads) == 3
    reads.forget({5})
    assert len(reads) == 1



def _loose(plate: np.ndarray) -> np.ndarray:
    """A one-line plate in a loose box: a two-line plate's aspect."""
    pad = (plate.shape[1] * 10 // 22 - plate.shape[0]) // 2
    return cv2.copyMakeBorder(plate, pad, pad, 4, 4, cv2.BORDER_CONSTANT, value=(60, 60, 60))


def test_real_reader_reads_a_loose_one_line_plate_in_its_other_layout(real_chain, finishes, tmp_path) -> None:
    korean = real_chain.readers[0]
    for seed in (0, 2):  # fonts alone (no glyph folder), as on a machine without ../shared
        img, text = PlateRenderer(seed=seed, glyph_dir=tmp_path).render("123나4567", PlateStyle.WHITE_8)
        loose = _loose(img)
        draft = korean.draft(loose)
        assert draft is not None and not draft.good and draft.read.text != text
        assert korean.other_layout(draft).text == text
        reads, before = TrackReads("cam"), len(finishes)
        first = reads.read(real_chain, loose, 1)  # the first crop of the track: the careful pass
        assert first is not None and first.text == text and len(finishes) == before + 1
        again = reads.read(real_chain, loose, 1)  # the next: its other layout agrees
        assert again is not None and again.text == text and len(finishes) == before + 1


def test_real_readers_end_a_turn_on_a_grille_before_the_careful_pass(real_chain, finishes) -> None:
    grille = np.zeros((60, 200, 3), np.uint8)
    for y in range(0, 60, 8):
        grille[y:y + 4] = 180
    grille = cv2.GaussianBlur(grille, (3, 3), 0)  # the detector boxed a car's grille
    reads, before = TrackReads("cam"), len(finishes)
    assert [reads.read(real_chain, grille, 1) for _ in range(MAX_WAITS + 1)] == [None] * (MAX_WAITS + 1)
    assert reads.waited == MAX_WAITS and reads.faint == 1 and reads.fallback_reads == 0
    assert len(finishes) == before  # its turn came, and ended before the careful pass


def test_a_camera_turn_reads_the_deskewed_copy_only_of_a_crop_that_looks_smeared(
        real_chain, finishes, tmp_path) -> None:
    from gatekeeper.pipeline.track_reads import looks_smeared

    img, _ = PlateRenderer(seed=0, glyph_dir=tmp_path).render("123나4567", PlateStyle.WHITE_8)
    loose = _loose(img)  # careful pass
    smeared = cv2.blur(loose, (max(3, loose.shape[1] // 20), 1))  # a car crossing the view (a smear that
    # leaves the digits legible: one smeared too far to read surely ends its turn faint, FAINT_BELOW)
    assert not looks_smeared(loose) and looks_smeared(smeared)
    before = len(finishes)
    TrackReads("cam").read(real_chain, loose, 1)
    TrackReads("cam").read(real_chain, smeared, 1)
    real_chain.read(loose)  # a still image: always
    assert [d.deskewed for d in finishes[before:]] == [False, True, True]


def test_a_camera_weighs_a_final_careful_read_against_the_latin_reads_it_made() -> None:
    # a foreign-looking quick read whose full read is not sure, beside a cheap read that looks Korean: the
    # careful pass runs, is final, and the chain arbitrates it against the full Latin read (here the Korean
    # read keeps the track)
    korean = StagedKorean(read_of("542나225", KOREAN_WEAK + 0.05, "kr"), FORCED_KOREAN)
    latin = Latin(FAIR_LATIN, quick=FAIR_LATIN)
    pipeline = stand_in_camera(korean, latin)
    result = pipeline.process(np.zeros((360, 640, 3), np.uint8), 0.0)
    assert [o.read.text for o in result.observations if o.read is not None] == ["542나2257"]
    assert korean.finishes == 1 and latin.quick_reads == 1 and latin.reads == 1
    assert pipeline.fallback_reads == 0 and pipeline.track_reads.spared == 0  # a final read is not weak
    # beside a weak cheap read the careful pass is spared: the Latin read stands (weak) until frames agree
    korean = StagedKorean(WEAK_KOREAN, FORCED_KOREAN)
    pipeline = stand_in_camera(korean, Latin(FAIR_LATIN, quick=FAIR_LATIN))
    result = pipeline.process(np.zeros((360, 640, 3), np.uint8), 0.0)
    assert [o.read.text for o in result.observations if o.read is not None] == ["AB12CDE"]
    assert korean.finishes == 0 and pipeline.track_reads.spared == 1 and pipeline.fallback_reads == 1


def test_a_broken_second_reader_does_not_stop_a_camera(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(Latin):
        def read(self, crop: np.ndarray) -> PlateRead | None:
            raise RuntimeError("model file damaged")

        def quick_read(self, crop: np.ndarray) -> PlateRead | None:
            raise RuntimeError("model file damaged")

    class Plain:  # a first reader without the staged passes
        name = "plain"

        def read(self, crop: np.ndarray) -> PlateRead | None:
            return WEAK_KOREAN

    frame = np.zeros((360, 640, 3), np.uint8)
    for first in (Plain(), StagedKorean(WEAK_KOREAN, read_of("12가3456", 0.7, "kr"))):
        pipeline = stand_in_camera(first, Broken(None))  # type: ignore[arg-type]
        for i in range(FALLBACK_EVERY + 1):
            pipeline.process(frame, i * 0.15)
        assert pipeline.reads == FALLBACK_EVERY + 1 and pipeline.fallback_reads == 2
    assert "cam: reader latin failed" in caplog.text
