"""CTC decoding for the plate readers: greedy, and best path constrained to plate layouts (the Korean grammar,
common Latin formats)."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from gatekeeper.domain import plates
from gatekeeper.domain.types import PlateRead

log = logging.getLogger(__name__)

NEG = -1e9
BLANK = np.zeros(1, np.int64)  # the CTC blank's class index, as a slot of allowed ids


def ctc_greedy(probs: np.ndarray, charset: str) -> tuple[str, tuple[float, ...]]:
    """Greedy CTC decode of T x C probabilities: text and the peak probability of each character."""
    if not len(probs):
        return "", ()
    _starts, ids, peaks = _greedy_runs(probs)
    return "".join(charset[k - 1] for k in ids.tolist()), tuple(peaks.tolist())


def _greedy_runs(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The characters of the greedy path through non-empty T x C probabilities: each one's first frame,
    class and peak probability (a run of one class is one character; runs of the blank are none)."""
    best = probs.argmax(-1)
    runs = np.flatnonzero(np.diff(best, prepend=-1))  # where each run of one class begins
    ids = best[runs]
    chars = ids != 0
    peaks = np.maximum.reduceat(probs[np.arange(len(best)), best], runs)[chars]
    return runs[chars], ids[chars], peaks


GAP_WIDE = 1.9
"""A stretch between two characters of a greedy read this many times their median spacing (first frame to
first frame) or more is a glyph the network passed over (:func:`wide_gap`). The Latin network's digit-only
reads of Korean plates (4,000 degraded synthetic crops' errors) spaced the two characters around the Hangul
2.0-2.7 times the median; es's digit-only plates at most 1.8 (``1032148``, its gap after ``103``). Used by
the arbitration (``reader_latin._gap_at_hangul``): 4,000 degraded synthetic crops (seeds 4242, 777, 31, 2027,
99; ``gatekeeper eval``) 3,892 -> 3,894 (``227호6512`` had been read ``2275512``), none lost; kr-dev, es,
us-ucsd, their night, infrared-like, motion-blurred, JPEG and rotated copies and crop sets unchanged."""


def wide_gap(probs: np.ndarray, min_chars: int = 5, wide: float = GAP_WIDE) -> int:
    """The index of the character of the greedy read of T x C probabilities that a glyph-wide empty stretch
    precedes (:data:`GAP_WIDE`); -1 when there is none, or the read has fewer than ``min_chars``."""
    if not len(probs):
        return -1
    starts, _ids, _peaks = _greedy_runs(probs)
    if len(starts) < min_chars:
        return -1
    spacing = np.diff(starts)
    i = int(spacing.argmax())
    return i + 1 if spacing[i] >= wide * float(np.median(spacing)) else -1


def summed_vote(reads: Sequence[PlateRead], keep: Callable[[str], bool]) -> PlateRead | None:
    """Among reads whose text passes ``keep``, the text with the largest summed confidence (views of one
    plate that agree outvote one confident outlier); its most confident read, or None when none passes."""
    totals: dict[str, float] = {}
    for r in reads:
        if keep(r.text):
            totals[r.text] = totals.get(r.text, 0.0) + r.confidence
    if not totals:
        return None
    text = max(totals, key=totals.__getitem__)
    return max((r for r in reads if r.text == text), key=lambda r: r.confidence)


def confidence(char_confs: Sequence[float]) -> float:
    """Geometric mean of the character confidences (0 for an empty read)."""
    if not char_confs:
        return 0.0
    return float(math.exp(sum(math.log(max(c, 1e-6)) for c in char_confs) / len(char_confs)))


@lru_cache(maxsize=16)
def _korean_templates(syllables: str = "") -> tuple[tuple[str, ...], ...]:
    """Slot sequences (allowed characters per position) of the Korean plate layouts."""
    d = "0123456789"
    syl = syllables or (plates.PRIVATE_SYLLABLES + plates.COMMERCIAL_SYLLABLES + plates.RENTAL_SYLLABLES)
    r1 = "".join(sorted({r[0] for r in plates.REGIONS}))
    r2 = "".join(sorted({r[1] for r in plates.REGIONS}))
    return ((d, d, syl, d, d, d, d), (d, d, d, syl, d, d, d, d), (r1, r2, d, d, syl, d, d, d, d))


_INTERNED: dict[bytes, int] = {}  # the bytes of a set of class ids -> its index in ``_SETS``
_SETS: list[np.ndarray] = []  # every distinct set of allowed class ids met so far, the blank's first


_SETS_LOCK = threading.Lock()  # cameras decode in threads of their own


def _set_index(ids: np.ndarray) -> int:
    """The index in ``_SETS`` of a set of class ids (added when new)."""
    ids = np.asarray(ids, np.int64)
    with _SETS_LOCK:
        at = _INTERNED.setdefault(ids.tobytes(), len(_SETS))
        if at == len(_SETS):
            _SETS.append(ids)
    return at


def _interned(ids: np.ndarray) -> np.ndarray:
    """One array object per distinct set of class ids, so that slots can be told apart by identity."""
    return _SETS[_set_index(ids)]


_interned(BLANK)


@lru_cache(maxsize=256)
def _slot_ids(charset: str, template: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """Class indices (1-based, 0 is the CTC blank) allowed in each slot of ``template`` (interned arrays)."""
    idx = {c: i + 1 for i, c in enumerate(charset)}
    return tuple(_interned(np.array(sorted({idx[c] for c in chars if c in idx}), dtype=np.int64))
                 for chars in template)


PATTERNS_CACHE = 1024  # entries each cache below keeps at most
_PATTERNS: dict[tuple[int, ...], tuple[tuple[np.ndarray, ...], np.ndarray]] = {}
_MASKS: dict[tuple[tuple[int, ...], int], tuple[tuple[np.ndarray, ...], np.ndarray]] = {}


def _remembered(cache: dict, key: tuple, slots: tuple[np.ndarray, ...],
                make: Callable[[], np.ndarray]) -> np.ndarray:
    """``make()`` for ``slots``, remembered in ``cache`` under ``key`` (made of the slots' ids: the entry
    keeps the slots alive, so their ids stay theirs)."""
    entry = cache.get(key)
    if entry is None:
        entry = (tuple(slots), make())
        with _SETS_LOCK:
            if len(cache) >= PATTERNS_CACHE:
                cache.clear()
            cache[key] = entry
    return entry[1]


def _state_sets(slots: tuple[np.ndarray, ...]) -> np.ndarray:
    """The index in ``_SETS`` of each CTC state's allowed ids: blank, slot 1, blank, slot 2, ..., blank."""
    def make() -> np.ndarray:
        pattern = np.zeros(2 * len(slots) + 1, np.int64)
        pattern[1::2] = [_set_index(ids) for ids in slots]
        return pattern

    return _remembered(_PATTERNS, tuple(map(id, slots)), slots, make)


def _slot_mask(slots: tuple[np.ndarray, ...], n_classes: int) -> np.ndarray:
    """slots x classes: True where a slot allows the class."""
    def make() -> np.ndarray:
        mask = np.zeros((len(slots), n_classes), bool)
        for i, ids in enumerate(slots):
            mask[i, ids] = True
        return mask

    return _remembered(_MASKS, (tuple(map(id, slots)), n_classes), slots, make)


GUARDS = 3  # NEG columns in front of each pair's states in :func:`_viterbi` (an even row width: see there)


def _viterbi(logps: np.ndarray, pairs: Sequence[tuple[int, tuple[np.ndarray, ...]]]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best CTC paths through blank/slot states for every (view, template) pair at once (``logps``: V x T
    x C log-probabilities of V views; templates padded to the longest): the log-score of each pair's path,
    the back-pointers and each pair's end state.

    The pairs' states lie in one row per frame, each pair's behind ``GUARDS`` columns, so that a step
    forward (s-1) and a slot-to-slot skip (s-2, odd s >= 3, an even column since the pair's width is even)
    are one array operation each. Guard and padding columns score NEG or less, as do states no path
    reaches yet; a reachable state's score (a sum of log-probabilities of at least log 1e-9 each) and its
    back-pointer never depend on them."""
    v_len, t_len = logps.shape[:2]
    k_len = len(pairs)
    n = 2 * max(len(t) for _, t in pairs) + 1
    width = n + GUARDS
    state_set = np.full((k_len, width), -1, np.int64)  # the set of each (pair, column); -1: guard or padding
    for k, (_, slots) in enumerate(pairs):
        pattern = _state_sets(slots)
        state_set[k, GUARDS:GUARDS + len(pattern)] = pattern
    used, local = np.unique(state_set, return_inverse=True)
    local = local.reshape(state_set.shape) - (1 if used[0] < 0 else 0)  # guards and padding: -1
    views = np.array([v for v, _ in pairs], np.int64)
    # the best log-probability among a set's characters, per (set, view, frame); row 0 of ``maxes`` is NEG
    sets = used[used >= 0]
    maxes = np.full((len(sets) * v_len + 1, t_len), NEG)
    for j, at in enumerate(sets):
        maxes[1 + j * v_len:1 + (j + 1) * v_len] = logps[:, :, _SETS[at]].max(2)
    state_row = np.where(local >= 0, 1 + local * v_len + views[:, None], 0)
    em = np.ascontiguousarray(maxes[state_row.ravel()].T)  # T x (K * width) emission scores
    hist = np.full((t_len, k_len * width), NEG)  # the best score of each column at each frame
    first = hist[0].reshape(k_len, width)
    first[:, GUARDS:GUARDS + 2] = em[0].reshape(k_len, width)[:, GUARDS:GUARDS + 2]
    skip = GUARDS + 3  # the first column a skip lands on (state 3 of the first pair); GUARDS is odd
    for t in range(1, t_len):
        prev, cur = hist[t - 1], hist[t]
        np.maximum(prev[1:], prev[:-1], out=cur[1:])  # stay, or a step forward
        np.maximum(cur[skip::2], prev[skip - 2:-2:2], out=cur[skip::2])  # slot -> next slot, no blank between
        cur += em[t]
    grid = hist.reshape(t_len, k_len, width)
    prev = grid[:-1, :, GUARDS:]
    prev1 = np.full_like(prev, NEG)
    prev1[..., 1:] = prev[..., :-1]
    prev2 = np.full_like(prev, NEG)
    prev2[..., 3::2] = prev[..., 1:-2:2]
    back = np.zeros((t_len, k_len, n), np.int8)
    # strict: ties keep the earlier option, as an argmax over (stay, +1, +2) does
    back[1:] = np.where(prev2 > np.maximum(prev, prev1), 2, prev1 > prev)
    delta = grid[-1, :, GUARDS:]
    last = np.array([2 * len(t) for _, t in pairs])
    ks = np.arange(k_len)
    end = np.where(delta[ks, last] >= delta[ks, last - 1], last, last - 1)
    return delta[ks, end], back, end


def _frames(back: np.ndarray, k: int, end: int, n_slots: int) -> list[list[int]]:
    """The frames of each slot on template ``k``'s best path (from :func:`_viterbi`), in descending order."""
    frames: list[list[int]] = [[] for _ in range(n_slots)]
    steps = back[:, k].tolist()
    s = end
    for t in range(len(steps) - 1, -1, -1):
        if s % 2 == 1:
            frames[s // 2].append(t)
        s -= steps[t][s]
        if s < 0:
            break
    return frames


def greedy_score(probs: np.ndarray) -> float:
    """Log-probability of the best unconstrained CTC path (the greedy read's path)."""
    return float(np.log(np.clip(probs.max(-1), 1e-9, 1.0)).sum())


@lru_cache(maxsize=256)
def _usable(charset: str, templates: tuple[tuple[str, ...], ...],
            t_len: int) -> tuple[tuple[np.ndarray, ...], ...]:
    """The slots of the ``templates`` that fit in ``t_len`` frames and whose every slot has a character."""
    return tuple(slots for slots in (_slot_ids(charset, tuple(t)) for t in templates)
                 if 2 * len(slots) - 1 <= t_len and all(len(ids) for ids in slots))


def _path_read(probs: np.ndarray, logp: np.ndarray, charset: str, slots: tuple[np.ndarray, ...],
               frames: list[list[int]]) -> tuple[str, tuple[float, ...]]:
    """Text and char confidences of one template path: in each slot, the allowed character with the largest
    summed log-probability over the slot's frames, and its peak probability there."""
    rows = [t for fr in frames for t in fr]
    starts = np.cumsum([0] + [len(fr) for fr in frames[:-1]])
    sums = np.add.reduceat(logp[rows], starts)  # slots x classes, each slot's frames added in path order
    best = np.where(_slot_mask(slots, logp.shape[1]), sums, -np.inf).argmax(1)
    peaks = np.maximum.reduceat(probs[rows], starts)[np.arange(len(slots)), best]
    return "".join(charset[c - 1] for c in best.tolist()), tuple(peaks.tolist())


def ctc_constrained(probs: np.ndarray, charset: str, templates: Sequence[tuple[str, ...]],
                    accept: Callable[[str], bool] | None = None
                    ) -> tuple[str, tuple[float, ...], float] | None:
    """The most probable read that fits one of ``templates`` (per position, the characters allowed there)
    under the CTC output: text, char confidences and the path's log-probability; reads failing ``accept``
    are skipped. None when no template fits in the frames."""
    return ctc_constrained_views([probs], charset, [templates], accept)[0]


def ctc_constrained_views(probs: Sequence[np.ndarray], charset: str,
                          templates: Sequence[Sequence[tuple[str, ...]]],
                          accept: Callable[[str], bool] | None = None
                          ) -> list[tuple[str, tuple[float, ...], float] | None]:
    """:func:`ctc_constrained` for several views of one network batch at once, each with its own templates
    (none: None): one Viterbi pass over every (view, template) pair."""
    out: list[tuple[str, tuple[float, ...], float] | None] = [None] * len(probs)
    if not len(probs):
        return out
    logps = np.log(np.clip(np.stack(probs), 1e-9, 1.0))
    pairs = [(v, slots) for v, ts in enumerate(templates)
             for slots in _usable(charset, tuple(ts), logps.shape[1])]
    if not pairs:
        return out
    scores, back, ends = _viterbi(logps, pairs)
    for k in np.argsort(-scores, kind="stable"):
        v, slots = pairs[k]
        if out[v] is not None:
            continue
        frames = _frames(back, int(k), int(ends[k]), len(slots))
        if any(not f for f in frames):
            continue
        text, confs = _path_read(probs[v], logps[v], charset, slots, frames)
        if accept is None or accept(text):
            out[v] = (text, confs, float(scores[k]))
    return out


def ctc_plate(probs: np.ndarray, charset: str,
              syllables: str = "") -> tuple[str, tuple[float, ...], float] | None:
    """The most probable grammar-valid Korean plate under the CTC output: text, char confidences, score.

    ``syllables`` restricts the use syllable (e.g. the commercial ones on a yellow plate); empty: all.
    """
    return ctc_plates([probs], charset, syllables)[0]


def ctc_plates(probs: Sequence[np.ndarray], charset: str,
               syllables: str = "") -> list[tuple[str, tuple[float, ...], float] | None]:
    """:func:`ctc_plate` for several views at once (one Viterbi pass)."""
    templates = _korean_templates(syllables)
    return ctc_constrained_views(probs, charset, [templates] * len(probs), plates.is_valid_plate)
