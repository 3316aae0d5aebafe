"""Common Latin plate layouts (without separators), as slot patterns: ``9`` a digit, ``A`` a letter.

A read that fits none of them is not invalid (plates of other countries and personalised plates exist),
but a reader may prefer a nearly-as-probable read that fits one (``LYTD483`` -> ``4YTD483``).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

log = logging.getLogger(__name__)

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

LATIN_FORMATS: tuple[str, ...] = (
    "9AAA999",  # California and other US states
    "AAA999", "AAA9999", "999AAA", "9AA9999", "AA99999", "A999999", "AA999",  # other US, Canada
    "9999AAA",  # Spain
    "AA99AAA",  # United Kingdom
    "AA999AA",  # France, Italy
    "A9999AA", "AA9999A", "AA9999",  # old Spanish provincial
    "99AAA9",  # Netherlands
    "9999999",  # digits only
    "AAA9A99",  # Mercosur (Brazil, Argentina, Uruguay, ...)
    "AA99AA", "99AA99",  # Portugal, the Netherlands, Australia
    "AAA99A",  # Sweden
    "AA99AA9999", "AA99A9999",  # India
    "AAAA", "AAAAA", "AAAAAA", "AAAAAAA",  # personalised plates
)
"""Layouts of the plates most often seen; the synthetic Latin training plates cover each of them."""


def slots(layout: str) -> tuple[str, ...]:
    """The characters allowed in each position of ``layout``."""
    return tuple(DIGITS if c == "9" else LETTERS for c in layout)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    alts = ("".join("[0-9]" if c == "9" else "[A-Z]" for c in layout) for layout in LATIN_FORMATS)
    return re.compile("|".join(f"(?:{a})" for a in alts))


def fits_layout(text: str, layout: str) -> bool:
    """True when ``text`` (normalised) fits the one ``layout`` (``9AAA999``: a digit, three letters, three
    digits)."""
    return len(text) == len(layout) and all(ch in allowed for ch, allowed in zip(text, slots(layout)))


def layout_distance(text: str, layout: str) -> int:
    """The fewest characters to insert, delete or replace in ``text`` for it to fit ``layout`` (0 when it
    fits: ``4HAG376`` against ``9AAA999``; ``JPA838`` 1, ``1234567`` 3)."""
    allowed = slots(layout)
    row = list(range(len(allowed) + 1))
    for i, ch in enumerate(text, 1):
        prev, row[0] = row[0], i
        for j, chars in enumerate(allowed, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ch not in chars))
    return row[-1]


def fits_format(text: str) -> bool:
    """True when ``text`` (normalised: uppercase, no separators) fits one of :data:`LATIN_FORMATS`."""
    return _pattern().fullmatch(text) is not None
