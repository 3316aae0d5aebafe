"""Our Latin plate network (0-9, A-Z; trained on synthetic EU, US and other plates) as a ``PlateReader``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.domain import latin_formats, plates
from gatekeeper.domain.text import edit_distance
from gatekeeper.domain.types import PlateRead
from gatekeeper.pipeline.latin_locate import CharRow, find_rows, row_crop, widened
from gatekeeper.pipeline.reader_ctc import CtcNetwork
from gatekeeper.pipeline.reader_decode import (
    confidence,
    ctc_constrained_views,
    ctc_greedy,
    greedy_score,
    summed_vote,
    wide_gap,
)
from gatekeeper.pipeline.reader_layout import ONE_LINE, line_image, to_grey
from gatekeeper.pipeline.reader_prep import denoise_dark

log = logging.getLogger(__name__)

LATIN_LENGTH = (4, 10)
INSETS = (0.04, 0.08, 0.12)  # views cut inside the crop by these fractions of its size on every side
BAND_MARGIN = 0.1  # the character row's band view: this fraction of the row height above and below (us-ucsd
# crops with their state name and frame 0.606 -> 0.646 end to end; 0.08-0.15 alike, 0.25 worse)
TWO_LINE_MIN_CHARS = 2  # each row of a two-line read
FORMAT_MARGIN = 5.0
"""A read that fits no common layout is replaced by the best read that fits one when that read's CTC path is
at most this much less probable (natural log): ``LYTD483`` -> ``4YTD483``, ``F0RDGT`` -> ``FORDGT``."""
EDGE_SURE = 0.95
"""An edge character below this confidence may be cut from a read that fits no layout (:func:`trim_edge`):
es and us-ucsd end to end 0.803 / 0.699 -> 0.812 / 0.711 (0.9-0.99 alike on us-ucsd; es's ``CY110KSB`` ends
in a 0.93 ``B``), no plate lost end to end there, in the eleven other real and simulated sets or among 1,600
synthetic Korean plates read by the chain (labelled boxes: es +1, us-ucsd -1)."""
_LAYOUTS_BY_LENGTH: dict[int, tuple[tuple[str, ...], ...]] = {}
for _layout in latin_formats.LATIN_FORMATS:  # same length: a fit swaps look-alikes (only trim_edge drops one)
    _LAYOUTS_BY_LENGTH[len(_layout)] = (_LAYOUTS_BY_LENGTH.get(len(_layout), ())
                                        + (latin_formats.slots(_layout),))


def latin_lines(crop: np.ndarray, height: int, width: int, quick: bool = False,
                rows: Sequence[CharRow] | None = None, rest: bool = False) -> list[np.ndarray]:
    """Network inputs for one crop: the whole crop, its main character row when one is found (state
    names, stickers and dealer frames left out), that row's band across the whole width, the crop cut a
    little tighter (:data:`INSETS`), and the crop with a margin added; reads of a real plate swing with the
    box, so the views vote. ``quick``: the first two only; ``rest``: all but those (the full read after a
    quick one). ``rows``: the crop's :func:`find_rows`, when already known."""
    grey = to_grey(crop)
    h, w = grey.shape[:2]
    box = next((r.box for r in (find_rows(grey) if rows is None else rows) if r.main), None)
    lines = []
    if not rest:
        lines.append(line_image(grey, ONE_LINE, height, width))
        if box is not None:
            lines.append(line_image(np.ascontiguousarray(row_crop(grey, box)), ONE_LINE, height, width))
    if quick:
        return lines
    if box is not None:  # keeps a first or last character the row finder missed
        # (a Californian "4" by the frame)
        lines.append(line_image(row_band(grey, box), ONE_LINE, height, width))
    for f in INSETS:
        dx, dy = int(w * f), int(h * f)
        if w - 2 * dx >= 8 and h - 2 * dy >= 4:
            lines.append(line_image(np.ascontiguousarray(grey[dy:h - dy, dx:w - dx]),
                                    ONE_LINE, height, width))
    padded = cv2.copyMakeBorder(grey, h // 8, h // 8, w // 16, w // 16, cv2.BORDER_REPLICATE)
    lines.append(line_image(padded, ONE_LINE, height, width))
    return lines


def row_band(grey: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The character row's height (plus :data:`BAND_MARGIN` above and below) across the crop's whole width."""
    pad = BAND_MARGIN * (box[3] - box[1])
    return np.ascontiguousarray(grey[max(0, int(box[1] - pad)):min(grey.shape[0], int(box[3] + pad))])


def row_lines(grey: np.ndarray, rows: Sequence[tuple[int, int, int, int]], height: int,
              width: int) -> list[np.ndarray]:
    """Two network inputs per row of a two-line plate: the row with a small margin, and its band
    (:func:`row_band`, which keeps a first or last character the row finder missed)."""
    return [line_image(widened(view), ONE_LINE, height, width)
            for box in rows for view in (np.ascontiguousarray(row_crop(grey, box)), row_band(grey, box))]


def fit_layouts(probs: Sequence[np.ndarray], charset: str,
                margin: float = FORMAT_MARGIN) -> list[tuple[str, tuple[float, ...]]]:
    """Per view, the greedy read, or the best read of the same length fitting a common layout when the
    greedy one fits none and the fitting read is within ``margin`` of its probability (see
    :data:`FORMAT_MARGIN`); every view's fit in one Viterbi pass. A read that still fits none then gets
    :func:`trim_edge` and :func:`o_or_zero`."""
    greedy = [ctc_greedy(p, charset) for p in probs]
    wanted = [() if latin_formats.fits_format(text) else _LAYOUTS_BY_LENGTH.get(len(text), ())
              for text, _ in greedy]
    fits = ctc_constrained_views(probs, charset, wanted)
    out = []
    for p, read, fit in zip(probs, greedy, fits, strict=True):
        text, confs = (fit[0], fit[1]) if fit is not None and greedy_score(p) - fit[2] <= margin else read
        text, confs = trim_edge(text, confs)
        out.append((o_or_zero(text), confs))
    return out


SERIAL_LAYOUT = "9AAA999"
"""The US serial layout (California's and several other states') that a :class:`LatinNetReader`'s ``serial``
network reads for it; see :meth:`LatinNetReader.serial_read`."""
SERIAL_EDITS = 2
"""The serial network's read is taken when it fits :data:`SERIAL_LAYOUT` within this many edits of the first
read (a look-alike or two, the leading 4 lost by a frame); so it is asked only about first reads within that
many edits of the layout, not about a European, British or personalised plate, nor about the digit-only
reads the Latin network makes of Korean plates."""

NARROW_OF_H = "WM"
"""Letters the serial network may put where the Latin network read an H on any plate (see
:meth:`LatinNetReader.serial_read`): it was trained on California's W (upright stems, the inner strokes
peaking near mid-height), which the Latin network reads as H, on plates of every layout."""

Q_SURE = 0.98
"""A plate read's Q under this confidence is taken for an O (:func:`unsure_q`)."""


def unsure_q(text: str, confs: tuple[float, ...], sure: float | None = None) -> str:
    """A Q read under ``sure`` (:data:`Q_SURE`) is an O: many plate series leave Q out, and where it is
    used the network reads it at 0.996-1.000 (us-ucsd's six), while it reads some plate fonts' O as an
    unsure Q (us-ucsd ``3UOA792`` read ``3UQA792``, the Q at 0.79; es ``TOYDR``). On the crop sets es 89 ->
    90 and us-ucsd 160 -> 161 (of the reader alone), none lost; at 0.999 us-ucsd lost a true Q. Synthetic
    Latin and Korean plates unchanged."""
    sure = Q_SURE if sure is None else sure
    if "Q" not in text or len(confs) != len(text):
        return text
    return "".join("O" if ch == "Q" and c < sure else ch for ch, c in zip(text, confs))


def narrow_h(first: str, serial: str) -> bool:
    """Whether ``serial`` is ``first`` with some of its H read as W or M (:data:`NARROW_OF_H`) and nothing
    else changed: California's W on a personalised plate (``VGREHAL`` -> ``VGREWAL``), a narrow M
    (``ZUH619`` -> ``ZUM619``)."""
    if len(first) != len(serial) or first == serial:
        return False
    return all(a == b or (a == "H" and b in NARROW_OF_H) for a, b in zip(first, serial, strict=True))


def o_or_zero(text: str) -> str:
    """A read that fits no common layout takes O for a 0 standing among letters, and 0 for an O standing
    among digits, when that makes it fit one (``0UTSTDN`` -> ``OUTSTDN``, ``W0NELLY`` -> ``WONELLY``): on
    British and many other plates the two are one glyph, so the network cannot tell them apart. A 0 or O
    beside both a letter and a digit (``6J01992``) is left as read."""
    if latin_formats.fits_format(text):
        return text
    chars = list(text)
    for i, ch in enumerate(text):
        around = [text[j] for j in (i - 1, i + 1) if 0 <= j < len(text)]
        if ch == "0" and around and all(c.isalpha() for c in around):
            chars[i] = "O"
        elif ch == "O" and around and all(c.isdigit() for c in around):
            chars[i] = "0"
    swapped = "".join(chars)
    return swapped if latin_formats.fits_format(swapped) else text


def trim_edge(text: str, confs: tuple[float, ...]) -> tuple[str, tuple[float, ...]]:
    """A read that fits no common layout loses its first or last character when that character is unsure
    (under :data:`EDGE_SURE`) and the rest fits one: a plate frame's or bolt's edge read as a character
    (``14TDS709`` -> ``4TDS709``, ``2BKP1121`` -> ``2BKP112``, ``CY110KSB`` -> ``CY110KS``). Of the two
    ends, the less sure one goes."""
    if len(text) <= LATIN_LENGTH[0] or len(confs) != len(text) or latin_formats.fits_format(text):
        return text, confs
    options = []
    if confs[0] < EDGE_SURE and latin_formats.fits_format(text[1:]):
        options.append((confs[0], text[1:], confs[1:]))
    if confs[-1] < EDGE_SURE and latin_formats.fits_format(text[:-1]):
        options.append((confs[-1], text[:-1], confs[:-1]))
    if not options:
        return text, confs
    _conf, trimmed, kept = min(options)
    return trimmed, kept


def fit_two_lines(rows: Sequence[tuple[str, tuple[float, ...], np.ndarray]], charset: str,
                  margin: float = FORMAT_MARGIN) -> tuple[str, tuple[float, ...]]:
    """The rows' reads (text, character confidences, the read view's CTC output) joined top first; when
    the joined text fits no common layout, the best pair of row reads fitting one of its length split at
    the rows' boundary (India's ``AA99AA9999``: ``BR1OAH8493`` -> ``BR10AH8493``), if its paths are at most
    ``margin`` less probable than the greedy ones (as :func:`fit_layouts` for one line)."""
    text = "".join(t for t, _, _ in rows)
    confs = tuple(c for _, cs, _ in rows for c in cs)
    if latin_formats.fits_format(text) or len(rows) != 2:
        return text, confs
    cut = len(rows[0][0])
    probs = [p for _, _, p in rows]
    greedy = sum(greedy_score(p) for p in probs)
    best: tuple[float, str, tuple[float, ...]] | None = None
    for layout in _LAYOUTS_BY_LENGTH.get(len(text), ()):
        top, bottom = ctc_constrained_views(probs, charset, [[layout[:cut]], [layout[cut:]]])
        if top is None or bottom is None:
            continue
        score = top[2] + bottom[2]
        if greedy - score <= margin and (best is None or score > best[0]):
            best = (score, top[0] + bottom[0], top[1] + bottom[1])
    return (best[1], best[2]) if best is not None else (text, confs)


def pick(reads: Sequence[PlateRead]) -> PlateRead | None:
    """The plate-length text with the largest summed confidence over the views (views that agree outvote
    one confident outlier); its most confident read is returned, an unsure Q in it read as O
    (:func:`unsure_q`, then :func:`o_or_zero`). None when no view has plate length."""
    got = summed_vote(reads, lambda text: LATIN_LENGTH[0] <= len(text) <= LATIN_LENGTH[1])
    if got is None:
        return None
    text = unsure_q(got.text, got.char_confidences)
    if text == got.text:
        return got  # the views' reads had the O/0 rule already
    text = o_or_zero(text)
    return replace(got, text=text, plate_format=plates.plate_format(text))


class LatinNetReader(CtcNetwork):
    """Reads Latin plates with the project's CRNN (``latin_reader.*``), through ONNX or EasyOCR's
    ``recog_network``; per-character confidences come from the CTC peaks. ``cheap``: one small batch
    (a few ms), so the reader chain asks it even after a trusted Korean read."""

    cheap = True

    def __init__(self, weights_dir: Path, name: str = "latin_reader", device: str = "cpu",
                 backend: str = "auto", threads: int = 1, int8: bool = True,
                 serial: CtcNetwork | None = None) -> None:
        super().__init__(weights_dir, name, device=device, backend=backend, threads=threads, int8=int8)
        if serial is not None and serial.charset != self.charset:
            raise ValueError(f"serial network {serial.model_name} reads other characters than {name}")
        self.serial = serial

    def read_views(self, crop: np.ndarray, quick: bool = False,
                   rows: Sequence[CharRow] | None = None) -> list[PlateRead]:
        """One read per view of the crop (see :func:`latin_lines` and :func:`fit_layouts`)."""
        return self._reads(self.line_probs(latin_lines(crop, self.img_h, self.img_w, quick, rows)))

    def _reads(self, probs: np.ndarray, net: CtcNetwork | None = None) -> list[PlateRead]:
        """Each view's read (:func:`fit_layouts`), with the gap it passed over (:func:`wide_gap`) when it is
        the view's greedy read; ``net`` names the network that gave ``probs`` (this one by default)."""
        views = list(probs)
        name = (net or self).model_name
        return [PlateRead(text=text, confidence=confidence(confs), char_confidences=confs,
                          plate_format=plates.plate_format(text), reader=name,
                          gap_before=wide_gap(p) if text == ctc_greedy(p, self.charset)[0] else -1)
                for p, (text, confs) in zip(views, fit_layouts(views, self.charset), strict=True)]

    def serial_read(self, lines: Sequence[np.ndarray], got: PlateRead | None) -> PlateRead | None:
        """``got`` (the vote of the views ``lines``), or the ``serial`` network's vote of the same views when
        that fits the US serial layout (:data:`SERIAL_LAYOUT`) within :data:`SERIAL_EDITS` of ``got``, or,
        on a plate of any layout, when it differs from ``got`` only by an H read as W or M
        (:func:`narrow_h`). The serial network is a fine-tune that reads the narrow Californian W, F, V and O
        apart from H, E, M and Q better than this network, but reads personalised and European plates worse
        elsewhere; it is asked only when ``got`` is within :data:`SERIAL_EDITS` of the layout or holds an H
        (else no read it may give would be taken)."""
        if self.serial is None or got is None:
            return got
        near = latin_formats.layout_distance(got.text, SERIAL_LAYOUT) <= SERIAL_EDITS
        if not near and "H" not in got.text:
            return got
        alt = pick(self._reads(self.serial.line_probs(list(lines)), self.serial))
        if alt is None or alt.text == got.text:
            return got
        if (near and latin_formats.fits_layout(alt.text, SERIAL_LAYOUT)
                and edit_distance(alt.text, got.text) <= SERIAL_EDITS):
            return alt
        return alt if narrow_h(got.text, alt.text) else got

    def draft(self, crop: np.ndarray) -> LatinDraft | None:
        """The quick read's work (the crop's rows and its first two views), which :meth:`finish` reuses for
        the full read; None for an empty or tiny crop."""
        if crop is None or crop.size == 0 or min(crop.shape[:2]) < 4:
            return None
        grey = to_grey(denoise_dark(crop))
        rows = find_rows(grey)
        lines = latin_lines(grey, self.img_h, self.img_w, quick=True, rows=rows)
        return LatinDraft(grey, rows, self._reads(self.line_probs(lines)), lines)

    def finish(self, draft: LatinDraft) -> PlateRead | None:
        """The full read: a two-line plate's rows, else the vote of every view (the draft's two and the
        rest)."""
        two = self.two_line_read(draft.grey, draft.rows)
        if two is not None and LATIN_LENGTH[0] <= len(two.text) <= LATIN_LENGTH[1]:
            return two
        rest = latin_lines(draft.grey, self.img_h, self.img_w, rows=draft.rows, rest=True)
        got = pick(draft.reads + (self._reads(self.line_probs(rest)) if rest else []))
        return self.serial_read(draft.lines + rest, got)

    def read(self, crop: np.ndarray) -> PlateRead | None:
        draft = self.draft(crop)
        return None if draft is None else self.finish(draft)

    def two_line_read(self, grey: np.ndarray, rows: Sequence[CharRow] | None = None) -> PlateRead | None:
        """The read of a two-line plate (``MH12`` over ``AB1234``: ``MH12AB1234``), each row read on its
        own; None when the crop has no second row or a row reads fewer than ``TWO_LINE_MIN_CHARS``.
        ``rows``: the crop's :func:`find_rows`, when already known."""
        rows = find_rows(grey) if rows is None else rows
        if len(rows) != 2:
            return None
        probs = list(self.line_probs(row_lines(grey, [r.box for r in rows], self.img_h, self.img_w)))
        picked = []
        for k in range(len(rows)):
            views = [PlateRead(text=text, confidence=confidence(confs), char_confidences=confs)
                     for text, confs in (ctc_greedy(p, self.charset) for p in probs[2 * k:2 * k + 2])]
            best = summed_vote(views, lambda text: len(text) >= TWO_LINE_MIN_CHARS)
            if best is None:
                return None
            picked.append((best.text, best.char_confidences, probs[2 * k + views.index(best)]))
        text, confs = fit_two_lines(picked, self.charset)
        return PlateRead(text=text, confidence=confidence(confs), char_confidences=confs,
                         plate_format=plates.plate_format(text), reader=self.model_name)

    def quick_read(self, crop: np.ndarray) -> PlateRead | None:
        """Two views only: the second opinion the reader chain asks after a trusted Korean read."""
        draft = self.draft(crop)
        return None if draft is None else draft.read


@dataclass
class LatinDraft:
    """The Latin reader's quick read of a crop, kept to finish the full read without redoing it."""

    grey: np.ndarray
    rows: Sequence[CharRow]
    reads: list[PlateRead]  # one per quick view
    lines: list[np.ndarray]  # the quick views (network inputs)

    @property
    def read(self) -> PlateRead | None:
        return pick(self.reads)
