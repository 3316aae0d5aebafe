"""Synthetic Latin-alphabet plates (EU, US, UK-style and generic) for training the Latin reader.

Plates are drawn from our uniform-stroke plate alphabet (:mod:`.stroke_font`), the TrueType fonts found on
the machine (DejaVu, Nanum, Roboto, Source Sans...), the plate typefaces when installed (Debian's
``fonts-roadgeek``: the FHWA highway gothic series that US plates are set in, California's narrow face among
them; ``fonts-opendin``: DIN 1451, the face of German and many other European plates) and OpenCV's Hershey
fonts, condensed and thickened at random, with the decorations that real plates
carry and a reader must ignore: the EU band with its country code, state names and slogans, stickers,
dealer frames and separators (space, dash, dot). The label is the characters only.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.synth.stroke_font import stroke_mask

log = logging.getLogger(__name__)

LATIN_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Many plate series leave out I, O and Q (they read as 1 and 0): Spain, California, the UK's serials...
# so in a serial with digits they are rarer than other letters, and a round glyph there is usually 0.
SERIAL_LETTER_P = np.array([0.25 if c in "IOQ" else 1.0 for c in LETTERS]) / sum(
    0.25 if c in "IOQ" else 1.0 for c in LETTERS)
DIGITS = "0123456789"
# A = letter, 9 = digit, * = either; ' ', '-', '.', ':' are drawn separators that are not part of the label.
FORMATS = (
    ("9AAA999", 0.16), ("9999AAA", 0.10), ("9999 AAA", 0.10), ("AA 99 AAA", 0.05), ("AA99 AAA", 0.05),
    ("AA-999-AA", 0.05), ("AAA 999", 0.05), ("AAA-9999", 0.05), ("A 9999 AA", 0.04), ("AA 9999 A", 0.03),
    ("AA A 9999", 0.04), ("AA-A 999", 0.03), ("99.999 99", 0.02), ("AA 99 999", 0.03), ("999 AAA", 0.03),
    ("9AA9999", 0.02), ("AAA9999", 0.02), ("99-AAA-9", 0.02), ("AA-99-99", 0.02), ("9999999", 0.03),
    ("AAAAAA", 0.02), ("AAAAAAA", 0.02), ("AAAA", 0.01), ("*****", 0.02), ("******", 0.03), ("*******", 0.03),
    ("A999999", 0.01), ("AA:999", 0.01),
    ("AAA9A99", 0.03), ("AA-99-AA", 0.015), ("99-AA-99", 0.01), ("AAA 99A", 0.01),  # Mercosur, PT/NL, SE
    ("AA 99 AA 9999", 0.015), ("AA 99 A 9999", 0.01),  # India
)
# two-line plates (India, motorcycles, square rear plates): the rows' patterns, as in FORMATS
TWO_LINE_FORMATS = (("AA 99 A", "A 9999"), ("AA 99", "AA 9999"), ("AA99", "AAA"), ("AAA", "999 A"),
                    ("AA 999", "99"), ("999", "AAA"), ("A 99", "9999"))
STYLES = (("eu", 0.32), ("us", 0.30), ("yellow", 0.07), ("plain", 0.21), ("dark", 0.06), ("uk", 0.04))
COUNTRIES = ("E", "D", "F", "I", "NL", "B", "P", "DK", "A", "S", "PL", "CZ", "GB", "IRL", "FIN", "N", "L",
             "H")
STATES = ("California", "Texas", "Nevada", "Arizona", "Oregon", "FLORIDA", "NEW YORK", "Ohio", "Utah",
          "Washington", "ILLINOIS", "Colorado", "Georgia", "Virginia", "Michigan", "Hawaii", "Montana")
SLOGANS = ("dmv.ca.gov", "Sunshine State", "Land of Lincoln", "EMPIRE STATE", "Grand Canyon State",
           "Live Free or Die", "Great Lakes", "TOYOTA OF ESCONDIDO", "HONDA", "Lexus of Carlsbad", "FORD")

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"), "C:/Windows/Fonts")
_BOLD_HINTS = ("Bold", "Black", "Medium", "Semibold", "SquareB", "Heavy")
_SKIP_HINTS = ("Math", "Italic", "Oblique", "It.", "Myeongjo", "Serif", "Thin", "ExtraLight", "Light")
HERSHEY = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX)
STROKE_SHARE = 0.3  # plates drawn in the stroke plate alphabet
CONDENSED_US_SHARE = 0.4  # US plates in a tall, thin, tightly spaced stroke face filling the plate
# (California)
CALIFORNIA_GLYPH_SHARE = 0.7  # ... of those in the stroke face, drawn with California's own W
# (stroke_font.CALIFORNIA), the rest with the common W
HERSHEY_SHARE = 0.1
# Real plate typefaces (file name patterns under FONT_DIRS). When present they draw PLATE_FACE_SHARE of the
# plates (taken from the machine's other fonts, which then draw the rest), and half of the condensed US plates
# in their narrow series (B to D).
PLATE_FACES = ("roadgeek/RG2014*.ttf", "opendin/OSP-DIN.ttf")
NARROW_FACES = ("RG2014B", "RG2014C", "RG2014D")
PLATE_FACE_SHARE = 0.3
# Dealer frames: side and top rails and a bottom bar with the dealer's name in bold capitals, its top edge at
# or just below the characters (most Californian plates in us-ucsd; the sixth-run network, trained without
# them, took F for E and O for Q above such a bar). Share of US plates, and of the other styles
# (dealer strips).
DEALER_FRAME_SHARE = {"us": 0.45}
DEALER_FRAME_OTHER_SHARE = 0.1
DEALER_WORDS = ("MOTORS", "AUTO", "HONDA", "TOYOTA", "FORD", "NISSAN", "LEXUS", "MINI", "KIA", "CHEVROLET",
                "AUTOHAUS", "GARAGE", "CARS", "DEALER", "CITY", "VALLEY", "CREEK", "CENTER", "SALES", "GROUP")


def find_latin_fonts() -> list[str]:
    """Upright sans fonts usable for plate characters: system folders and the ``font_roboto`` /
    ``font_source_sans_pro`` packages when installed. May be empty (Hershey fonts are always there)."""
    roots = [Path(d) for d in FONT_DIRS]
    for mod in ("font_roboto", "font_source_sans_pro"):
        pkg = sys.modules.get(mod)
        try:
            pkg = pkg or __import__(mod)
            roots.append(Path(pkg.__file__).parent)
        except ImportError:
            continue
    found: set[str] = set()
    for root in roots:
        if not root.is_dir():
            continue
        for p in root.rglob("*"):
            if p.suffix.lower() not in (".ttf", ".otf") or any(h in p.name for h in _SKIP_HINTS):
                continue
            if any(h in p.name for h in _BOLD_HINTS) or "Condensed" in p.name or "Regular" in p.name:
                found.add(str(p))
    return sorted(found)


def find_plate_faces() -> list[str]:
    """The installed plate typefaces (:data:`PLATE_FACES`); empty when none is."""
    found: set[str] = set()
    for root in (Path(d) for d in FONT_DIRS):
        if root.is_dir():
            for pattern in PLATE_FACES:
                found.update(str(p) for p in root.rglob(pattern))
    return sorted(found)


@lru_cache(maxsize=8192)
def _ttf_mask(font: str, ch: str) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    f = ImageFont.truetype(font, 96)
    im = Image.new("L", (160, 160), 0)
    ImageDraw.Draw(im).text((20, 10), ch, fill=255, font=f)
    return _tight(np.asarray(im, np.float32) / 255.0)


@lru_cache(maxsize=2048)
def _hershey_mask(font: int, ch: str, thickness: int) -> np.ndarray:
    im = np.zeros((140, 140), np.uint8)
    cv2.putText(im, ch, (15, 110), font, 3.0, 255, thickness, cv2.LINE_AA)
    return _tight(im.astype(np.float32) / 255.0)


def _tight(m: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(m > 0.2)
    if len(xs):
        m = m[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    return np.ascontiguousarray(m, dtype=np.float32)


@dataclass
class LatinPlate:
    """A rendered plate (BGR), its label, and the box around its main characters (x0, y0, x1, y1)."""

    image: np.ndarray
    text: str
    text_box: tuple[int, int, int, int]


# Personalised (vanity) plates: word-like letters, often with digits standing for letters or sounds
# (EMOTION, OLDHAG, V8PTRL, W326AVE in eval/es). Random letters teach no such sequences, and a network
# tuned on serials alone read them as serials (O as D first, 8 as B between letters, a leading W dropped).
VANITY_SHARE = 0.1
_ONSETS = ("B", "C", "D", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "T", "V", "W", "Y", "Z",
           "CH", "SH", "TH", "ST", "FL", "GR", "BR", "TR", "QU", "X", "")
_VOWELS = ("A", "E", "I", "O", "U", "Y", "EE", "OO", "AI", "OU", "EA")
_CODAS = ("", "", "N", "R", "S", "T", "X", "K", "L", "M", "NG", "CK", "LL", "SS", "D", "G")
_LEET = {"O": "0", "I": "1", "L": "1", "Z": "2", "E": "3", "A": "4", "S": "5", "G": "6", "T": "7", "B": "8"}
_SOUNDS = ("2", "4", "8", "1", "0")  # TO, FOR, ATE, ONE, O


def random_vanity_text(rng: np.random.Generator) -> str:
    """A personalised plate of 4-7 characters: pronounceable syllables, sometimes with digits for letters,
    a digit for a sound (``GR8``) or a short number inside (``W326AVE``)."""
    length = int(rng.integers(4, 8))
    text = ""
    while len(text) < length:
        text += (_ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))]
                 + _CODAS[rng.integers(len(_CODAS))])
    text = text[:length]
    k = rng.random()
    if k < 0.1:  # leet: a letter written as a digit
        i = int(rng.integers(len(text)))
        text = text[:i] + _LEET.get(text[i], text[i]) + text[i + 1:]
    elif k < 0.2:  # a sound as a digit
        i = int(rng.integers(len(text)))
        text = (text[:i] + _SOUNDS[rng.integers(len(_SOUNDS))] + text[i + 1:])[:7]
    elif k < 0.3:  # a number inside
        i = int(rng.integers(1, len(text)))
        digits = "".join(DIGITS[rng.integers(10)] for _ in range(int(rng.integers(1, 4))))
        text = (text[:i] + digits + text[i:])[:7]
    return text


def pick_weighted(rng: np.random.Generator, table: tuple) -> str:
    """A name from ``table`` (``(name, weight)`` pairs), drawn by the weights."""
    p = np.array([w for _, w in table], dtype=np.float64)
    return table[int(rng.choice(len(table), p=p / p.sum()))][0]


def random_latin_text(rng: np.random.Generator, pattern: str | None = None) -> str:
    """A plate string with separators (``pattern`` as in :data:`FORMATS`)."""
    if pattern is None and rng.random() < VANITY_SHARE:
        return random_vanity_text(rng)
    pattern = pattern or pick_weighted(rng, FORMATS)
    serial = "9" in pattern
    out = []
    for c in pattern:
        if c == "A":
            out.append(LETTERS[rng.choice(26, p=SERIAL_LETTER_P)] if serial else LETTERS[rng.integers(26)])
        elif c == "9":
            out.append(DIGITS[rng.integers(10)])
        elif c == "*":
            out.append(LATIN_CHARSET[rng.integers(36)])
        else:
            out.append(c)
    return "".join(out)


def label_of(text: str) -> str:
    return "".join(c for c in text if c in LATIN_CHARSET)


def _ink(img: np.ndarray, mask: np.ndarray, x0: int, y0: int, ink: np.ndarray) -> None:
    """Draw the float ``mask`` (0-1) onto ``img`` at (x0, y0) in the ``ink`` colour, in place."""
    h, w = mask.shape
    region = img[y0:y0 + h, x0:x0 + w].astype(np.float32)
    a = mask[..., None]
    img[y0:y0 + h, x0:x0 + w] = np.clip(region * (1 - a) + ink * a, 0, 255).astype(np.uint8)


def _frame(img: np.ndarray, ink: np.ndarray) -> None:
    """A thin border in the ink colour, as many plates have."""
    h, w = img.shape[:2]
    cv2.rectangle(img, (2, 2), (w - 3, h - 3), tuple(float(v) for v in ink), max(1, h // 40))


def _dealer_words(rng: np.random.Generator) -> str:
    """A dealer's name: one to three words, from :data:`DEALER_WORDS` or random capitals."""
    words = []
    for _ in range(int(rng.integers(1, 4))):
        if rng.random() < 0.5:
            words.append(DEALER_WORDS[int(rng.integers(len(DEALER_WORDS)))])
        else:
            words.append("".join(LETTERS[int(i)] for i in rng.integers(26, size=int(rng.integers(3, 9)))))
    return " ".join(words)


def dealer_frame(img: np.ndarray, rng: np.random.Generator, box: tuple[int, int, int, int]) -> None:
    """A dealer's plate frame drawn over ``img`` in place (see :data:`DEALER_FRAME_SHARE`): rails at the
    sides and top, a bottom bar whose top edge is at or just below the characters' box (up to 2 % of their
    height over them), the dealer's name in bold capitals filling much of the bar. Black, chrome or
    coloured."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = box
    k = rng.random()
    if k < 0.45:
        colour, letters = rng.uniform(0, 45, 3), np.full(3, rng.uniform(170, 255))
    elif k < 0.8:
        colour, letters = (np.full(3, rng.uniform(140, 215)) + rng.uniform(-10, 10, 3),
                           np.full(3, rng.uniform(0, 60)))
    else:
        colour, letters = rng.uniform(0, 120, 3), np.full(3, rng.uniform(200, 255))
    fill = tuple(float(v) for v in colour)
    ch = y1 - y0
    bar_top = min(int(y1 + rng.uniform(-0.02, 0.12) * ch), h - max(3, int(0.08 * h)))
    cv2.rectangle(img, (0, bar_top), (w - 1, h - 1), fill, -1)
    side = min(int(rng.uniform(0.015, 0.05) * w), max(0, x0 - 1), max(0, w - x1 - 1))
    if side > 0:
        cv2.rectangle(img, (0, 0), (side, h - 1), fill, -1)
        cv2.rectangle(img, (w - 1 - side, 0), (w - 1, h - 1), fill, -1)
    cv2.rectangle(img, (0, 0), (w - 1, int(rng.uniform(0.02, 0.09) * h)), fill, -1)
    bar_h = h - bar_top
    text = _dealer_words(rng)
    font = int(rng.choice([cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_SIMPLEX]))
    thick = int(rng.integers(2, 5))
    (tw, th), _ = cv2.getTextSize(text, font, 1.0, thick)
    scale = min(bar_h * rng.uniform(0.45, 0.8) / max(1, th), 0.92 * w / max(1, tw))
    cap = int(th * scale)
    if cap < 4:
        return
    base = bar_top + cap + int(rng.uniform(0.0, 0.3) * max(0, bar_h - cap))
    cv2.putText(img, text, ((w - int(tw * scale)) // 2, min(h - 1, base)), font, scale,
                tuple(float(v) for v in letters), thick, cv2.LINE_AA)


class LatinPlateRenderer:
    """Deterministic (per seed) renderer of Latin plates in several national styles."""

    def __init__(self, seed: int | None = 0, fonts: list[str] | None = None,
                 plate_faces: list[str] | None = None) -> None:
        self.rng = np.random.default_rng(seed)
        self.fonts = list(fonts) if fonts is not None else find_latin_fonts()
        self.plate_faces = list(plate_faces) if plate_faces is not None else find_plate_faces()
        self.narrow_faces = [f for f in self.plate_faces if Path(f).stem in NARROW_FACES]

    def _glyph(self, ch: str, font: object, thick: int) -> np.ndarray:
        if isinstance(font, str):
            return _ttf_mask(font, ch)
        if isinstance(font, tuple):  # (variant, thickness, mix, california) of the stroke alphabet
            return stroke_mask(ch, font[0] + (ord(ch) % 2) * font[2], font[1], california=font[3])
        return _hershey_mask(int(font), ch, thick)

    def _font(self) -> object:
        """A TrueType path, a Hershey font id, or ``(variant, thickness, mix, california)`` for the stroke
        alphabet."""
        k = self.rng.random()
        if k < STROKE_SHARE:
            return self._stroke_font(0.5, 1.4)
        if not (self.fonts or self.plate_faces) or k < STROKE_SHARE + HERSHEY_SHARE:
            return HERSHEY[int(self.rng.integers(len(HERSHEY)))]
        if self.plate_faces and (not self.fonts or k < STROKE_SHARE + HERSHEY_SHARE + PLATE_FACE_SHARE):
            return self.plate_faces[int(self.rng.integers(len(self.plate_faces)))]
        return self.fonts[int(self.rng.integers(len(self.fonts)))]

    def _stroke_font(self, thin: float, thick: float,
                     california: bool = False) -> tuple[int, float, int, bool]:
        """``(variant, thickness, mix, california)`` of the stroke alphabet, thickness drawn from
        ``thin``-``thick``; ``california``: with California's own glyphs."""
        rng = self.rng
        variant = int(rng.integers(3))
        thickness = round(float(rng.uniform(thin, thick)), 2)
        return variant, thickness, int(rng.integers(2)), california

    def _text_mask(self, text: str, height: int, condensed: bool = False) -> np.ndarray:
        """The characters as one float mask ``height`` px tall, condensed, spaced and thickened at random;
        ``condensed``: a thin, narrow stroke face set tight (the Californian plate's look)."""
        rng = self.rng
        if condensed:
            narrow = bool(self.narrow_faces) and rng.random() < 0.5
            font: object = (self.narrow_faces[int(rng.integers(len(self.narrow_faces)))] if narrow
                            else self._stroke_font(0.55, 0.95, rng.random() < CALIFORNIA_GLYPH_SHARE))
            condense = rng.uniform(0.65, 0.9) if narrow else rng.uniform(0.5, 0.75)
            gap = rng.uniform(0.03, 0.12) * height
        else:
            font = self._font()
            condense = rng.uniform(0.5, 1.0) if rng.random() < 0.8 else rng.uniform(1.0, 1.2)
            gap = rng.uniform(0.05, 0.3) * height
        parts: list[np.ndarray] = []
        for ch in text:
            if ch == " ":
                parts.append(np.zeros((height, max(2, int(rng.uniform(0.2, 0.7) * height))), np.float32))
                continue
            if ch in "-.:":
                w = max(3, int(height * (0.3 if ch == "-" else 0.15)))
                m = np.zeros((height, w + 4), np.float32)
                t = max(2, height // 9)
                if ch == "-":
                    m[height // 2 - t // 2:height // 2 + t - t // 2, 2:2 + w] = 1.0
                elif ch == ".":
                    cv2.circle(m, (m.shape[1] // 2, int(height * rng.choice([0.5, 0.85]))), t, 1.0, -1)
                else:
                    for yy in (0.3, 0.7):
                        cv2.circle(m, (m.shape[1] // 2, int(height * yy)), t, 1.0, -1)
                parts.append(m)
                continue
            g = self._glyph(ch, font, int(rng.integers(4, 9)))
            gw = max(2, int(round(g.shape[1] * height / max(1, g.shape[0]) * condense)))
            parts.append(cv2.resize(g, (gw, height), interpolation=cv2.INTER_AREA))
            parts.append(np.zeros((height, max(1, int(gap * rng.uniform(0.8, 1.2)))), np.float32))
        mask = np.hstack(parts[:-1] if len(parts) > 1 else parts)
        k = 1.0 if condensed else rng.random()  # the thin face stays thin
        if k < 0.25:
            mask = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=max(1, height // 40))
        elif k < 0.35 and height >= 40:
            mask = cv2.erode(mask, np.ones((2, 2), np.uint8))
        return np.clip(mask, 0, 1)

    def render(self, text: str | None = None, style: str | None = None) -> LatinPlate:
        """One plate; ``text`` may carry separators (they are drawn, not labelled)."""
        rng = self.rng
        style = style or pick_weighted(rng, STYLES)
        condensed = style == "us" and rng.random() < CONDENSED_US_SHARE
        if not text:
            text = random_latin_text(rng, "9AAA999" if condensed and rng.random() < 0.7 else None)
        if style == "us":
            w, h = 480, 240
        else:
            h = 110
            w = int(rng.uniform(4.0, 5.2) * h) if rng.random() < 0.85 else int(rng.uniform(2.8, 3.6) * h)
        bg, ink = self._colours(style)
        img = np.empty((h, w, 3), np.float32)
        img[:] = bg
        img += np.linspace(-rng.uniform(0, 25), rng.uniform(0, 25), w, dtype=np.float32)[None, :, None]
        img = np.clip(img, 0, 255).astype(np.uint8)  # OpenCV draws text on 8-bit images only
        left = 0
        if style == "eu" or (style in ("yellow", "uk") and rng.random() < 0.6):
            left = self._eu_band(img, rng)
        top, bottom = 0.0, 1.0
        if style == "us":
            top, bottom = self._us_decor(img, rng, ink)
        th = int((bottom - top) * h * (rng.uniform(0.75, 0.9) if condensed else rng.uniform(0.6, 0.8)))
        mask = self._text_mask(text, th, condensed)
        room = w - left - int(0.06 * w)
        if mask.shape[1] > room:
            mask = cv2.resize(mask, (room, th), interpolation=cv2.INTER_AREA)
        x0 = left + int(0.03 * w) + int(rng.uniform(0.2, 0.8) * (room - mask.shape[1]))
        y0 = int(top * h + ((bottom - top) * h - th) * rng.uniform(0.35, 0.65))
        _ink(img, mask, x0, y0, ink)
        box = (x0, y0, x0 + mask.shape[1], y0 + th)
        if rng.random() < DEALER_FRAME_SHARE.get(style, DEALER_FRAME_OTHER_SHARE):
            dealer_frame(img, rng, box)
        elif rng.random() < 0.3:
            _frame(img, ink)
        return LatinPlate(img, label_of(text), box)

    def render_two_line(self, top: str | None = None, bottom: str | None = None) -> LatinPlate:
        """A two-line plate (``MH 12 A`` over ``B 1234``, a motorcycle's or a square rear plate), its rows
        of about the same height; the label is the top row's characters, then the bottom row's."""
        rng = self.rng
        if not top or not bottom:
            pattern = TWO_LINE_FORMATS[int(rng.integers(len(TWO_LINE_FORMATS)))]
            top, bottom = random_latin_text(rng, pattern[0]), random_latin_text(rng, pattern[1])
        h = 200
        w = int(rng.uniform(1.4, 2.1) * h)
        bg, ink = self._colours(str(rng.choice(["plain", "yellow", "dark", "eu"])))
        img = np.empty((h, w, 3), np.uint8)
        img[:] = bg.astype(np.uint8)
        th = int(h * rng.uniform(0.3, 0.38))
        x_lo, y_lo, x_hi, y_hi = w, h, 0, 0
        for line, centre in ((top, 0.28), (bottom, 0.72)):
            mask = self._text_mask(line, th)
            if mask.shape[1] > int(0.88 * w):
                mask = cv2.resize(mask, (int(0.88 * w), th), interpolation=cv2.INTER_AREA)
            x0 = (w - mask.shape[1]) // 2 + int(rng.uniform(-0.03, 0.03) * w)
            x0 = min(max(0, x0), w - mask.shape[1])
            y0 = int(centre * h - th / 2 + rng.uniform(-0.02, 0.02) * h)
            _ink(img, mask, x0, y0, ink)
            x_lo, y_lo = min(x_lo, x0), min(y_lo, y0)
            x_hi, y_hi = max(x_hi, x0 + mask.shape[1]), max(y_hi, y0 + th)
        if rng.random() < 0.5:
            _frame(img, ink)
        return LatinPlate(img, label_of(top + bottom), (x_lo, y_lo, x_hi, y_hi))

    def _colours(self, style: str) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        if style == "yellow" or (style == "uk" and rng.random() < 0.5):
            bg = np.array([rng.uniform(0, 40), rng.uniform(190, 235), rng.uniform(220, 255)])
            ink = np.full(3, rng.uniform(0, 40))
        elif style == "dark":
            bg = rng.uniform(0, 70, 3)
            ink = np.full(3, rng.uniform(180, 255))
        elif style == "plain" and rng.random() < 0.5:
            bg = rng.uniform(150, 255, 3)
            ink = rng.uniform(0, 90, 3)
        else:
            bg = np.full(3, rng.uniform(200, 255)) + rng.uniform(-12, 12, 3)
            ink = np.array([rng.uniform(60, 130), rng.uniform(20, 60), rng.uniform(0, 30)]) \
                if style == "us" and rng.random() < 0.6 else np.full(3, rng.uniform(0, 50))
        return bg.astype(np.float32), ink.astype(np.float32)

    def _eu_band(self, img: np.ndarray, rng: np.random.Generator) -> int:
        """Blue band with a ring of stars and the country code; returns its width."""
        h = img.shape[0]
        bw = int(h * rng.uniform(0.32, 0.42))
        img[:, :bw] = (rng.uniform(120, 170), rng.uniform(40, 70), rng.uniform(0, 30))
        c, r = (bw // 2, int(h * 0.3)), h * 0.16
        for k in range(12):
            a = 2 * np.pi * k / 12
            cv2.circle(img, (int(c[0] + r * np.cos(a)), int(c[1] + r * np.sin(a))), max(1, h // 45),
                       (0, 200, 255), -1)
        code = COUNTRIES[int(rng.integers(len(COUNTRIES)))]
        scale = h / 110 * (1.2 if len(code) == 1 else 0.8)
        size = cv2.getTextSize(code, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)[0]
        cv2.putText(img, code, ((bw - size[0]) // 2, int(h * 0.88)), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (255, 255, 255), 2, cv2.LINE_AA)
        return bw

    def _us_decor(self, img: np.ndarray, rng: np.random.Generator, ink: np.ndarray) -> tuple[float, float]:
        """State name on top, slogan or frame text below, stickers in the corners: the band left for text."""
        h, w = img.shape[:2]
        state = STATES[int(rng.integers(len(STATES)))]
        font = int(rng.choice([cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_TRIPLEX,
                               cv2.FONT_HERSHEY_DUPLEX]))
        colour = (30, 30, 200) if rng.random() < 0.6 else tuple(float(v) for v in ink)
        scale = h / 240 * rng.uniform(1.1, 1.6)
        size = cv2.getTextSize(state, font, scale, 2)[0]
        cv2.putText(img, state, ((w - size[0]) // 2, int(h * 0.2)), font, scale, colour, 2, cv2.LINE_AA)
        for side in range(2):
            if rng.random() < 0.6:
                x = int(w * (0.04 if side == 0 else rng.uniform(0.78, 0.84)))
                cv2.rectangle(img, (x, int(h * 0.05)), (x + int(w * 0.14), int(h * 0.2)),
                              tuple(float(v) for v in rng.uniform(0, 255, 3)), -1)
                cv2.putText(img, str(int(rng.integers(10, 30))), (x + 8, int(h * 0.18)),
                            cv2.FONT_HERSHEY_SIMPLEX, h / 300, (20, 20, 20), 2, cv2.LINE_AA)
        if rng.random() < 0.7:
            text = SLOGANS[int(rng.integers(len(SLOGANS)))]
            dark = rng.random() < 0.5
            if dark:
                img[int(h * 0.82):] = rng.uniform(0, 50)
            size = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, h / 300, 2)[0]
            cv2.putText(img, text, ((w - size[0]) // 2, int(h * 0.95)), cv2.FONT_HERSHEY_DUPLEX, h / 300,
                        (230, 230, 230) if dark else colour, 2, cv2.LINE_AA)
        return 0.24, 0.82
