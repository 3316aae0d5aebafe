"""Synthetic detector data: rendered Korean plates warped onto real backgrounds, written in YOLO format.

Backgrounds are the experiment-plates training photos (their own plate boxes are kept as labels and never
covered), road strips of the test video (the part below the approaching car) and procedural road-like
textures. Deterministic for a given seed; the output folder (``train``/``valid`` with ``images``/``labels``)
is a cache: it is reused when its manifest matches the request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

PlateSource = Callable[[np.random.Generator], np.ndarray]
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
# the road below the approaching car in uk_car_approach.mp4 (fractions of the frame height)
VIDEO_ROAD_ROWS = (0.62, 1.0)
MANIFEST = "composites.json"
VERSION = 1


@dataclass
class Background:
    """A background image and the plate boxes already in it (pixels, kept as labels, never covered)."""

    image: np.ndarray
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    kind: str = "texture"


def yolo_label_box(line: str, w: int, h: int) -> tuple[float, float, float, float] | None:
    """The pixel box of one YOLO label line (class ignored): ``cls cx cy w h``, or a polygon ``cls x1 y1 x2
    y2 ...`` (three or more points) taken as its bounding box, as ultralytics does; None for anything else."""
    parts = line.split()
    if len(parts) == 5:
        cx, cy, bw, bh = (float(v) for v in parts[1:])
        return (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h
    if len(parts) >= 7 and len(parts) % 2 == 1:
        xs, ys = [float(v) for v in parts[1::2]], [float(v) for v in parts[2::2]]
        return min(xs) * w, min(ys) * h, max(xs) * w, max(ys) * h
    return None


def read_yolo_boxes(label_file: Path, w: int, h: int) -> list[tuple[float, float, float, float]]:
    """Pixel boxes of a YOLO label file (:func:`yolo_label_box`); empty when the file is absent."""
    if not label_file.is_file():
        return []
    lines = label_file.read_text(encoding="utf-8").splitlines()
    return [box for box in (yolo_label_box(line, w, h) for line in lines) if box is not None]


def photo_backgrounds(split_dir: Path, limit: int, rng: np.random.Generator) -> list[Background]:
    """Up to ``limit`` photos of a YOLO split (``images``/``labels``) with their plate boxes."""
    suffixes = {".jpg", ".jpeg", ".png"}
    images = sorted(p for p in (split_dir / "images").glob("*") if p.suffix.lower() in suffixes)
    picks = rng.permutation(len(images))[:limit] if images else []
    found = []
    for i in picks:
        img = cv2.imread(str(images[i]))
        if img is None:
            continue
        boxes = read_yolo_boxes(split_dir / "labels" / (images[i].stem + ".txt"), img.shape[1], img.shape[0])
        found.append(Background(img, boxes, "photo"))
    return found


def video_backgrounds(video: Path, count: int) -> list[Background]:
    """Road strips (below the car) from ``count`` evenly spaced frames of the test video."""
    cap = cv2.VideoCapture(str(video))
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    found = []
    for idx in np.linspace(0, max(total - 1, 0), num=max(count, 1)).astype(int) if total else []:
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(idx))
        ok, frame = cap.read()
        if not ok:
            continue
        h = frame.shape[0]
        strip = frame[int(h * VIDEO_ROAD_ROWS[0]): int(h * VIDEO_ROAD_ROWS[1])]
        found.append(Background(np.ascontiguousarray(strip), [], "video"))
    cap.release()
    return found


def road_texture(rng: np.random.Generator, w: int = 640, h: int = 360) -> Background:
    """A procedural asphalt/concrete scene: grey gradient, grain, blotches and a lane marking or kerb."""
    base = rng.uniform(60, 170)
    grad = np.linspace(rng.uniform(-30, 30), rng.uniform(-30, 30), h)[:, None]
    img = base + grad + rng.normal(0, rng.uniform(4, 14), (h, w))
    coarse = cv2.resize(rng.normal(0, 12, (max(h // 24, 2), max(w // 24, 2))), (w, h))
    img = np.clip(img + coarse, 0, 255).astype(np.uint8)
    tint = rng.uniform(0.9, 1.1, 3)
    bgr = np.clip(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) * tint, 0, 255).astype(np.uint8)
    for _ in range(rng.integers(0, 3)):
        colour = (235, 235, 235) if rng.random() < 0.6 else (40, 200, 230)
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p2 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.line(bgr, p1, p2, colour, int(rng.integers(3, 14)))
    for _ in range(rng.integers(0, 3)):  # dark blobs: tyres, shadows, bumpers (plate-free clutter)
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.rectangle(bgr, (x, y), (x + int(rng.integers(20, 160)), y + int(rng.integers(10, 80))),
                      tuple(int(c) for c in rng.integers(0, 90, 3)), -1)
    return Background(cv2.GaussianBlur(bgr, (3, 3), 0), [], "texture")


def _overlaps(box: Sequence[float], others: Sequence[Sequence[float]], margin: float = 4.0) -> bool:
    x1, y1, x2, y2 = box
    m = margin
    return any(x1 < o[2] + m and o[0] - m < x2 and y1 < o[3] + m and o[1] - m < y2 for o in others)


def _plate_quad(rng: np.random.Generator, pw: float, ph: float, cx: float, cy: float) -> np.ndarray:
    """The four corners of a plate of size pw x ph centred at (cx, cy), rotated, sheared and foreshortened."""
    pts = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]], np.float32)
    yaw = rng.uniform(-0.25, 0.25)  # horizontal foreshortening: one side shorter
    pts[[1, 2], 1] *= 1 + yaw
    pts[[0, 3], 1] *= 1 - yaw
    pts[:, 0] += pts[:, 1] * rng.uniform(-0.15, 0.15)
    a = np.deg2rad(rng.uniform(-7, 7))
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    pts = pts @ rot.T + np.array([cx, cy], np.float32)
    return pts + rng.normal(0, ph * 0.03, pts.shape).astype(np.float32)


def paste_plate(canvas: np.ndarray, plate: np.ndarray, quad: np.ndarray, rng: np.random.Generator) -> None:
    """Warp ``plate`` onto ``canvas`` (in place) at ``quad``, with matched brightness and soft edges."""
    h, w = canvas.shape[:2]
    ph, pw = plate.shape[:2]
    src = np.array([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]], np.float32)
    m = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    warped = cv2.warpPerspective(plate, m, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32)[..., None] / 255.0
    inside = mask[..., 0] > 0.5
    if inside.any():  # pull the plate's brightness part-way towards the scene's
        gain = np.clip((canvas[inside].mean() + 80) / max(warped[inside].mean(), 1.0), 0.6, 1.1)
        warped = np.clip(warped.astype(np.float32) * (gain * rng.uniform(0.9, 1.05)), 0, 255)
    canvas[:] = np.clip(canvas * (1 - mask) + warped * mask, 0, 255).astype(np.uint8)


def _fit(bg: Background, rng: np.random.Generator, max_side: int) -> Background:
    h, w = bg.image.shape[:2]
    s = min(max_side / max(h, w), 1.0) if bg.kind != "photo" else rng.uniform(0.9, 1.1) * 320 / max(h, w)
    if abs(s - 1.0) < 1e-3:
        return Background(bg.image.copy(), list(bg.boxes), bg.kind)
    img = cv2.resize(bg.image, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return Background(img, [tuple(v * s for v in b) for b in bg.boxes], bg.kind)


def compose(bg: Background, plates: Sequence[np.ndarray], rng: np.random.Generator,
            max_side: int = 640) -> tuple[np.ndarray, list[tuple[float, float, float, float]]]:
    """One composite: ``bg`` with each plate warped onto a free spot; returns image and all plate boxes."""
    scene = _fit(bg, rng, max_side)
    canvas, boxes = scene.image, list(scene.boxes)
    h, w = canvas.shape[:2]
    for plate in plates:
        aspect = plate.shape[0] / plate.shape[1]
        lo, hi = (0.18, 0.5) if scene.kind == "photo" else (0.06, 0.3)
        for _ in range(20):
            pw = w * rng.uniform(lo, hi)
            ph = pw * aspect
            if ph < 6 or pw > w - 8 or ph > h - 8:
                continue
            cx, cy = rng.uniform(pw / 2 + 2, w - pw / 2 - 2), rng.uniform(ph / 2 + 2, h - ph / 2 - 2)
            quad = _plate_quad(rng, pw, ph, cx, cy)
            x1, y1 = np.clip(quad.min(axis=0), 0, [w - 1, h - 1])
            x2, y2 = np.clip(quad.max(axis=0), 1, [w, h])
            if _overlaps((x1, y1, x2, y2), boxes):
                continue
            paste_plate(canvas, plate, quad, rng)
            boxes.append((float(x1), float(y1), float(x2), float(y2)))
            break
    return canvas, boxes


def yolo_lines(boxes: Sequence[Sequence[float]], w: int, h: int) -> list[str]:
    """YOLO label lines (class 0, normalised centre/size) for pixel boxes."""
    lines = []
    for x1, y1, x2, y2 in boxes:
        bw, bh = (x2 - x1) / w, (y2 - y1) / h
        if bw > 0 and bh > 0:
            lines.append(f"0 {(x1 + x2) / 2 / w:.6f} {(y1 + y2) / 2 / h:.6f} {bw:.6f} {bh:.6f}")
    return lines


def synth_plate_source(seed: int) -> PlateSource:
    """Korean plates from :mod:`gatekeeper.dataset.synth` (rendered, then degraded), as BGR images."""
    from gatekeeper.dataset.synth import PlateRenderer

    renderer = PlateRenderer(seed)

    def make(rng: np.random.Generator) -> np.ndarray:
        img, _text = renderer.render()
        if rng.random() < 0.7:
            img = renderer.degrade(img, rng)
        return img if img.ndim == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)

    return make


def default_backgrounds(rng: np.random.Generator, photos: int = 400, video_frames: int = 24,
                        shared: Path = SHARED_DATA) -> list[Background]:
    """Detect-train photos and video road strips from ``shared`` (whatever of it exists)."""
    found: list[Background] = []
    train = shared / "detect" / "experiment-plates" / "train"
    if (train / "images").is_dir():
        found += photo_backgrounds(train, photos, rng)
    video = shared / "video" / "uk_car_approach.mp4"
    if video.is_file():
        found += video_backgrounds(video, video_frames)
    return found


def generate_composites(
    out_dir: Path,
    count: int,
    seed: int = 0,
    *,
    backgrounds: Sequence[Background] | None = None,
    plate_source: PlateSource | None = None,
    valid_fraction: float = 0.1,
    texture_fraction: float = 0.3,
    negative_fraction: float = 0.05,
) -> Path:
    """Write ``count`` composites to ``out_dir/{train,valid}/{images,labels}``; returns ``out_dir``."""
    out_dir = Path(out_dir)
    request = {"version": VERSION, "count": count, "seed": seed, "valid_fraction": valid_fraction,
               "custom_backgrounds": backgrounds is not None, "custom_plates": plate_source is not None}
    manifest = out_dir / MANIFEST
    if manifest.is_file() and json.loads(manifest.read_text(encoding="utf-8")) == request:
        log.info("reusing %d composites in %s", count, out_dir)
        return out_dir
    rng = np.random.default_rng(seed)
    bgs = list(backgrounds) if backgrounds is not None else default_backgrounds(rng)
    source = plate_source or synth_plate_source(seed)
    for split in ("train", "valid"):
        for sub in ("images", "labels"):
            folder = out_dir / split / sub
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.iterdir():
                old.unlink()
    n_valid = int(round(count * valid_fraction)) if count > 1 else 0
    for i in range(count):
        r = np.random.default_rng([seed, i])
        bg = road_texture(r) if not bgs or r.random() < texture_fraction else bgs[int(r.integers(len(bgs)))]
        n = 0 if bg.kind == "texture" and r.random() < negative_fraction else (2 if r.random() < 0.1 else 1)
        img, boxes = compose(bg, [source(r) for _ in range(n)], r)
        split = "valid" if i < n_valid else "train"
        stem = f"kr_{seed}_{i:06d}"
        quality = [cv2.IMWRITE_JPEG_QUALITY, int(r.integers(70, 96))]
        cv2.imwrite(str(out_dir / split / "images" / f"{stem}.jpg"), img, quality)
        (out_dir / split / "labels" / f"{stem}.txt").write_text(
            "\n".join(yolo_lines(boxes, img.shape[1], img.shape[0])) + "\n", encoding="utf-8")
    manifest.write_text(json.dumps(request), encoding="utf-8")
    log.info("wrote %d composites (%d valid) to %s", count, n_valid, out_dir)
    return out_dir
