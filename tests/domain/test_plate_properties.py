"""Property tests of the plate grammar and the corrector (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeeper.domain.plates import (
    COMMERCIAL_SYLLABLES,
    PLATE_CHARSET,
    PRIVATE_SYLLABLES,
    REGIONS,
    RENTAL_SYLLABLES,
    PlateKind,
    correct_plate,
    is_valid_plate,
    normalize_plate,
    parse_plate,
)

digits = st.text("0123456789", min_size=4, max_size=4)
class2 = st.integers(1, 99).map(lambda n: f"{n:02d}")
class3 = st.integers(100, 999).map(str)
private_plates = st.builds(
    lambda c, s, d: f"{c}{s}{d}", st.one_of(class2, class3), st.sampled_from(PRIVATE_SYLLABLES), digits
)
any_korean = st.builds(
    lambda c, s, d: f"{c}{s}{d}",
    st.one_of(class2, class3),
    st.sampled_from(PRIVATE_SYLLABLES + COMMERCIAL_SYLLABLES + RENTAL_SYLLABLES),
    digits,
)
regional_plates = st.builds(
    lambda r, c, s, d: f"{r}{c}{s}{d}",
    st.sampled_from(REGIONS),
    st.integers(1, 99).map(str),
    st.sampled_from(PRIVATE_SYLLABLES + COMMERCIAL_SYLLABLES),
    digits,
)
separators = st.sampled_from(["", " ", "-", ".", "·", "  "])


@given(private_plates)
def test_private_plates_parse_and_round_trip(plate: str) -> None:
    info = parse_plate(plate)
    assert info is not None
    assert info.kind is PlateKind.KR_PRIVATE
    assert info.text == plate == normalize_plate(plate)
    assert info.class_code + info.syllable + info.serial == plate
    assert set(plate) <= set(PLATE_CHARSET)


@given(regional_plates)
def test_regional_plates_are_two_line(plate: str) -> None:
    info = parse_plate(plate)
    assert info is not None and info.two_line_typical and info.region in REGIONS
    assert info.region + info.class_code + info.syllable + info.serial == plate


@given(any_korean, separators, separators)
def test_separators_do_not_matter(plate: str, sep1: str, sep2: str) -> None:
    info = parse_plate(plate)
    spaced = plate[:-4] + sep1 + plate[-4:-2] + sep2 + plate[-2:]
    assert parse_plate(spaced) == info


@given(st.text(max_size=30))
def test_parse_never_raises(text: str) -> None:
    info = parse_plate(text)
    assert info is None or info.text == normalize_plate(text)
    assert normalize_plate(normalize_plate(text)) == normalize_plate(text)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=PLATE_CHARSET + "OIlBbZSAG |-", max_size=12))
def test_corrector_output_is_valid_or_none(text: str) -> None:
    out = correct_plate(text)
    assert out is None or is_valid_plate(out)
    if is_valid_plate(text):
        assert out == normalize_plate(text)


LOOKALIKE = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "8": "B"}


@settings(max_examples=150, deadline=None)
@given(any_korean, st.integers(0, 20))
def test_a_letter_read_for_a_digit_is_fixed_or_refused(plate: str, pos: int) -> None:
    digit_positions = [i for i, ch in enumerate(plate) if ch in LOOKALIKE]
    if not digit_positions:
        return
    i = digit_positions[pos % len(digit_positions)]
    damaged = plate[:i] + LOOKALIKE[plate[i]] + plate[i + 1 :]
    assert correct_plate(damaged) in (plate, None)
