"""Clean Korean plate images from the official glyphs and templates, or from a system Hangul font."""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.synth.degrade import degrade as _degrade
from gatekeeper.dataset.synth.styles import (
    REGION_CODES,
    PlateStyle,
    random_plate_text,
    random_style,
    split_text,
)

log = logging.getLogger(__name__)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf",
    "/usr/share/fonts/truetype/nanum/NanumBarunGothicBold.ttf",
    "/usr/share/fonts/truetype/nanum/NanumSquareB.ttf",
    "/usr/share/fonts/truetype/nanum/NanumGothicCodingBold.ttf",
    "/usr/share/fonts/truetype/nanum/NanumSquareRoundB.ttf",
)
_REGION_FILES = {v: k for k, v in REGION_CODES.items()}


class FontNotFoundError(RuntimeError):
    """No font able to draw Hangul was found on this system."""


def default_glyph_dir() -> Path:
    from gatekeeper.domain.paths import project_root

    return project_root().parent / "shared" / "data" / "kr-plate-glyphs"


def find_hangul_fonts() -> list[Path]:
    """Bold Nanum fonts when installed, else any font fontconfig says covers Korean."""
    found = [Path(p) for p in FONT_CANDIDATES if Path(p).is_file()]
    if found:
        return found
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":lang=ko", "file"], capture_output=True, text=True,
                             check=False).stdout
        found = sorted(Path(line.split(":")[0].strip()) for line in out.splitlines() if line.strip())
    if not found:
        raise FontNotFoundError(
            "no Hangul font found: install fonts-nanum (e.g. apt-get install fonts-nanum) "
            "or provide the plate glyph folder"
        )
    return found


@dataclass(frozen=True)
class Variant:
    """One concrete plate design: size, colours, glyph set, text rows."""

    size: tuple[int, int]  # (w, h)
    bg: tuple[int, int, int]
    ink: tuple[int, int, int]
    glyph_types: tuple[str, ...]  # glyph folders to take glyphs from, in order
    templates: tuple[str, ...]  # template files relative to the glyph dir
    rows: tuple[tuple[tuple[int, int, int, int], str], ...]  # (box, pattern) per row
    band: bool = False  # blue EU-style band on the left (font mode draws it)


# Patterns: R region (horizontal), V region (vertical stack), d digit, s small digit, h syllable.
_ONE_8 = "ddd h dddd"
_ONE_7 = "dd h dddd"
WHITE = (240, 240, 240)
YELLOW = (10, 178, 242)
GREEN = (30, 115, 20)
EV_BLUE = (235, 216, 172)
BLACK = (25, 25, 25)

VARIANTS: dict[PlateStyle, tuple[Variant, ...]] = {
    PlateStyle.WHITE_8: (
        Variant((520, 110), WHITE, BLACK, ("P1-3",),
                ("P1-3/template/plate1_3.png", "template/plate1_new1_2.png"),
                (((28, 13, 492, 97), _ONE_8),)),
        Variant((520, 110), WHITE, BLACK, ("P1-4",), ("P1-4/template/plate1_new2.png",),
                (((56, 12, 504, 98), _ONE_8),), band=True),
    ),
    PlateStyle.WHITE_7: (
        Variant((520, 110), WHITE, BLACK, ("P1-1",),
                ("template/plate1_new1_1.png", "template/plate1_new1_3.png"),
                (((40, 13, 480, 97), _ONE_7),)),
        Variant((440, 200), WHITE, BLACK, ("P2", "P1-1"), ("P2/template/plate2.png",),
                (((16, 46, 424, 156), _ONE_7),)),
    ),
    PlateStyle.WHITE_REGIONAL: (
        Variant((520, 110), WHITE, BLACK, ("P4", "P1-1"), ("template/plate1_new1_2.png",),
                (((24, 12, 496, 98), "V dd h dddd"),)),
        Variant((335, 170), WHITE, BLACK, ("P3", "P1-1"), (),
                (((62, 10, 273, 64), "R ss"), ((14, 72, 321, 161), "h dddd"))),
    ),
    PlateStyle.YELLOW_COMMERCIAL_2LINE: (
        Variant((440, 220), YELLOW, BLACK, ("P3",), ("P3/template/plate3.png",),
                (((92, 14, 348, 82), "R ss"), ((20, 90, 420, 208), "h dddd"))),
    ),
    PlateStyle.YELLOW_COMMERCIAL_1LINE: (
        Variant((520, 110), YELLOW, BLACK, ("P4",), ("P4/template/plate4_3.png", "template/plate4_2.png"),
                (((24, 12, 496, 98), "V dd h dddd"),)),
    ),
    PlateStyle.GREEN_OLD_2LINE: (
        Variant((335, 170), GREEN, (235, 240, 235), ("P5", "P6"), ("P5/template/plate5.png",),
                (((62, 10, 273, 64), "R ss"), ((14, 72, 321, 161), "h dddd"))),
    ),
    PlateStyle.BLUE_EV: (
        Variant((520, 110), EV_BLUE, (60, 35, 20), ("P1-2",), ("P1-2/template/plate1_electric.png",),
                (((44, 12, 474, 98), "AUTO"),)),
    ),
    PlateStyle.RENTAL: (
        Variant((520, 110), WHITE, BLACK, ("P1-1", "P1-3"),
                ("template/plate1_new1_1.png", "template/plate1_new1_2.png"),
                (((34, 13, 486, 97), "AUTO"),)),
    ),
}
# Token height relative to its row height.
_HEIGHT = {"d": 1.0, "s": 1.0, "h": 0.86, "R": 0.92, "V": 1.0}


def _tokens(pattern: str, text: str) -> list[tuple[str, str]]:
    parts = split_text(text)
    if pattern == "AUTO":
        pattern = "d" * len(parts.klass) + " h dddd"
    digits = iter(parts.klass + parts.serial)
    out: list[tuple[str, str]] = []
    for kind in pattern.replace(" ", ""):
        if kind in "ds":
            out.append((kind, next(digits)))
        elif kind == "h":
            out.append(("h", parts.syllable))
        else:
            out.append((kind, parts.region))
    return out


def _pattern_fits(variant: Variant, text: str) -> bool:
    parts = split_text(text)
    pats = "".join(p for _, p in variant.rows)
    if pats == "AUTO":
        return not parts.region
    has_region = "R" in pats or "V" in pats
    n_digits = pats.count("d") + pats.count("s")
    return has_region == bool(parts.region) and n_digits == len(parts.klass) + len(parts.serial)


class PlateRenderer:
    """Draws clean plates; ``degrade`` adds gate-camera damage. Deterministic for a given seed."""

    def __init__(self, seed: int | None = 0, glyph_dir: Path | str | None = None) -> None:
        self.rng = np.random.default_rng(seed)
        gd = Path(glyph_dir) if glyph_dir is not None else default_glyph_dir()
        self.glyph_dir: Path | None = gd if (gd / "P1-1").is_dir() else None
        if self.glyph_dir is None:
            log.info("plate glyphs not found at %s: font-only rendering", gd)
        self.fonts = find_hangul_fonts()
        self.font_share = 0.35 if self.glyph_dir is not None else 1.0

    @property
    def font_only(self) -> bool:
        return self.glyph_dir is None

    # ------------------------------------------------------------------ glyphs
    def _glyph(self, gtype: str, kind: str, value: str) -> np.ndarray | None:
        if self.glyph_dir is None:
            return None
        return _load_glyph(str(self.glyph_dir), gtype, kind, value)

    def _mask(self, variant: Variant, kind: str, value: str, font: Path | None) -> np.ndarray:
        if font is None:
            for gtype in variant.glyph_types:
                m = self._glyph(gtype, kind, value)
                if m is not None:
                    return m
            font = self.fonts[0]
        return _font_mask(str(font), kind, value)

    # ------------------------------------------------------------------ render
    def render(self, text: str | None = None, style: PlateStyle | None = None) -> tuple[np.ndarray, str]:
        """A clean plate image (BGR uint8, the plate's natural aspect) and its text."""
        rng = self.rng
        if style is None:
            style = random_style(rng)
        style = PlateStyle(style)
        if text is None:
            text = random_plate_text(rng, style)
        candidates = [v for v in VARIANTS[style] if _pattern_fits(v, text)]
        if not candidates:
            candidates = [v for vs in VARIANTS.values() for v in vs if _pattern_fits(v, text)]
        if not candidates:
            raise ValueError(f"no plate layout for {text!r}")
        variant = candidates[int(rng.integers(len(candidates)))]
        use_font = self.glyph_dir is None or rng.random() < self.font_share
        font = self.fonts[int(rng.integers(len(self.fonts)))] if use_font else None
        img = self._background(variant, use_font)
        ink_mask = np.zeros(img.shape[:2], np.float32)
        for box, pattern in variant.rows:
            toks = _tokens(pattern, text) if pattern == "AUTO" else None
            toks = toks or _tokens_for_row(pattern, text, variant)
            masks = [(k, self._mask(variant, k, v, font)) for k, v in toks]
            _place_row(ink_mask, box, masks, rng)
        if rng.random() < 0.5:  # stroke weight jitter
            k = np.ones((2, 2), np.uint8)
            ink_mask = cv2.dilate(ink_mask, k) if rng.random() < 0.5 else cv2.erode(ink_mask, k)
        ink = np.array(variant.ink, np.float32) + rng.normal(0, 8, 3)
        a = ink_mask[..., None]
        out = img.astype(np.float32) * (1 - a) + ink * a
        return np.clip(out, 0, 255).astype(np.uint8), text

    def degrade(self, img: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Gate-camera damage (same shape out): see :func:`gatekeeper.dataset.synth.degrade.degrade`."""
        return _degrade(img, rng if rng is not None else self.rng)

    def _background(self, variant: Variant, use_font: bool) -> np.ndarray:
        rng = self.rng
        w, h = variant.size
        tpl = None
        if self.glyph_dir is not None and variant.templates and rng.random() < 0.8:
            name = variant.templates[int(rng.integers(len(variant.templates)))]
            tpl = _load_template(str(self.glyph_dir / name))
        if tpl is not None:
            img = cv2.resize(tpl, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
        else:
            img = _procedural_background(variant, rng)
        tint = rng.uniform(0.86, 1.04) * rng.uniform(0.96, 1.03, 3)  # ageing / white balance
        img *= tint.astype(np.float32)
        return np.clip(img, 0, 255)


def _tokens_for_row(pattern: str, text: str, variant: Variant) -> list[tuple[str, str]]:
    """Tokens of one row: the digits are shared out over rows in reading order."""
    parts = split_text(text)
    digits = parts.klass + parts.serial
    row_index = [p for _, p in variant.rows].index(pattern)
    before = sum(p.count("d") + p.count("s") for _, p in variant.rows[:row_index])
    it = iter(digits[before:])
    out = []
    for kind in pattern.replace(" ", ""):
        if kind in "ds":
            out.append((kind, next(it)))
        elif kind == "h":
            out.append(("h", parts.syllable))
        else:
            out.append((kind, parts.region))
    return out


def _place_row(canvas: np.ndarray, box: tuple[int, int, int, int], masks: list,
               rng: np.random.Generator) -> None:
    x0, y0, x1, y1 = box
    rh = y1 - y0
    scaled = []
    for kind, m in masks:
        th = max(2, int(round(rh * _HEIGHT[kind] * rng.uniform(0.96, 1.02))))
        tw = max(1, int(round(m.shape[1] * th / m.shape[0])))
        scaled.append(cv2.resize(m, (tw, th), interpolation=cv2.INTER_AREA))
    ink_w = sum(s.shape[1] for s in scaled)
    n = len(scaled)
    box_w = x1 - x0
    gap = (box_w - ink_w) / max(1, n - 1) * rng.uniform(0.75, 1.0)
    gap = float(np.clip(gap, 0.02 * rh, 0.30 * rh))
    total = ink_w + gap * (n - 1)
    sx = min(1.0, box_w / total)
    x = x0 + (box_w - total * sx) / 2
    for s in scaled:
        tw = max(1, int(round(s.shape[1] * sx)))
        s2 = cv2.resize(s, (tw, s.shape[0]), interpolation=cv2.INTER_AREA) if tw != s.shape[1] else s
        yy = int(round(y0 + (rh - s2.shape[0]) / 2 + rng.normal(0, 0.6)))
        xx = int(round(x))
        hh, ww = canvas.shape
        ya, xa = max(0, yy), max(0, xx)
        yb, xb = min(hh, yy + s2.shape[0]), min(ww, xx + s2.shape[1])
        if yb > ya and xb > xa:
            sub = s2[ya - yy:yb - yy, xa - xx:xb - xx]
            canvas[ya:yb, xa:xb] = np.maximum(canvas[ya:yb, xa:xb], sub)
        x += (s.shape[1]) * sx + gap * sx


def _procedural_background(variant: Variant, rng: np.random.Generator) -> np.ndarray:
    w, h = variant.size
    base = np.empty((h, w, 3), np.float32)
    base[:] = np.array(variant.bg, np.float32)
    if variant.bg == EV_BLUE:  # light gradient of the EV plate
        base += np.linspace(-12, 12, w, dtype=np.float32)[None, :, None]
    img = np.clip(base, 0, 255).astype(np.uint8)
    border = tuple(int(c * 0.35) for c in variant.bg)
    t = max(2, h // 40)
    cv2.rectangle(img, (t, t), (w - 1 - t, h - 1 - t), border, t, lineType=cv2.LINE_AA)
    if variant.band:
        bw = int(w * 0.085)
        img[3:h - 3, 3:bw] = (150, 60, 25)
        cv2.circle(img, (bw // 2 + 1, h // 3), max(3, h // 8), (60, 180, 230), 1, cv2.LINE_AA)
        cv2.putText(img, "KOR", (6, int(h * 0.85)), cv2.FONT_HERSHEY_SIMPLEX, h / 300, (240, 240, 240), 1)
    if rng.random() < 0.6:  # bolt holes
        r = max(3, h // 22)
        for cx in (int(w * 0.05), int(w * 0.95)):
            cy = h // 2 if h < 150 else int(h * 0.18)
            cv2.circle(img, (cx, cy), r, (200, 200, 200) if rng.random() < 0.5 else (60, 60, 60), -1,
                       cv2.LINE_AA)
    return img.astype(np.float32)


@lru_cache(maxsize=64)
def _load_template(path: str) -> np.ndarray | None:
    p = Path(path)
    if not p.is_file():
        return None
    im = cv2.imdecode(np.fromfile(str(p), np.uint8), cv2.IMREAD_UNCHANGED)
    if im is None:
        return None
    if im.ndim == 3 and im.shape[2] == 4:
        a = im[..., 3:].astype(np.float32) / 255.0
        im = (im[..., :3] * a + 60 * (1 - a)).astype(np.uint8)
    return im[..., :3] if im.ndim == 3 else cv2.cvtColor(im, cv2.COLOR_GRAY2BGR)


@lru_cache(maxsize=2048)
def _load_glyph(glyph_dir: str, gtype: str, kind: str, value: str) -> np.ndarray | None:
    """Tight alpha mask (float32 0..1) of one glyph, or None when the set lacks it."""
    base = Path(glyph_dir) / gtype
    if kind in "ds":
        names = [f"digit/{value}_1.png", f"digit/{value}.png"] if kind == "s" else [f"digit/{value}.png"]
    elif kind == "h":
        names = [f"hangul/{value}.png"]
    else:
        code = _REGION_FILES.get(value)
        if code is None or (kind == "V") != (gtype == "P4"):
            return None
        names = [f"hangul/{code}.png"]
    for name in names:
        p = base / name
        if p.is_file():
            im = cv2.imdecode(np.fromfile(str(p), np.uint8), cv2.IMREAD_UNCHANGED)
            if im is None:
                continue
            if im.ndim == 3 and im.shape[2] == 4:
                m = im[..., 3].astype(np.float32) / 255.0
            else:
                g = im if im.ndim == 2 else cv2.cvtColor(im, cv2.COLOR_BGR2GRAY)
                m = g.astype(np.float32) / 255.0
                if m.mean() > 0.5:
                    m = 1.0 - m
            return _tight(m)
    return None


@lru_cache(maxsize=4096)
def _font_mask(font: str, kind: str, value: str) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    f = ImageFont.truetype(font, 160)
    chars = list(value) if kind == "V" else [value]
    lines = []
    for s in chars:
        im = Image.new("L", (200 * max(1, len(s)) + 40, 240), 0)
        ImageDraw.Draw(im).text((20, 20), s, fill=255, font=f)
        lines.append(_tight(np.asarray(im, np.float32) / 255.0))
    if len(lines) == 1:
        return lines[0]
    w = max(m.shape[1] for m in lines)
    gap = np.zeros((8, w), np.float32)
    padded = [np.pad(m, ((0, 0), ((w - m.shape[1]) // 2, w - m.shape[1] - (w - m.shape[1]) // 2)))
              for m in lines]
    return np.vstack([padded[0], gap, padded[1]])


def _tight(m: np.ndarray, max_h: int = 128) -> np.ndarray:
    """Crop to the ink and cap the height (glyphs are drawn at most ~120 px tall)."""
    ys, xs = np.nonzero(m > 0.2)
    if len(xs):
        m = m[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    if m.shape[0] > max_h:
        m = cv2.resize(m, (max(1, round(m.shape[1] * max_h / m.shape[0])), max_h),
                       interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(m, dtype=np.float32)
