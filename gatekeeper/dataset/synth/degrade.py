"""Gate-camera degradations for synthetic plates: geometry, resolution, blur, light, dirt, JPEG."""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)


def perspective(img: np.ndarray, rng: np.random.Generator, strength: float = 0.08) -> np.ndarray:
    """Tilt the plate in place (corners move by up to ``strength`` of the size; edges replicated)."""
    h, w = img.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jit = rng.uniform(-strength, strength, (4, 2)) * np.float32([w, h])
    dst = (src + jit).astype(np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def low_resolution(img: np.ndarray, rng: np.random.Generator, min_width: int = 60) -> np.ndarray:
    """Down to between ``min_width`` px and full width, then back up (detail lost, same shape)."""
    h, w = img.shape[:2]
    tw = int(rng.uniform(min_width, max(min_width + 1, w)))
    th = max(8, round(h * tw / w))
    small = cv2.resize(img, (tw, th), interpolation=cv2.INTER_AREA)
    interp = cv2.INTER_LINEAR if rng.random() < 0.7 else cv2.INTER_NEAREST
    return cv2.resize(small, (w, h), interpolation=interp)


def motion_blur(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    k = int(rng.integers(3, max(4, img.shape[1] // 40)))
    kernel = np.zeros((k, k), np.float32)
    kernel[k // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(-30, 30)), 1.0)
    kernel = cv2.warpAffine(kernel, rot, (k, k))
    return cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))


def smear(img: np.ndarray, length: int) -> np.ndarray:
    """A horizontal box blur of ``length`` px: a car crossing the view during the exposure."""
    kernel = np.full((1, max(1, int(length))), 1.0 / max(1, int(length)), np.float32)
    return cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE)


def focus_blur(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    s = float(rng.uniform(0.5, max(0.6, img.shape[1] / 180)))
    return cv2.GaussianBlur(img, (0, 0), s)


def noise(img: np.ndarray, rng: np.random.Generator, sigma: float | None = None) -> np.ndarray:
    s = sigma if sigma is not None else float(rng.uniform(2, 14))
    return np.clip(img.astype(np.float32) + rng.normal(0, s, img.shape), 0, 255).astype(np.uint8)


def jpeg(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(15, 85))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else img


def night(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dark, low contrast, warm or cold cast, sensor noise."""
    f = img.astype(np.float32) * rng.uniform(0.15, 0.5) + rng.uniform(0, 25)
    f *= rng.uniform(0.8, 1.2, 3).astype(np.float32)
    return noise(np.clip(f, 0, 255).astype(np.uint8), rng, float(rng.uniform(4, 12)))


def infrared(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """IR camera: greyscale, plate background glows, ink stays dark; optional gamma."""
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    g = (g - g.min()) * (255.0 / max(1.0, float(g.max() - g.min())))
    g = 255.0 * (g / 255.0) ** rng.uniform(0.5, 1.5)
    return cv2.cvtColor(np.clip(g, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def glare(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.float32)
    c = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
    ax = (int(rng.uniform(0.1, 0.5) * w), int(rng.uniform(0.2, 0.8) * h))
    cv2.ellipse(mask, c, ax, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), max(2.0, w / 15)) * rng.uniform(0.3, 0.8)
    f = img.astype(np.float32) + mask[..., None] * 255
    return np.clip(f, 0, 255).astype(np.uint8)


def dirt(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(3, 25))):
        c = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        r = int(rng.uniform(1, max(2, h / 10)))
        cv2.circle(mask, c, r, float(rng.uniform(0.2, 0.7)), -1)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, h / 40))
    colour = np.array([rng.uniform(30, 70), rng.uniform(50, 90), rng.uniform(70, 110)], np.float32)
    f = img.astype(np.float32) * (1 - mask[..., None]) + colour * mask[..., None]
    return np.clip(f, 0, 255).astype(np.uint8)


def occlusion(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A small bar over an edge (tow hook, bumper, frame lip): at most ~10% of a side."""
    out = img.copy()
    h, w = img.shape[:2]
    colour = [int(v) for v in rng.integers(0, 120, 3)]
    side = int(rng.integers(4))
    if side == 0:
        out[: int(h * rng.uniform(0.03, 0.12))] = colour
    elif side == 1:
        out[h - int(h * rng.uniform(0.03, 0.12)):] = colour
    elif side == 2:
        out[:, : int(w * rng.uniform(0.01, 0.05))] = colour
    else:
        out[:, w - int(w * rng.uniform(0.01, 0.05)):] = colour
    return out


def frame_and_bolts(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A plate frame around the edge and shiny bolt heads."""
    out = img.copy()
    h, w = img.shape[:2]
    t = int(max(2, h * rng.uniform(0.03, 0.09)))
    colour = tuple(int(v) for v in rng.integers(0, 200, 3))
    cv2.rectangle(out, (0, 0), (w - 1, h - 1), colour, t)
    r = max(2, int(h * rng.uniform(0.03, 0.06)))
    ys = [h // 2] if h * 3 < w else [int(h * 0.12)]
    for cx in (int(w * rng.uniform(0.03, 0.08)), int(w * rng.uniform(0.92, 0.97))):
        for cy in ys:
            shade = int(rng.uniform(120, 250))
            cv2.circle(out, (cx, cy), r, (shade, shade, shade), -1, cv2.LINE_AA)
    return out


def degrade(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random chain of gate-camera damage; the output has the input's shape and dtype."""
    out = img
    if rng.random() < 0.35:
        out = frame_and_bolts(out, rng)
    if rng.random() < 0.25:
        out = dirt(out, rng)
    if rng.random() < 0.6:
        out = perspective(out, rng, float(rng.uniform(0.02, 0.08)))
    if rng.random() < 0.15:
        out = glare(out, rng)
    if rng.random() < 0.10:
        out = occlusion(out, rng)
    light = rng.random()
    if light < 0.12:
        out = night(out, rng)
    elif light < 0.22:
        out = infrared(out, rng)
    if rng.random() < 0.3:
        out = motion_blur(out, rng)
    if rng.random() < 0.4:
        out = focus_blur(out, rng)
    if rng.random() < 0.7:
        out = low_resolution(out, rng)
    if rng.random() < 0.6:
        out = noise(out, rng)
    if rng.random() < 0.6:
        out = jpeg(out, rng)
    return out
