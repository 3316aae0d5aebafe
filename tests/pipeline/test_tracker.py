"""Tracking and voting with scripted detections and reads (pure algorithm tests)."""

from __future__ import annotations

import numpy as np

from gatekeeper.domain import plates
from gatekeeper.domain.settings import VotingSettings
from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.tracker import PlateTracker
from gatekeeper.pipeline.types import Detection
from gatekeeper.pipeline.voting import agreeing_reads, on_one_vehicle, vote

FRAME = np.zeros((72, 128, 3), np.uint8)
CROP = np.zeros((10, 30, 3), np.uint8)


def R(text: str, conf: float = 0.9) -> PlateRead:
    return PlateRead(text=text, confidence=conf)


def K(text: str, conf: float, syllable: float) -> PlateRead:
    """A Korean read whose use syllable was read at ``syllable``, its other characters at ``conf``."""
    at = plates.syllable_index(text)
    assert at is not None
    confs = [conf] * len(text)
    confs[at] = syllable
    return PlateRead(text=text, confidence=conf, char_confidences=tuple(confs))


def det(x: float, y: float = 50.0, w: float = 60.0, h: float = 20.0) -> Detection:
    return Detection(Box(x, y, x + w, y + h), 0.9)


def make_tracker(voting: VotingSettings, **kw: object) -> PlateTracker:
    """A tracker that may read every scripted frame (the read-rate limit has its own test)."""
    return PlateTracker("gate", voting, read_interval_s=0.0, **kw)  # type: ignore[arg-type]


def feed(tracker: PlateTracker, t: float, boxes: list[Detection], reads: list[PlateRead | None]) -> list:
    ids = tracker.update(boxes, t)
    for tid, d, r in zip(ids, boxes, reads):
        if r is not None and tracker.needs_read(tid, t):
            tracker.add_read(tid, r, CROP, FRAME, d.box, t)
    return tracker.step(t)


def test_vote_prefers_valid_and_confident() -> None:
    v = vote([R("12가3456", 0.6), R("12기3456", 0.95), R("12가3456", 0.7)])
    assert v is not None and v.text == "12가3456" and v.valid and v.support == 2
    assert v.plate_format == "kr_private"


def test_vote_corrects_invalid_reads() -> None:
    v = vote([R("l2가3456", 0.9), R("l2가3456", 0.9)])
    assert v is not None and v.text == "12가3456" and v.valid


def test_vote_without_valid_read_is_invalid() -> None:
    v = vote([R("12기3456"), R("12가345")])
    assert v is not None and not v.valid


def test_vote_tie_broken_by_character_voting() -> None:
    reads = [R("12가3456", 0.9), R("12가3458", 0.9), R("17가3456", 0.9)]
    v = vote(reads)
    assert v is not None and v.text == "12가3456"


def test_one_pass_per_vehicle_at_timeout() -> None:
    tr = make_tracker(VotingSettings(min_frames=2, track_timeout_s=1.0), early_reads=0)
    passes = []
    for i in range(6):  # plate moves right a little each frame
        passes += feed(tr, i * 0.1, [det(100 + 5 * i)], [R("12가3456", 0.7 + 0.02 * i)])
    assert passes == [] and len(tr.tracks) == 1
    passes += feed(tr, 1.0, [], [])
    assert passes == []
    passes += feed(tr, 1.6, [], [])
    assert len(passes) == 1
    p = passes[0]
    assert p.text == "12가3456" and p.camera == "gate" and len(p.reads) == 6
    assert p.best_box == det(125).box  # the most confident read
    assert p.first_seen == 0.0 and abs(p.last_seen - 0.5) < 1e-9
    assert not tr.tracks


def test_early_decision_and_no_more_reads() -> None:
    tr = make_tracker(VotingSettings(min_frames=2), early_reads=3, early_confidence=0.8)
    out = []
    for i in range(3):
        out += feed(tr, i * 0.1, [det(100)], [R("123가4567", 0.9)])
    assert [p.text for p in out] == ["123가4567"]
    tid = next(iter(tr.tracks))
    assert not tr.needs_read(tid)
    for i in range(3, 10):
        out += feed(tr, i * 0.1, [det(100)], [R("123가4567", 0.9)])
    out += feed(tr, 5.0, [], [])
    assert len(out) == 1


def test_too_few_reads_gives_no_pass() -> None:
    tr = make_tracker(VotingSettings(min_frames=3))
    out = feed(tr, 0.0, [det(10)], [R("12가3456")]) + feed(tr, 0.1, [det(10)], [R("12가3456")])
    out += feed(tr, 5.0, [], [])
    assert out == []


def test_reads_that_disagree_give_no_pass() -> None:
    """A false box (the UK video's bumper) reads as a different text each frame; one of them happens to be a
    valid Korean plate. Two reads that agree but for one character still make a pass."""
    tr = make_tracker(VotingSettings(min_frames=2), early_reads=0)
    out = feed(tr, 0.0, [det(10)], [R("23S33", 0.78)]) + feed(tr, 0.1, [det(10)], [R("제주83거2334", 0.79)])
    out += feed(tr, 0.2, [det(10)], [R("4S1", 0.6)]) + feed(tr, 5.0, [], [])
    assert out == []
    out = feed(tr, 6.0, [det(40)], [R("12가3456", 0.9)]) + feed(tr, 6.1, [det(60)], [R("12가3458", 0.7)])
    out += feed(tr, 9.0, [], [])
    assert [p.text for p in out] == ["12가3456"]


def test_a_korean_text_whose_syllable_no_read_saw_surely_is_not_logged() -> None:
    """A radiator grille's bars read ``111사1111`` frame after frame, the syllable put in by the grammar (the
    es approach footage: 사 at 0.33 and 0.62). Such reads decide nothing early and log no pass; one read that
    saw the syllable surely makes the text a plate."""
    tr = make_tracker(VotingSettings(min_frames=2), early_reads=2, early_confidence=0.7)
    out = []
    for i, syllable in enumerate((0.33, 0.62, 0.5)):
        out += feed(tr, i * 0.1, [det(100 + 10 * i)], [K("111사1111", 0.85, syllable)])
    tid = next(iter(tr.tracks))
    assert out == [] and tr.needs_read(tid)  # undecided: the plate may yet be read
    out += feed(tr, 0.3, [det(130)], [K("111사1111", 0.9, 0.97)])
    assert [p.text for p in out] == ["111사1111"]
    out = []
    for i, syllable in enumerate((0.33, 0.89)):
        out += feed(tr, 10 + i * 0.1, [det(400 + 10 * i)], [K("22너3333", 0.95, syllable)])
    out += feed(tr, 15.0, [], [])
    assert out == [] and not tr.tracks
    assert [p.text for p in feed(tr, 20.0, [det(10)], [K("33하1234", 0.95, 0.96)])
            + feed(tr, 20.1, [det(20)], [K("33하1234", 0.95, 0.4)]) + feed(tr, 25.0, [], [])] == ["33하1234"]


def test_a_grille_read_as_one_latin_letter_repeated_is_not_logged() -> None:
    """The es approach footage logged ``LLLLLL``: a grille's bars read by the Latin reader, the same text
    sure frame after frame. One character repeated is no plate (:func:`plates.is_valid_plate`)."""
    tr = make_tracker(VotingSettings(min_frames=2), early_reads=2, early_confidence=0.7)
    out = []
    for i in range(4):
        out += feed(tr, i * 0.1, [det(100 + 10 * i)], [R("LLLLLL", 0.97)])
    out += feed(tr, 5.0, [], [])
    assert out == [] and not tr.tracks
    for i in range(2):
        out += feed(tr, 10 + i * 0.1, [det(100 + 10 * i)], [R("LLL11L", 0.97)])
    assert [p.text for p in out + feed(tr, 15.0, [], [])] == ["LLL11L"]


def test_a_word_on_the_car_beside_its_plate_is_not_logged() -> None:
    """A badge above the plate (us-ucsd approach footage: ``INCUBUS``, ``HEVROLE``) reads surely in every
    frame. Letters alone are not decided early while a plate with digits is read on the same car, and are not
    logged beside one, whichever of the two tracks ends first; alone, or beside a plate of another car, they
    are a personalised plate, decided early as any plate (a car waiting at the barrier)."""
    tr = make_tracker(VotingSettings(min_frames=2), early_reads=2, early_confidence=0.7)
    out = []
    for i in range(4):  # the plate is decided early, the badge 50 px above it is not
        boxes = [det(100 + 5 * i, 100), det(100 + 5 * i, 50)]
        out += feed(tr, i * 0.1, boxes, [R("7ABC123", 0.95), R("TOYOTA", 0.97)])
    assert [p.text for p in out] == ["7ABC123"]
    assert [p.text for p in out + feed(tr, 5.0, [], [])] == ["7ABC123"]
    out = []
    for i in range(2):  # the plate's reads are too weak to decide it early
        boxes = [det(100 + 5 * i, 100), det(100 + 5 * i, 50)]
        out += feed(tr, 10 + i * 0.5, boxes, [R("8DEF45" + "67"[i], 0.6), R("INCUBUS", 0.97)])
    for t in (11.0, 11.5, 12.1):  # the badge's track ends while the plate's is still open
        out += feed(tr, t, [det(115, 100)], [R("8DEF456", 0.6)])
    assert out == [] and len(tr.tracks) == 1
    assert [p.text for p in feed(tr, 15.0, [], [])] == ["8DEF456"]
    out = []
    for i in range(3):  # a personalised plate beside another car's plate, 400 px away
        boxes = [det(100 + 5 * i, 100), det(500 + 5 * i, 100)]
        out += feed(tr, 20 + i * 0.1, boxes, [R("OLDHAG", 0.97), R("5XYZ789", 0.95)])
    assert sorted(p.text for p in out) == ["5XYZ789", "OLDHAG"]
    assert feed(tr, 25.0, [], []) == []


def test_boxes_on_one_vehicle_lie_within_a_few_plate_widths() -> None:
    plate = Box(100, 100, 160, 120)
    assert plate.offset(Box(130, 0, 190, 20)) == (30.0, -100.0)
    assert on_one_vehicle(plate, Box(130, 0, 190, 20))  # a badge on the boot lid above it
    assert not on_one_vehicle(plate, Box(100, -40, 160, -20))  # 140 px up: more than 2 widths
    assert not on_one_vehicle(plate, Box(400, 100, 460, 120))  # the next car's plate, 5 widths across


def test_agreeing_reads_counts_one_character_slips() -> None:
    assert agreeing_reads("12가3456", ["12가3456", "12가3458", "123가3456", "LS15EBC", "12나3457"]) == 2


def test_two_vehicles_two_tracks() -> None:
    tr = make_tracker(VotingSettings(min_frames=2), early_reads=0)
    out = []
    for i in range(4):
        out += feed(tr, i * 0.1, [det(10 + 3 * i), det(300 - 3 * i)], [R("12가3456"), R("34나5678")])
    assert len(tr.tracks) == 2
    out += tr.flush()
    assert sorted(p.text for p in out) == ["12가3456", "34나5678"]
    assert len({p.track_id for p in out}) == 2


def test_fast_plate_matched_by_centre_distance() -> None:
    tr = make_tracker(VotingSettings(iou_match=0.3))
    a = tr.update([det(100)], 0.0)
    b = tr.update([det(150)], 0.1)  # no overlap, but within 1.5 box sizes
    assert a == b


def test_repeat_suppressed_on_same_camera() -> None:
    voting = VotingSettings(min_frames=2, track_timeout_s=0.5, repeat_suppress_s=30)
    tr = make_tracker(voting, early_reads=0)
    out = []
    for start in (0.0, 10.0, 50.0):  # the same car three times; the second is within 30 s
        for i in range(3):
            out += feed(tr, start + i * 0.1, [det(100)], [R("12가3456")])
        out += feed(tr, start + 2.0, [], [])
    assert [p.first_seen for p in out] == [0.0, 50.0]
    assert tr.suppressed == 1


def test_max_track_length_ends_track() -> None:
    tr = make_tracker(VotingSettings(min_frames=2, max_track_s=1.0, repeat_suppress_s=0), early_reads=0)
    out = []
    for i in range(15):
        out += feed(tr, i * 0.1, [det(100)], [R("12가3456")])
    assert len(out) == 1 and out[0].last_seen <= 1.1


def test_read_rate_limit_and_budget() -> None:
    tr = PlateTracker("gate", VotingSettings(), early_reads=3, max_reads_per_track=4)
    reads = 0
    for i in range(60):  # a 30 fps camera, weak reads of an approaching plate: never decided early
        t = i / 30
        tid = tr.update([det(100 + 2 * i)], t)[0]
        if tr.needs_read(tid, t):
            reads += 1
            tr.add_read(tid, R("12가3456", 0.5), CROP, FRAME, det(100 + 2 * i).box, t)
    # 4 reads at ~8/s (every 4th frame of 30 fps, 0.4 s), then ~3/s for the remaining 1.6 s
    assert 4 + 4 <= reads <= 4 + 7
    assert tr.step(2.0) == []


def test_nested_detections_are_deduplicated() -> None:
    from gatekeeper.pipeline.tracker import dedupe_detections

    whole = Detection(Box(100, 100, 200, 150), 0.9)
    line = Detection(Box(105, 125, 195, 150), 0.6)  # the bottom line of a two-line plate
    other = Detection(Box(400, 100, 500, 150), 0.5)
    assert dedupe_detections([line, whole, other]) == [whole, other]
    car = Detection(Box(0, 0, 600, 400), 0.95)  # a still image's coarse look boxing a whole car
    assert dedupe_detections([line, whole, car]) == [car]
    assert dedupe_detections([line, whole, car], same_scale=0.3) == [car, whole]  # the plate is no part of it


def test_edit_distance() -> None:
    from gatekeeper.pipeline.tracker import edit_distance

    assert edit_distance("12가3456", "12가3456") == 0
    assert edit_distance("12가3456", "12가3458") == 1
    assert edit_distance("경기44가0502", "44가0502") == 2


def test_split_track_of_one_vehicle_gives_one_pass() -> None:
    tr = make_tracker(VotingSettings(min_frames=2, track_timeout_s=1.0), early_reads=0)
    out = []
    for i in range(4):  # the first track
        out += feed(tr, i * 0.1, [det(100)], [R("경기44가0502")])
    for i in range(4, 8):  # the box jumps far away (a detector glitch): a second, overlapping track
        out += feed(tr, i * 0.1, [det(100), det(600)], [R("경기44가0502"), R("경기44가0302")])
    out += feed(tr, 5.0, [], [])
    assert [p.text for p in out] == ["경기44가0502"]
    assert tr.suppressed == 1


def test_far_jump_after_a_gap_is_a_new_vehicle() -> None:
    tr = make_tracker(VotingSettings(track_timeout_s=1.5))
    a = tr.update([Detection(Box(400, 600, 900, 700), 0.9)], 0.0)  # a big plate leaving at the bottom
    b = tr.update([Detection(Box(600, 300, 660, 315), 0.9)], 0.8)  # the next car far away
    c = tr.update([Detection(Box(604, 302, 666, 318), 0.9)], 0.9)
    assert a != b and b == c


def test_nearest_reads_settle_a_small_region_mark() -> None:
    from gatekeeper.pipeline.voting import nearest_region

    # a yellow plate read from far (90-200 px) with the wrong mark or none, from near (288 px) right
    texts = ["경남93자8276", "93자8276", "부산93자8276", "서울93자8276", "서울93자8276", "93자8276",
             "강원93자8276", "전북93자8276", "세종93자8276"]
    confs = [0.98, 0.999, 0.99, 0.98, 0.97, 1.0, 0.95, 0.92, 0.999]
    widths = [90, 95, 110, 117, 133, 142, 161, 198, 288]
    reads = [R(t, c) for t, c in zip(texts, confs, strict=True)]
    assert nearest_region("93자8276", texts, confs, widths) == "세종93자8276"
    assert nearest_region("서울93자8276", texts, confs, widths) == "세종93자8276"
    v = vote(reads)
    assert v is not None and v.text == "93자8276"  # by confidence alone: the two reads without a mark
    v = vote(reads, [float(w) for w in widths])
    assert v is not None and v.text == "세종93자8276" and v.valid
    # reads without a mark outweigh those with one (a white plate, a mark read into the margin): as it was
    few = ["12가3456", "12가3456", "서울12가3456"]
    assert nearest_region("12가3456", few, [0.9, 0.9, 0.99], [100, 120, 300]) == "12가3456"
    # another plate's reads, and Latin texts, are not the plate's
    assert nearest_region("12가3456", ["서울12가3457", "34나5678"], [1.0, 1.0], [300, 300]) == "12가3456"
    assert nearest_region("ABC1234", ["ABC1234"], [1.0], [300]) == "ABC1234"


def test_a_region_mark_read_from_near_is_logged_with_the_pass() -> None:
    tr = make_tracker(VotingSettings(min_frames=2, track_timeout_s=1.0), early_reads=3, early_confidence=0.8)
    frames = [("93자8276", 0.999, 90), ("부산93자8276", 0.99, 110), ("서울93자8276", 0.98, 130),
              ("93자8276", 1.0, 150), ("세종93자8276", 0.999, 290)]
    out = []
    for i, (text, conf, width) in enumerate(frames):
        out += feed(tr, i * 0.1, [det(300 - width / 2, w=width, h=width / 3)], [K(text, conf, 0.99)])
    out += feed(tr, 2.0, [], [])
    assert [p.text for p in out] == ["세종93자8276"]


def test_agreeing_reads_count_the_plate_read_with_another_region_mark() -> None:
    texts = ["세종93자8276", "93자8276", "서울93자8276", "93자8277", "94자8276", "12가3456"]
    assert agreeing_reads("세종93자8276", texts) == 3  # itself, and the plate with another mark or none
    assert agreeing_reads("93자8276", texts) == 5  # ... and, as before, one character off
