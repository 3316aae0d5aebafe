"""Plate readers: our Korean CTC network (EasyOCR custom network or ONNX) and EasyOCR's English model.

``KoreanPlateReader`` reads one- and two-line Korean plates: the crop is turned into one line image
(two-line plates are split and their lines put side by side, see :mod:`gatekeeper.pipeline.reader_layout`),
read with a greedy CTC decode that keeps per-character confidences, and both layouts are tried when the
aspect ratio is ambiguous; the grammar-valid, most confident read wins. A weak read is re-read once with a
second preprocessing (deskew, local contrast, sharpening).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gatekeeper.domain import plates
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.plate_locate import located_plate, text_cuts
from gatekeeper.pipeline.reader_ctc import BACKENDS, CtcNetwork, ReaderLoadError
from gatekeeper.pipeline.reader_decode import confidence as _confidence
from gatekeeper.pipeline.reader_decode import ctc_greedy, ctc_plate, ctc_plates, summed_vote
from gatekeeper.pipeline.reader_layout import ONE_LINE, layout_order, line_image
from gatekeeper.pipeline.reader_prep import YELLOW, careful_variant, plate_colour

log = logging.getLogger(__name__)

CAREFUL_CHAR_BELOW = 0.9
"""The cheap pass's read also needs every character at this confidence or more to skip the careful pass: a
two-line plate's small top-line digit is misread at 0.78-0.86 in a read of 0.97-0.98 (``대전53가4157`` read
``대전52가4157``). On 2,400 degraded synthetic crops (seeds 4242, 777, 31; full chain) 2,333 -> 2,339, none
lost, for 1.6 % more careful passes; at 0.8 +1, at 0.95 +6 and -1. Real crop sets unchanged."""

REGION_SURE = 0.95
"""A vote's winner without a region mark takes the one views read in front of the same text at this
confidence or more (:func:`with_region`). On 2,400 degraded synthetic crops (seeds 4242, 777, 31; full
chain) 2,330 -> 2,333 plates, none lost; at 0.85 five were gained and four lost to region marks read into
the margin of a white plate (``12소9260`` -> ``세종12소9260``). Real crop sets unchanged."""

REGION_VIEWS = 2
"""A winner that is no commercial plate takes a region mark only when this many sure views read it (one
suffices for a commercial plate). Only the yellow one-line plate stacks its region mark small at the left,
where the views cut around the character row leave it out; on other plates one view's region against the
rest is a mark read into the margin (a white 7-digit plate, ``67마5125`` read by six views at 0.96-1.00,
``대구67마5125`` by one at 0.99). On 4,000 degraded synthetic crops (seeds 4242, 777, 31, 2027, 99;
``gatekeeper eval``) 3,891 -> 3,892, none lost; two views for every plate instead: 3,888 (four stacked
marks of yellow plates lost, read by one view alone)."""


PRIOR_REFUTED_BELOW = 0.2
"""The plate colour's use syllables are refuted when the vote's winner among the reads that fit them has its
syllable under this confidence; the network then overrules the colour with a grammar-valid read of any
syllable at :data:`PRIOR_OVERRULED_AT` or more (:func:`colour_refuted`)."""

PRIOR_OVERRULED_AT = 0.98
"""How sure a read against the plate colour must be to overrule it. The colour is misjudged now and then
(an EV plate on a yellow body called yellow: ``214너1415`` forced to ``214바1415`` with 바 at 0.00; a yellow
two-line plate called white: ``경남79바5641`` forced to ``경남79버5641``), and the network, sure of the
right syllable, reads 0.99-1.00 then. A yellow plate it misreads with a look-alike private syllable reads
under that (``전북14자3706`` as ``전북14저3706`` at 0.96). On 2,400 degraded synthetic crops (seeds 4242, 777,
31; full chain) 2,339 -> 2,342 and on two fresh seeds (2027, 99) 1,557 -> 1,560, none lost; refuted below
0.05-0.35 no plate was lost, at 0.5 one; overruled at 0.9 the fresh seeds lost ``전북14자3706``. Real crop
sets unchanged."""


PRIOR_WEAK = 0.9
"""A vote's winner under this confidence among the reads that fit the plate colour is also checked against
the reads of any syllable (:data:`PRIOR_OVERRULED_AT`): when the colour is misjudged, its vote can land on
another view's wrong read, whose syllable is not refuted (``충남99바7798`` judged white, its vote won by
``700어1170``). A sure read that differs from it in the syllable alone does not overrule it: that is the
colour settling a look-alike (``경남95아3351``, a yellow plate, against ``경남95마3351`` at 0.987). On two
fresh seeds +1 plate, none lost on them or on the three seeds, read as they are or as the app reads them."""


def colour_refuted(read: PlateRead | None, below: float = PRIOR_REFUTED_BELOW) -> bool:
    """True when the network all but rules out the use syllable the plate colour made ``read`` take (a
    grammar-valid read with a syllable under ``below``), or when no read fits the colour at all."""
    if read is None:
        return True
    at = plates.syllable_index(read.text)
    return (at is not None and len(read.char_confidences) == len(read.text)
            and read.char_confidences[at] < below)


def _syllable_apart(a: str, b: str) -> bool:
    """True when two reads are one plate but for the use syllable (``경남95아3351``, ``경남95마3351``)."""
    at = plates.syllable_index(a)
    if at is None or len(a) != len(b) or plates.syllable_index(b) != at:
        return False
    return a[:at] == b[:at] and a[at + 1:] == b[at + 1:]


def korean_valid(text: str) -> bool:
    """A grammar-valid Korean plate (the Latin grammar, which accepts bare digit runs, does not count)."""
    return plates.is_korean(text) and plates.is_valid_plate(text)


def syllables_for(colour: str) -> str:
    """Use syllables a plate of this colour can carry: yellow plates are commercial, others are not."""
    if colour == YELLOW:
        return plates.COMMERCIAL_SYLLABLES
    if colour == "not_yellow":
        return plates.PRIVATE_SYLLABLES + plates.RENTAL_SYLLABLES
    return ""


def consistent(text: str, syllables: str) -> bool:
    """A Korean-valid read whose use syllable fits the plate colour (any syllable when unknown)."""
    if not korean_valid(text):
        return False
    if not syllables:
        return True
    info = plates.parse_plate(text)
    return info is None or not info.syllable or info.syllable in syllables or info.kind.value in (
        "kr_diplomatic", "kr_temporary")


def better_read(a: PlateRead | None, b: PlateRead | None, valid=korean_valid) -> PlateRead | None:
    """Prefer a grammar-valid read, then the more confident one (``a`` on ties)."""
    if a is None or b is None:
        return a or b
    ka = (valid(a.text), a.confidence)
    kb = (valid(b.text), b.confidence)
    return a if ka >= kb else b


class KoreanPlateReader(CtcNetwork):
    """Our Korean plate network (``NAME.pth/.yaml/.py``, ``NAME.onnx``) behind the ``PlateReader`` protocol.

    Loading and backends (EasyOCR ``recog_network`` or ONNX) are :class:`CtcNetwork`'s.
    """

    def __init__(self, weights_dir: Path, name: str = "kr_reader", device: str = "cpu", backend: str = "auto",
                 careful_below: float = 0.97, threads: int = 1, int8: bool = True,
                 careful_char_below: float = CAREFUL_CHAR_BELOW) -> None:
        super().__init__(weights_dir, name, device=device, backend=backend, threads=threads, int8=int8)
        self.careful_below = careful_below
        self.careful_char_below = careful_char_below

    def _decode(self, probs: np.ndarray, constrained: bool = False, syllables: str = "") -> list[PlateRead]:
        """Greedy reads; with ``constrained``, a read that is not a valid Korean plate fitting the plate
        colour is replaced by the best grammar path (restricted to ``syllables`` when given)."""
        reads = [ctc_greedy(p, self.charset) for p in probs]
        redo = [i for i, (text, _) in enumerate(reads) if constrained and not consistent(text, syllables)]
        fixes = ctc_plates([probs[i] for i in redo], self.charset, syllables) if redo else []
        for i, fixed in zip(redo, fixes, strict=True):
            if fixed is not None:
                reads[i] = (fixed[0], fixed[1])
        return [PlateRead(text=text, confidence=_confidence(confs), char_confidences=confs,
                          plate_format=plates.plate_format(text), reader=self.model_name)
                for text, confs in reads]

    def _good(self, read: PlateRead | None, syllables: str = "") -> bool:
        return (read is not None and consistent(read.text, syllables)
                and read.confidence >= self.careful_below
                and min(read.char_confidences, default=1.0) >= self.careful_char_below)

    def candidate_lines(self, crop: np.ndarray) -> list[np.ndarray]:
        """The careful pass: other layout, the plate located inside a loose crop (by its outline, and by its
        row of characters), horizontal bands."""
        h, w = crop.shape[:2]
        order = layout_order(crop)
        lines = [line_image(crop, order[1], self.img_h, self.img_w)]
        loc = located_plate(crop)
        if loc is not None:
            lines += [line_image(loc, lay, self.img_h, self.img_w) for lay in layout_order(loc)]
        lines += [line_image(cut, lay, self.img_h, self.img_w) for cut, lay in text_cuts(crop)]
        for band in plate_bands(crop):
            lines.append(line_image(band, ONE_LINE, self.img_h, self.img_w))
        return lines

    def draft(self, crop: np.ndarray) -> Draft | None:
        """The cheap pass alone: the crop in its likely layout (one network call). None for an empty or
        tiny crop. :meth:`finish` completes it; a reader chain can ask another reader in between."""
        if crop is None or crop.size == 0 or min(crop.shape[:2]) < 4:
            return None
        probs = self.line_probs([line_image(crop, layout_order(crop)[0], self.img_h, self.img_w)])
        read = self._decode(probs)[0]
        if not self._good(read):  # not good whatever the colour: the careful pass judges it
            return Draft(crop, None, probs, read, False)
        syllables = syllables_for(plate_colour(crop))
        return Draft(crop, syllables, probs, read, self._good(read, syllables))

    def other_layout(self, draft: Draft) -> PlateRead:
        """The cheap read of a :meth:`draft`'s crop in its less likely layout (one network call): a camera
        compares it with the text its track was read as (a loose box of a one-line plate has a two-line
        plate's aspect)."""
        line = line_image(draft.crop, layout_order(draft.crop)[1], self.img_h, self.img_w)
        return self._decode(self.line_probs([line]))[0]

    def finish(self, draft: Draft) -> PlateRead | None:
        """The read of a :meth:`draft`: its cheap read when good, else the careful pass's (with the deskewed,
        sharpened copy of the crop only when the draft is ``deskewed``: a camera leaves it out of most
        turns)."""
        if draft.good:
            return draft.read
        crop = draft.crop
        syllables = draft.syllables if draft.syllables is not None else syllables_for(plate_colour(crop))
        lines = self.candidate_lines(crop)
        alt = careful_variant(crop) if draft.deskewed else None
        if alt is not None:
            lines += [line_image(alt, lay, self.img_h, self.img_w) for lay in layout_order(alt)]
        probs = np.concatenate([draft.probs, self.line_probs(lines)])  # the cheap pass's view votes too
        best = vote(self._decode(probs, constrained=True, syllables=syllables), syllables) or draft.read
        refuted = bool(syllables) and colour_refuted(best)
        if syllables and (refuted or best.confidence < PRIOR_WEAK):  # the colour may have misled:
            # read without it
            plain = vote(self._decode(probs, constrained=True))
            if (plain is not None and korean_valid(plain.text) and plain.confidence >= PRIOR_OVERRULED_AT
                    and (refuted or not _syllable_apart(best.text, plain.text))):
                best = plain
        if best is None or not plates.is_korean(best.text):
            return None  # digits alone are no Korean plate: leave the crop to the Latin reader
        return best

    def read(self, crop: np.ndarray) -> PlateRead | None:
        """Read one plate crop (BGR or grey); None when no Hangul plate text is found.

        Cheap first: the crop in its likely layout (one network call). Careful second, when that read is
        not grammar-valid, below ``careful_below`` or has a character below ``careful_char_below``: the other
        layout, the located plate, horizontal bands of a loose crop, and a deskewed/contrast-enhanced copy,
        in one batch; the best read wins.
        """
        draft = self.draft(crop)
        return None if draft is None else self.finish(draft)


@dataclass
class Draft:
    """A Korean read begun: the cheap pass's network output and read, and whether that read is good enough
    to need no careful pass (:meth:`KoreanPlateReader.finish`)."""

    crop: np.ndarray
    syllables: str | None  # the use syllables its colour allows; None when not judged yet (a weak cheap read)
    probs: np.ndarray
    read: PlateRead
    good: bool
    deskewed: bool = True  # the careful pass also reads the deskewed, sharpened copy (see ``finish``)


def vote(reads: Sequence[PlateRead], syllables: str = "") -> PlateRead | None:
    """The valid text with the largest summed confidence over several views of one plate (views that
    agree outvote one confident outlier), preferring texts that fit the plate colour; its most confident
    read is returned, completed by a region mark some views read (:func:`with_region`)."""
    for ok in ((lambda t: consistent(t, syllables)), korean_valid):
        got = summed_vote(reads, ok)
        if got is not None:
            return with_region(got, reads, ok)
    return max(reads, key=lambda r: r.confidence, default=None)


def with_region(got: PlateRead, reads: Sequence[PlateRead], keep: Callable[[str], bool] = korean_valid,
                sure: float = REGION_SURE) -> PlateRead:
    """``got`` (a vote's winner), or the read of the same plate with a region mark in front when views read
    one at ``sure`` or more (the region chosen by summed confidence among them; :data:`REGION_VIEWS` of
    them unless ``got`` is a commercial plate). The views cut around the character row leave out a
    one-line plate's small stacked region mark, so they outvote the views that read it (``울산20자1841``
    read ``20자1841`` by three views, ``울산20자1841`` by two at 0.996 and 0.998)."""
    info = plates.parse_plate(got.text)
    if info is None or info.region or not plates.is_korean(got.text):
        return got
    regional = [r for r in reads if r.confidence >= sure and keep(r.text) and _region_of(r.text, got.text)]
    if len(regional) < REGION_VIEWS and info.use is not plates.PlateUse.COMMERCIAL:
        return got
    return summed_vote(regional, keep) or got


def _region_of(text: str, rest: str) -> bool:
    """True when ``text`` is ``rest`` with a region mark in front."""
    split = plates.split_region(text)
    return split is not None and bool(split[0]) and split[1] == rest


def plate_bands(crop: np.ndarray, aspect: float = 3.2) -> list[np.ndarray]:
    """Overlapping full-width horizontal bands of plate-like aspect (for crops much taller than a plate)."""
    h, w = crop.shape[:2]
    bh = int(round(w / aspect))
    if bh < 8 or bh >= 0.8 * h:
        return []
    n = int(math.ceil((h - bh) / (0.5 * bh))) + 1
    tops = np.linspace(0, h - bh, n).round().astype(int)
    return [crop[t:t + bh] for t in tops]


__all__ = [
    "BACKENDS", "CAREFUL_CHAR_BELOW", "PRIOR_OVERRULED_AT", "PRIOR_REFUTED_BELOW", "PRIOR_WEAK",
    "REGION_SURE", "REGION_VIEWS", "Draft", "KoreanPlateReader", "ReaderLoadError", "better_read",
    "colour_refuted", "consistent", "ctc_greedy", "ctc_plate", "korean_valid", "plate_bands", "syllables_for",
    "vote", "with_region",
]
