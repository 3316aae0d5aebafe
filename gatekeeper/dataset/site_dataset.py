"""The site's own labelled data on disk: a YOLO detector set and a reader set of plate crops.

Layout under ``paths.labels_dir``::

    detector/data.yaml                      class list, written once
    detector/{train,val}/images/item_<id>.jpg
    detector/{train,val}/labels/item_<id>.txt   "0 cx cy w h" (normalised), one line per plate
    reader/{train,val}/item_<id>_<k>.png    plate crops (the box, resized to a fixed height)
    reader/{train,val}/labels.csv           image,plate (Korean and Latin plates together; the Korean
                                            reader trains on the rows with Hangul, the Latin one on the rest)

``detector/train`` alone is a flat YOLO folder (images/ + labels/), the form the detector trainer
takes as ``extra_data``. Each item's split is fixed once from a hash of its id (about ``VAL_FRACTION``
go to ``val``) and the validation items are never trained on. Every file is written atomically
(temp file + rename).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.composite import read_yolo_boxes
from gatekeeper.domain.files import atomic_write_bytes
from gatekeeper.domain.plates import is_korean
from gatekeeper.domain.types import Box

log = logging.getLogger(__name__)

VAL_FRACTION = 0.2
SPLITS = ("train", "val")
SCRIPTS = ("korean", "latin")
CLASS_NAMES = ("Plate",)
CROP_HEIGHT = 64
CROP_MARGIN = 0.08  # the live recognizer crops the box plus 8% on every side


def plate_script(text: str) -> str:
    """``korean`` for a plate text with Hangul (every Korean plate has some), else ``latin``."""
    return "korean" if is_korean(text) else "latin"


def split_for(item_id: int | str, val_fraction: float = VAL_FRACTION) -> str:
    """``val`` or ``train``, fixed forever for one item id (a hash, not a random draw)."""
    digest = hashlib.sha256(f"gatekeeper-site-split:{item_id}".encode()).digest()
    return "val" if int.from_bytes(digest[:8], "big") / 2**64 < val_fraction else "train"


def _encode(image: np.ndarray, ext: str) -> bytes:
    ok, buf = cv2.imencode(ext, image)
    if not ok:
        raise ValueError(f"cannot encode image as {ext}")
    return buf.tobytes()


def yolo_line(box: Box, width: int, height: int, cls: int = 0) -> str:
    """``cls cx cy w h`` normalised to the image size, the box clamped to the image."""
    x1, x2 = sorted((min(max(box.x1, 0.0), width), min(max(box.x2, 0.0), width)))
    y1, y2 = sorted((min(max(box.y1, 0.0), height), min(max(box.y2, 0.0), height)))
    cx, cy = (x1 + x2) / 2 / width, (y1 + y2) / 2 / height
    return f"{cls} {cx:.6f} {cy:.6f} {(x2 - x1) / width:.6f} {(y2 - y1) / height:.6f}"


def rectify_crop(
    frame: np.ndarray, box: Box, height: int = CROP_HEIGHT, margin: float = CROP_MARGIN
) -> np.ndarray:
    """The plate in ``box`` (plus ``margin``, as the live reader crops it) warped upright, ``height`` px."""
    h, w = frame.shape[:2]
    mx, my = box.width * margin, box.height * margin
    box = Box(box.x1 - mx, box.y1 - my, box.x2 + mx, box.y2 + my)
    x1, x2 = sorted((min(max(box.x1, 0.0), w - 1.0), min(max(box.x2, 0.0), w - 1.0)))
    y1, y2 = sorted((min(max(box.y1, 0.0), h - 1.0), min(max(box.y2, 0.0), h - 1.0)))
    bw, bh = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
    out_w = max(8, int(round(height * bw / bh)))
    src = np.float32([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])
    dst = np.float32([[0, 0], [out_w - 1, 0], [out_w - 1, height - 1], [0, height - 1]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(
        frame, matrix, (out_w, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


@dataclass(frozen=True)
class SiteSample:
    """One row of the reader set."""

    image: Path
    plate: str


class SiteDataset:
    """Writes and reads the site's labelled detector and reader sets under one root."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def detector_dir(self) -> Path:
        return self.root / "detector"

    @property
    def reader_dir(self) -> Path:
        return self.root / "reader"

    def detector_split_dir(self, split: str) -> Path:
        """``detector/<split>``: a flat YOLO folder (images/ + labels/)."""
        return self.detector_dir / split

    @property
    def data_yaml(self) -> Path:
        return self.detector_dir / "data.yaml"

    def ensure_data_yaml(self) -> Path:
        """Write ``data.yaml`` (class list) once; later calls leave it alone."""
        if not self.data_yaml.exists():
            names = "\n".join(f"  {i}: {n}" for i, n in enumerate(CLASS_NAMES))
            text = (
                f"# Gatekeeper site labels (written once)\npath: {self.detector_dir.resolve()}\n"
                f"train: train/images\nval: val/images\nnc: {len(CLASS_NAMES)}\nnames:\n{names}\n"
            )
            atomic_write_bytes(self.data_yaml, text.encode())
        return self.data_yaml

    def write_item(
        self, item_id: int, frame: np.ndarray, plates: Iterable[tuple[Box, str]], split: str
    ) -> list[str]:
        """Write one labelled frame (replacing an earlier label of the same item); returns crop names."""
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}")
        if frame is None or getattr(frame, "ndim", 0) != 3:
            raise ValueError("the frame must be an HxWx3 image")
        plates = list(plates)
        self.remove_item(item_id)
        self.ensure_data_yaml()
        stem = f"item_{item_id}"
        h, w = frame.shape[:2]
        label_text = "".join(yolo_line(box, w, h) + "\n" for box, _ in plates)
        atomic_write_bytes(self.detector_dir / split / "images" / f"{stem}.jpg", _encode(frame, ".jpg"))
        atomic_write_bytes(self.detector_dir / split / "labels" / f"{stem}.txt", label_text.encode())
        crops: list[str] = []
        rows: list[tuple[str, str]] = []
        for k, (box, text) in enumerate(plates):
            name = f"{stem}_{k}.png"
            atomic_write_bytes(self.reader_dir / split / name, _encode(rectify_crop(frame, box), ".png"))
            crops.append(name)
            rows.append((name, text))
        self._rewrite_csv(split, drop_prefix=f"{stem}_", add=rows)
        log.info("labelled item %s (%s): %d plate(s)", item_id, split, len(plates))
        return crops

    def remove_item(self, item_id: int) -> None:
        """Forget every file of one item (both splits)."""
        stem = f"item_{item_id}"
        for split in SPLITS:
            (self.detector_dir / split / "images" / f"{stem}.jpg").unlink(missing_ok=True)
            (self.detector_dir / split / "labels" / f"{stem}.txt").unlink(missing_ok=True)
            folder = self.reader_dir / split
            if folder.is_dir():
                for crop in folder.glob(f"{stem}_*.png"):
                    crop.unlink(missing_ok=True)
                if (folder / "labels.csv").exists():
                    self._rewrite_csv(split, drop_prefix=f"{stem}_", add=[])

    def _rewrite_csv(self, split: str, drop_prefix: str, add: list[tuple[str, str]]) -> None:
        path = self.reader_dir / split / "labels.csv"
        rows = [
            (s.image.name, s.plate)
            for s in self.reader_samples(split)
            if not s.image.name.startswith(drop_prefix)
        ]
        rows.extend(add)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(("image", "plate"))
        writer.writerows(rows)
        atomic_write_bytes(path, buf.getvalue().encode("utf-8"))

    def reader_samples(self, split: str, script: str | None = None) -> list[SiteSample]:
        """Rows of ``reader/<split>/labels.csv`` (empty when there is none); ``script``: only the Korean
        (``korean``: with Hangul) or only the Latin (``latin``: without) plates."""
        if script not in SCRIPTS + (None,):
            raise ValueError(f"script must be one of {SCRIPTS}, not {script!r}")
        path = self.reader_dir / split / "labels.csv"
        if not path.exists():
            return []
        with path.open(encoding="utf-8", newline="") as fh:
            return [
                SiteSample(self.reader_dir / split / r["image"], r["plate"])
                for r in csv.DictReader(fh)
                if r.get("image") and (script is None or plate_script(r.get("plate") or "") == script)
            ]

    def detector_samples(self, split: str) -> list[tuple[Path, list[Box]]]:
        """``(image, boxes in pixels)`` of every labelled frame of ``split``."""
        out = []
        for image in sorted((self.detector_dir / split / "images").glob("*.jpg")):
            label = self.detector_dir / split / "labels" / f"{image.stem}.txt"
            frame = cv2.imread(str(image))
            if frame is None or not label.exists():
                continue
            h, w = frame.shape[:2]
            out.append((image, [Box(*b) for b in read_yolo_boxes(label, w, h)]))
        return out

    def counts(self) -> dict[str, int]:
        """Number of labelled frames and plate crops per split (``plates_<split>``), and of the plate crops
        per script (``plates_korean_<split>``, ``plates_latin_<split>``)."""
        result = {}
        for split in SPLITS:
            result[f"frames_{split}"] = len(list((self.detector_dir / split / "images").glob("*.jpg")))
            samples = self.reader_samples(split)
            result[f"plates_{split}"] = len(samples)
            for script in SCRIPTS:
                result[f"plates_{script}_{split}"] = sum(plate_script(s.plate) == script for s in samples)
        return result
