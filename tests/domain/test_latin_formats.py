"""Common Latin plate layouts: matching, slots, and that the synthetic training plates cover them."""

from __future__ import annotations

import re

import pytest

from gatekeeper.dataset.synth.latin import FORMATS
from gatekeeper.domain.latin_formats import DIGITS, LATIN_FORMATS, LETTERS, fits_format, slots


@pytest.mark.parametrize("text", ["4YTD483", "1234BCD", "LS15EBC", "AB123CD", "FORDGT", "ABCDE", "12ABC3",
                                  "BRA2E19", "MH12AB1234", "AB12CD"])
def test_common_plates_fit(text: str) -> None:
    assert fits_format(text)


@pytest.mark.parametrize("text", ["LYTD483", "F0RDGT", "B12C34D5", "4YTD48", "", "4ytd483", "12가3456"])
def test_other_reads_do_not_fit(text: str) -> None:
    assert not fits_format(text)


def test_slots_follow_the_layout() -> None:
    assert slots("9AA9") == (DIGITS, LETTERS, LETTERS, DIGITS)


def test_synthetic_training_plates_cover_every_layout() -> None:
    def shapes(pattern: str) -> set[str]:
        bare = re.sub(r"[^9A*]", "", pattern)
        return {bare} if "*" not in bare else set()

    covered = set().union(*(shapes(p) for p, _ in FORMATS))
    letters_only = {p for p in LATIN_FORMATS if set(p) == {"A"}}
    free = {len(re.sub(r"[^*]", "", p)) for p, _ in FORMATS if "*" in p}
    assert set(LATIN_FORMATS) - letters_only <= covered
    assert all(len(p) in free or p in covered for p in letters_only)
