"""Evaluate a plate reader on labelled crops (``labels.csv``: image,plate,x1,y1,x2,y2) — never for training.

    python -m gatekeeper.training.reader_eval --weights weights --data ../shared/data/eval/kr-dev
    python -m gatekeeper.training.reader_eval --kind latin --weights weights --data ../shared/data/eval/es
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gatekeeper.dataset.labels import group_rows, image_path, load_image, read_labels
from gatekeeper.pipeline.recognizer import crop_plate
from gatekeeper.pipeline.types import PlateReader

log = logging.getLogger(__name__)


@dataclass
class CropEval:
    """Exact-plate accuracy over labelled crops, the per-crop results and the mean read time."""

    plate_accuracy: float
    n: int
    ms_per_crop: float
    rows: list[tuple[str, str, float]] = field(default_factory=list)  # (truth, read, confidence)


def labelled_crops(folder: Path, margin: float = 0.08) -> list[tuple[np.ndarray, str]]:
    """The boxed plates of an eval set, cropped like the recognizer crops detections (rows without a box or
    text, and images that cannot be read, are skipped)."""
    out = []
    for name, rows in group_rows(read_labels(folder / "labels.csv")).items():
        boxed = [row for row in rows if row.box is not None and row.readable]
        if not boxed:
            continue
        try:
            img = load_image(image_path(folder, name))  # once per image, however many plates it holds
        except ValueError as exc:
            log.warning("%s", exc)
            continue
        out += [(np.ascontiguousarray(crop_plate(img, row.box, margin)), row.plate) for row in boxed]
    return out


def evaluate_reader(reader: PlateReader, crops: Sequence[tuple[np.ndarray, str]]) -> CropEval:
    rows = []
    t0 = time.perf_counter()
    for crop, truth in crops:
        read = reader.read(crop)
        rows.append((truth, read.text if read else "", read.confidence if read else 0.0))
    ms = (time.perf_counter() - t0) * 1000 / max(1, len(crops))
    acc = sum(t == r for t, r, _ in rows) / max(1, len(rows))
    return CropEval(acc, len(rows), ms, rows)


def main(argv: Sequence[str] | None = None) -> int:
    from gatekeeper.pipeline.reader import KoreanPlateReader
    from gatekeeper.pipeline.reader_latin_net import LatinNetReader

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, required=True)
    p.add_argument("--kind", choices=("korean", "latin"), default="korean")
    p.add_argument("--name", default=None, help="model name (default: kr_reader / latin_reader)")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--backend", default="auto")
    p.add_argument("--margin", type=float, default=0.08)
    p.add_argument("--fp32", action="store_true", help="run NAME.onnx even when an int8 copy is there")
    args = p.parse_args(argv)
    if args.kind == "latin":
        reader = LatinNetReader(args.weights, name=args.name or "latin_reader", backend=args.backend,
                                int8=not args.fp32)
    else:
        reader = KoreanPlateReader(args.weights, name=args.name or "kr_reader", backend=args.backend,
                                   int8=not args.fp32)
    res = evaluate_reader(reader, labelled_crops(args.data, args.margin))
    for truth, text, conf in res.rows:
        print(f"{'OK ' if truth == text else 'BAD'} {truth:>14} {text:>14} {conf:.2f}")
    print(f"plate_accuracy {res.plate_accuracy:.3f} ({res.n} crops), {res.ms_per_crop:.1f} ms/crop "
          f"({reader.backend}{', int8' if reader.int8 else ''})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
