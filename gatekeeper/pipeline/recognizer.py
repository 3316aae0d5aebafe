"""Still-image recognition (detect, crop, upscale, read, grammar check) and the crop helpers it shares."""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import replace

import cv2
import numpy as np

from gatekeeper.domain import plates
from gatekeeper.domain.latin_formats import fits_format
from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.deblur import Smear, smears
from gatekeeper.pipeline.detector import mirror_finds
from gatekeeper.pipeline.reader import korean_valid
from gatekeeper.pipeline.reader_chain import shows_nothing
from gatekeeper.pipeline.reader_latin import latin_sure
from gatekeeper.pipeline.tracker import dedupe_detections, part_of
from gatekeeper.pipeline.types import Detection, PlateDetector, PlateObservation, PlateReader

log = logging.getLogger(__name__)

CROP_MARGIN = 0.08  # fraction of the box size added on every side
WHOLE_IMAGE_MAX_SIDE = 640  # larger images are scenes, not plate crops
WHOLE_IMAGE_ASPECT = (1.5, 6.0)
LARGE_CROP_MIN_ASPECT = 2.5  # wider than 16:9 and 21:9 pictures: a large image this wide is a plate crop
STILL_DOWNSCALE = 3.0  # a still image is detected at an input no smaller than its long side / this
FINE_DOWNSCALE = 2.0  # a large still image is looked at again at its long side / this (small plates)
FINE_GAIN = 1.25  # ... when that input is at least this much larger than the first look's
PLATE_LIKE_CONFIDENCE = 0.7  # a weakly scored box is reported when read as a plate at least this confidently
FINE_SURE = 0.95  # a box only the fine look found is reported when its read is a valid plate this confident
FINE_TILE_OVERLAP = 0.25  # the fine look's tiles of a huge image overlap by this share of their side
FINE_MAX_TILES = 12  # more would be needed: the tiles are made larger (the image looked at coarser)
SAME_SCALE = 0.3  # a box inside a box over 1 / this times as wide is not a part of it (a plate, a car)
TILE_MAX_BOX = 0.125  # a tile's box wider than this share of its side is left to the looks at the whole image
SEAM = 2  # px: a box this close to a tile's inner edge is cut by it (the neighbouring tile holds it whole)
UNSMEAR_SETTLED = 0.99  # a valid Korean read this sure is not read unsmeared (Hangul's horizontal strokes put
# many sharp Korean plates under the smear ratio; smeared ones read 0.93-0.99, or as Latin digits at 0.99+);
# nor is a sure Latin read (reader_latin.latin_sure: letters in a common layout, every character >= 0.97)
SHIFTS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1))  # the shift vote's
# placements, in steps: the box and its eight neighbours on a grid (unmoved first)
WHOLE_SHIFTS = ((0, 0), (-1, 0), (1, 0))  # a whole image's placements: as it is, cut by a step at its
# right, then at its left edge (a box filling the image moves only inward; a step up or down would cut a tenth
# of a one-line plate's height). 4,000 synthetic crops read whole 3,894 -> 3,929 (the grid's nine: the same),
# us-ucsd's crops 171 -> 174, es's and kr-dev's unchanged (thirty-fourth session)


def crop_rect(shape: tuple[int, ...], box: Box, margin: float = CROP_MARGIN) -> tuple[int, int, int, int]:
    """(x1, y1, x2, y2) of the box plus ``margin`` on each side, clipped to a frame of ``shape``."""
    h, w = shape[:2]
    mx, my = box.width * margin, box.height * margin
    x1 = int(max(0, np.floor(box.x1 - mx)))
    y1 = int(max(0, np.floor(box.y1 - my)))
    x2 = int(min(w, np.ceil(box.x2 + mx)))
    y2 = int(min(h, np.ceil(box.y2 + my)))
    return x1, y1, max(x2, x1 + 1), max(y2, y1 + 1)


def whole_box(width: int, height: int, margin: float = CROP_MARGIN) -> Box:
    """The box whose crop with ``margin`` (:func:`crop_rect`) is the whole ``width`` x ``height`` image."""
    ix, iy = width * margin / (1 + 2 * margin), height * margin / (1 + 2 * margin)
    return Box(ix, iy, width - ix, height - iy)


def crop_plate(frame: np.ndarray, box: Box, margin: float = CROP_MARGIN) -> np.ndarray:
    """The box plus ``margin`` on each side, clipped to the frame (a view, not a copy)."""
    x1, y1, x2, y2 = crop_rect(frame.shape, box, margin)
    return frame[y1:y2, x1:x2]


def upscale(crop: np.ndarray, min_width: int) -> np.ndarray:
    """Enlarge crops narrower than ``min_width`` (cubic), keeping the aspect ratio."""
    h, w = crop.shape[:2]
    if min_width <= 0 or w >= min_width or w == 0 or h == 0:
        return crop
    scale = min_width / w
    return cv2.resize(crop, (min_width, max(1, round(h * scale))), interpolation=cv2.INTER_CUBIC)


def plate_aspect(image: np.ndarray) -> bool:
    """Width / height within a plate's range (a two-line plate's ~1.6 to a long one-line plate's ~5)."""
    h, w = image.shape[:2]
    return h > 0 and WHOLE_IMAGE_ASPECT[0] <= w / h <= WHOLE_IMAGE_ASPECT[1]


def looks_like_plate_crop(image: np.ndarray) -> bool:
    """An image that is probably one plate (crop-only sets): small with a plate's aspect ratio, or of any
    size but wider than any camera picture (a high-resolution crop of a one-line plate)."""
    h, w = image.shape[:2]
    if not plate_aspect(image):
        return False
    return max(h, w) <= WHOLE_IMAGE_MAX_SIDE or w / h >= LARGE_CROP_MIN_ASPECT


def grammar_checked(read: PlateRead) -> PlateRead:
    """Normalise the text; an invalid one is replaced by ``correct_plate`` when that yields a valid plate."""
    text = plates.normalize_plate(read.text)
    if not plates.is_valid_plate(text):
        fixed = plates.correct_plate(text) if text else None
        if fixed and plates.is_valid_plate(fixed):
            log.debug("corrected %r -> %r", text, fixed)
            text = fixed
    fmt = plates.plate_format(text) if plates.is_valid_plate(text) else read.plate_format
    return replace(read, text=text, plate_format=fmt or "")


def checked(read: PlateRead | None) -> PlateRead | None:
    """A reader's read as the pipeline keeps it: ``None`` when it found nothing, else grammar-checked."""
    if read is None or not read.text:
        return None
    return grammar_checked(read)


def _same_plate(a: Box, b: Box) -> bool:
    """Two boxes of one plate (as the two looks of a still image box it); not a plate and a box around its
    car."""
    return a.iou(b) >= 0.3 or part_of(a, b, same_scale=SAME_SCALE)


def fine_tiles(h: int, w: int, side: int) -> list[tuple[int, int, int, int]]:
    """Overlapping tiles (x0, y0, x1, y1) of at most ``side`` px covering an ``h`` x ``w`` image: the image
    itself when it fits, and never more than :data:`FINE_MAX_TILES` (larger tiles then)."""
    def starts(length: int) -> list[int]:
        if length <= side:
            return [0]
        n = math.ceil((length - side) / (side * (1 - FINE_TILE_OVERLAP))) + 1
        return [int(v) for v in np.linspace(0, length - side, n).round()]

    while len(starts(h)) * len(starts(w)) > FINE_MAX_TILES:
        side = int(side * 1.25)
    return [(x, y, min(w, x + side), min(h, y + side)) for y in starts(h) for x in starts(w)]


def read_crop(reader: PlateReader, crop: np.ndarray, upscale_min_width: int) -> PlateRead | None:
    """Upscale if small, read, grammar-check; ``None`` when the reader finds nothing, or is not asked because
    it tells that the crop shows nothing to read (:func:`~.reader_chain.shows_nothing`)."""
    if crop.size == 0:
        return None
    up = np.ascontiguousarray(upscale(crop, upscale_min_width))
    return None if shows_nothing(reader, up) else checked(reader.read(up))


def _numbered(observations: list[PlateObservation]) -> list[PlateObservation]:
    """``observations`` with their track ids numbering them (one still image: one track per plate)."""
    for i, obs in enumerate(observations):
        obs.track_id = i
    return observations


def shifted(box: Box, dx: float, dy: float) -> Box:
    """``box`` moved by (dx, dy) px."""
    return Box(box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy)


def vote_reads(reads: list[PlateRead | None]) -> int | None:
    """Index of the winning read: its text has the largest summed confidence over ``reads`` (a tie goes to
    the text read first), and of that text's reads it is the most confident. None when nothing was read."""
    totals: dict[str, float] = {}
    for read in reads:
        if read is not None:
            totals[read.text] = totals.get(read.text, 0.0) + read.confidence
    if not totals:
        return None
    text = max(totals, key=lambda t: totals[t])  # dicts keep insertion order: the first text wins a tie
    return max((i for i, r in enumerate(reads) if r is not None and r.text == text),
               key=lambda i: reads[i].confidence)  # type: ignore[union-attr]


def better_read(a: PlateRead | None, b: PlateRead | None) -> PlateRead | None:
    """Prefer a grammar-valid read, then the more confident one."""
    if a is None or b is None:
        return a or b
    ka = (plates.is_valid_plate(a.text), a.confidence)
    kb = (plates.is_valid_plate(b.text), b.confidence)
    return a if ka >= kb else b


class Recognizer:
    """Reads every plate in one still image; used by ``gatekeeper read`` and ``gatekeeper eval``.

    A read below ``recheck_below`` is re-read from a wider crop and the better of the two kept; reads below
    ``min_confidence`` are dropped (the observation stays, with ``read=None``). With ``fallback_confidence``
    (the detector must then accept ``detect(image, confidence=...)``), an image where nothing scores above
    the detector's threshold gets a second look at the boxes scoring at least ``fallback_confidence``: the
    best one read as a sure plate is kept (a dark or foggy frame scores its plate low). With ``max_imgsz``
    a large image is detected at a larger input than the detector's own (its long side / ``STILL_DOWNSCALE``,
    at most ``max_imgsz``): a plate 150 px wide in a 1920 px street photo is 25 px at the 320 input, too
    small to be found. With ``fine_max_imgsz`` a large image is also detected at its long side /
    ``FINE_DOWNSCALE`` (at most ``fine_max_imgsz``): a plate 80 px wide in a 1920 px traffic-camera frame is
    27 px at the first look's 640 input, 40 px at 960. The two looks' boxes are pooled (of two boxes of one
    plate the better-scored is kept); a box only the fine look found is reported only when read as a valid
    plate at ``FINE_SURE`` or more (at that size the detector also finds lettering and texture), unless it is
    the best-scored box. Besides the best-scoring box, a box scored under ``unsure_min_score`` is reported
    only when its read is plate-like (valid, ``PLATE_LIKE_CONFIDENCE``, a Korean plate or a common Latin
    layout): bumpers, badges and signs read as garbage are left out. With ``shift_vote`` (a share of the box
    width) each box is also read moved by that much in the eight directions of a grid, and the text with
    the largest summed confidence over the nine reads is kept, as sure as the reads agree (that sum / 9): a
    read that holds only at one box placement (reads swing with a box moved by a pixel) is outvoted. With
    ``unsmear`` a crop that looks smeared (sideways, up and down, or on a slant) is also read unsmeared by a
    few candidate smears (:func:`.deblur.smears`), and the reader's arbitration picks among the reads.
    With ``mirror`` the first look is also made at the image mirrored left to right
    (:func:`~.detector.mirror_finds`): where the first look found something, a box only the mirrored look
    found is reported only when read as a plate (``PLATE_LIKE_CONFIDENCE``), however it scored; where
    neither the first nor the fine look found anything, its boxes read as plates are reported, else what
    the second look finds, else its best box.
    """

    def __init__(
        self,
        detector: PlateDetector | None,
        reader: PlateReader,
        *,
        upscale_min_width: int = 160,
        recheck_below: float = 0.8,
        min_confidence: float = 0.0,
        margin: float = CROP_MARGIN,
        fallback_confidence: float | None = None,
        max_imgsz: int | None = None,
        unsure_min_score: float = 0.0,
        fine_max_imgsz: int | None = None,
        shift_vote: float = 0.0,
        unsmear: bool = False,
        mirror: bool = False,
    ) -> None:
        self.detector = detector
        self.mirror = mirror
        self.unsmear = unsmear
        self.shift_vote = shift_vote
        self.fine_max_imgsz = fine_max_imgsz
        self.fallback_confidence = fallback_confidence
        self.max_imgsz = max_imgsz
        self.unsure_min_score = unsure_min_score
        self.reader = reader
        self.upscale_min_width = upscale_min_width
        self.recheck_below = recheck_below
        self.min_confidence = min_confidence
        self.margin = margin
        self.read_ms: list[float] = []  # the reader's time on each crop of the last ``recognize`` call

    def _read_crop(self, crop: np.ndarray) -> PlateRead | None:
        start = time.perf_counter()
        try:
            return read_crop(self.reader, crop, self.upscale_min_width)
        finally:
            self.read_ms.append((time.perf_counter() - start) * 1e3)

    def read_box(self, image: np.ndarray, box: Box,
                 shifts: tuple[tuple[int, int], ...] = SHIFTS) -> tuple[PlateRead | None, np.ndarray]:
        """Read one known box: (read or None, the crop that gave it); with ``shift_vote``, the vote's winner
        over the box at each of ``shifts`` (in steps of ``shift_vote`` times its width; unmoved first)."""
        box_smears = self._box_smears(image, box) if self.unsmear else None
        if self.shift_vote <= 0:
            read, crop = self._read_placed(image, box, box_smears)
        else:
            step = max(1.0, self.shift_vote * box.width)
            seen: dict[tuple[int, int, int, int], tuple[PlateRead | None, np.ndarray]] = {}
            placed = []
            for dx, dy in shifts:  # a placement the frame's edge clips to an earlier one's crop
                # votes its read again
                moved = shifted(box, dx * step, dy * step)
                key = crop_rect(image.shape, moved, self.margin)
                if key not in seen:
                    seen[key] = self._read_placed(image, moved, box_smears)
                placed.append(seen[key])
            reads = [r for r, _ in placed]
            win = vote_reads(reads)
            read, crop = placed[0] if win is None else placed[win]
            if read is not None:  # as sure as the placements agree: its text's summed confidence over all
                agree = sum(r.confidence for r in reads if r is not None and r.text == read.text)
                read = replace(read, confidence=agree / len(reads))
        if read is not None and read.confidence < self.min_confidence:
            read = None
        return read, crop

    def _box_smears(self, image: np.ndarray, box: Box) -> Callable[[], list[Smear]]:
        """The candidate smears of the box's crop (upscaled as it is read), estimated when first asked for: a
        box whose every read is settled needs none."""
        return functools.cache(
            lambda: smears(upscale(crop_plate(image, box, self.margin), self.upscale_min_width)))

    def _read_placed(self, image: np.ndarray, box: Box,
                     box_smears: Callable[[], list[Smear]] | None = None,
                     ) -> tuple[PlateRead | None, np.ndarray]:
        """Read one box as placed; a read that is not sure is compared with a read of a wider crop. With
        ``box_smears`` (the box's candidate smears, :meth:`_box_smears`), a read that is not settled is also
        compared with reads of the crop unsmeared by each."""
        crop = narrow = crop_plate(image, box, self.margin)
        read = self._read_crop(crop)
        wide = crop_plate(image, box, self.margin * 2.5) if not self._sure(read) else None
        if wide is not None and wide.shape != crop.shape:  # same shape: the same region
            # (a box filling the image)
            second = self._read_crop(wide)
            if self._pick([read, second]) is second and second is not None:
                read, crop = second, wide
        if box_smears is not None and not self._settled(read) and (found := box_smears()):
            up = upscale(narrow, self.upscale_min_width)
            read = self._pick([read] + [self._read_crop(smear.undo(up)) for smear in found])
        return read, crop

    @staticmethod
    def _settled(read: PlateRead | None) -> bool:
        """A read too sure to be worth reading the crop unsmeared (:data:`UNSMEAR_SETTLED`)."""
        if read is None:
            return False
        return read.confidence >= UNSMEAR_SETTLED if korean_valid(read.text) else latin_sure(read)

    def _pick(self, reads: list[PlateRead | None]) -> PlateRead | None:
        """The reader chain's arbitration (Korean vs Latin) when it has one, else :func:`better_read` (a tie
        goes to the later read)."""
        choose = getattr(self.reader, "choose", None)
        if choose is not None:
            return choose(reads)
        best: PlateRead | None = None
        for read in reads:
            best = better_read(read, best)
        return best

    def recognize(self, image: np.ndarray) -> list[PlateObservation]:
        """One observation per detected plate (best first). A plate-shaped image (a crop of one plate) is
        read whole first: a sure, valid whole-image read is its one plate; otherwise the detections are read
        as in a scene. When nothing is detected (but by the mirrored look, whose boxes read as plates come
        first): the second look below the threshold, the mirrored look's best box, then the whole image (a
        plate-shaped one as it reads; a large one with a plate's aspect only when it reads as a sure
        plate)."""
        if image is None or image.ndim != 3 or image.size == 0:
            raise ValueError("expected a BGR image (HxWx3)")
        self.read_ms = []
        whole: PlateObservation | None = None
        if looks_like_plate_crop(image):
            whole = self._read_whole(image)
            if self._sure(whole.read):
                return [whole]
        coarse = self._detect(image) if self.detector is not None else []
        mirrored = self._mirrored(image, coarse)
        fine = self._fine_look(image)
        if coarse or fine:
            return _numbered([o for o, keep in self._read_boxes(image, coarse, mirrored, fine) if keep])
        seen = self._read_boxes(image, [], mirrored, [])  # what only the mirrored look found, if anything
        found = _numbered([o for o, keep in seen if keep]) or self._second_look(image)
        if not found and seen and whole is None:  # its best box, as the first look's best box is reported
            found = [seen[0][0]]
        if not found and whole is None and plate_aspect(image):  # a large crop nothing was found in
            last = self._read_whole(image)
            found = [last] if self._plate_like(last.read, self.recheck_below) else []
        return found or ([whole] if whole is not None else [])

    def _read_boxes(self, image: np.ndarray, coarse: list[Detection], mirrored: list[Detection],
                    fine: list[Detection]) -> list[tuple[PlateObservation, bool]]:
        """The looks' boxes pooled, best first, each read, and whether it is reported (see the class)."""
        detections = dedupe_detections(coarse + mirrored + fine, same_scale=SAME_SCALE)
        alone = [d for d in fine if not any(_same_plate(d.box, c.box) for c in coarse)]  # what only it saw
        out = []
        for i, det in enumerate(sorted(detections, key=lambda d: -d.score)):
            read, crop = self.read_box(image, det.box)
            if any(det is d for d in alone):
                keep = i == 0 or self._plate_like(read, FINE_SURE, any_layout=True)
            elif any(det is d for d in mirrored):
                keep = self._plate_like(read, PLATE_LIKE_CONFIDENCE)
            else:
                keep = (i == 0 or det.score >= self.unsure_min_score
                        or self._plate_like(read, PLATE_LIKE_CONFIDENCE))
            out.append((PlateObservation(detection=det, track_id=0, read=read, crop=crop.copy()), keep))
        return out

    def input_size(self, image: np.ndarray) -> int | None:
        """The detector input for ``image``: None (the detector's own) unless ``max_imgsz`` asks for more."""
        own = getattr(self.detector, "imgsz", None)
        if self.max_imgsz is None or own is None:
            return None
        want = 32 * math.ceil(max(image.shape[:2]) / STILL_DOWNSCALE / 32)
        size = int(min(self.max_imgsz, max(own, want)))
        return size if size != own else None

    def fine_size(self, image: np.ndarray) -> int | None:
        """The fine look's detector input for ``image``: None when it would not see plates much larger than
        the first look (a small image) or is switched off (``fine_max_imgsz`` None)."""
        own = getattr(self.detector, "imgsz", None)
        if self.fine_max_imgsz is None or own is None:
            return None
        first = self.input_size(image) or own
        size = int(min(self.fine_max_imgsz, 32 * math.ceil(max(image.shape[:2]) / FINE_DOWNSCALE / 32)))
        return size if size >= first * FINE_GAIN else None

    def _fine_look(self, image: np.ndarray) -> list[Detection]:
        """The fine look's boxes. An image more than ``FINE_DOWNSCALE`` times the largest input (a 4K traffic
        frame) is also looked at in overlapping tiles, each at that input, for its small plates (at most
        :data:`TILE_MAX_BOX` of a tile wide; larger ones the whole image's looks see well): a box cut by a
        tile's inner edge is left to the neighbouring tile."""
        size = self.fine_size(image)
        if self.detector is None or size is None:
            return []
        found = self.detector.detect(image, imgsz=size)  # type: ignore[call-arg]
        h, w = image.shape[:2]
        tiles = fine_tiles(h, w, int(size * FINE_DOWNSCALE))
        if len(tiles) == 1:
            return found
        for x0, y0, x1, y1 in tiles:
            tile = np.ascontiguousarray(image[y0:y1, x0:x1])
            for det in self.detector.detect(tile, imgsz=size):  # type: ignore[call-arg]
                b = det.box
                if b.width > TILE_MAX_BOX * max(x1 - x0, y1 - y0) or (
                        (x0 > 0 and b.x1 <= SEAM) or (x1 < w and b.x2 >= x1 - x0 - SEAM)
                        or (y0 > 0 and b.y1 <= SEAM) or (y1 < h and b.y2 >= y1 - y0 - SEAM)):
                    continue
                found.append(Detection(Box(b.x1 + x0, b.y1 + y0, b.x2 + x0, b.y2 + y0), det.score))
        return dedupe_detections(found, same_scale=SAME_SCALE)

    def _detect(self, image: np.ndarray, confidence: float | None = None) -> list[Detection]:
        assert self.detector is not None
        size = self.input_size(image)
        if size is None and confidence is None:
            return self.detector.detect(image)
        return self.detector.detect(image, confidence=confidence, imgsz=size)  # type: ignore[call-arg]

    def _mirrored(self, image: np.ndarray, first: list[Detection]) -> list[Detection]:
        """The boxes of the first look at the image mirrored (``mirror``) that are no plate of ``first``."""
        if self.detector is None or not self.mirror:
            return []
        size = self.input_size(image)
        return mirror_finds(self.detector, image, first, **({} if size is None else {"imgsz": size}))

    def _sure(self, read: PlateRead | None) -> bool:
        return read is not None and read.confidence >= self.recheck_below and plates.is_valid_plate(read.text)

    @staticmethod
    def _plate_like(read: PlateRead | None, min_confidence: float, any_layout: bool = False) -> bool:
        """A valid read at least this confident that is a Korean plate, or a Latin read of five or more
        characters in a common layout (``any_layout``: in any; not a sign, a badge or a texture: noise reads
        as short letter runs)."""
        if read is None or read.confidence < min_confidence or not plates.is_valid_plate(read.text):
            return False
        text = read.text
        return plates.is_korean(text) or ((any_layout or fits_format(text)) and len(text) >= 5)

    def _read_whole(self, image: np.ndarray) -> PlateObservation:
        """The whole image read as one plate: as a box whose crop (with the margin) is the image, so that the
        shift vote's placements (:data:`WHOLE_SHIFTS`) cut it by a step at one side or the other (a box of the
        image itself moved by a step is clipped back to it, under a margin wider than the step)."""
        h, w = image.shape[:2]
        det = Detection(Box(0.0, 0.0, float(w), float(h)), 0.0)
        read, crop = self.read_box(image, whole_box(w, h, self.margin), WHOLE_SHIFTS)
        return PlateObservation(detection=det, track_id=0, read=read, crop=crop.copy())

    def _second_look(self, image: np.ndarray) -> list[PlateObservation]:
        """The best box below the detector's threshold (down to ``fallback_confidence``) whose read is sure
        and a Korean plate or a common Latin layout (a sign reading ``GATE1`` is not kept)."""
        if self.detector is None or self.fallback_confidence is None:
            return []
        low = self._detect(image, confidence=self.fallback_confidence)
        for det in sorted(dedupe_detections(low), key=lambda d: -d.score):
            read, crop = self.read_box(image, det.box)
            if self._plate_like(read, self.recheck_below):
                log.debug("second look: %s at detector score %.2f", read.text, det.score)
                return [PlateObservation(detection=det, track_id=0, read=read, crop=crop.copy())]
        return []
