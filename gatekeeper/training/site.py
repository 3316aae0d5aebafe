"""Fine-tuning on the site's labelled data, and scoring a model on the site's fixed validation split."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2

from gatekeeper.dataset.site_dataset import SiteDataset
from gatekeeper.domain.plates import normalize_plate
from gatekeeper.domain.text import edit_distance
from gatekeeper.domain.types import Box

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
IOU_MATCH = 0.5


@dataclass
class ReaderRow:
    """One validation crop: truth, prediction and confidence (for the report)."""

    image: Path
    truth: str
    pred: str
    confidence: float

    @property
    def correct(self) -> bool:
        return normalize_plate(self.pred) == normalize_plate(self.truth)


@dataclass
class FrameRow:
    """One validation frame of the detector: labelled boxes, found boxes, misses and false alarms."""

    image: Path
    truth: list[Box]
    found: list[Box]
    missed: int
    false: int


@dataclass
class SiteScore:
    """Metrics of one model on the site validation split (plus per-crop / per-frame rows for the report)."""

    metrics: dict[str, float] = field(default_factory=dict)
    rows: list[ReaderRow] = field(default_factory=list)
    frames: list[FrameRow] = field(default_factory=list)


def detector_metrics(
    detector: Any, samples: list[tuple[Path, list[Box]]], iou: float = IOU_MATCH
) -> SiteScore:
    """Recall and precision of ``detector.detect`` on labelled frames (greedy IoU >= ``iou`` matching)."""
    tp = fp = fn = 0
    frames: list[FrameRow] = []
    for image, truth in samples:
        frame = cv2.imread(str(image))
        if frame is None:
            continue
        found = sorted(detector.detect(frame), key=lambda d: -d.score)
        free = list(truth)
        false = 0
        for det in found:
            best = max(free, key=lambda b: b.iou(det.box), default=None)
            if best is not None and best.iou(det.box) >= iou:
                free.remove(best)
                tp += 1
            else:
                false += 1
        fp += false
        fn += len(free)
        frames.append(FrameRow(image, list(truth), [d.box for d in found], len(free), false))
    recall = tp / (tp + fn) if tp + fn else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    return SiteScore(
        {
            "detection_recall": round(recall, 4),
            "detection_precision": round(precision, 4),
            "val_size": len(samples),
        },
        frames=frames,
    )



def reader_metrics(
    reader: Any, site: SiteDataset, split: str = "val", upscale_min_width: int = 160,
    script: str | None = None,
) -> SiteScore:
    """Exact-plate accuracy and character accuracy of ``reader`` on the site's plate crops of ``split``
    (``script``: only its Korean or only its Latin plates, see ``SiteDataset.reader_samples``)."""
    from gatekeeper.pipeline.recognizer import read_crop

    rows: list[ReaderRow] = []
    chars = errors = 0
    for sample in site.reader_samples(split, script):
        crop = cv2.imread(str(sample.image))
        if crop is None:
            continue
        read = read_crop(reader, crop, upscale_min_width)
        pred = read.text if read is not None else ""
        rows.append(ReaderRow(sample.image, sample.plate, pred, read.confidence if read else 0.0))
        truth = normalize_plate(sample.plate)
        chars += len(truth)
        errors += min(edit_distance(truth, normalize_plate(pred)), len(truth))
    n = len(rows)
    metrics = {
        "plate_accuracy": round(sum(r.correct for r in rows) / n, 4) if n else 0.0,
        "char_accuracy": round(1 - errors / chars, 4) if chars else 0.0,
        "val_size": n,
    }
    return SiteScore(metrics, rows)


def synthetic_gate_frames(n: int, seed: int = 0, size: tuple[int, int] = (320, 240), latin: bool = False):
    """``n`` generated (frame, plate box, plate text) triples: rendered plates (Korean, or ``latin``) on
    plain gate-like frames.

    For smoke tests and demos of the labeling/retraining loop (no real photos needed).
    """
    import numpy as np

    from gatekeeper.dataset.synth.latin import LatinPlateRenderer
    from gatekeeper.dataset.synth.renderer import PlateRenderer

    if latin:
        latin_renderer = LatinPlateRenderer(seed=seed)

        def render() -> tuple[np.ndarray, str]:
            drawn = latin_renderer.render()
            return drawn.image, drawn.text
    else:
        render = PlateRenderer(seed=seed).render
    rng = np.random.default_rng(seed)
    fw, fh = size
    for _ in range(n):
        plate, text = render()
        w = int(rng.integers(fw // 4, fw // 2))
        h = max(8, int(w * plate.shape[0] / plate.shape[1]))
        plate = cv2.resize(plate, (w, h), interpolation=cv2.INTER_AREA)
        frame = np.empty((fh, fw, 3), np.uint8)
        frame[:] = rng.integers(30, 140, 3, dtype=np.uint8)
        frame = cv2.add(frame, rng.integers(0, 25, (fh, fw, 3), dtype=np.uint8))
        x, y = int(rng.integers(5, fw - w - 5)), int(rng.integers(fh // 4, fh - h - 5))
        frame[y : y + h, x : x + w] = plate
        yield frame, Box(float(x), float(y), float(x + w), float(y + h)), text


def fine_tune_detector(
    out_dir: Path,
    site: SiteDataset,
    *,
    base_weights: Path | None,
    epochs: int,
    imgsz: int = 320,
    batch: int = 16,
    synthetic: int = 200,
    device: str = "cpu",
    seed: int = 0,
    progress: Progress | None = None,
    time_budget_s: float | None = None,
    **kwargs: Any,
) -> Any:
    """Fine-tune the detector on the site's train split mixed with ``synthetic`` base composites.

    The site validation split is never given to the trainer. ``base_weights`` must be a ``.pt``.
    """
    from gatekeeper.training.detector import train_detector

    train_dir = site.detector_split_dir("train")
    if not (train_dir / "images").is_dir():
        raise ValueError("no labelled site frames yet: label some passes first")
    return train_detector(
        Path(out_dir),
        epochs=epochs,
        imgsz=imgsz,
        batch=batch,
        base_weights=base_weights,
        synthetic=synthetic,
        extra_data=train_dir,
        seed=seed,
        resume=False,
        device=device,
        progress=progress,
        time_budget_s=time_budget_s,
        **{"real_data": None, **kwargs},
    )


def fine_tune_reader(
    out_dir: Path,
    site: SiteDataset,
    *,
    base_weights: Path | None,
    steps: int,
    batch_size: int = 64,
    device: str = "cpu",
    seed: int = 0,
    progress: Progress | None = None,
    time_budget_s: float | None = None,
    kind: str = "korean",
    **kwargs: Any,
) -> Any:
    """Fine-tune the Korean (``kind="korean"``) or the Latin reader on the site's train crops of that
    script (``reader/train``) mixed with synthetic plates."""
    from gatekeeper.training.reader import train_reader

    train_dir = site.reader_dir / "train"
    if not site.reader_samples("train", kind):
        raise ValueError(f"no labelled {kind.capitalize()} site plates yet: label some passes first")
    return train_reader(
        Path(out_dir),
        steps=steps,
        batch_size=batch_size,
        extra_data=train_dir,
        base_weights=base_weights,
        seed=seed,
        resume=False,
        device=device,
        progress=progress,
        time_budget_s=time_budget_s,
        kind=kind,
        **kwargs,
    )
