"""Voting over one track's reads: which text a vehicle's frames agree on, and whether it may be logged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from gatekeeper.domain import plates
from gatekeeper.domain.text import edit_distance
from gatekeeper.domain.types import Box, PlateRead

CORRECTED_WEIGHT = 0.8  # a read that only became valid through correct_plate counts a little less
TIE_MARGIN = 0.15  # candidates within 15 % of the best weight are settled by per-character voting
SYLLABLE_SEEN = 0.9
"""A Korean pass is logged only when one of its reads of that text read the use syllable at this
confidence or more (:func:`syllable_seen`). Where the Korean network sees no syllable, the grammar path
puts the likeliest one in: a radiator grille's or a fence's bars read ``111사1111`` frame after frame,
with the syllable at 0.1-0.7, and four such passes were logged on the es approach footage
(twenty-eighth session). Real plates' passes had a read with the syllable at 0.94 or more: kr-dev and
its darkened and infrared-like copies (0.96), 137 synthetic Korean plates driven toward the camera
(0.94), the demo video sharp and smeared (0.996)."""


@dataclass(frozen=True, slots=True)
class Vote:
    """Outcome of voting over one track's reads."""

    text: str
    confidence: float
    valid: bool
    support: int
    plate_format: str = ""


def canonical_text(read: PlateRead) -> tuple[str, bool, float]:
    """(normalised text, grammar-valid, weight factor) for one read; invalid reads get ``correct_plate``."""
    text = plates.normalize_plate(read.text)
    if text and plates.is_valid_plate(text):
        return text, True, 1.0
    corrected = plates.correct_plate(text) if text else None
    if corrected and corrected != text and plates.is_valid_plate(corrected):
        return corrected, True, CORRECTED_WEIGHT
    return text, False, 1.0


def _char_vote(texts: list[str], weights: list[float]) -> str:
    """Per-position weighted majority over texts of one length."""
    out = []
    for i in range(len(texts[0])):
        score: dict[str, float] = defaultdict(float)
        for t, w in zip(texts, weights):
            score[t[i]] += w
        out.append(max(score.items(), key=lambda kv: (kv[1], kv[0]))[0])
    return "".join(out)


def nearest_region(best: str, texts: list[str], confidences: list[float], widths: list[float]) -> str:
    """``best`` with the region mark the reads of its plate agree on when it is read from near.

    The reads of one plate (``best`` but for the region mark, with or without one) are split into those
    with a region mark and those without. When the first weigh more (summed confidence), the region is the
    one with the largest sum of confidence x box width squared: a region mark is small (a yellow one-line
    plate stacks two syllables in the digits' height) and its legibility grows with the plate's size in
    the frame, so the nearest reads settle it (``세종93자8276`` read ``경남``, ``부산``, ``서울`` twice,
    ``강원`` and ``전북`` from 90-200 px and ``세종`` from 288 px). Otherwise ``best`` stays as it is."""
    split = plates.split_region(best)
    if split is None:
        return best
    rest = split[1]
    regional: dict[str, float] = defaultdict(float)
    with_mark = without = 0.0
    for text, conf, width in zip(texts, confidences, widths, strict=True):
        got = plates.split_region(text)
        if got is None or got[1] != rest:
            continue
        if got[0]:
            with_mark += conf
            regional[got[0]] += conf * width * width
        else:
            without += conf
    if with_mark <= without or not regional:
        return best
    return max(regional.items(), key=lambda kv: (kv[1], kv[0]))[0] + rest


def vote(reads: list[PlateRead], widths: list[float] | None = None) -> Vote | None:
    """Cluster reads by normalised text, weight by confidence, prefer grammar-valid texts.

    Ties between near-equal candidates are broken by per-character voting across all reads of the same
    length and plate format. With the reads' box ``widths`` (a camera track's), a Korean winner's region mark
    is the one its nearest reads agree on (:func:`nearest_region`).
    """
    weight: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    conf: dict[str, list[float]] = defaultdict(list)
    valid: dict[str, bool] = {}
    texts: list[str] = []
    for r in reads:
        text, ok, factor = canonical_text(r)
        texts.append(text)
        if not text:
            continue
        weight[text] += max(r.confidence, 1e-3) * factor
        count[text] += 1
        conf[text].append(r.confidence)
        valid[text] = ok
    if not weight:
        return None
    pool = [t for t in weight if valid[t]] or list(weight)
    best = max(pool, key=lambda t: (weight[t], count[t], t))
    ties = [t for t in pool if weight[t] >= weight[best] * (1 - TIE_MARGIN)]
    if len(ties) > 1:
        fmt = plates.plate_format(best) if valid[best] else ""
        same = [t for t in pool if len(t) == len(best) and (not fmt or plates.plate_format(t) == fmt)]
        consensus = _char_vote(same, [weight[t] for t in same])
        if consensus in ties:
            best = consensus
    if widths is not None and valid[best]:
        near = nearest_region(best, texts, [r.confidence for r in reads], widths)
        if near in weight and valid[near]:
            best = near
    total = sum(weight[t] for t in pool)
    share = weight[best] / total if total > 0 else 0.0
    mean_conf = float(np.mean(conf[best]))
    return Vote(
        text=best,
        confidence=mean_conf * (0.5 + 0.5 * share),
        valid=valid[best],
        support=count[best],
        plate_format=plates.plate_format(best) if valid[best] else "",
    )


def agreeing_reads(text: str, texts: list[str]) -> int:
    """How many of ``texts`` agree with ``text``: the same, or one character different (a misread
    character in one frame), or the same Korean plate with another region mark or none (the small mark
    misread, or left out, at a distance: :func:`nearest_region`). A pass needs ``min_frames`` of them, so
    a false box whose every frame reads differently is not logged even when one of its reads happens to
    be a valid plate."""
    split = plates.split_region(text)
    rest = split[1] if split is not None else None
    return sum(t == text or (len(t) == len(text) and edit_distance(t, text) <= 1)
               or (rest is not None and (got := plates.split_region(t)) is not None and got[1] == rest)
               for t in texts)


def syllable_seen(reads: Iterable[PlateRead]) -> bool:
    """Whether one of ``reads`` (of one Korean plate text) read its use syllable at :data:`SYLLABLE_SEEN` or
    more. A read without per-character confidences, or whose text shows no use syllable where the grammar
    puts one (:func:`~gatekeeper.domain.plates.syllable_index`), counts as one that did."""
    for read in reads:
        at = plates.syllable_index(read.text)
        confs = read.char_confidences
        if at is None or len(confs) != len(read.text) or confs[at] >= SYLLABLE_SEEN:
            return True
    return False


def letters_only(text: str) -> bool:
    """Whether ``text`` is a Latin plate text without a digit: a personalised plate, or a word on the car (a
    badge, a dealer's plate frame, a sticker) that a Latin reader reads as surely as a plate."""
    return plates.plate_format(text) == plates.PlateKind.LATIN.value and not any(c.isdigit() for c in text)


def on_one_vehicle(a: Box, b: Box) -> bool:
    """Whether two boxes seen at about the same time lie on one vehicle: centres within 1.5 widths of the
    wider box sideways and 2 widths up or down (a badge sits on the boot lid above the plate, a dealer's
    frame around it). Plates of cars side by side lie 5 plate widths apart or more."""
    span = max(a.width, b.width)
    dx, dy = a.offset(b)
    return abs(dx) <= 1.5 * span and abs(dy) <= 2.0 * span
