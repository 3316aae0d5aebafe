"""CTC decoding (:mod:`gatekeeper.pipeline.reader_decode`): the vectorised decoders against plain
one-step-at-a-time references."""

from __future__ import annotations

import numpy as np
import pytest

from gatekeeper.pipeline.reader_decode import ctc_greedy
from gatekeeper.pipeline.reader_layout import _percentiles, stretch_contrast


def test_ctc_greedy_gives_one_confidence_per_character() -> None:
    charset = "0123가"
    probs = np.full((6, 6), 0.01)
    for t, k in enumerate([1, 1, 0, 2, 5, 5]):
        probs[t, k] = 0.9 if t != 1 else 0.95
    text, confs = ctc_greedy(probs, charset)
    assert text == "01가" and len(confs) == 3 and confs[0] == pytest.approx(0.95)


def _reference_greedy(probs: np.ndarray, charset: str) -> tuple[str, tuple[float, ...]]:
    chars, confs, prev = [], [], 0
    for t, k in enumerate(probs.argmax(-1).tolist()):
        if k and k != prev:
            chars.append(charset[k - 1])
            confs.append(float(probs[t, k]))
        elif k:
            confs[-1] = max(confs[-1], float(probs[t, k]))
        prev = k
    return "".join(chars), tuple(confs)


def test_ctc_greedy_matches_a_frame_by_frame_decode() -> None:
    rng = np.random.default_rng(3)
    charset = "ABCDE"
    for frames in (0, 1, 2, 12, 40):
        for _ in range(30):
            probs = rng.dirichlet(np.full(6, 0.2), size=frames).astype(np.float32)
            assert ctc_greedy(probs, charset) == _reference_greedy(probs, charset)


def test_contrast_stretch_matches_the_per_pixel_formula() -> None:
    rng = np.random.default_rng(5)
    for _ in range(50):
        lo, hi = sorted(rng.integers(0, 256, 2))
        grey = rng.integers(lo, hi + 1, (32, 160), dtype=np.uint8)
        got = stretch_contrast(grey)
        lo2, hi2 = _percentiles(grey, 2, 98)  # Python floats: the stretch is computed in float32
        if hi2 - lo2 < 8:
            assert got is grey
            continue
        want = np.clip((grey.astype(np.float32) - lo2) * (255.0 / (hi2 - lo2)), 0, 255).astype(np.uint8)
        assert np.array_equal(got, want)
        assert np.array_equal(stretch_contrast(grey.astype(np.float32)), want)


def _reference_path(logp: np.ndarray, slots: tuple[np.ndarray, ...]) -> tuple[float, list[list[int]]]:
    """Best CTC path through blank/slot states, one state at a time (the textbook recursion): its score and
    each slot's frames, latest first. Ties keep the earlier move (stay, then a step, then a skip)."""
    n, neg = 2 * len(slots) + 1, -1e9
    em = [[logp[t, 0] if s % 2 == 0 else logp[t, slots[s // 2]].max() for s in range(n)]
          for t in range(len(logp))]
    delta = [em[0][0], em[0][1]] + [neg] * (n - 2)
    back = [[0] * n]
    for t in range(1, len(logp)):
        moves = [[delta[s], delta[s - 1] if s >= 1 else neg, delta[s - 2] if s >= 3 and s % 2 else neg]
                 for s in range(n)]
        back.append([m.index(max(m)) for m in moves])
        delta = [max(m) + em[t][s] for s, m in enumerate(moves)]
    s = n - 1 if delta[n - 1] >= delta[n - 2] else n - 2
    score, frames = delta[s], [[] for _ in slots]
    for t in range(len(logp) - 1, -1, -1):
        if s % 2:
            frames[s // 2].append(t)
        s -= back[t][s]
    return score, frames


def test_batched_viterbi_matches_the_textbook_recursion() -> None:
    from gatekeeper.pipeline.reader_decode import _frames, _viterbi

    rng = np.random.default_rng(7)
    for trial in range(20):
        logp = np.log(rng.dirichlet(np.full(6, 0.3), size=(3, 12)))  # 3 views, 12 frames, blank + 5 classes
        if trial % 2:
            logp = np.round(logp, 1)  # ties between the stay / step / skip moves
        templates = [tuple(np.array(sorted(rng.choice(np.arange(1, 6), size=int(rng.integers(1, 4)),
                                                       replace=False))) for _ in range(k)) for k in (2, 4, 5)]
        pairs = [(v, t) for v in range(3) for t in templates]
        scores, back, ends = _viterbi(logp, pairs)
        for k, (v, t) in enumerate(pairs):
            score, frames = _reference_path(logp[v], t)
            assert scores[k] == pytest.approx(score), trial
            if score > -1e8:  # the template fits in the frames
                assert _frames(back, k, int(ends[k]), len(t)) == frames, trial


def _reference_path_read(probs, logp, charset, slots, frames):
    chars, confs = [], []
    for allowed, fr in zip(slots, frames):
        c = int(allowed[logp[fr][:, allowed].sum(0).argmax()])
        chars.append(charset[c - 1])
        confs.append(float(probs[fr, c].max()))
    return "".join(chars), tuple(confs)


def test_path_read_takes_each_slots_likeliest_allowed_character() -> None:
    from gatekeeper.pipeline.reader_decode import _frames, _path_read, _viterbi

    rng = np.random.default_rng(11)
    charset = "ABCDE"
    for trial in range(20):
        probs = rng.dirichlet(np.full(6, 0.3), size=(1, 16)).astype(np.float32)
        logp = np.log(probs)
        if trial % 2:
            logp = np.round(logp, 1)  # ties between characters: the first allowed one wins
        slots = tuple(np.array(sorted(rng.choice(np.arange(1, 6), size=int(rng.integers(1, 4)),
                                                 replace=False)))
                      for _ in range(4))
        _, back, ends = _viterbi(logp, [(0, slots)])
        frames = _frames(back, 0, int(ends[0]), len(slots))
        assert _path_read(probs[0], logp[0], charset, slots, frames) == _reference_path_read(
            probs[0], logp[0], charset, slots, frames), trial
