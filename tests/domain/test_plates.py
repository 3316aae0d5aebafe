"""Korean and Latin plate grammar, classification and the confusion-aware corrector."""

from __future__ import annotations

import pytest

from gatekeeper.domain.plates import (
    COMMERCIAL_SYLLABLES,
    DIPLOMATIC_MARKS,
    PLATE_CHARSET,
    PRIVATE_SYLLABLES,
    REGIONS,
    RENTAL_SYLLABLES,
    PlateKind,
    PlateUse,
    correct_plate,
    is_korean,
    is_valid_plate,
    normalize_plate,
    parse_plate,
    plate_format,
    split_region,
    syllable_index,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12가 3456", "12가3456"),
        (" 서울 12-가 3456 ", "서울12가3456"),
        ("외교 123-456", "외교123456"),
        ("ls15 ebc", "LS15EBC"),
        ("7·ABC.123", "7ABC123"),
        ("1\t2\n가3456", "12가3456"),
        ("\u1100\u1161", "가"),  # conjoining jamo compose to the syllable (NFC)
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize_plate(raw) == expected


# (text, kind, use, region, class_code, syllable, serial, two_line)
VALID = [
    ("12가3456", PlateKind.KR_PRIVATE, PlateUse.PRIVATE, "", "12", "가", "3456", False),
    ("247너5294", PlateKind.KR_PRIVATE, PlateUse.PRIVATE, "", "247", "너", "5294", False),
    ("77더7739", PlateKind.KR_PRIVATE, PlateUse.PRIVATE, "", "77", "더", "7739", False),
    ("332소4982", PlateKind.KR_PRIVATE, PlateUse.PRIVATE, "", "332", "소", "4982", False),
    ("01주0001", PlateKind.KR_PRIVATE, PlateUse.PRIVATE, "", "01", "주", "0001", False),
    ("서울12가3456", PlateKind.KR_REGIONAL_OLD, PlateUse.PRIVATE, "서울", "12", "가", "3456", True),
    ("경기1누2345", PlateKind.KR_REGIONAL_OLD, PlateUse.PRIVATE, "경기", "1", "누", "2345", True),
    ("제주99허1234", PlateKind.KR_RENTAL, PlateUse.RENTAL, "제주", "99", "허", "1234", True),
    ("서울39바2764", PlateKind.KR_COMMERCIAL, PlateUse.COMMERCIAL, "서울", "39", "바", "2764", True),
    ("강원61사4230", PlateKind.KR_COMMERCIAL, PlateUse.COMMERCIAL, "강원", "61", "사", "4230", True),
    ("인천71바4770", PlateKind.KR_COMMERCIAL, PlateUse.COMMERCIAL, "인천", "71", "바", "4770", True),
    ("80배1234", PlateKind.KR_COMMERCIAL, PlateUse.COMMERCIAL, "", "80", "배", "1234", False),
    ("123아4567", PlateKind.KR_COMMERCIAL, PlateUse.COMMERCIAL, "", "123", "아", "4567", False),
    ("33하6580", PlateKind.KR_RENTAL, PlateUse.RENTAL, "", "33", "하", "6580", False),
    ("103호5845", PlateKind.KR_RENTAL, PlateUse.RENTAL, "", "103", "호", "5845", False),
    ("외교123-456", PlateKind.KR_DIPLOMATIC, PlateUse.DIPLOMATIC, "", "123", "외교", "456", False),
    ("영사 001-002", PlateKind.KR_DIPLOMATIC, PlateUse.DIPLOMATIC, "", "001", "영사", "002", False),
    ("임1234", PlateKind.KR_TEMPORARY, PlateUse.TEMPORARY, "", "", "임", "1234", False),
    ("서울임1234", PlateKind.KR_TEMPORARY, PlateUse.TEMPORARY, "서울", "", "임", "1234", False),
    ("LS15EBC", PlateKind.LATIN, PlateUse.FOREIGN, "", "", "", "LS15EBC", False),
    ("4YTD483", PlateKind.LATIN, PlateUse.FOREIGN, "", "", "", "4YTD483", False),
    ("1277 DPZ", PlateKind.LATIN, PlateUse.FOREIGN, "", "", "", "1277DPZ", False),
    ("2122267", PlateKind.LATIN, PlateUse.FOREIGN, "", "", "", "2122267", False),
    ("OLDHAG", PlateKind.LATIN, PlateUse.FOREIGN, "", "", "", "OLDHAG", False),
]


@pytest.mark.parametrize(("text", "kind", "use", "region", "cls", "syl", "serial", "two_line"), VALID)
def test_valid_plates_parse(
    text: str, kind: PlateKind, use: PlateUse, region: str, cls: str, syl: str, serial: str, two_line: bool
) -> None:
    info = parse_plate(text)
    assert info is not None, text
    assert info.text == normalize_plate(text)
    assert (info.kind, info.use, info.region) == (kind, use, region)
    assert (info.class_code, info.syllable, info.serial) == (cls, syl, serial)
    assert info.two_line_typical is two_line
    assert is_valid_plate(text)
    assert plate_format(text) == kind.value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "12가345",  # serial too short
        "12가34567",  # serial too long
        "1가3456",  # current plates need a 2- or 3-digit class
        "1234가5678",  # class too long
        "00가1234",  # no class 00
        "012가3456",  # 3-digit class never starts with 0
        "12갸3456",  # not a plate syllable
        "12임3456",  # 임 only on temporary plates
        "12A3456가",
        "서울123가4567",  # regional plates have at most 2 class digits
        "서울00가1234",
        "한양12가3456",  # not a region
        "서울12가",
        "외교12-345",  # diplomatic: 3 + 3 digits
        "미국123456",
        "임12",
        "ABC",  # letters alone: 4-8 of them
        "ABCDEFGHI",
        "A",  # too short
        "ABCDEFGH1234",  # too long
        "AB_123",
        "ÄB123",  # not ASCII
        "LLLLLL",  # one character repeated: a grille's bars, not a plate
        "1111111",
        "II",
        "12가3456!",
    ],
)
def test_invalid_plates(text: str) -> None:
    assert parse_plate(text) is None
    assert not is_valid_plate(text)
    assert plate_format(text) == ""


def test_parse_rejects_non_strings() -> None:
    assert parse_plate(None) is None  # type: ignore[arg-type]
    assert parse_plate(123) is None  # type: ignore[arg-type]


def test_is_korean() -> None:
    assert is_korean("12가3456")
    assert is_korean("ㄱ")
    assert not is_korean("LS15EBC")
    assert not is_korean("")


def test_constants() -> None:
    assert len(PRIVATE_SYLLABLES) == 32 and len(set(PRIVATE_SYLLABLES)) == 32
    assert COMMERCIAL_SYLLABLES == "바사아자배"
    assert RENTAL_SYLLABLES == "하허호"
    assert len(REGIONS) == 17 and "세종" in REGIONS
    assert "외교" in DIPLOMATIC_MARKS
    assert not set(PRIVATE_SYLLABLES) & set(COMMERCIAL_SYLLABLES + RENTAL_SYLLABLES)


def test_plate_charset_covers_every_korean_plate_character() -> None:
    assert PLATE_CHARSET.startswith("0123456789")
    hangul = PLATE_CHARSET[10:]
    assert list(hangul) == sorted(hangul) and len(set(hangul)) == len(hangul)
    needed = set(PRIVATE_SYLLABLES + COMMERCIAL_SYLLABLES + RENTAL_SYLLABLES + "임")
    needed |= set("".join(REGIONS + DIPLOMATIC_MARKS))
    assert needed == set(hangul)
    assert not any("A" <= ch <= "Z" for ch in PLATE_CHARSET)
    for text, *_ in VALID:
        norm = normalize_plate(text)
        if is_korean(norm):
            assert set(norm) <= set(PLATE_CHARSET), text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12가3456", "12가3456"),  # valid stays
        ("12 가 3456", "12가3456"),
        ("12가345B", "12가3458"),  # B -> 8
        ("12가34S6", "12가3456"),  # S -> 5
        ("l2가3456", "12가3456"),  # l -> 1
        ("1Z가3456", "12가3456"),  # Z -> 2
        ("b2가3456", "62가3456"),  # lower-case b -> 6
        ("B2가3456", "82가3456"),  # upper-case B -> 8
        ("12가O456", "12가0456"),  # O -> 0
        ("12가34561", "12가3456"),  # a bolt read as a trailing 1
        ("112가3456", "112가3456"),  # valid 3-digit class: never shortened
        ("O12가3456", "12가3456"),  # a bolt at the front
        ("서을12가3456", "서울12가3456"),  # region look-alike
        ("12가3A5B", "12가3458"),  # two substitutions
        ("LSI5EBC", "LSI5EBC"),  # valid Latin stays as read
    ],
)
def test_correct_plate(raw: str, expected: str) -> None:
    assert correct_plate(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12기3456",  # 기 -> 가 or 거: ambiguous
        "12타3456",  # 타 -> 다 or 라: ambiguous
        "12가3456789",  # too far from any plate
        "ABC",  # several ways to make a Latin plate: ambiguous
        "",
        "가나다",
        "12가34",
    ],
)
def test_correct_plate_refuses(raw: str) -> None:
    assert correct_plate(raw) is None


def test_corrector_never_changes_a_valid_plate() -> None:
    for text, *_ in VALID:
        assert correct_plate(text) == normalize_plate(text)


def test_corrector_uses_the_cheapest_candidate() -> None:
    # One substitution (8 -> B is not needed; B -> 8) beats any two-edit alternative.
    assert correct_plate("12가345B") == "12가3458"
    # Unknown syllable with no look-alike: nothing to do.
    assert correct_plate("12갸3456") is None


def test_the_use_syllable_is_found_before_the_serial() -> None:
    assert syllable_index("서울12가3456") == 4 and syllable_index("12가3456") == 2
    assert syllable_index("123가4567") == 3
    assert syllable_index("임1234") == 0 and syllable_index("서울임1234") == 2
    assert syllable_index("외교123456") is None  # a diplomatic mark is no use syllable before a serial
    assert syllable_index("5AZJ257") is None and syllable_index("12가345") is None
    assert syllable_index("") is None


def test_split_region_parts_a_korean_plate_at_its_region_mark() -> None:
    assert split_region("서울12가3456") == ("서울", "12가3456")
    assert split_region("경기39바2764") == ("경기", "39바2764")
    assert split_region("12가3456") == ("", "12가3456")
    assert split_region("123가4567") == ("", "123가4567")
    for other in ("ABC1234", "12가345", "서울", "", " 서울12가3456"):
        assert split_region(other) is None
