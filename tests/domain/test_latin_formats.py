"""Common Latin plate layouts: matching, slots, and that the synthetic training plates cover them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatekeeper.dataset.synth.latin import FORMATS
from gatekeeper.domain.latin_formats import (
    DIGITS,
    LATIN_FORMATS,
    LETTERS,
    fits_format,
    fits_layout,
    layout_distance,
    slots,
)


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


def test_fits_layout_checks_one_layout_slot_by_slot() -> None:
    assert fits_layout("4WAG376", "9AAA999")
    assert not fits_layout("4WAG37", "9AAA999")  # a character short
    assert not fits_layout("4WA6376", "9AAA999")  # a digit in a letter's slot
    assert not fits_layout("ABC1234", "9AAA999")  # another common layout
    assert fits_layout("ABC1234", "AAA9999")


@pytest.mark.parametrize(("text", "edits"), [("4HAG376", 0), ("JPA838", 1), ("4WAG3761", 1), ("UG504", 2),
                                             ("1234567", 3), ("EMOTION", 4), ("LS15EBC", 5), ("", 7)])
def test_layout_distance_counts_the_edits_to_fit_a_layout(text: str, edits: int) -> None:
    assert layout_distance(text, "9AAA999") == edits


@given(st.text(alphabet=DIGITS + LETTERS, max_size=10), st.sampled_from(LATIN_FORMATS))
def test_layout_distance_is_zero_exactly_when_the_text_fits(text: str, layout: str) -> None:
    d = layout_distance(text, layout)
    assert (d == 0) == fits_layout(text, layout)
    assert abs(len(text) - len(layout)) <= d <= max(len(text), len(layout))
