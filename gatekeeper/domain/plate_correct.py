"""Confusion-aware plate correction: fix the few mistakes readers really make, never guess.

A reading that is already a valid plate is returned unchanged (normalised). Otherwise candidates are made
by at most two edits: substituting a character by one it is often confused with (``O``/``0``, ``B``/``8``,
``머``/``버`` ...) or dropping one spurious character at either end (a bolt read as ``1``). The cheapest
valid candidate wins; when two candidates of the same cost disagree the result is ``None`` (ambiguous).
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata

from gatekeeper.domain.plates import is_valid_plate, normalize_plate

log = logging.getLogger(__name__)

MAX_EDITS = 2

# Observed character -> characters the truth may be. Case matters here: a lower-case 'b' looks like a 6,
# an upper-case 'B' like an 8; the text is upper-cased only after substitution.
_DIRECTED: dict[str, str] = {
    "0": "ODQ", "O": "0D", "D": "0", "Q": "0", "o": "0", "U": "0",
    "1": "IL7", "I": "1L", "L": "1", "l": "1", "i": "1", "|": "1", "!": "1", "7": "1",
    "8": "B", "B": "8", "6": "G", "G": "6", "b": "6",
    "2": "Z", "Z": "2", "z": "2",
    "5": "S", "S": "5", "s": "5",
    "4": "A", "A": "4",
}

# Groups of Hangul syllables readers confuse with each other (every member may stand for every other).
_HANGUL_GROUPS: tuple[str, ...] = (
    "머버서어",
    "오우모보노",
    "고구",
    "다라타",
    "거가기",
    "허하호",
    "주조",
    "누노",
    "루로",
    "수소",
    "울을올",
)


def _confusions() -> dict[str, str]:
    table = dict(_DIRECTED)
    for group in _HANGUL_GROUPS:
        for ch in group:
            others = "".join(o for o in group if o != ch)
            table[ch] = "".join(dict.fromkeys(table.get(ch, "") + others))
    return table


CONFUSIONS: dict[str, str] = _confusions()
_SEPARATORS = re.compile(r"[\s\-.·ㆍ・]+")


def _prepare(text: str) -> str:
    """Like normalize_plate but keeping case, so 'b' and 'B' can be told apart."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFC", text))


def _candidates(text: str, cost: int) -> set[str]:
    """All valid plates reachable from ``text`` with exactly ``cost`` edits."""
    n = len(text)
    found: set[str] = set()
    drops: list[int | None] = [None] + ([0, n - 1] if n > 1 else [])
    for drop in drops:
        n_subs = cost - (drop is not None)
        if n_subs < 0:
            continue
        positions = [i for i in range(n) if i != drop and text[i] in CONFUSIONS]
        for chosen in itertools.combinations(positions, n_subs):
            options = [CONFUSIONS[text[i]] for i in chosen]
            for repl in itertools.product(*options):
                chars = list(text)
                for i, ch in zip(chosen, repl):
                    chars[i] = ch
                if drop is not None:
                    chars[drop] = ""
                candidate = normalize_plate("".join(chars))
                if is_valid_plate(candidate):
                    found.add(candidate)
    return found


def correct_plate(text: str) -> str | None:
    """The valid plate ``text`` most likely stands for, or ``None`` when there is none or it is ambiguous."""
    if not isinstance(text, str):
        return None
    norm = normalize_plate(text)
    if not norm:
        return None
    if is_valid_plate(norm):
        return norm
    prepared = _prepare(text)
    if len(prepared) > 16:
        return None
    for cost in range(1, MAX_EDITS + 1):
        found = _candidates(prepared, cost)
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            log.debug("ambiguous correction of %r: %s", text, sorted(found))
            return None
    return None
