"""The chain of plate readers (Korean first, then Latin): which reader is asked when, and which read is kept.

Still images (:meth:`PlateReaderChain.read`) and cameras
(:class:`~gatekeeper.pipeline.track_reads.TrackReads`) share one staged flow, :meth:`PlateReaderChain.staged`;
a camera only asks the other readers less often."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, is_dataclass, replace
from typing import Any

import numpy as np

from gatekeeper.domain import plates
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.reader_latin import (
    KOREAN_WEAK,
    arbitrate,
    korean_trusted,
    latin_hint,
    latin_leads,
    latin_sure,
)
from gatekeeper.pipeline.types import PlateReader

log = logging.getLogger(__name__)

Check = Callable[[PlateRead | None], PlateRead | None]

ILLEGIBLE_CHARS = 2
"""A crop whose first reader's cheap read has at most this many characters shows no legible plate yet (the
demo cars' first boxes, the whole car front with its plate ~35 px wide inside; a grille): a camera's turn of
the careful pass and the later readers waits for a crop with more (``wait_illegible`` of
:meth:`PlateReaderChain.staged`). On approach footage (the shared sets' photos zoomed in over 14 frames, the
demo and UK videos, sharp and smeared by 11-15 px) 33 turns ran on such crops and none read the plate right;
waiting, the reader ran 11 % fewer network lines on the demo video, 15 % fewer on kr-dev's footage and 2 %
fewer on es and us-ucsd's, with the same passes (31st session)."""

FAINT_BELOW = 0.6
"""A crop whose first reader's cheap read and the later readers' quick reads are all under this confidence
shows nothing legible: a camera's turn of the careful pass and the later readers' full reads ends there
(``faint`` of :meth:`PlateReaderChain.staged`). The Latin network's quick read of a legible plate is sure
even where the Korean cheap read is not (the digits of a Korean plate at 0.97-1.00 on kr-dev's approach
footage, its cheap reads at 0.52-0.74), while of the detector's other boxes (a grille, a windscreen, the
car seen whole) both read at 0.2-0.6. On the approach footage of kr-dev, es and us-ucsd (forty-fifth
session) a third of the turns ended so, the reader's CPU per crop fell by 11-12 % and the same passes
were logged but one wrong text (us-ucsd ``5ZAJ53`` -> ``5ZAJ63``). Of the 171 es turns that end so, one
had read its plate right (the car is still logged right); at 0.7, 255 would end so, three of them right
reads."""

DIM_BELOW = 0.8
"""A crop whose cheap read and quick reads are all under this confidence (but one is at
:data:`FAINT_BELOW` or more) is dim: a camera's turn asks the later readers' full reads first, and ends
there, ``faint``, when those are under it too; the Korean careful pass runs only after a full read that is
not. Of the 597 es turns of a trace (forty-sixth session), 156 were dim: the detector's other boxes (130)
read under 0.9 in full, and every turn that read its plate right read it at 0.95 or more in full (the
Latin network's full read, with more views of the crop, is much surer than its quick read: ``L328DFP``
0.77 -> 1.00). On es's approach footage the reader's CPU per crop fell from 10.5 to 8.9 ms, with the same
passes. Ending dim turns without the full reads was faster (7.5 ms) but lost plates read at night, whose
quick reads are all dim (es darkened: 82 -> 80 cars logged right, against 81; ``1000051`` 0.93 in full)."""


@dataclass(frozen=True)
class Staged:
    """What a staged read of one crop came to (:meth:`PlateReaderChain.staged`)."""

    read: PlateRead | None
    reads: tuple[PlateRead | None, ...] = ()  # the reads chosen among, in chain order;
    # () when ``read`` stood alone
    weak: bool = False  # the first reader's read was never final
    spared: bool = False  # a later reader's concluding read (or, ``foreign_spares``, its foreign-looking
    # quick read) spared the first reader's careful pass
    postponed: bool = False  # the careful read waits: the cheap read saw no plate (``wait_illegible``)
    faint: bool = False  # the careful pass was left out: nothing on the crop read sure (``faint``)


class PlateReaderChain:
    """Readers in order (Korean first). The first reader's read is final when it is a trusted Korean read
    (or, for a non-Korean first reader, grammar-valid at or above ``recheck_below``) and no later reader is
    ``cheap`` (a few ms: our Latin network, whose evidence can still overrule it; its ``quick_read`` is used
    then when it has one); otherwise every reader is asked and :func:`arbitrate` decides between the Korean
    and the Latin reads. A first reader that reads in two stages (``draft`` / ``finish``: the Korean reader's
    cheap and careful passes) is read through :meth:`staged`."""

    def __init__(self, readers: Sequence[PlateReader] | PlateReader, *more: PlateReader,
                 recheck_below: float = 0.8) -> None:
        first = list(readers) if isinstance(readers, (list, tuple)) else [readers]
        self.readers: list[PlateReader] = first + list(more)
        if not self.readers:
            raise ValueError("PlateReaderChain needs at least one reader")
        self.recheck_below = recheck_below

    @property
    def name(self) -> str:
        return "+".join(getattr(r, "name", "?") for r in self.readers)

    @property
    def stages(self) -> bool:
        """True when :meth:`staged` applies: a later reader, and a first reader with ``draft`` and
        ``finish``."""
        first = self.readers[0]
        return len(self.readers) > 1 and hasattr(first, "draft") and hasattr(first, "finish")

    def final(self, read: PlateRead | None) -> bool:
        """True when ``read`` (from the first reader) needs no other reader."""
        if read is None:
            return False
        if plates.is_korean(read.text):
            return korean_trusted(read)
        return plates.is_valid_plate(read.text) and read.confidence >= self.recheck_below

    def choose(self, reads: Sequence[PlateRead | None]) -> PlateRead | None:
        """The read to keep among several (of one plate, from any of the readers or crops)."""
        return arbitrate(reads)

    def leads(self, read: PlateRead | None) -> bool:
        """True when ``read``, chosen from a later reader's reads, makes that reader read the plate's next
        crops first (a camera follows one plate over many frames): see :func:`latin_leads`."""
        return latin_leads(read)

    def looks_foreign(self, read: PlateRead | None) -> bool:
        """True when a later reader's quick ``read`` looks like a foreign plate, so that its full read is
        worth asking before the first reader's careful pass: :func:`latin_hint`."""
        return latin_hint(read)

    def concludes(self, read: PlateRead | None) -> bool:
        """True when a later reader's ``read`` wins the arbitration against any Korean read
        (:func:`latin_sure`, see ``LATIN_SURE_CONFIDENCE``), so the first reader's careful pass would not
        change the result."""
        return latin_sure(read)

    def blank(self, crop: np.ndarray) -> bool:
        """True when every reader that can tell (:func:`shows_nothing`) sees nothing to read in the crop,
        and one at least can."""
        judges = [r for r in self.readers if can_tell(r)]
        return bool(judges) and all(shows_nothing(r, crop) for r in judges)

    def read(self, crop: np.ndarray) -> PlateRead | None:
        if self.stages:
            return self.staged(crop).read
        reads: list[PlateRead] = []
        settled = False
        for i, r in enumerate(self.readers):
            if settled and not getattr(r, "cheap", False):
                continue  # no slow second opinion on a final first read
            got = _ask(r, crop, quick=settled)
            if got is None:
                continue
            settled = settled or (i == 0 and self.final(got))
            reads.append(got)
        if settled and len(reads) == 1:
            return reads[0]
        return self.choose(reads)

    def staged(self, crop: np.ndarray, *, check: Check | None = None, context: str = "", others: bool = True,
               second_opinion: bool = True, agree: str = "", careful: bool = True,
               deskew: Callable[[np.ndarray], bool] | None = None,
               wait_illegible: bool = False, faint: bool = False, foreign_spares: bool = False) -> Staged:
        """The staged read of ``crop`` (needs :attr:`stages`): the first reader's cheap pass; when that is
        final, the cheap later readers' quick reads as a second opinion (``second_opinion``). Otherwise, when
        ``others`` (a camera asks them only now and then), the later readers' quick reads come first; when one
        :meth:`looks_foreign`, their full reads follow, and one that :meth:`concludes` spares the careful
        pass. Otherwise the careful pass runs, and is weighed against the quick reads when it is final and
        against the full reads when not. ``check`` is applied to every read (a camera grammar-checks them),
        ``context`` names the camera in the log of a reader that fails. A cheap read of exactly ``agree`` (the
        text a camera's track was last read as, strongly) is final too: another frame agreeing is the evidence
        the careful pass would look for, and so is the first reader's cheap read of the crop in its other
        layout (``other_layout``) when that reads ``agree``. Without ``careful`` (a camera's turn for it has
        not come), a cheap read that is not final ends there, weak: None unless the cheap pass found it good.
        With ``deskew`` (a test of the crop, asked only when the careful pass runs) the careful pass reads its
        deskewed, sharpened copy of the crop (a draft's ``deskewed``) only when the test holds: a camera sees
        the plate again in the frames to come. With ``wait_illegible`` a cheap read that is not final and has
        at most :data:`ILLEGIBLE_CHARS` characters ends there too, ``postponed`` (a camera's turn waits for a
        crop that shows a plate). With ``faint`` a turn whose cheap read and quick reads are all under
        :data:`FAINT_BELOW` ends with the cheap read, weak and ``faint``: the crop shows nothing legible (a
        camera reads the track again in the frames to come); so does one whose reads are all under
        :data:`DIM_BELOW`, the later readers' full reads too. With ``foreign_spares`` a quick read that
        :meth:`looks_foreign` beside a cheap read under :data:`~.reader_latin.KOREAN_WEAK` spares the careful
        pass even when no full read :meth:`concludes` (a camera: the Korean careful pass forces a foreign
        plate into the Korean grammar, and the frames to come read it again)."""
        keep: Check = check if check is not None else _same
        first: Any = self.readers[0]
        draft = guarded(first, first.draft, crop, context)
        drafted = keep(draft.read) if draft is not None and (draft.good or agree) else None
        cheap = drafted if draft is not None and draft.good else None
        if agree and draft is not None and not self.final(cheap):
            if drafted is not None and drafted.text == agree:
                return Staged(drafted)
            if hasattr(first, "other_layout"):
                other = keep(guarded(first, first.other_layout, draft, context))
                if other is not None and other.text == agree:
                    return Staged(other)
        if not careful and not self.final(cheap):
            return Staged(cheap, weak=True)  # what the careful pass gives a good draft; None for the others
        if wait_illegible and draft is not None and not self.final(cheap) and illegible(draft.read):
            return Staged(cheap, weak=True, postponed=True)
        opinions = [SecondOpinion(r, crop, check, context) for r in self.readers[1:]]
        if self.final(cheap):
            seconds = [o.quick() if o.cheap else None for o in opinions] if second_opinion else []
            return self._chosen([cheap, *seconds]) if any(seconds) else Staged(cheap)
        quick = [o.quick() for o in opinions if o.probes] if others and draft is not None else []
        seen = [draft.read, *quick] if quick else []
        if faint and seen and _all_under(DIM_BELOW, seen) and (_all_under(FAINT_BELOW, seen) or _all_under(
                DIM_BELOW, [o.full() for o in opinions if o.probes])):  # full reads only for a dim crop
            return Staged(cheap, weak=True, faint=True)
        foreign = any(self.looks_foreign(r) for r in quick)
        spares = foreign_spares and draft is not None and draft.read.confidence < KOREAN_WEAK
        if foreign and (spares or any(self.concludes(o.full()) for o in opinions)):
            return self._chosen([cheap, *(o.full() for o in opinions)], weak=True, spared=True)
        if deskew is not None and is_dataclass(draft) and hasattr(draft, "deskewed") and not deskew(crop):
            draft = replace(draft, deskewed=False)
        finished = keep(guarded(first, first.finish, draft, context)) if draft is not None else None
        if self.final(finished):
            if foreign or quick:  # the other reads made so far are its second opinion
                return self._chosen([finished, *(o.full() if foreign else o.quick() if o.probes else None
                                                 for o in opinions)])
            return Staged(finished)
        if not others:
            return Staged(finished, weak=True)
        return self._chosen([finished, *(o.full() for o in opinions)], weak=True)

    def _chosen(self, reads: list[PlateRead | None], weak: bool = False, spared: bool = False) -> Staged:
        return Staged(self.choose(reads), tuple(reads), weak=weak, spared=spared)


def _all_under(confidence: float, reads: Sequence[PlateRead | None]) -> bool:
    """True when every read (None: nothing read) is under ``confidence``."""
    return all(r is None or r.confidence < confidence for r in reads)


class SecondOpinion:
    """A later reader's reads of one crop, each made once when first asked: its quick read (``quick_read``,
    for a ``cheap`` reader) and its full read, which reuses the quick read's work when the reader drafts
    (``draft``/``finish``, the Latin network). ``check`` is applied to each read (a camera grammar-checks
    them); a reader that fails gives None (logged, see :func:`guarded`)."""

    def __init__(self, reader: PlateReader, crop: np.ndarray,
                 check: Check | None = None, context: str = "") -> None:
        self.reader = reader
        self.crop = crop
        self.check = check
        self.context = context
        self.cheap = bool(getattr(reader, "cheap", False))
        self.probes = self.cheap and hasattr(reader, "quick_read")
        self._draft: Any = None
        self._reads: dict[str, PlateRead | None] = {}

    def quick(self) -> PlateRead | None:
        """The quick read (the full read for a reader without one)."""
        if not self.probes:
            return self.full()
        if "quick" not in self._reads:
            reader: Any = self.reader
            if hasattr(reader, "draft"):
                self._draft = guarded(reader, reader.draft, self.crop, self.context)
                self._reads["quick"] = self._checked(self._draft.read if self._draft is not None else None)
            else:
                self._reads["quick"] = self._checked(guarded(reader, reader.quick_read, self.crop,
                                                             self.context))
        return self._reads["quick"]

    def full(self) -> PlateRead | None:
        if "full" not in self._reads:
            reader: Any = self.reader
            if self._draft is not None:
                got = guarded(reader, reader.finish, self._draft, self.context)
            else:
                got = guarded(reader, reader.read, self.crop, self.context)
            self._reads["full"] = self._checked(got)
        return self._reads["full"]

    def _checked(self, read: PlateRead | None) -> PlateRead | None:
        return self.check(read) if self.check is not None else read


def can_tell(reader: PlateReader) -> bool:
    """Whether the reader can tell a crop with nothing to read (it has a ``blank``)."""
    return callable(getattr(reader, "blank", None))


def shows_nothing(reader: PlateReader, crop: np.ndarray) -> bool:
    """True when the reader can tell that the crop (upscaled as it is read) holds nothing to read: a lamp,
    a sky, a wall the detector boxed (a reader's ``blank``; a reader without one is always asked)."""
    return bool(crop.size) and can_tell(reader) and bool(reader.blank(crop))  # type: ignore[attr-defined]


def illegible(read: PlateRead | None) -> bool:
    """A cheap read that shows no plate: nothing, or at most :data:`ILLEGIBLE_CHARS` characters."""
    return read is None or len(read.text) <= ILLEGIBLE_CHARS


def guarded(reader: Any, method: Callable[[Any], Any], arg: Any, context: str = "") -> Any:
    """``method(arg)`` of one reader, or None (logged, with ``context``: a camera's name) when it fails: one
    broken reader must not stop the others, nor a camera."""
    try:
        return method(arg)
    except Exception:  # noqa: BLE001
        log.exception("%sreader %s failed", f"{context}: " if context else "",
                      getattr(reader, "name", reader))
        return None


def _same(read: PlateRead | None) -> PlateRead | None:
    return read


def _ask(reader: PlateReader, crop: np.ndarray, quick: bool = False) -> PlateRead | None:
    """One reader's read of the crop (its ``quick_read`` when ``quick`` and it has one); None when it
    fails."""
    method = getattr(reader, "quick_read", None) if quick else None
    return guarded(reader, method if method is not None else reader.read, crop)


class MultiReader(PlateReaderChain):
    """The Korean reader, then the Latin one when the Korean read is not trusted; see :func:`arbitrate`."""

    def __init__(self, korean: PlateReader, latin: PlateReader | None = None,
                 recheck_below: float = 0.8) -> None:
        super().__init__([korean] + ([latin] if latin is not None else []), recheck_below=recheck_below)
