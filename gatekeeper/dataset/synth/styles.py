"""Korean plate styles, their layouts, and grammar-valid random plate texts."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

import numpy as np

from gatekeeper.domain.plates import COMMERCIAL_SYLLABLES, PRIVATE_SYLLABLES, RENTAL_SYLLABLES
from gatekeeper.domain.plates import REGIONS as _DOMAIN_REGIONS

log = logging.getLogger(__name__)

DIGITS = "0123456789"
# Syllables by use (MOLIT rules, as gatekeeper.domain.plates knows them).
PRIVATE = list(PRIVATE_SYLLABLES)
COMMERCIAL = list(COMMERCIAL_SYLLABLES)
RENTAL = list(RENTAL_SYLLABLES)
REGIONS = list(_DOMAIN_REGIONS)
# File names of the region glyphs in the shared glyph set (upstream naming).
REGION_CODES = {
    "ALDF": "서울", "BPDN": "부산", "DADK": "강원", "DBCF": "경기", "DBDL": "경남", "DBDM": "경북",
    "DCBR": "광주", "DDBJ": "대구", "DDDH": "대전", "DFDN": "울산", "DGDP": "인천", "DHDL": "전남",
    "DHDM": "전북", "DIBR": "제주", "DJDL": "충남", "DJDM": "충북",
}


class PlateStyle(str, enum.Enum):
    """The plate designs the renderer draws."""

    WHITE_8 = "white_8"  # 123가4567, with or without the blue EU-style band
    WHITE_7 = "white_7"  # 12가3456 (520x110 and the older 440x200 plate)
    WHITE_REGIONAL = "white_regional"  # 서울12가3456 on white (one line, or two lines)
    YELLOW_COMMERCIAL_2LINE = "yellow_commercial_2line"  # 서울 39 over 바2764
    YELLOW_COMMERCIAL_1LINE = "yellow_commercial_1line"  # stacked region, 61사4230 on one line
    GREEN_OLD_2LINE = "green_old_2line"  # old green plate, 서울 12 over 가3456
    BLUE_EV = "blue_ev"  # electric vehicle, light blue
    RENTAL = "rental"  # 하/허/호 on white

    @property
    def two_line(self) -> bool:
        return self in (PlateStyle.YELLOW_COMMERCIAL_2LINE, PlateStyle.GREEN_OLD_2LINE)


# Rough share of each style at a gate; training draws from this and oversamples the rare ones.
STYLE_WEIGHTS = {
    PlateStyle.WHITE_8: 0.24,
    PlateStyle.WHITE_7: 0.18,
    PlateStyle.WHITE_REGIONAL: 0.08,
    PlateStyle.YELLOW_COMMERCIAL_2LINE: 0.14,
    PlateStyle.YELLOW_COMMERCIAL_1LINE: 0.10,
    PlateStyle.GREEN_OLD_2LINE: 0.10,
    PlateStyle.BLUE_EV: 0.09,
    PlateStyle.RENTAL: 0.07,
}


@dataclass(frozen=True)
class PlateParts:
    """A plate text split into its fields."""

    region: str
    klass: str
    syllable: str
    serial: str

    @property
    def text(self) -> str:
        return f"{self.region}{self.klass}{self.syllable}{self.serial}"


def split_text(text: str) -> PlateParts:
    """Split ``서울12가3456`` / ``123가4567`` into region, class digits, syllable, serial."""
    region = ""
    for r in REGIONS:
        if text.startswith(r):
            region = r
            break
    rest = text[len(region):]
    i = 0
    while i < len(rest) and rest[i].isdigit():
        i += 1
    if i == 0 or i >= len(rest):
        raise ValueError(f"not a Korean plate text: {text!r}")
    return PlateParts(region, rest[:i], rest[i], rest[i + 1:])


def random_style(rng: np.random.Generator) -> PlateStyle:
    styles = list(STYLE_WEIGHTS)
    p = np.array([STYLE_WEIGHTS[s] for s in styles])
    return styles[int(rng.choice(len(styles), p=p / p.sum()))]


def _digits(rng: np.random.Generator, n: int, first_nonzero: bool = False) -> str:
    s = "".join(str(int(d)) for d in rng.integers(0, 10, n))
    if first_nonzero and s[0] == "0":
        s = str(int(rng.integers(1, 10))) + s[1:]
    return s


def random_plate_text(rng: np.random.Generator | None = None, style: PlateStyle | None = None) -> str:
    """A grammar-valid plate text for ``style`` (random style when None)."""
    rng = rng if rng is not None else np.random.default_rng()
    style = style if style is not None else random_style(rng)
    serial = _digits(rng, 4)
    if style is PlateStyle.RENTAL:
        klass = _digits(rng, 3 if rng.random() < 0.5 else 2, first_nonzero=True)
        return f"{klass}{rng.choice(RENTAL)}{serial}"
    if style in (PlateStyle.YELLOW_COMMERCIAL_2LINE, PlateStyle.YELLOW_COMMERCIAL_1LINE):
        region = str(rng.choice(REGIONS))
        return f"{region}{_digits(rng, 2, True)}{rng.choice(COMMERCIAL)}{serial}"
    if style in (PlateStyle.GREEN_OLD_2LINE, PlateStyle.WHITE_REGIONAL):
        region = str(rng.choice(REGIONS))
        return f"{region}{_digits(rng, 2, True)}{rng.choice(PRIVATE)}{serial}"
    syl = str(rng.choice(PRIVATE))
    if style is PlateStyle.WHITE_8 or (style is PlateStyle.BLUE_EV and rng.random() < 0.6):
        return f"{_digits(rng, 3, True)}{syl}{serial}"
    return f"{_digits(rng, 2, True)}{syl}{serial}"
