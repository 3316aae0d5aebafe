"""Licence-plate grammar: normalising, classifying and validating plate text (Korea first, Latin too).

Korean formats recognised (text is normalised first: NFC, no spaces, '-', '.', '·'):

- ``KR_PRIVATE``: ``12가3456`` / ``123가4567`` (current national plates, 2- or 3-digit class code).
- ``KR_REGIONAL_OLD``: ``서울12가3456`` (region mark + 1-2 digit class + syllable + 4 digits).
- ``KR_COMMERCIAL``: syllable 바/사/아/자/배, with a region (``서울39바2764``) or without (``80배1234``).
- ``KR_RENTAL``: syllable 하/허/호, with or without a region.
- ``KR_DIPLOMATIC``: ``외교123-456`` (mark + 3-digit country code + 3-digit serial).
- ``KR_TEMPORARY``: ``임1234``, optionally region-prefixed (``서울임1234``).
- ``LATIN``: 2-10 uppercase letters/digits with at least one digit (UK, US, EU plates), or 4-8 letters
  alone (US and other personalised plates such as ``OLDHAG``); not one character repeated (``LLLLLL``,
  ``1111111``: the bars of a grille or a fence, read by a Latin reader).
"""

from __future__ import annotations

import enum
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

PRIVATE_SYLLABLES = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"
COMMERCIAL_SYLLABLES = "바사아자배"
RENTAL_SYLLABLES = "하허호"
TEMPORARY_MARK = "임"
REGIONS: tuple[str, ...] = (
    "서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종",
    "경기", "강원", "충북", "충남", "전북", "전남", "경북", "경남", "제주",
)
DIPLOMATIC_MARKS: tuple[str, ...] = ("외교", "영사", "준외", "준영", "국기", "협정", "대표")

_HANGUL_IN_PLATES = set(PRIVATE_SYLLABLES + COMMERCIAL_SYLLABLES + RENTAL_SYLLABLES + TEMPORARY_MARK)
_HANGUL_IN_PLATES.update("".join(REGIONS + DIPLOMATIC_MARKS))
PLATE_CHARSET = "0123456789" + "".join(sorted(_HANGUL_IN_PLATES))
"""Every character a valid Korean plate can contain: digits first, then Hangul in code-point order."""

_SEPARATORS = re.compile(r"[\s\-.·ㆍ・]+")


class PlateKind(str, enum.Enum):
    """Which plate grammar a text matches."""

    KR_PRIVATE = "kr_private"
    KR_REGIONAL_OLD = "kr_regional_old"
    KR_COMMERCIAL = "kr_commercial"
    KR_RENTAL = "kr_rental"
    KR_DIPLOMATIC = "kr_diplomatic"
    KR_TEMPORARY = "kr_temporary"
    LATIN = "latin"


class PlateUse(str, enum.Enum):
    """What the vehicle is used for, as far as the plate tells."""

    PRIVATE = "private"
    COMMERCIAL = "commercial"
    RENTAL = "rental"
    DIPLOMATIC = "diplomatic"
    TEMPORARY = "temporary"
    FOREIGN = "foreign"


@dataclass(frozen=True)
class PlateInfo:
    """A parsed plate: normalised text, its grammar and its parts."""

    text: str
    kind: PlateKind
    use: PlateUse
    region: str = ""
    class_code: str = ""
    syllable: str = ""
    serial: str = ""
    two_line_typical: bool = False


_ALL_SYLLABLES = PRIVATE_SYLLABLES + COMMERCIAL_SYLLABLES + RENTAL_SYLLABLES
_REGION_ALT = "|".join(REGIONS)
_CURRENT_RE = re.compile(rf"(?P<cls>[0-9]{{2,3}})(?P<syl>[{_ALL_SYLLABLES}])(?P<serial>[0-9]{{4}})")
_REGIONAL_RE = re.compile(
    rf"(?P<region>{_REGION_ALT})(?P<cls>[0-9]{{1,2}})(?P<syl>[{_ALL_SYLLABLES}])(?P<serial>[0-9]{{4}})"
)
_DIPLOMATIC_RE = re.compile(
    rf"(?P<mark>{'|'.join(DIPLOMATIC_MARKS)})(?P<cls>[0-9]{{3}})(?P<serial>[0-9]{{3}})"
)
_TEMPORARY_RE = re.compile(rf"(?P<region>{_REGION_ALT})?{TEMPORARY_MARK}(?P<serial>[0-9]{{4,6}})")
_LATIN_RE = re.compile(r"(?=[A-Z0-9]*[0-9])[A-Z0-9]{2,10}|[A-Z]{4,8}")


def normalize_plate(text: str) -> str:
    """NFC, without whitespace and the separators '-', '.', '·'; Latin letters upper-cased."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFC", text or "")).upper()


def is_korean(text: str) -> bool:
    """True when ``text`` contains any Hangul (syllables or jamo)."""
    return any(
        "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"
        for ch in text or ""
    )


def _syllable_kind(syllable: str, regional: bool) -> tuple[PlateKind, PlateUse]:
    if syllable in COMMERCIAL_SYLLABLES:
        return PlateKind.KR_COMMERCIAL, PlateUse.COMMERCIAL
    if syllable in RENTAL_SYLLABLES:
        return PlateKind.KR_RENTAL, PlateUse.RENTAL
    if regional:
        return PlateKind.KR_REGIONAL_OLD, PlateUse.PRIVATE
    return PlateKind.KR_PRIVATE, PlateUse.PRIVATE


def _parse_korean(text: str) -> PlateInfo | None:
    m = _CURRENT_RE.fullmatch(text)
    if m:
        cls = m["cls"]
        if cls[0] == "0" and (len(cls) == 3 or cls == "00"):
            return None
        kind, use = _syllable_kind(m["syl"], regional=False)
        return PlateInfo(text, kind, use, "", cls, m["syl"], m["serial"], False)
    m = _REGIONAL_RE.fullmatch(text)
    if m:
        if int(m["cls"]) == 0:
            return None
        kind, use = _syllable_kind(m["syl"], regional=True)
        return PlateInfo(text, kind, use, m["region"], m["cls"], m["syl"], m["serial"], True)
    m = _DIPLOMATIC_RE.fullmatch(text)
    if m:
        return PlateInfo(
            text, PlateKind.KR_DIPLOMATIC, PlateUse.DIPLOMATIC, "", m["cls"], m["mark"], m["serial"]
        )
    m = _TEMPORARY_RE.fullmatch(text)
    if m:
        region = m["region"] or ""
        return PlateInfo(
            text, PlateKind.KR_TEMPORARY, PlateUse.TEMPORARY, region, "", TEMPORARY_MARK, m["serial"]
        )
    return None


def parse_plate(text: str) -> PlateInfo | None:
    """Parse ``text`` (normalised first) into a :class:`PlateInfo`, or ``None`` when no grammar matches."""
    if not isinstance(text, str):
        return None
    return _parse(text)


@lru_cache(maxsize=4096)
def _parse(text: str) -> PlateInfo | None:
    """:func:`parse_plate` of a string (cached: a reader checks the same few texts many times per crop)."""
    norm = normalize_plate(text)
    if not norm:
        return None
    if is_korean(norm):
        return _parse_korean(norm)
    if norm.isascii() and _LATIN_RE.fullmatch(norm) and len(set(norm)) > 1:
        return PlateInfo(norm, PlateKind.LATIN, PlateUse.FOREIGN, serial=norm)
    return None


def syllable_index(text: str) -> int | None:
    """Where the use syllable stands in a Korean plate ``text`` as given (just before the serial: 4 in
    ``서울12가3456``), or None when ``text`` is no such plate (a Latin plate, a diplomatic one,
    separators)."""
    info = parse_plate(text)
    if info is None or not info.syllable or not info.serial:
        return None
    at = len(text) - len(info.serial) - 1
    return at if at >= 0 and text[at] == info.syllable else None


def split_region(text: str) -> tuple[str, str] | None:
    """(region mark, the rest) of a Korean plate ``text`` as given: ``("서울", "12가3456")``, the mark ""
    when it has none (``("", "12가3456")``); None when ``text`` is no Korean plate."""
    info = parse_plate(text)
    if info is None or not is_korean(text) or not text.startswith(info.region):
        return None
    return info.region, text[len(info.region):]


def is_valid_plate(text: str) -> bool:
    """True when ``text`` matches one of the plate grammars."""
    return parse_plate(text) is not None


def plate_format(text: str) -> str:
    """The :class:`PlateKind` value of ``text``, or ``''`` when it is not a valid plate."""
    info = parse_plate(text)
    return info.kind.value if info else ""


def correct_plate(text: str) -> str | None:
    """Confusion-aware correction of a reader's output (see :mod:`gatekeeper.domain.plate_correct`)."""
    from gatekeeper.domain.plate_correct import correct_plate as _correct

    return _correct(text)
