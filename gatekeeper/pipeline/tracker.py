"""Plate tracking across frames: one ``PlatePass`` per vehicle, decided by :mod:`.voting` over its reads."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from gatekeeper.domain.settings import VotingSettings
from gatekeeper.domain.text import edit_distance
from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.types import Detection, PlatePass
from gatekeeper.pipeline.voting import (
    Vote,
    agreeing_reads,
    canonical_text,
    letters_only,
    on_one_vehicle,
    syllable_seen,
    vote,
)

log = logging.getLogger(__name__)

READ_INTERVAL_S = 0.12  # at most ~8 reads a second per track (a 25 fps camera: every 3rd frame)
SLOW_READ_INTERVAL_S = 0.3  # after max_reads_per_track undecided reads: ~3 a second
STILL_SHIFT = 0.2  # a box whose centre moved this share of its width has moved (a still box: ~0.04)
STILL_SIZE = 0.2  # ... or whose width changed by this share of it
STILL_MEMORY_S = 600.0  # how long the place of a box that never moved nor read as a plate is remembered
STILL_MATCH_IOU = 0.5  # a new track this close to a remembered place is scenery until it moves


def displaced(first: Box, box: Box) -> bool:
    """Whether ``box`` moved away from ``first`` (centre shift or size change): vehicles move, scenery the
    detector takes for a plate does not."""
    size = max(first.width, 1.0)
    dx, dy = first.offset(box)
    return ((dx * dx + dy * dy) ** 0.5 > STILL_SHIFT * size
            or abs(box.width - first.width) > STILL_SIZE * size)


@dataclass(slots=True)
class _ReadRecord:
    read: PlateRead
    text: str
    box: Box
    timestamp: float


@dataclass(slots=True)
class _Best:
    confidence: float
    crop: np.ndarray
    frame: np.ndarray
    box: Box
    timestamp: float


@dataclass(slots=True)
class Track:
    """One plate followed across frames."""

    id: int
    box: Box
    first_seen: float
    last_seen: float
    boxes: list[Box] = field(default_factory=list)
    records: list[_ReadRecord] = field(default_factory=list)
    best: dict[str, _Best] = field(default_factory=dict)
    decided: bool = False
    passed_text: str = ""
    last_read: float | None = None
    score: float = 0.0
    tried: int = 0  # read attempts, also those that found nothing
    moved: bool = False
    scenery: bool = False  # starts where a box stood still and never read as a plate: not read until it moves
    held_s: float = 0.0  # time held on still frames after its decision: not counted in its age

    def age(self, timestamp: float) -> float:
        """How long the track has lived, less the time it was held decided (:meth:`PlateTracker.hold`)."""
        return timestamp - self.first_seen - self.held_s

    @property
    def attempts(self) -> int:
        """Reads made of this track: the attempts noted by ``mark_read``, at least its recorded reads."""
        return max(len(self.records), self.tried)

    def vote(self) -> Vote | None:
        return vote([r.read for r in self.records], [r.box.width for r in self.records])

    def syllable_seen(self, text: str) -> bool:
        """Whether one of its reads of ``text`` read the use syllable surely (:func:`syllable_seen`)."""
        return syllable_seen(r.read for r in self.records if r.text == text)

    def agreeing(self, text: str) -> int:
        """How many of its reads agree with ``text`` (:func:`agreeing_reads`)."""
        return agreeing_reads(text, [r.text for r in self.records])


JUMP_MAX_GAP_S = 0.5  # the centre-distance fallback only bridges short gaps


def _match_score(track: Box, det: Box, iou_match: float, gap_s: float = 0.0) -> float:
    """IoU when it passes ``iou_match``; else, shortly after the track's last detection, a small score for a
    nearby box of similar size (a fast vehicle at a low analysed frame rate)."""
    iou = track.iou(det)
    if iou >= iou_match:
        return iou
    if gap_s > JUMP_MAX_GAP_S:
        return 0.0
    size = max((track.width * det.width) ** 0.5, 1.0)
    dx, dy = det.offset(track)
    dist = (dx * dx + dy * dy) ** 0.5 / size
    ratio = (det.area + 1.0) / (track.area + 1.0)
    if dist < 1.0 and 0.4 < ratio < 2.5:
        return 0.01 * (1.0 - dist)
    return 0.0


def dedupe_detections(detections: list[Detection], max_containment: float = 0.6,
                      same_scale: float = 0.0) -> list[Detection]:
    """Drop a detection mostly inside a better one (one line of a two-line plate, a plate-in-plate box); with
    ``same_scale``, only when it is at least that share of the better one's width (a plate in a box around a
    whole car, as a still image's coarse look makes, is kept)."""
    kept: list[Detection] = []
    for d in sorted(detections, key=lambda d: -d.score):
        if not any(part_of(d.box, k.box, max_containment, same_scale) for k in kept):
            kept.append(d)
    return kept


def part_of(a: Box, b: Box, max_containment: float = 0.6, same_scale: float = 0.0) -> bool:
    """``a`` lies mostly (``max_containment``) inside ``b`` or around it, and is at least ``same_scale`` of
    its width: one box of what ``b`` boxes, not a plate inside a box around its car."""
    return a.containment(b) >= max_containment and a.width >= same_scale * b.width


class PlateTracker:
    """Assigns track ids to detections, collects reads and emits exactly one ``PlatePass`` per vehicle.

    A track is decided early (while the vehicle is still at the gate) once ``early_reads`` reads agree on a
    grammar-valid plate with mean confidence >= ``early_confidence``; otherwise when it ends (no detection
    for ``track_timeout_s`` or older than ``max_track_s``, not counting the time a decided track was held on
    still frames). After a decision the track is still followed but no longer read, and the same plate within
    ``repeat_suppress_s`` gives no second pass.

    A box that never moves (:func:`displaced`) is scenery unless it reads confidently: it is read at most
    ``max_reads_per_track`` times, its weak vote is not logged, and its place is remembered for
    ``STILL_MEMORY_S`` so that a box standing there later is not read until it moves.
    """

    def __init__(
        self,
        camera: str,
        voting: VotingSettings,
        *,
        early_reads: int = 3,
        early_confidence: float = 0.8,
        max_reads_per_track: int = 12,
        read_interval_s: float = READ_INTERVAL_S,
    ) -> None:
        self.camera = camera
        self.read_interval_s = read_interval_s
        self.voting = voting
        self.early_reads = early_reads
        self.early_confidence = early_confidence
        self.max_reads_per_track = max_reads_per_track
        self.tracks: dict[int, Track] = {}
        self._next_id = 1
        self._recent: dict[str, float] = {}
        self._emitted: list[tuple[float, float, Box, str]] = []
        self._still_places: list[tuple[Box, float]] = []
        self._last_update = float("-inf")  # when the detector last ran (update)
        self.suppressed = 0

    def update(self, detections: list[Detection], timestamp: float) -> list[int]:
        """Match detections to live tracks (greedy by score); returns the track id of each detection."""
        self._last_update = timestamp
        ids: list[int | None] = [None] * len(detections)
        pairs = []
        for tid, tr in self.tracks.items():
            for j, d in enumerate(detections):
                s = _match_score(tr.box, d.box, self.voting.iou_match, timestamp - tr.last_seen)
                if s > 0:
                    pairs.append((s, tid, j))
        used: set[int] = set()
        for _s, tid, j in sorted(pairs, key=lambda p: -p[0]):
            if tid in used or ids[j] is not None:
                continue
            used.add(tid)
            ids[j] = tid
        for j, d in enumerate(detections):
            tid = ids[j]
            if tid is None:
                tid = self._next_id
                self._next_id += 1
                self.tracks[tid] = Track(id=tid, box=d.box, first_seen=timestamp, last_seen=timestamp,
                                         scenery=self._at_still_place(d.box, timestamp))
                ids[j] = tid
            tr = self.tracks[tid]
            tr.moved = tr.moved or (bool(tr.boxes) and displaced(tr.boxes[0], d.box))
            tr.score = d.score
            tr.box = d.box
            tr.last_seen = timestamp
            tr.boxes.append(d.box)
        return [i for i in ids if i is not None]

    def needs_read(self, track_id: int, timestamp: float | None = None) -> bool:
        """Whether reading this track's crop now is useful: never once decided; at most every
        ``READ_INTERVAL_S``, and every ``SLOW_READ_INTERVAL_S`` after ``max_reads_per_track`` reads (the
        vehicle may still come closer), up to four times that many reads; a box that never moved only
        ``max_reads_per_track`` times, and not at all where such a box stood before."""
        tr = self.tracks.get(track_id)
        if tr is None or not self._wants_reads(tr):
            return False
        if timestamp is None or tr.last_read is None:
            return True
        interval = self.read_interval_s if tr.attempts < self.max_reads_per_track else SLOW_READ_INTERVAL_S
        return timestamp - tr.last_read >= interval - 1e-6

    def mark_read(self, track_id: int, timestamp: float) -> None:
        """Note a read attempt (even one that found nothing) for the read-rate limit and budget."""
        tr = self.tracks.get(track_id)
        if tr is not None:
            tr.last_read = timestamp
            tr.tried += 1

    def _wants_reads(self, tr: Track) -> bool:
        """Undecided, within its read budget, and not scenery: a box that never moved is read at most
        ``max_reads_per_track`` times (a sign or a tree the detector takes for a plate), and not at all when
        it stands where such a box stood (until it moves)."""
        n = tr.attempts
        if tr.decided or n >= self.max_reads_per_track * 4:
            return False
        return tr.moved or not (tr.scenery or n >= self.max_reads_per_track)

    def settled(self) -> bool:
        """True when no open track wants reads (all decided, scenery or out of budget): on a still frame
        the detector has nothing to add then."""
        return not any(self._wants_reads(tr) for tr in self.tracks.values())

    def hold(self, timestamp: float) -> list[tuple[int, Detection]]:
        """The scene did not change: the tracks the last detection saw are still where they were (a car
        waiting at the barrier, a parked car); returns their ids and last detections. A track the last
        detection missed (the car drove off) is not held: it times out. A decided track does not age while
        held: nothing moved, so the vehicle is the one decided, and ending the track would only make the next
        detection start it again (its box gone until then, its plate read again, and a second pass when it
        leaves after ``repeat_suppress_s``)."""
        held = [(tid, tr) for tid, tr in self.tracks.items() if tr.last_seen >= self._last_update]
        for _tid, tr in held:
            if tr.decided:
                tr.held_s += max(0.0, timestamp - tr.last_seen)
            tr.last_seen = timestamp
        return [(tid, Detection(tr.box, tr.score)) for tid, tr in held]

    def add_read(self, track_id: int, read: PlateRead, crop: np.ndarray, frame: np.ndarray, box: Box,
                 timestamp: float) -> None:
        """Record one read; keeps the crop and a copy of the frame only if it is the best of its text."""
        tr = self.tracks.get(track_id)
        if tr is None:
            return
        tr.last_read = timestamp
        text, _ok, _f = canonical_text(read)
        if not text:
            return
        tr.records.append(_ReadRecord(read, text, box, timestamp))
        best = tr.best.get(text)
        if best is None or read.confidence > best.confidence:
            tr.best[text] = _Best(read.confidence, crop.copy(), frame.copy(), box, timestamp)

    def step(self, timestamp: float) -> list[PlatePass]:
        """Early decisions plus tracks that ended by ``timestamp``; call once per analysed frame."""
        passes: list[PlatePass] = []
        for tid in list(self.tracks):
            tr = self.tracks[tid]
            ended = (timestamp - tr.last_seen > self.voting.track_timeout_s
                     or tr.age(timestamp) > self.voting.max_track_s)
            if not tr.decided:
                v = tr.vote()
                if v is not None and (ended or self._confident(tr, v)):
                    p = self._emit(tr, v)
                    if p is not None:
                        passes.append(p)
            if ended:
                if tr.passed_text:  # a vehicle that stood at the gate: suppress from when it left
                    self._recent[tr.passed_text] = max(self._recent.get(tr.passed_text, 0.0), tr.last_seen)
                elif not tr.moved and tr.attempts:
                    self._still_places.append((tr.box, tr.last_seen))
                del self.tracks[tid]
        return passes

    def _at_still_place(self, box: Box, timestamp: float) -> bool:
        """Whether ``box`` stands where a box stood still without reading as a plate (the memory of the
        place is refreshed by it)."""
        self._still_places = [(b, t) for b, t in self._still_places if timestamp - t <= STILL_MEMORY_S]
        for i, (b, _t) in enumerate(self._still_places):
            if b.iou(box) >= STILL_MATCH_IOU:
                self._still_places[i] = (b, timestamp)
                return True
        return False

    def flush(self) -> list[PlatePass]:
        """End every open track now (end of stream); returns their passes."""
        passes: list[PlatePass] = []
        for tr in list(self.tracks.values()):
            if not tr.decided:
                v = tr.vote()
                if v is not None:
                    p = self._emit(tr, v)
                    if p is not None:
                        passes.append(p)
        self.tracks.clear()
        return passes

    def _confident(self, tr: Track, v: Vote) -> bool:
        return (self.early_reads > 0 and v.valid
                and v.support >= max(self.early_reads, self.voting.min_frames)
                and v.confidence >= self.early_confidence and tr.syllable_seen(v.text)
                and not (letters_only(v.text) and self._plate_beside(tr, min_reads=1)))

    def _emit(self, tr: Track, v: Vote) -> PlatePass | None:
        tr.decided = True
        if not v.valid or len(tr.records) < self.voting.min_frames:
            log.debug("track %d ended without a valid plate (%s, %d reads)", tr.id, v.text, len(tr.records))
            return None
        backing = tr.agreeing(v.text)
        if backing < self.voting.min_frames:
            log.info("%s: %s not logged: only %d of %d reads agree with it "
                     "(a false box or an unreadable plate)",
                     self.camera, v.text, backing, len(tr.records))
            return None
        if not tr.moved and v.confidence < self.early_confidence:
            # a vehicle moves: a box that never did is scenery unless it reads confidently (a parked car);
            # a real vehicle that stood still at first is read again when it moves off
            known = self._recent_like(v.text, tr.first_seen)
            if known is not None:
                # a logged vehicle still standing there (its track renewed at max_track_s): not scenery, and
                # its suppression runs on from this sighting
                tr.passed_text = known
                log.info("%s: %s is still there, read weakly (%.2f)", self.camera, known, v.confidence)
                return None
            log.info("%s: %s not logged: its box never moved and the reads are weak (%.2f; scenery)",
                     self.camera, v.text, v.confidence)
            return None
        if not tr.syllable_seen(v.text):
            log.info("%s: %s not logged: no read saw its syllable surely (the grammar put it in: a grille, a "
                     "fence)", self.camera, v.text)
            return None
        twin = self._same_vehicle(tr, v.text)
        if twin is not None:
            self.suppressed += 1
            log.info("%s: %s looks like %s logged a moment ago (same vehicle), not logged twice", self.camera,
                     v.text, twin)
            return None
        if letters_only(v.text):
            plate = self._plate_beside(tr, min_reads=self.voting.min_frames)
            if plate is not None:
                log.info("%s: %s not logged: letters only, on the vehicle of %s (a badge, a dealer's frame)",
                         self.camera, v.text, plate)
                return None
        last = self._recent.get(v.text)
        self._recent[v.text] = tr.last_seen
        tr.passed_text = v.text
        self._emitted.append((tr.first_seen, tr.last_seen, tr.box, v.text))
        if last is not None and tr.first_seen - last < self.voting.repeat_suppress_s:
            self.suppressed += 1
            log.info("%s: %s seen again within %g s, not logged twice", self.camera, v.text,
                     self.voting.repeat_suppress_s)
            return None
        self._prune_recent(tr.last_seen)
        best = tr.best[v.text]
        winners = [r for r in tr.records if r.text == v.text]
        return PlatePass(
            track_id=tr.id,
            camera=self.camera,
            text=v.text,
            confidence=v.confidence,
            plate_format=v.plate_format or winners[0].read.plate_format,
            first_seen=tr.first_seen,
            last_seen=tr.last_seen,
            best_crop=best.crop,
            best_frame=best.frame,
            best_box=best.box,
            reads=[r.read for r in tr.records],
            boxes=list(tr.boxes),
            frame_timestamp=best.timestamp,
        )

    def _same_vehicle(self, tr: Track, text: str) -> str | None:
        """A pass already emitted for a track overlapping this one in time, with a near-identical text."""
        gap = self.voting.track_timeout_s
        self._emitted = [e for e in self._emitted if tr.first_seen - e[1] <= max(gap, 5.0)]
        for first, last, _box, other in self._emitted:
            if (tr.first_seen <= last + gap and first <= tr.last_seen + gap
                    and edit_distance(text, other) <= 2):
                return other
        return None

    def _plate_beside(self, tr: Track, min_reads: int) -> str | None:
        """A text with digits read on the vehicle ``tr`` was seen on (:func:`on_one_vehicle`, at overlapping
        times): logged for another track, or read by an undecided one in ``min_reads`` reads that agree
        (``min_frames`` where a text is to be logged). A letters-only text beside it is a word on that car,
        not its plate (the us-ucsd approach footage logged ``INCUBUS`` and ``HEVROLE``, es ``WHICHONE``, each
        beside the car's plate); it is not decided early while such a plate is being read (``min_reads=1``),
        nor logged beside one that was."""
        gap = self.voting.track_timeout_s
        for first, last, box, text in self._emitted:
            if (not letters_only(text) and first <= tr.last_seen + gap and tr.first_seen <= last + gap
                    and any(on_one_vehicle(box, b) for b in tr.boxes)):
                return text
        for other in self.tracks.values():
            if other is tr or other.decided or not any(on_one_vehicle(other.box, b) for b in tr.boxes):
                continue
            v = other.vote()
            if (v is not None and v.valid and not letters_only(v.text) and other.syllable_seen(v.text)
                    and other.agreeing(v.text) >= min_reads):
                return v.text
        return None

    def _recent_like(self, text: str, since: float) -> str | None:
        """A plate seen within ``repeat_suppress_s`` before ``since`` whose text is ``text`` but for one
        character."""
        for other, seen in self._recent.items():
            if since - seen < self.voting.repeat_suppress_s and edit_distance(text, other) <= 1:
                return other
        return None

    def _prune_recent(self, now: float) -> None:
        horizon = self.voting.repeat_suppress_s
        for text in [t for t, ts in self._recent.items() if now - ts > horizon]:
            del self._recent[text]
