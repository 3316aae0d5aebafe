"""Training samples for the readers: synthetic plates as a detector would crop them, plus site crops."""

from __future__ import annotations

import csv
import json
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from gatekeeper.dataset.synth import PlateRenderer, PlateStyle
from gatekeeper.dataset.synth.degrade import degrade
from gatekeeper.dataset.synth.latin import LATIN_CHARSET, STYLES
from gatekeeper.domain.plates import is_korean, normalize_plate
from gatekeeper.pipeline.latin_locate import find_rows, row_crop, widened
from gatekeeper.pipeline.reader_layout import ONE_LINE, TWO_LINE, TWO_LINE_MAX_ASPECT, line_image, to_grey

log = logging.getLogger(__name__)

# Training draws styles with these weights: rare and hard layouts (region marks, two lines) oversampled.
TRAIN_STYLE_WEIGHTS = {
    PlateStyle.WHITE_8: 0.17,
    PlateStyle.WHITE_7: 0.15,
    PlateStyle.WHITE_REGIONAL: 0.12,
    PlateStyle.YELLOW_COMMERCIAL_2LINE: 0.15,
    PlateStyle.YELLOW_COMMERCIAL_1LINE: 0.11,
    PlateStyle.GREEN_OLD_2LINE: 0.11,
    PlateStyle.BLUE_EV: 0.10,
    PlateStyle.RENTAL: 0.09,
}


def style_weights(overrides: Mapping[str, float] | None = None) -> dict[PlateStyle, float]:
    """:data:`TRAIN_STYLE_WEIGHTS` with the weights of some styles replaced (keys: style names such as
    ``rental``; weights are relative, 0 leaves a style out). Raises ``ValueError`` on an unknown style, a
    negative weight, or no style left."""
    return _replaced(dict(TRAIN_STYLE_WEIGHTS), overrides, PlateStyle, "plate style")


def latin_style_weights(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The Latin renderer's style weights (:data:`gatekeeper.dataset.synth.latin.STYLES`: ``eu``, ``us``,
    ``yellow``, ``plain``, ``dark``, ``uk``) with some replaced; the same checks as :func:`style_weights`."""
    weights = dict(STYLES)

    def known(name: str) -> str:
        if name not in weights:
            raise ValueError(name)
        return name

    return _replaced(weights, overrides, known, "Latin plate style")


def kind_style_weights(kind: str, overrides: Mapping[str, float] | None = None) -> dict[Any, float]:
    """The style weights of a ``kind`` of plates (``korean``: :func:`style_weights`, ``latin``:
    :func:`latin_style_weights`) with ``overrides``, checked the same way."""
    return (latin_style_weights if kind == "latin" else style_weights)(overrides)


def _replaced(weights: dict[Any, float], overrides: Mapping[str, float] | None, key: Callable[[str], Any],
              what: str) -> dict[Any, float]:
    """``weights`` with those named in ``overrides`` replaced (``key``: a name's key, ``ValueError`` when
    there is none)."""
    for name, weight in (overrides or {}).items():
        try:
            k = key(name)
        except ValueError:
            known = ", ".join(str(getattr(w, "value", w)) for w in weights)
            raise ValueError(f"unknown {what} {name!r} (known: {known})") from None
        if not weight >= 0:
            raise ValueError(f"the weight of {name} must be 0 or more, not {weight}")
        weights[k] = float(weight)
    if not sum(weights.values()) > 0:
        raise ValueError("every plate style has weight 0")
    return weights


def check_cache_styles(cache: Path, styles: dict[str, float]) -> None:
    """Record the style weights a run's sample cache is rendered with (``styles.json``); refuse others."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / "styles.json"
    if path.is_file():
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept != styles:
            raise ValueError(f"{cache} was rendered with style weights {kept or 'as usual'}, not "
                             f"{styles or 'as usual'}: use another --out, or the same weights")
    elif any(cache.glob("chunk_*[0-9].npz")) and styles:
        raise ValueError(f"{cache} was rendered with the usual style weights: use another --out")
    else:
        path.write_text(json.dumps(styles, sort_keys=True), encoding="utf-8")


def parse_styles(specs: Sequence[str], kind: str = "korean") -> dict[str, float]:
    """``STYLE=WEIGHT`` options as a mapping, checked against the ``kind`` of plates' styles (``ValueError``
    with the option's text when malformed)."""
    out: dict[str, float] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--style-weight {spec!r}: expected STYLE=WEIGHT, e.g. rental=0.2") from None
    kind_style_weights(kind, out)
    return out


def plate_layout(img: np.ndarray, text: str) -> str:
    """Layout of a rendered plate: the renderer draws two-line plates at ~2:1 and one-line ones wider.

    The old 440x200 one-line white plate is also ~2.2:1, so a plate without a region mark is one-line.
    """
    h, w = img.shape[:2]
    has_region = not text[0].isdigit()
    return TWO_LINE if has_region and w < TWO_LINE_MAX_ASPECT * h else ONE_LINE


def _background(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    base = (rng.integers(0, 256, 3).astype(np.float32) if rng.random() < 0.6
            else np.full(3, rng.uniform(0, 255)))
    img = np.empty((h, w, 3), np.float32)
    img[:] = base
    img += np.linspace(-rng.uniform(0, 60), rng.uniform(0, 60), h, dtype=np.float32)[:, None, None]
    small = rng.normal(0, rng.uniform(2, 30), (max(2, h // 8), max(2, w // 8), 3)).astype(np.float32)
    img += cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(img, 0, 255).astype(np.uint8)


def detector_crop(plate: np.ndarray, rng: np.random.Generator, loose: bool = False) -> np.ndarray:
    """The plate in a car-like surrounding, tilted in 3-D, cropped by a loose/tight box like a detector's."""
    return detector_crop_boxed(plate, rng, loose)[0]


def detector_crop_boxed(plate: np.ndarray, rng: np.random.Generator,
                        loose: bool = False) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """:func:`detector_crop` and the plate's box in it (x1, y1, x2, y2: the tilted plate's corners' extent,
    clipped to the crop)."""
    ph, pw = plate.shape[:2]
    m = int(max(ph, pw) * 0.35)
    canvas = _background(ph + 2 * m, pw + 2 * m, rng)
    canvas[m:m + ph, m:m + pw] = plate
    corners = np.float32([[m, m], [m + pw, m], [m + pw, m + ph], [m, m + ph]])
    angle = np.deg2rad(rng.normal(0, 5.0))
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = corners.mean(0)
    dst = (corners - centre) @ rot.T + centre
    persp = rng.uniform(-0.07, 0.07, (4, 2)) * np.float32([pw, ph])
    dst = (dst + persp).astype(np.float32)
    if rng.random() < 0.3:  # shear (camera looking from the side)
        dst[:, 0] += (dst[:, 1] - centre[1]) * rng.uniform(-0.25, 0.25)
    mtx = cv2.getPerspectiveTransform(corners, dst)
    warped = cv2.warpPerspective(canvas, mtx, (canvas.shape[1], canvas.shape[0]), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_REPLICATE)
    x0, y0 = dst.min(0)
    x1, y1 = dst.max(0)
    bw, bh = x1 - x0, y1 - y0
    if loose and rng.random() < 0.45:  # hand-drawn or detector boxes with car body above and below
        jx = rng.uniform(0.0, 0.25, 2) * bw
        jy = rng.uniform(0.1, 0.9, 2) * bh
    else:
        jx = rng.uniform(-0.03, 0.10, 2) * bw
        jy = rng.uniform(-0.04, 0.18, 2) * bh
    xa, xb = int(max(0, x0 - jx[0])), int(min(canvas.shape[1], x1 + jx[1]))
    ya, yb = int(max(0, y0 - jy[0])), int(min(canvas.shape[0], y1 + jy[1]))
    box = (max(0.0, float(x0) - xa), max(0.0, float(y0) - ya), min(float(xb - xa), float(x1) - xa),
           min(float(yb - ya), float(y1) - ya))
    return warped[ya:yb, xa:xb], box


CROP_WIDTHS = (55, 360)  # a sample's crop width in pixels, log-uniform
PLATE_ALONE = 0.1  # samples that are the plate alone (a hand-cut crop), not a detector-like box


def degraded_crop(plate: np.ndarray, text: str,
                  rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A rendered plate as a gate camera's detector crops it (:func:`detector_crop_boxed`, or the plate
    alone), degraded (:func:`~gatekeeper.dataset.synth.degrade.degrade`) and scaled to a width in
    :data:`CROP_WIDTHS`, and the plate's box in it (x1, y1, x2, y2): the reader's training samples and the
    held-out set of :mod:`gatekeeper.training.synth_set` are made alike."""
    if rng.random() < 1.0 - PLATE_ALONE:
        crop, box = detector_crop_boxed(plate, rng, loose=plate_layout(plate, text) == ONE_LINE)
    else:
        crop, box = plate, (0.0, 0.0, float(plate.shape[1]), float(plate.shape[0]))
    crop = degrade(crop, rng)  # the same size out
    h0, w0 = crop.shape[:2]
    width = int(np.exp(rng.uniform(np.log(CROP_WIDTHS[0]), np.log(CROP_WIDTHS[1]))))
    height = max(10, round(h0 * width / w0))
    crop = cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA if width < w0 else cv2.INTER_LINEAR)
    fx, fy = width / w0, height / h0
    x1, y1, x2, y2 = (int(round(v)) for v in (box[0] * fx, box[1] * fy, box[2] * fx, box[3] * fy))
    return crop, (max(0, x1), max(0, y1), min(width, max(x2, x1 + 1)), min(height, max(y2, y1 + 1)))


def synth_sample(renderer: PlateRenderer, rng: np.random.Generator,
                 weights: Mapping[PlateStyle, float] | None = None) -> tuple[np.ndarray, str]:
    """One network input (uint8 32x160) and its label; the style drawn by ``weights`` (default
    :data:`TRAIN_STYLE_WEIGHTS`)."""
    weights = weights or TRAIN_STYLE_WEIGHTS
    styles = list(weights)
    p = np.array([weights[s] for s in styles])
    style = styles[int(rng.choice(len(styles), p=p / p.sum()))]
    plate, text = renderer.render(style=style)
    crop, _ = degraded_crop(plate, text, rng)
    return line_image(crop, plate_layout(plate, text)), text


@dataclass
class SampleSet:
    """Line images (N x 32 x 160 uint8) and their labels."""

    images: np.ndarray
    labels: list[str]

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, images=self.images, labels=np.array(self.labels))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> SampleSet:
        with np.load(path) as z:
            return cls(z["images"], [str(s) for s in z["labels"]])


KINDS = ("korean", "latin")


def make_samples(n: int, seed: int, glyph_dir: Path | None = None, kind: str = "korean",
                 overrides: Mapping[str, float] | None = None) -> SampleSet:
    """``n`` synthetic samples of Korean (``kind="korean"``) or Latin plates, deterministic per seed;
    ``overrides``: style weights replaced (:func:`style_weights`, :func:`latin_style_weights`)."""
    if kind == "latin":
        from gatekeeper.dataset.synth.latin import LatinPlateRenderer
        from gatekeeper.training.latin_data import latin_sample

        latin_weights = latin_style_weights(overrides) if overrides else None
        renderer = LatinPlateRenderer(seed=seed)

        def sample(r: LatinPlateRenderer, g: np.random.Generator) -> tuple[np.ndarray, str]:
            return latin_sample(r, g, latin_weights)
    elif kind == "korean":
        weights = style_weights(overrides)
        renderer = PlateRenderer(seed=seed, glyph_dir=glyph_dir)

        def sample(r: PlateRenderer, g: np.random.Generator) -> tuple[np.ndarray, str]:
            return synth_sample(r, g, weights)
    else:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    rng = np.random.default_rng(seed + 1_000_003)
    imgs, labels = [], []
    for _ in range(n):
        img, text = sample(renderer, rng)
        imgs.append(img)
        labels.append(text)
    return SampleSet(np.stack(imgs), labels)


def _chunk_worker(cache: Path, first_chunk: int, n_chunks: int, chunk_size: int, seed: int, nice: int,
                  kind: str = "korean", overrides: Mapping[str, float] | None = None) -> None:
    if nice:
        os.nice(nice)
    cv2.setNumThreads(1)
    for i in range(first_chunk, n_chunks):
        path = cache / f"chunk_{i:05d}.npz"
        if path.exists():
            continue
        make_samples(chunk_size, seed * 100_000 + i, kind=kind, overrides=overrides).save(path)


class ChunkProducer:
    """Renders training chunks to ``cache`` in a background process (resumable: existing chunks are kept)."""

    def __init__(self, cache: Path, n_chunks: int, chunk_size: int, seed: int, nice: int = 5,
                 kind: str = "korean", overrides: Mapping[str, float] | None = None) -> None:
        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)
        ctx = mp.get_context("spawn")
        args = (cache, 0, n_chunks, chunk_size, seed, nice, kind, dict(overrides or {}))
        self.proc = ctx.Process(target=_chunk_worker, args=args, daemon=True)

    def start(self) -> None:
        self.proc.start()

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)

    def ready(self) -> list[Path]:
        return sorted(self.cache.glob("chunk_*[0-9].npz"))


def load_extra(folder: Path, kind: str | None = None) -> SampleSet:
    """Site crops from the labeling helper: ``folder/labels.csv`` with ``image,plate`` columns.

    ``kind`` keeps one reader's plates: ``korean`` the rows with Hangul, ``latin`` the others (normalised,
    upper case, read as one line); a Latin row with a character outside 0-9 A-Z is skipped with a warning.
    """
    if kind not in KINDS + (None,):
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    imgs, labels = [], []
    with open(folder / "labels.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            text = (row.get("plate") or "").strip()
            korean = is_korean(text)
            if kind == "korean" and not korean or kind == "latin" and korean:
                continue
            if kind == "latin":
                text = normalize_plate(text)
                if not text or set(text) - set(LATIN_CHARSET):
                    log.warning("skipping extra sample %s: %r is not a Latin plate text", row.get("image"),
                                text)
                    continue
            path = folder / (row.get("image") or "")
            img = cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_COLOR) if path.is_file() else None
            if img is None or not text:
                log.warning("skipping unreadable extra sample %s", row.get("image"))
                continue
            if kind == "latin":
                lines = latin_line_samples(img, text)
                if not lines:
                    log.warning("skipping two-line Latin sample %s: its rows do not split %r",
                                row.get("image"), text)
                imgs += [line for line, _ in lines]
                labels += [label for _, label in lines]
                continue
            imgs.append(line_image(img, plate_layout(img, text)))
            labels.append(text)
    if not imgs:
        what = f"{kind.capitalize()} plates" if kind else "usable samples"
        raise ValueError(f"no {what} in {folder / 'labels.csv'}")
    return SampleSet(np.stack(imgs), labels)


def latin_line_samples(img: np.ndarray, text: str) -> list[tuple[np.ndarray, str]]:
    """One-line network samples of a labelled Latin crop: the crop itself, or, for a two-line plate, each
    row (padded as the reader pads it) with its part of the label, split where the rows' character counts
    say (empty when they do not add up to the label's length: such a crop cannot be split safely)."""
    grey = to_grey(img)
    rows = find_rows(grey)
    if len(rows) < 2:
        return [(line_image(img, ONE_LINE), text)]
    if sum(r.chars for r in rows) != len(text):
        return []
    top = rows[0].chars
    return [(line_image(widened(np.ascontiguousarray(row_crop(grey, r.box))), ONE_LINE), part)
            for r, part in zip(rows, (text[:top], text[top:]), strict=True)]


def wait_for(paths_fn, n: int, timeout_s: float) -> list[Path]:
    """Wait until ``paths_fn()`` lists ``n`` paths (or the timeout passes)."""
    deadline = time.monotonic() + timeout_s
    paths = paths_fn()
    while len(paths) < n and time.monotonic() < deadline:
        time.sleep(0.5)
        paths = paths_fn()
    return paths
