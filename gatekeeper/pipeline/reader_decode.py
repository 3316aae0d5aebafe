"""CTC decoding for the plate reader: greedy, and best path constrained to the Korean plate grammar."""

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
def _templates(charset: str, syllables: str = "") -> list[list[np.ndarray]]:
    """Slot sequences (allowed class indices per character) of the Korean plate layouts."""
    idx = {c: i + 1 for i, c in enumerate(charset)}

    def ids(chars: str) -> np.ndarray:
        return np.array(sorted({idx[c] for c in chars if c in idx}), dtype=np.int64)

    d = ids("0123456789")
    syl = ids(syllables or (plates.PRIVATE_SYLLABLES + plates.COMMERCIAL_SYLLABLES + plates.RENTAL_SYLLABLES))
    r1 = ids("".join(r[0] for r in plates.REGIONS))
    r2 = ids("".join(r[1] for r in plates.REGIONS))
    return [
        [d, d, syl, d, d, d, d],
        [d, d, d, syl, d, d, d, d],
        [r1, r2, d, d, syl, d, d, d, d],
    ]


def _viterbi(logp: np.ndarray, slots: list[np.ndarray]) -> tuple[float, list[list[int]]]:
    """Best CTC path through blank/slot states; returns its log-score and the frames of each slot."""
    t_len = logp.shape[0]
    n = 2 * len(slots) + 1
    em = np.empty((t_len, n))
    em[:, 0::2] = logp[:, :1]
    for i, allowed in enumerate(slots):
        em[:, 2 * i + 1] = logp[:, allowed].max(1)
    can_skip = np.zeros(n, bool)
    can_skip[3::2] = True  # slot -> next slot without a blank in between
    delta = np.full(n, NEG)
    delta[0], delta[1] = em[0, 0], em[0, 1]
    back = np.zeros((t_len, n), np.int8)
    for t in range(1, t_len):
        prev1 = np.concatenate(([NEG], delta[:-1]))
        prev2 = np.where(can_skip, np.concatenate(([NEG, NEG], delta[:-2])), NEG)
        stack = np.stack([delta, prev1, prev2])
        choice = stack.argmax(0)
        delta = stack[choice, np.arange(n)] + em[t]
        back[t] = choice
    end = n - 1 if delta[n - 1] >= delta[n - 2] else n - 2
    score = float(delta[end])
    frames: list[list[int]] = [[] for _ in slots]
    s = end
    for t in range(t_len - 1, -1, -1):
        if s % 2 == 1:
            frames[s // 2].append(t)
        s -= int(back[t, s])
        if s < 0:
            break
    return score, frames


def ctc_plate(probs: np.ndarray, charset: str, syllables: str = "") -> tuple[str, tuple[float, ...], float] | None:
    """The most probable grammar-valid Korean plate under the CTC output: text, char confidences, score.

    ``syllables`` restricts the use syllable (e.g. the commercial ones on a yellow plate); empty: all.
    """
    logp = np.log(np.clip(probs, 1e-9, 1.0))
    best: tuple[str, tuple[float, ...], float] | None = None
    for slots in _templates(charset, syllables):
        if 2 * len(slots) - 1 > logp.shape[0]:
            continue
        score, frames = _viterbi(logp, slots)
        if any(not f for f in frames):
            continue
        chars, confs = [], []
        for allowed, fr in zip(slots, frames, strict=True):
            k = int(allowed[logp[fr][:, allowed].sum(0).argmax()])
            chars.append(charset[k - 1])
            confs.append(float(probs[fr, k].max()))
        text = "".join(chars)
        if not plates.is_valid_plate(text):
            continue
        if best is None or score > best[2]:
            best = (text, tuple(confs), score)
    return best
