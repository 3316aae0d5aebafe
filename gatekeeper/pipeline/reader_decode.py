"""CTC decoding for the plate readers: greedy, and best path constrained to plate layouts (the Korean grammar,
common Latin formats)."""

from __future__ import annotations

import logging
import math
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
    best = probs.argmax(-1)
    chars: list[str] = []
    confs: list[float] = []
    prev = 0
    for t, k in enumerate(best):
        k = int(k)
        if k != 0 and k != prev:
            chars.append(charset[k - 1])
            confs.append(float(probs[t, k]))
        elif k != 0 and k == prev:
            confs[-1] = max(confs[-1], float(probs[t, k]))
        prev = k
    return "".join(chars), tuple(confs)


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


_INTERNED: dict[bytes, np.ndarray] = {}


def _interned(ids: np.ndarray) -> np.ndarray:
    """One array object per distinct set of class ids, so that slots can be told apart by identity."""
    return _INTERNED.setdefault(ids.tobytes(), ids)


@lru_cache(maxsize=256)
def _slot_ids(charset: str, template: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """Class indices (1-based, 0 is the CTC blank) allowed in each slot of ``template`` (interned arrays)."""
    idx = {c: i + 1 for i, c in enumerate(charset)}
    return tuple(_interned(np.array(sorted({idx[c] for c in chars if c in idx}), dtype=np.int64))
                 for chars in template)


def _viterbi(logps: np.ndarray, pairs: Sequence[tuple[int, tuple[np.ndarray, ...]]]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best CTC paths through blank/slot states for every (view, template) pair at once (``logps``: V x T
    x C log-probabilities of V views; templates padded to the longest): the log-score of each pair's path,
    the back-pointers and each pair's end state."""
    t_len = logps.shape[1]
    k_len = len(pairs)
    n = 2 * max(len(t) for _, t in pairs) + 1
    rows: dict[tuple[int, int], int] = {}  # (view, id of the interned allowed ids) -> row of ``maxes`` (0: NEG)
    sources: list[tuple[int, np.ndarray]] = []
    state_row = np.zeros((k_len, n), np.int64)  # the row of ``maxes`` that scores each (pair, state)

    def row_of(v: int, allowed: np.ndarray) -> int:
        key = (v, id(allowed))
        if key not in rows:
            rows[key] = len(sources) + 1
            sources.append((v, allowed))
        return rows[key]

    for k, (v, slots) in enumerate(pairs):
        state_row[k, 0:2 * len(slots) + 1:2] = row_of(v, BLANK)
        for i, allowed in enumerate(slots):
            state_row[k, 2 * i + 1] = row_of(v, allowed)
    maxes = np.full((len(sources) + 1, t_len), NEG)
    for j, (v, allowed) in enumerate(sources, start=1):
        maxes[j] = logps[v][:, allowed].max(1)
    em = np.moveaxis(maxes[state_row], -1, 0)  # T x K x n emission scores
    delta = np.full((k_len, n), NEG)
    delta[:, :2] = em[0, :, :2]
    back = np.zeros((t_len, k_len, n), np.int8)
    prev1 = np.full((k_len, n), NEG)  # state s-1 (a step forward)
    prev2 = np.full((k_len, n), NEG)  # state s-2, only slot -> next slot (no blank in between): odd s >= 3
    for t in range(1, t_len):
        prev1[:, 1:] = delta[:, :-1]
        prev2[:, 3::2] = delta[:, 1:-2:2]
        take1 = prev1 > delta  # strict: ties keep the earlier option, as an argmax over (stay, +1, +2) does
        best = np.maximum(delta, prev1)
        take2 = prev2 > best
        back[t] = np.where(take2, 2, take1)
        delta = np.maximum(best, prev2)
        delta += em[t]
    last = np.array([2 * len(t) for _, t in pairs])
    ks = np.arange(k_len)
    end = np.where(delta[ks, last] >= delta[ks, last - 1], last, last - 1)
    return delta[ks, end], back, end


def _frames(back: np.ndarray, k: int, end: int, n_slots: int) -> list[list[int]]:
    """The frames of each slot on template ``k``'s best path (from :func:`_viterbi`)."""
    frames: list[list[int]] = [[] for _ in range(n_slots)]
    s = end
    for t in range(back.shape[0] - 1, -1, -1):
        if s % 2 == 1:
            frames[s // 2].append(t)
        s -= int(back[t, k, s])
        if s < 0:
            break
    return frames


def greedy_score(probs: np.ndarray) -> float:
    """Log-probability of the best unconstrained CTC path (the greedy read's path)."""
    return float(np.log(np.clip(probs.max(-1), 1e-9, 1.0)).sum())


@lru_cache(maxsize=256)
def _usable(charset: str, templates: tuple[tuple[str, ...], ...], t_len: int) -> tuple[tuple[np.ndarray, ...], ...]:
    """The slots of the ``templates`` that fit in ``t_len`` frames and whose every slot has a character."""
    return tuple(slots for slots in (_slot_ids(charset, tuple(t)) for t in templates)
                 if 2 * len(slots) - 1 <= t_len and all(len(ids) for ids in slots))


def _path_read(probs: np.ndarray, logp: np.ndarray, charset: str, slots: tuple[np.ndarray, ...],
               frames: list[list[int]]) -> tuple[str, tuple[float, ...]]:
    """Text and char confidences of one template path: the likeliest allowed character in each slot."""
    chars, confs = [], []
    for allowed, fr in zip(slots, frames, strict=True):
        c = int(allowed[logp[fr][:, allowed].sum(0).argmax()])
        chars.append(charset[c - 1])
        confs.append(float(probs[fr, c].max()))
    return "".join(chars), tuple(confs)


def ctc_constrained(probs: np.ndarray, charset: str, templates: Sequence[tuple[str, ...]],
                    accept: Callable[[str], bool] | None = None) -> tuple[str, tuple[float, ...], float] | None:
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
    pairs = [(v, slots) for v, ts in enumerate(templates) for slots in _usable(charset, tuple(ts), logps.shape[1])]
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


def ctc_plate(probs: np.ndarray, charset: str, syllables: str = "") -> tuple[str, tuple[float, ...], float] | None:
    """The most probable grammar-valid Korean plate under the CTC output: text, char confidences, score.

    ``syllables`` restricts the use syllable (e.g. the commercial ones on a yellow plate); empty: all.
    """
    return ctc_plates([probs], charset, syllables)[0]


def ctc_plates(probs: Sequence[np.ndarray], charset: str,
               syllables: str = "") -> list[tuple[str, tuple[float, ...], float] | None]:
    """:func:`ctc_plate` for several views at once (one Viterbi pass)."""
    templates = _korean_templates(syllables)
    return ctc_constrained_views(probs, charset, [templates] * len(probs), plates.is_valid_plate)
