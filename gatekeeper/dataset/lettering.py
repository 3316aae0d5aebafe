"""Copies of detector training photos with writing that is not a plate: stickers and lettering on cars.

Cars carry writing besides their plates: bumper stickers (``BUSH CHENEY``), a dealer's or a club's
address (``CALCARS.ORG``), a school van's name in Hangul across its bonnet, a courier's phone number.
The detector, trained on photos where writing is nearly always a plate, boxes such writing as a plate; a
camera then reads each box with the whole reader chain. Driven up to a camera (``gatekeeper eval
--approach``), the es and kr-dev pictures spent a large share of the reader's time on such boxes
(forty-fourth session). These copies draw one to three such writings on a photo, clear of its plates,
and keep its labels unchanged: the writing is a negative the detector learns to leave alone.

Two styles: ``sticker`` (a plain or framed card of one or two lines of words) and ``body`` (words painted
straight on the car, large or small). Words are Latin (dealer and club names, web addresses, slogans),
Hangul (when a Hangul font is installed: fonts-nanum) or a phone number, never a plate's layout.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.copies import write_copies
from gatekeeper.dataset.synth.latin import DEALER_WORDS, LETTERS, find_latin_fonts
from gatekeeper.dataset.synth.renderer import FontNotFoundError, find_hangul_fonts

log = logging.getLogger(__name__)

MANIFEST = "lettering.json"
VERSION = 1
STYLES = ("sticker", "body")
WRITINGS = (1, 3)  # how many writings a copy gets, at least and at most
HEIGHT = (0.035, 0.11)  # a line's height, as a share of the picture's short side
SOFTEN = (0.4, 1.4)  # Gaussian sigma (px) the writing is softened by
GRAIN = (0.0, 8.0)  # sensor noise (grey levels) added over it
PLATE_CLEARANCE = 0.3  # a writing stays this share of a plate's size away from it
SLOGANS = ("HONK IF YOU LOVE", "MY OTHER CAR IS", "BABY ON BOARD", "STUDENT DRIVER", "I LOVE", "PROUD PARENT",
           "ROAD TRIP", "KEEP CALM", "SURF", "VOTE", "FOR SALE", "DELIVERY", "TAXI", "SCHOOL BUS", "POLICE")
DOMAINS = (".COM", ".ORG", ".NET", ".CO.KR", ".KR")
HANGUL_WORDS = ("학원", "영어", "수학", "태권도", "어린이집", "유치원", "택배", "배달",
                "이사", "렌터카", "교회", "학교", "관리사무소", "주차", "출입", "방문",
                "공사", "운송", "퀵서비스", "셔틀", "마트", "병원", "약국", "카센터",
                "세차", "용달", "화물", "중고차", "보험", "부동산", "초보운전", "아기가 타고 있어요",
                "안전운전", "서울", "부산", "대한", "통운", "물류", "센터", "상사")


@lru_cache(maxsize=1)
def hangul_fonts() -> tuple[str, ...]:
    """The installed Hangul fonts, as the plate renderer finds them
    (:func:`~gatekeeper.dataset.synth.renderer.find_hangul_fonts`); empty when there is none."""
    try:
        return tuple(str(p) for p in find_hangul_fonts())
    except FontNotFoundError:
        return ()


@lru_cache(maxsize=1)
def latin_fonts() -> tuple[str, ...]:
    """The installed Latin fonts (may be empty: OpenCV's Hershey fonts are then used)."""
    return tuple(find_latin_fonts())


def random_words(rng: np.random.Generator) -> list[str]:
    """One or two lines of writing that no plate carries: words, a web address, a phone number."""
    kind = rng.choice(["latin", "latin", "domain", "phone", "hangul", "hangul"])
    if kind == "hangul" and not hangul_fonts():
        kind = "latin"
    if kind == "phone":
        head = str(rng.choice(["010", "02", "031", "1588", "051"]))
        line = f"{head}-{rng.integers(100, 10000)}-{rng.integers(1000, 10000)}"
        if rng.random() < 0.5:
            return [line]
        return [str(rng.choice(HANGUL_WORDS if hangul_fonts() else SLOGANS)), line]
    if kind == "hangul":
        words = [str(rng.choice(HANGUL_WORDS)) for _ in range(int(rng.integers(1, 3)))]
        lines = [" ".join(words)]
    elif kind == "domain":
        name = "".join(LETTERS[int(i)] for i in rng.integers(26, size=int(rng.integers(4, 10))))
        lines = [name + str(rng.choice(DOMAINS))]
    else:
        pick = [str(rng.choice(SLOGANS)), str(rng.choice(DEALER_WORDS))]
        lines = [pick[0], pick[1]] if rng.random() < 0.4 else [" ".join(pick[: int(rng.integers(1, 3))])]
    return lines


def text_mask(lines: Sequence[str], height: int, rng: np.random.Generator) -> np.ndarray:
    """An ink mask (float 0..1) of ``lines`` stacked, each about ``height`` px tall."""
    from PIL import Image, ImageDraw, ImageFont

    hangul = any(not c.isascii() for line in lines for c in line)
    fonts = hangul_fonts() if hangul else latin_fonts()
    rows = []
    for line in lines:
        if fonts:
            font = ImageFont.truetype(str(rng.choice(fonts)), max(8, int(height * 1.25)))
            left, top, right, bottom = font.getbbox(line)
            im = Image.new("L", (max(1, right - left + 4), max(1, bottom - top + 4)), 0)
            ImageDraw.Draw(im).text((2 - left, 2 - top), line, fill=255, font=font)
            rows.append(np.asarray(im, np.float32) / 255.0)
        else:
            scale = height / 22.0
            thick = max(1, int(round(scale * 2)))
            (w, h), base = cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
            im = np.zeros((h + base + 4, w + 4), np.uint8)
            cv2.putText(im, line, (2, h + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thick, cv2.LINE_AA)
            rows.append(im.astype(np.float32) / 255.0)
    width = max(r.shape[1] for r in rows)
    gap = max(1, height // 4)
    out = np.zeros((sum(r.shape[0] for r in rows) + gap * (len(rows) - 1), width), np.float32)
    y = 0
    for r in rows:
        x = (width - r.shape[1]) // 2
        out[y:y + r.shape[0], x:x + r.shape[1]] = r
        y += r.shape[0] + gap
    return out


def _clear(x: int, y: int, w: int, h: int, plates: Sequence[Sequence[float]]) -> bool:
    """True when the rectangle keeps :data:`PLATE_CLEARANCE` away from every plate box (x1, y1, x2, y2)."""
    for x1, y1, x2, y2 in plates:
        mx, my = PLATE_CLEARANCE * (x2 - x1), PLATE_CLEARANCE * (y2 - y1)
        if x < x2 + mx and x + w > x1 - mx and y < y2 + my and y + h > y1 - my:
            return False
    return True


def _contrast(img: np.ndarray, x: int, y: int, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """An ink colour that stands out from the picture's mean under the rectangle."""
    mean = img[y:y + h, x:x + w].reshape(-1, 3).mean(axis=0)
    dark = float(mean.mean()) > 110
    base = rng.uniform(0, 70, 3) if dark else rng.uniform(190, 255, 3)
    if rng.random() < 0.4:  # a coloured ink: red, blue, green lettering
        base[int(rng.integers(3))] = 200 if dark else 255
    return base


def draw_writing(img: np.ndarray, rng: np.random.Generator, plates: Sequence[Sequence[float]],
                 style: str) -> bool:
    """Draw one writing of ``style`` on ``img`` in place, clear of ``plates``; False when none fitted."""
    ih, iw = img.shape[:2]
    height = max(6, int(rng.uniform(*HEIGHT) * min(ih, iw)))
    mask = text_mask(random_words(rng), height, rng)
    pad = int(height * rng.uniform(0.25, 0.6)) if style == "sticker" else 0
    h, w = mask.shape[0] + 2 * pad, mask.shape[1] + 2 * pad
    if w >= iw or h >= ih:
        scale = 0.9 * min(iw / w, ih / h)
        mask = cv2.resize(mask, (max(1, int(mask.shape[1] * scale)), max(1, int(mask.shape[0] * scale))))
        pad = int(pad * scale)
        h, w = mask.shape[0] + 2 * pad, mask.shape[1] + 2 * pad
    for _ in range(12):
        x, y = int(rng.integers(0, max(1, iw - w))), int(rng.integers(0, max(1, ih - h)))
        if _clear(x, y, w, h, plates):
            break
    else:
        return False
    region = img[y:y + h, x:x + w].astype(np.float32)
    if style == "sticker":
        card = rng.uniform(200, 255, 3) if rng.random() < 0.6 else rng.uniform(0, 160, 3)
        region[:] = card
        ink = rng.uniform(0, 60, 3) if card.mean() > 128 else rng.uniform(200, 255, 3)
        if rng.random() < 0.5:
            ink[int(rng.integers(3))] = 200
        if rng.random() < 0.4:
            cv2.rectangle(region, (1, 1), (w - 2, h - 2), tuple(float(v) for v in ink), max(1, height // 10))
    else:
        ink = _contrast(img, x, y, w, h, rng)
    alpha = np.zeros((h, w, 1), np.float32)
    alpha[pad:pad + mask.shape[0], pad:pad + mask.shape[1], 0] = mask
    region = region * (1 - alpha) + ink * alpha
    # as soft and grainy as a photo: crisp writing on a grainy photo would teach "crisp, so no plate"
    region = cv2.GaussianBlur(region, (0, 0), rng.uniform(*SOFTEN))
    region += rng.normal(0, rng.uniform(*GRAIN), region.shape)
    img[y:y + h, x:x + w] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
    return True


def _render(style: str):  # noqa: ANN202
    def render(img: np.ndarray, rng: np.random.Generator,
               boxes: Sequence[Sequence[float]] = ()) -> np.ndarray:
        out = img.copy()
        for i in range(int(rng.integers(WRITINGS[0], WRITINGS[1] + 1))):
            draw_writing(out, rng, boxes, style if i == 0 else str(rng.choice(STYLES)))
        return out
    return render


RENDER = {style: _render(style) for style in STYLES}


def write_lettering_copies(out_dir: Path, sources: Sequence[Path], count: int, seed: int = 0) -> Path:
    """Write ``count`` copies of images drawn from the YOLO ``sources`` folders with writing that is not a
    plate drawn clear of their plates, to ``out_dir/train``; returns ``out_dir``. Labels are unchanged."""
    return write_copies(out_dir, sources, count, seed, styles=STYLES, render=RENDER, manifest=MANIFEST,
                        version=VERSION, prefix="lt", what="lettered")
