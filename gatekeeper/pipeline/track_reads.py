"""How a camera reads the crops of one tracked plate with a reader chain: the cheap reads first, the whole
chain (the slow second opinion) only now and then."""

from __future__ import annotations

import logging
import math
from collections.abc import Container, Sequence

import numpy as np

from gatekeeper.domain import plates
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.deblur import smear_ratio, smears
from gatekeeper.pipeline.reader_chain import PlateReaderChain, SecondOpinion, shows_nothing
from gatekeeper.pipeline.reader_layout import to_grey
from gatekeeper.pipeline.recognizer import checked, read_crop, upscale
from gatekeeper.pipeline.types import PlateReader

log = logging.getLogger(__name__)

FALLBACK_EVERY = 2
"""A track's weak reads between two turns of the whole (slow) reader chain: the Korean careful pass, the Latin
reader and unsmearing run on its first weak read and on every second after it; in between a weak cheap read
ends there. Until the twenty-fifth session every weak read took the careful pass and every third the whole
chain: the detector's false boxes (a grille, a bumper, a car seen whole) were read carefully every time, at
20-50 ms each, and now and then voted into a pass (``111사1111``)."""
AGREE_CONFIDENCE = 0.8
"""Two of a track's whole-chain turns in a row that choose the same reader's read of the same text, each at
this confidence or more, settle it (:meth:`TrackReads.read`). Until the twenty-sixth session only a final
Korean read or a long Latin read with letters did, and a Latin plate without three letters (es ``1000051``,
``B76ZHN``; us ``5N30048``) took the whole chain on every second crop, the same read each time: a third of
the reader time on the es approach footage and a quarter on us-ucsd's went on such turns."""
MAX_WAITS = 2
"""How many of a track's crops a whole-chain turn waits past because their cheap read shows no plate
(:data:`~gatekeeper.pipeline.reader_chain.ILLEGIBLE_CHARS`): a plate the Korean network cannot see at all (a
foreign plate of letters alone, which it reads as a few characters) still gets its turn on the third crop."""
SETTLED_BY = 2
"""A track its Korean reader leads takes no more turns of the whole chain once that many of its crops (reads
of unsmeared copies left out) were read strongly as the same Korean plate and a turn chose a Korean read
beyond doubt (:func:`korean_beyond_doubt`): later weak crops of it (a plate half hidden by the next car's
headlight, turned away) give what their cheap read gives. Before the forty-second session every such crop
took the Korean careful pass and the Latin reads (~12-19 ms), a crop that looked smeared also four
unsmeared reads (~90 ms): the demo bench's reader mean went 7.4-7.6 -> 4.6 ms, and the demo's ``26호0106``
is no longer read ``24호0106`` by such a turn. Counting unsmeared reads too lost ``447머7853`` on the demo
smeared by 11 px (its later cheap reads ``447너7853`` outvoted it); settling without a turn beyond doubt lost
es ``BEHM927`` and us-ucsd ``3J66282`` on approach footage (forced Korean reads, ``85부4927``)."""
CAMERA_SMEAR_RATIO = 0.45
"""A crop is read unsmeared on a camera only under this :func:`~.deblur.smear_ratio` (still images: under
:data:`~.deblur.SMEAR_RATIO`). Crops of weak reads measured 0.45-0.75 on the sharp demo video (Hangul's
horizontal strokes) and 0.20-0.42 on it and the UK test video smeared by 7-21 px; at 0.8 the sharp demo
video's reader time was 1.14 s instead of 0.46 s, at 0.45 0.50 s."""


CAMERA_VERTICAL_SMEAR_RATIO = 2.0
"""A crop is read unsmeared up and down on a camera only over this :func:`~.deblur.smear_ratio` (still images:
over :data:`~.deblur.VERTICAL_SMEAR_RATIO`, 1.6). Sharp labelled crops over 2.0: none of kr-dev's and es's,
5 of 246 us-ucsd's; es smeared up and down by 9 px: 65 of 109 (91 over 1.6). A camera sees the plate again,
so it tries only the crops that look clearly smeared."""


CAMERA_NOTICE_DEPTH = math.inf
"""A camera leaves out the cepstrum's depth (:data:`~.deblur.NOTICE_DEPTH`, still images: 25) and goes by the
gradient ratio alone. Measured (``gatekeeper eval --approach``, thirty-eighth session): kr-dev smeared 9 px
up and down and 13 px at 45 degrees logged 9 and 5 of 14 cars right with it and without it, but the reader's
mean time per crop went from 11 to 18 and 30 ms (9 and 21 unsmeared turns)."""


def looks_smeared(crop: np.ndarray) -> bool:
    """True when a crop looks smeared sideways on a camera (:data:`CAMERA_SMEAR_RATIO`): a turn's Korean
    careful pass then also reads its deskewed, sharpened copy (still images always get it). Left out of the
    other turns since the twenty-seventh session: a camera sees the plate again, and that copy cost 10-14 %
    of the reader's CPU on the approach footage, whose passes it did not change; left out of every turn,
    the demo video smeared by 11 px logged ``816867`` for ``울산81아6867``."""
    return smear_ratio(to_grey(crop)) < CAMERA_SMEAR_RATIO


def korean_beyond_doubt(reader: PlateReaderChain, reads: Sequence[PlateRead | None], best: PlateRead) -> bool:
    """True when the whole chain chose a final Korean read (``best``) over the other readers' ``reads`` of a
    crop, none of which holds a Latin letter: a Korean plate has none, a foreign plate that the Korean
    network forces into its grammar usually shows some (es ``BEHM927``: ``85부4927`` against ``8EHM927``)."""
    return plates.is_korean(best.text) and reader.final(best) and not any(
        r is not None and r is not best and any(c.isascii() and c.isalpha() for c in r.text) for r in reads)


class TrackReads:
    """Reads one camera's track crops and remembers, per track, which reader of a chain leads and how many
    weak reads it had.

    A track is read by its lead reader: the first of the chain, until the whole chain chose another reader's
    read for it that the chain says ``leads`` (a foreign plate is then read by the Latin reader alone while
    its reads stay that strong, not by the Korean careful pass each time). A read that is not final is weak;
    the whole chain runs on a track's first weak read and on every ``FALLBACK_EVERY``-th after it; a turn
    waits (up to ``MAX_WAITS`` crops of the track) while the first reader's cheap read shows no plate at all
    (a car far away boxed whole: see :data:`~gatekeeper.pipeline.reader_chain.ILLEGIBLE_CHARS`).

    Frames agree: once a track was read strongly (a final read, one that makes a later reader lead, or the
    same reader's read of the same text chosen by two whole-chain turns in a row, each at
    ``AGREE_CONFIDENCE`` or more), a cheap read of exactly that text on a later crop is taken as it is: the
    Korean reader's cheap pass (in either layout) without its careful pass, a leading reader's quick read
    without its full read. Two such turns that chose a later reader's read hand it the lead.

    Tracks settle: a track its Korean reader leads takes no more whole-chain turns (nor unsmearing) once it
    was read strongly as one Korean plate on ``SETTLED_BY`` crops and a turn chose a Korean read beyond
    doubt (:func:`korean_beyond_doubt`); its later weak crops give what their cheap read gives.

    A chain that :attr:`~gatekeeper.pipeline.reader_chain.PlateReaderChain.stages` reads a track its Korean
    reader leads through :meth:`~gatekeeper.pipeline.reader_chain.PlateReaderChain.staged`, as still images
    are read, but with no second opinion on a final cheap read (the frames to come are), and the Korean
    careful pass and the later readers only on the whole chain's turn: between turns a weak cheap read gives
    nothing (the plate is read again a few frames later, usually nearer). A turn's careful pass leaves out
    the deskewed, sharpened copy of the crop unless the crop :func:`looks_smeared`. A turn whose cheap read
    and the later readers' quick reads are all unsure ends there, ``faint``
    (:data:`~gatekeeper.pipeline.reader_chain.FAINT_BELOW`; counted in ``faint``, not in
    ``fallback_reads``): nothing on the crop is legible yet; so does a turn whose reads, the later readers'
    full reads too, are all dim (:data:`~gatekeeper.pipeline.reader_chain.DIM_BELOW`). A turn whose Latin
    quick read looks foreign beside an unsure Korean cheap read skips the careful pass (``foreign_spares``).

    With ``unsmear``, a weak read on the whole chain's turn of a crop that looks smeared sideways (a car
    passing a night shutter, :mod:`.deblur`), up and down (a car driving at a camera above the lane) or on a
    slant is compared with the whole chain's reads of the crop unsmeared by a few candidate smears, and the
    chain's arbitration picks among them (counted in ``unsmeared``).
    """

    def __init__(self, camera: str, upscale_min_width: int = 160, unsmear: bool = False) -> None:
        self.camera = camera
        self.upscale_min_width = upscale_min_width
        self.unsmear = unsmear
        self.unsmeared = 0  # weak reads compared with reads of their crop unsmeared
        self.fallback_reads = 0  # runs of the whole chain
        self.spared = 0  # careful passes spared by a concluding or foreign-looking Latin read
        self.waited = 0  # turns that waited for a crop showing a plate
        self.faint = 0  # turns ended early: nothing on the crop read sure (``FAINT_BELOW``, ``DIM_BELOW``)
        self._weak: dict[int, int] = {}
        self._lead: dict[int, int] = {}  # track id -> index of the chain's reader that reads it first
        self._known: dict[int, str] = {}  # track id -> the text it was last read as, strongly
        self._strongly: dict[int, dict[str, int]] = {}  # track id -> its strong reads: text -> how many
        self._korean: set[int] = set()  # tracks a whole-chain turn read as Korean beyond doubt
        self._picked: dict[int, tuple[int, str]] = {}  # track id -> (reader, text) its last turn chose
        self._agreed: dict[int, str] = {}  # track id -> the text two turns in a row chose
        self._waits: dict[int, int] = {}  # track id -> how many of its crops a turn waited past

    def forget(self, live: Container[int]) -> None:
        """Drop what is kept for tracks that ended (ids not in ``live``)."""
        self._weak = {k: v for k, v in self._weak.items() if k in live}
        self._lead = {k: v for k, v in self._lead.items() if k in live}
        self._known = {k: v for k, v in self._known.items() if k in live}
        self._strongly = {k: v for k, v in self._strongly.items() if k in live}
        self._korean = {k for k in self._korean if k in live}
        self._picked = {k: v for k, v in self._picked.items() if k in live}
        self._agreed = {k: v for k, v in self._agreed.items() if k in live}
        self._waits = {k: v for k, v in self._waits.items() if k in live}

    def __len__(self) -> int:
        """How many tracks something is kept for."""
        return len(self._weak.keys() | self._lead.keys() | self._known.keys() | self._picked.keys()
                   | self._waits.keys())

    def blank(self, reader: PlateReader, crop: np.ndarray) -> bool:
        """True when ``reader`` tells that the crop, upscaled as it would be read, shows nothing to read
        (:func:`~.reader_chain.shows_nothing`): a camera does not read it."""
        return bool(crop.size) and shows_nothing(reader, upscale(crop, self.upscale_min_width))

    def read(self, reader: PlateReader, crop: np.ndarray, track_id: int) -> PlateRead | None:
        """The read of one crop of this track (grammar-checked), None when nothing is read. A reader that is
        no :class:`PlateReaderChain` of two readers or more is simply asked."""
        if not isinstance(reader, PlateReaderChain) or len(reader.readers) < 2:
            return read_crop(reader, crop, self.upscale_min_width)
        up = np.ascontiguousarray(upscale(crop, self.upscale_min_width)) if crop.size else crop
        weak = self._weak.get(track_id, 0)
        turn = self._turn(track_id)
        read = self._chain_read(reader, up, track_id, turn)
        if not self.unsmear or not up.size or not turn or self._weak.get(track_id, 0) == weak:
            return read
        return self._unsmeared(reader, up, read, track_id)

    def _turn(self, track_id: int) -> bool:
        """True when the track's next weak read is the whole chain's turn: its first weak read and every
        ``FALLBACK_EVERY``-th after it; none once the track settled (see the class, :data:`SETTLED_BY`)."""
        if self._weak.get(track_id, 0) % FALLBACK_EVERY:
            return False
        strongly = self._strongly.get(track_id, {})
        return bool(self._lead.get(track_id, 0)) or track_id not in self._korean or not any(
            n >= SETTLED_BY and plates.is_korean(text) for text, n in strongly.items())

    def _unsmeared(self, reader: PlateReaderChain, up: np.ndarray, read: PlateRead | None,
                   track_id: int) -> PlateRead | None:
        """A weak read on the whole chain's turn, or the chain's pick among it and the whole chain's reads of
        the (upscaled) crop unsmeared by each candidate smear (:func:`~.deblur.smears`; none: the crop does
        not look smeared)."""
        found = smears(up, max_ratio=CAMERA_SMEAR_RATIO, min_vertical_ratio=CAMERA_VERTICAL_SMEAR_RATIO,
                       notice_depth=CAMERA_NOTICE_DEPTH)
        if not found:
            return read
        self.unsmeared += 1
        best = reader.choose([read] + [checked(reader.read(smear.undo(up))) for smear in found])
        if best is not read:
            self._strong(track_id, best, reader.final(best) or reader.leads(best), settles=False)
        return best

    def _chain_read(self, reader: PlateReaderChain, up: np.ndarray, track_id: int,
                    turn: bool) -> PlateRead | None:
        """The chain's read of one (upscaled) crop of this track, as described on the class (``turn``: the
        whole chain's, :meth:`_turn`)."""
        chain = reader.readers
        lead = self._lead.get(track_id, 0)
        weak = self._weak.get(track_id, 0)
        known = self._known.get(track_id, "")
        if lead == 0 and up.size and reader.stages:
            waits = self._waits.get(track_id, 0)
            got = reader.staged(up, check=checked, context=self.camera, others=turn, second_opinion=False,
                                agree=known, careful=turn, deskew=looks_smeared,
                                wait_illegible=waits < MAX_WAITS, faint=True, foreign_spares=True)
            if got.postponed:  # not a turn: the next crop's is
                self._waits[track_id] = waits + 1
                self.waited += 1
            elif got.weak:
                self._weak[track_id] = weak + 1
                self.fallback_reads += turn and not got.faint
                self.faint += got.faint
            self.spared += got.spared
            if got.reads:
                self._lead_by(reader, got.reads, got.read, track_id)
            elif got.weak and turn and not got.postponed:
                self._agree(track_id, 0, got.read)
            agreed = got.read is not None and self._agreed.get(track_id) == got.read.text
            self._strong(track_id, got.read, not got.weak or bool(self._lead.get(track_id)) or agreed)
            return got.read
        read = self._lead_read(reader, lead, up, known, track_id)
        if self._settled(reader, lead, read, self._agreed.get(track_id, "")):
            self._strong(track_id, read, True)
            return read
        self._weak[track_id] = weak + 1
        if not turn:
            return read
        self.fallback_reads += 1
        reads = [read if i == lead else SecondOpinion(r, up, checked, self.camera).full()
                 for i, r in enumerate(chain)]
        return self._choose(reader, reads, track_id)

    def _lead_read(self, reader: PlateReaderChain, lead: int, crop: np.ndarray, known: str,
                   track_id: int) -> PlateRead | None:
        """The lead reader's read of an (upscaled) crop: its quick read when that reads exactly ``known`` and
        still settles the track, else its full read (which reuses the quick read's work)."""
        if not crop.size:
            return None
        opinion = SecondOpinion(reader.readers[lead], crop, checked, self.camera)
        if known and opinion.probes:
            quick = opinion.quick()
            if (quick is not None and quick.text == known
                    and self._settled(reader, lead, quick, self._agreed.get(track_id, ""))):
                return quick
        return opinion.full()

    def _strong(self, track_id: int, read: PlateRead | None, strong: bool, settles: bool = True) -> None:
        """Remember a ``strong`` read as the track's text; it counts towards settling the track
        (:data:`SETTLED_BY`) unless it is a read of an unsmeared copy (``settles``)."""
        if read is not None and strong:
            self._known[track_id] = read.text
            if not settles:
                return
            counts = self._strongly.setdefault(track_id, {})
            counts[read.text] = counts.get(read.text, 0) + 1

    def _choose(self, reader: PlateReaderChain, reads: list[PlateRead | None],
                track_id: int) -> PlateRead | None:
        best = reader.choose(reads)
        self._lead_by(reader, reads, best, track_id)
        self._strong(track_id, best, bool(self._lead.get(track_id)))
        return best

    def _lead_by(self, reader: PlateReaderChain, reads: Sequence[PlateRead | None], best: PlateRead | None,
                 track_id: int) -> None:
        """The track's lead reader after the whole chain chose ``best`` among ``reads`` (in chain order): the
        reader whose read it is when that :meth:`~PlateReaderChain.leads`, or when the track's turn before
        chose the same reader's read of the same text (:meth:`_agree`); else the first."""
        picked = next((i for i, r in enumerate(reads) if best is not None and r is best), 0)
        if picked == 0 and best is not None and korean_beyond_doubt(reader, reads, best):
            self._korean.add(track_id)
        agreed = self._agree(track_id, picked, best)
        self._lead[track_id] = picked if picked and (reader.leads(best) or agreed) else 0

    def _agree(self, track_id: int, picked: int, best: PlateRead | None) -> bool:
        """Remember what a whole-chain turn chose (reader ``picked``'s ``best``); True when the track's turn
        before chose the same, both at ``AGREE_CONFIDENCE`` or more (the text is then agreed)."""
        if best is None or best.confidence < AGREE_CONFIDENCE:
            self._picked.pop(track_id, None)
            return False
        agreed = self._picked.get(track_id) == (picked, best.text)
        self._picked[track_id] = (picked, best.text)
        if agreed:
            self._agreed[track_id] = best.text
            self._known[track_id] = best.text  # the track's strong read, whichever path the turns took
        return agreed

    @staticmethod
    def _settled(reader: PlateReaderChain, lead: int, read: PlateRead | None, agreed: str = "") -> bool:
        """A read that needs no other reader: the track's ``agreed`` text (:meth:`_agree`) read again, a lead
        other than the first still reading as strongly as when it was handed the track
        (:meth:`PlateReaderChain.leads`), or the first reader's final read
        (:meth:`PlateReaderChain.final`)."""
        if read is not None and agreed and read.text == agreed:
            return True
        return reader.leads(read) if lead else reader.final(read)

