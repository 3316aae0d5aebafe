"""The built-in demo camera: a painted gate scene where cars with synthetic Korean plates drive in, stop,
leave.

Everything is drawn with OpenCV (no third-party footage); plates come from ``gatekeeper.dataset.synth``
(font-only when the official glyph folder is absent, as in the shipped app). A sidecar JSON next to the
video lists each vehicle's plate and time span: the ground truth for tests and the bench.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle, random_plate_text

log = logging.getLogger(__name__)

DEMO_STYLES = (
    PlateStyle.WHITE_8, PlateStyle.YELLOW_COMMERCIAL_2LINE, PlateStyle.WHITE_7, PlateStyle.BLUE_EV,
    PlateStyle.GREEN_OLD_2LINE, PlateStyle.RENTAL, PlateStyle.WHITE_REGIONAL,
    PlateStyle.YELLOW_COMMERCIAL_1LINE,
)
APPROACH_S, STOP_S, EXIT_S, GAP_S = 2.2, 2.4, 1.3, 0.7
CAR_COLOURS = ((200, 200, 205), (40, 40, 40), (150, 40, 30), (30, 30, 160), (90, 90, 90), (235, 235, 235),
               (40, 90, 40), (20, 110, 190))


@dataclass(frozen=True)
class DemoVehicle:
    """One vehicle of the demo: its plate, style and when it is on screen (seconds from the start)."""

    plate: str
    style: str
    start: float
    stop_start: float
    stop_end: float
    end: float


def sidecar_path(video: Path) -> Path:
    """Where the ground-truth JSON of ``video`` lives."""
    return video.with_suffix(".json")


def read_sidecar(video: Path) -> dict:
    """The sidecar of ``video`` (``vehicles``: list of dicts with
    plate/style/start/stop_start/stop_end/end)."""
    return json.loads(sidecar_path(video).read_text(encoding="utf-8"))


def _schedule(seconds: float, rng: np.random.Generator,
              renderer: PlateRenderer) -> list[tuple[DemoVehicle, np.ndarray]]:
    out = []
    t = 0.4
    per_car = APPROACH_S + STOP_S + EXIT_S
    i = 0
    while t + per_car <= seconds:
        style = DEMO_STYLES[i % len(DEMO_STYLES)]
        text = random_plate_text(rng, style)
        img, text = renderer.render(text, style)
        v = DemoVehicle(plate=text, style=style.value, start=round(t, 3), stop_start=round(t + APPROACH_S, 3),
                        stop_end=round(t + APPROACH_S + STOP_S, 3), end=round(t + per_car, 3))
        out.append((v, img))
        t += per_car + GAP_S
        i += 1
    return out


def _background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    horizon = int(h * 0.38)
    sky = np.linspace(235, 180, horizon).astype(np.uint8)
    img[:horizon] = np.stack([sky, sky - 20, sky - 60], axis=1)[:, None, :]
    img[horizon:] = (95, 120, 105)  # verge
    for k in range(9):  # distant buildings
        x = int(rng.integers(0, w))
        bw, bh = int(rng.integers(60, 160)), int(rng.integers(30, 120))
        c = int(rng.integers(120, 180))
        cv2.rectangle(img, (x, horizon - bh), (x + bw, horizon), (c, c, c + 10), -1)
    road = np.array([[int(w * 0.44), horizon], [int(w * 0.56), horizon], [int(w * 0.98), h],
                     [int(w * 0.02), h]])
    cv2.fillPoly(img, [road], (88, 88, 92))
    for y0 in range(horizon + 10, h, 60):  # centre dashes
        y1 = min(h, y0 + 25)
        cv2.line(img, (w // 2, y0), (w // 2, y1), (210, 210, 210), max(1, (y0 - horizon) // 60))
    stop_y = int(h * 0.93)
    cv2.line(img, (int(w * 0.08), stop_y), (int(w * 0.92), stop_y), (235, 235, 235), 6)
    gx = int(w * 0.03)
    cv2.rectangle(img, (gx, int(h * 0.30)), (gx + int(w * 0.17), int(h * 0.86)),
                  (170, 190, 205), -1)  # gatehouse
    cv2.rectangle(img, (gx - 10, int(h * 0.27)), (gx + int(w * 0.17) + 10, int(h * 0.31)), (60, 60, 120), -1)
    cv2.rectangle(img, (gx + 25, int(h * 0.40)), (gx + int(w * 0.13), int(h * 0.55)), (120, 90, 60), -1)
    cv2.putText(img, "GATE 1", (gx + 30, int(h * 0.36)), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (40, 40, 40), 2)
    return img


def _barrier(img: np.ndarray, lift: float) -> None:
    """Draw the barrier post and its striped arm; ``lift`` 0 = closed, 1 = open."""
    h, w = img.shape[:2]
    px, py = int(w * 0.90), int(h * 0.60)
    cv2.rectangle(img, (px - 18, py), (px + 18, int(h * 0.86)), (40, 170, 230), -1)
    angle = np.deg2rad(180 - 80 * lift)
    length = w * 0.62
    ex, ey = int(px + length * np.cos(angle)), int(py - length * np.sin(angle))
    n = 8
    for k in range(n):
        a = (px + (ex - px) * k / n, py + (ey - py) * k / n)
        b = (px + (ex - px) * (k + 1) / n, py + (ey - py) * (k + 1) / n)
        colour = (40, 40, 220) if k % 2 == 0 else (245, 245, 245)
        cv2.line(img, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), colour, 14)


def _car_pose(v: DemoVehicle, t: float, size: tuple[int, int]) -> tuple[float, float, float] | None:
    """(centre x, bottom y, scale) of the car at time ``t``, or None when it is not on screen."""
    if not v.start <= t <= v.end:
        return None
    w, h = size
    if t < v.stop_start:  # approach from the horizon, decelerating
        u = (t - v.start) / (v.stop_start - v.start)
        u = 1 - (1 - u) ** 2
        scale = 0.22 + 0.78 * u
    elif t < v.stop_end:
        scale = 1.0
    else:  # drive on towards the camera and out of the frame
        u = (t - v.stop_end) / (v.end - v.stop_end)
        scale = 1.0 + 1.3 * u * u
    horizon = h * 0.38
    bottom = horizon + (h * 0.88 - horizon) * scale ** 1.15
    return w * 0.5, bottom, scale


def _plate_rect(cx: float, bottom: float, scale: float, plate_hw: tuple[int, int],
                size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the plate on a car at this pose."""
    w, h = size
    cw, ch = 560 * scale * w / 1280, 330 * scale * h / 720
    target_w = 0.40 * cw
    target_h = target_w * plate_hw[0] / plate_hw[1]
    pcx, pcy = cx, bottom - ch + 0.73 * ch
    return (int(round(pcx - target_w / 2)), int(round(pcy - target_h / 2)), int(round(target_w)),
            int(round(target_h)))


def _draw_car(img: np.ndarray, cx: float, bottom: float, scale: float, colour: tuple[int, int, int],
              plate: np.ndarray) -> None:
    """A car seen from the front, with ``plate`` on the bumper."""
    h, w = img.shape[:2]
    cw, ch = 560 * scale * w / 1280, 330 * scale * h / 720
    x1, y2 = cx - cw / 2, bottom
    y1 = y2 - ch

    def P(fx: float, fy: float) -> tuple[int, int]:
        return int(x1 + fx * cw), int(y1 + fy * ch)

    dark = tuple(max(0, c - 60) for c in colour)
    cv2.rectangle(img, P(0.06, 0.86), P(0.2, 1.0), (20, 20, 20), -1)  # wheels
    cv2.rectangle(img, P(0.8, 0.86), P(0.94, 1.0), (20, 20, 20), -1)
    roof = np.array([P(0.2, 0.0), P(0.8, 0.0), P(0.92, 0.38), P(0.08, 0.38)])
    cv2.fillPoly(img, [roof], colour)
    glass = np.array([P(0.24, 0.05), P(0.76, 0.05), P(0.86, 0.35), P(0.14, 0.35)])
    cv2.fillPoly(img, [glass], (90, 70, 55))
    cv2.rectangle(img, P(0.0, 0.38), P(1.0, 0.92), colour, -1)  # body
    cv2.rectangle(img, P(0.0, 0.80), P(1.0, 0.94), dark, -1)  # bumper
    cv2.rectangle(img, P(0.3, 0.46), P(0.7, 0.60), (35, 35, 35), -1)  # grille
    for fx in (0.1, 0.9):
        cv2.ellipse(img, P(fx, 0.5), (max(1, int(cw * 0.08)), max(1, int(ch * 0.05))), 0, 0, 360,
                    (215, 240, 250), -1)
    px1, py1, tw, th = _plate_rect(cx, bottom, scale, plate.shape[:2], (w, h))
    ph, pw = plate.shape[:2]
    if tw < 4 or th < 2:
        return
    resized = cv2.resize(plate, (tw, th), interpolation=cv2.INTER_AREA if tw < pw else cv2.INTER_LINEAR)
    xa, ya, xb, yb = max(0, px1), max(0, py1), min(w, px1 + tw), min(h, py1 + th)
    if xb > xa and yb > ya:
        img[ya:yb, xa:xb] = resized[ya - py1:yb - py1, xa - px1:xb - px1]


def generate_demo_video(
    path: Path,
    *,
    seconds: float = 30,
    fps: int = 15,
    size: tuple[int, int] = (1280, 720),
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
) -> Path:
    """Write the demo gate video to ``path`` (atomically) plus its sidecar JSON; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    renderer = PlateRenderer(seed=seed)
    schedule = _schedule(seconds, rng, renderer)
    if not schedule:
        raise ValueError(f"{seconds} s is too short for one vehicle "
                         f"(needs {APPROACH_S + STOP_S + EXIT_S + 0.4} s)")
    colours = [CAR_COLOURS[int(rng.integers(len(CAR_COLOURS)))] for _ in schedule]
    background = _background(size, rng)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix or '.mp4'}")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), size)
    if not writer.isOpened():
        raise OSError(f"cannot write video {tmp} (mp4v encoder unavailable)")
    n = int(round(seconds * fps))
    try:
        for i in range(n):
            t = i / fps
            img = background.copy()
            lift = 0.0
            for (v, plate), colour in zip(schedule, colours):
                if v.stop_end - 0.8 <= t <= v.end + 0.5:
                    lift = max(lift, min(1.0, (t - (v.stop_end - 0.8)) / 0.6, (v.end + 0.5 - t) / 0.5))
            for (v, plate), colour in zip(schedule, colours):
                pose = _car_pose(v, t, size)
                if pose is not None:
                    _draw_car(img, *pose, colour, plate)
            _barrier(img, max(0.0, lift))
            writer.write(img)
            if progress is not None and i % 15 == 0:
                progress(i / n)
    except BaseException:
        writer.release()
        tmp.unlink(missing_ok=True)
        raise
    writer.release()
    vehicles = []
    for v, plate in schedule:
        x, y, pw, ph = _plate_rect(*_car_pose(v, v.stop_start, size), plate.shape[:2], size)  # type: ignore[misc]
        vehicles.append({**asdict(v), "plate_box_at_stop": [x, y, x + pw, y + ph]})
    meta = {"fps": fps, "size": list(size), "seconds": seconds, "seed": seed, "frames": n,
            "font_only": renderer.font_only, "vehicles": vehicles}
    side = sidecar_path(path)
    side_tmp = side.with_name(f".{side.name}.tmp-{os.getpid()}")
    side_tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(side_tmp, side)
    os.replace(tmp, path)
    if progress is not None:
        progress(1.0)
    log.info("demo video %s: %d frames, %d vehicles", path, n, len(schedule))
    return path
