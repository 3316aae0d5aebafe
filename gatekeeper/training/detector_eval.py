"""Detector-only evaluation: detection recall on labelled image folders, YOLO split metrics (ultralytics'
own, and the app's detection recall at conf ``--conf`` on the same split), latency.

``python -m gatekeeper.training.detector_eval WEIGHTS [--eval DIR ...] [--data data.yaml] [--bench]``
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gatekeeper.dataset.composite import yolo_label_box
from gatekeeper.dataset.labels import image_path, load_image, read_labels
from gatekeeper.domain.types import Box
from gatekeeper.pipeline.detector import YoloPlateDetector, with_mirrored
from gatekeeper.pipeline.types import PlateDetector

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def labelled_boxes(folder: Path) -> dict[str, list[Box]]:
    """image path -> true plate boxes from ``labels.csv`` (:func:`gatekeeper.dataset.labels.read_labels`);
    unboxed rows skipped."""
    boxes: dict[str, list[Box]] = {}
    for row in read_labels(folder / "labels.csv"):
        if row.box is not None:
            boxes.setdefault(row.image, []).append(row.box)
    return boxes


def yolo_boxes(images: Path) -> dict[str, list[Box]]:
    """image path (relative to ``images``) -> true plate boxes of a YOLO split folder, read from the
    ``labels`` folder beside ``images`` (boxes or polygons, :func:`yolo_label_box`); images without a
    plate are skipped."""
    import cv2

    labels = images.parent / "labels"
    boxes: dict[str, list[Box]] = {}
    for image in sorted(p for p in images.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        label = labels / f"{image.stem}.txt"
        lines = [line for line in label.read_text().splitlines() if line.strip()] if label.is_file() else []
        if not lines:
            continue
        h, w = cv2.imread(str(image), cv2.IMREAD_UNCHANGED).shape[:2]
        found = [Box(*b) for b in (yolo_label_box(line, w, h) for line in lines) if b is not None]
        if found:
            boxes[image.name] = found
    return boxes


def split_images(data_yaml: Path, split: str) -> Path:
    """The images folder of ``split`` named by an ultralytics ``data.yaml`` (relative to its ``path`` or
    to the file's folder)."""
    import yaml

    cfg = yaml.safe_load(Path(data_yaml).read_text(encoding="utf-8"))
    base = Path(cfg.get("path") or Path(data_yaml).parent)
    key = "val" if split == "valid" else split
    if key not in cfg:
        raise ValueError(f"{data_yaml} names no {split!r} split")
    folder = Path(cfg[key])
    return folder if folder.is_absolute() else base / folder


def detection_recall(
    detector: PlateDetector, folder: Path, iou: float = 0.5, truth: dict[str, list[Box]] | None = None,
    mirror: bool = False,
) -> dict[str, Any]:
    """Share of labelled plates with a detection at IoU >= ``iou``; also false positives per image.

    ``truth`` (image name under ``folder`` -> boxes) defaults to ``folder/labels.csv``. With ``mirror`` the
    boxes of the mirrored look are added, as still images add them (:func:`with_mirrored`).
    """
    truth = labelled_boxes(folder) if truth is None else truth
    hits = total = extra = loose = contained = 0
    missed: list[str] = []
    for name, boxes in sorted(truth.items()):
        try:
            img = load_image(image_path(folder, name))
        except ValueError as exc:
            log.warning("%s", exc)
            continue
        dets = with_mirrored(detector, img) if mirror else detector.detect(img)
        used: set[int] = set()
        for box in boxes:
            total += 1
            loose += any(d.box.iou(box) >= 0.3 for d in dets)
            contained += any(_covers(d.box, box) for d in dets)
            best = max(((d.box.iou(box), i) for i, d in enumerate(dets) if i not in used), default=(0.0, -1))
            if best[0] >= iou:
                hits += 1
                used.add(best[1])
            else:
                missed.append(name)
        extra += len(dets) - len(used)

    def rate(n: int) -> float | None:
        return round(n / total, 4) if total else None

    return {"plates": total, "images": len(truth), "detection_recall": rate(hits),
            "recall_iou_0.3": rate(loose), "containment_recall": rate(contained),
            "false_positives_per_image": round(extra / max(len(truth), 1), 3), "missed": missed}


def _covers(det: Box, truth: Box) -> bool:
    """``det`` holds >= 90 % of ``truth`` and is at most 4x its area.

    Label conventions differ: some datasets box only the character band, others the whole plate and frame.
    """
    return truth.area > 0 and det.intersection(truth) >= 0.9 * truth.area and det.area <= 4 * truth.area


def split_metrics(weights: Path, data_yaml: Path, split: str = "test", imgsz: int = 320) -> dict[str, float]:
    """Ultralytics validation (precision, recall, mAP50) of ``weights`` on a split of ``data_yaml``."""
    from gatekeeper.training.detector import _patch_offline

    _patch_offline()
    from ultralytics import YOLO

    model = YOLO(str(weights), task="detect")
    m = model.val(data=str(data_yaml), split=split, imgsz=imgsz, batch=16, device="cpu", plots=False,
                  verbose=False, workers=0)
    return {"precision": round(float(m.box.mp), 4), "recall": round(float(m.box.mr), 4),
            "mAP50": round(float(m.box.map50), 4), "mAP50-95": round(float(m.box.map), 4)}


def latency_ms(
    detector: YoloPlateDetector, frames: Sequence[np.ndarray], repeats: int = 3
) -> dict[str, float]:
    """Median and p90 per-frame ``detect`` time over ``frames`` (after one warm-up call)."""
    detector.detect(frames[0])
    times = []
    for _ in range(repeats):
        for f in frames:
            t = time.perf_counter()
            detector.detect(f)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p90 = times[max(0, math.ceil(0.9 * len(times)) - 1)]
    return {"median_ms": round(statistics.median(times), 1), "p90_ms": round(p90, 1)}


def video_frames(video: Path, count: int = 10) -> list[np.ndarray]:
    """``count`` evenly spaced frames of ``video``."""
    import cv2

    cap = cv2.VideoCapture(str(video))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or count)
    frames = []
    for idx in np.linspace(0, n - 1, count).astype(int):
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(idx))
        ok, frame = cap.read()
        if ok:
            frames.append(frame)
    cap.release()
    return frames


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("weights", type=Path)
    p.add_argument("--imgsz", type=int, default=320)
    p.add_argument("--conf", type=float, default=0.25)
    p.add_argument("--eval", type=Path, nargs="*", default=[], help="folders with labels.csv")
    p.add_argument("--data", type=Path, default=None, help="data.yaml for split metrics")
    p.add_argument("--split", default="test")
    p.add_argument("--bench", type=Path, default=None, help="a video for latency (1280x720 frames)")
    p.add_argument("--bench-sizes", type=int, nargs="*", default=[320, 640])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--mirror", action="store_true", help="add the mirrored look's boxes, as still images do")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    import torch

    torch.set_num_threads(a.threads)
    report: dict[str, Any] = {"weights": str(a.weights)}
    det = None  # one detector at --imgsz / --conf for the folders and the split
    if a.eval or a.data:
        det = YoloPlateDetector(a.weights, imgsz=a.imgsz, confidence=a.conf, device="cpu")
    if a.eval:
        report["backend"] = det.backend
        report["eval"] = {d.name: detection_recall(det, d, mirror=a.mirror) for d in a.eval}
    if a.data:
        report[f"{a.split}_split"] = split_metrics(a.weights, a.data, a.split, a.imgsz)
        images = split_images(a.data, a.split)
        found = detection_recall(det, images, truth=yolo_boxes(images), mirror=a.mirror)
        report[f"{a.split}_split_app"] = {k: v for k, v in found.items() if k != "missed"}
    if a.bench:
        frames = video_frames(a.bench)
        report["latency"] = {
            str(sz): latency_ms(YoloPlateDetector(a.weights, imgsz=sz, device="cpu"), frames)
            for sz in a.bench_sizes
        }
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
