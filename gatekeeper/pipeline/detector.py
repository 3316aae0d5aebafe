"""The YOLO plate detector: ``.pt`` (torch) or ``.onnx`` (onnxruntime) weights through ultralytics."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from gatekeeper.domain.types import Box
from gatekeeper.pipeline.offline import configure_offline
from gatekeeper.pipeline.types import Detection, Frame, PlateDetector

log = logging.getLogger(__name__)

WEIGHT_SUFFIXES = (".pt", ".onnx")
MIRROR_OVERLAP = 0.2  # a mirrored look's box overlapping a first look's box more is no plate of its own


class DetectorError(RuntimeError):
    """The detector weights are missing, unreadable or of an unknown kind."""


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; anything else is returned as given."""
    if device != "auto":
        return device
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except Exception:  # torch missing or broken: the ONNX path still works on CPU
        return "cpu"


def resolve_detector_weights(path: Path | str, device: str = "cpu") -> Path:
    """The weights file to load: on CPU a ``.pt`` with a sibling ``.onnx`` resolves to the ``.onnx``."""
    path = Path(path)
    if path.suffix.lower() not in WEIGHT_SUFFIXES:
        raise DetectorError(f"detector weights must be .pt or .onnx, got {path.name!r}")
    onnx = path.with_suffix(".onnx")
    if path.suffix.lower() == ".pt" and device == "cpu" and onnx.is_file():
        return onnx
    if not path.is_file():
        raise DetectorError(f"detector weights not found: {path}")
    return path


class YoloPlateDetector:
    """Finds plate boxes in full BGR frames with an ultralytics YOLO model (implements PlateDetector)."""

    def __init__(
        self,
        weights: Path | str,
        imgsz: int = 320,
        confidence: float = 0.25,
        iou: float = 0.5,
        device: str = "auto",
    ) -> None:
        configure_offline()
        self.device = resolve_device(device)
        self.weights = resolve_detector_weights(weights, self.device)
        self.imgsz = int(imgsz)
        self.confidence = float(confidence)
        self.iou = float(iou)
        self.backend = self.weights.suffix.lower().lstrip(".")
        self.name = f"yolo-{self.backend}"
        self._lock = threading.Lock()
        self._model = self._load()

    def _load(self) -> Any:
        if self.weights.stat().st_size < 1024:
            size = self.weights.stat().st_size
            raise DetectorError(f"detector weights look truncated ({size} bytes): {self.weights}")
        try:
            from ultralytics import YOLO

            model = YOLO(str(self.weights), task="detect")
            # First call builds the predictor (and the onnxruntime session): fail here, not mid-stream.
            blank = np.zeros((self.imgsz, self.imgsz, 3), np.uint8)
            model.predict(blank, imgsz=self.imgsz, conf=self.confidence, iou=self.iou, device=self.device,
                          verbose=False)
        except DetectorError:
            raise
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise DetectorError(f"cannot load detector weights {self.weights}: {why}") from exc
        log.info("plate detector %s on %s (imgsz %d)", self.weights.name, self.device, self.imgsz)
        return model

    def detect(self, frame: Frame, confidence: float | None = None,
               imgsz: int | None = None) -> list[Detection]:
        """Plate boxes in full-frame pixel coordinates, best first (scores from ``confidence`` and input size
        ``imgsz``, by default the detector's own)."""
        if frame is None or getattr(frame, "ndim", 0) != 3 or frame.shape[0] < 8 or frame.shape[1] < 8:
            return []
        conf = self.confidence if confidence is None else float(confidence)
        size = self.imgsz if imgsz is None else int(imgsz)
        with self._lock:  # one ultralytics predictor is not safe to share between threads
            results = self._model.predict(frame, imgsz=size, conf=conf, iou=self.iou,
                                          device=self.device, verbose=False)
        if not results or results[0].boxes is None:
            return []
        boxes = results[0].boxes
        xyxy = boxes.xyxy.cpu().numpy() if hasattr(boxes.xyxy, "cpu") else np.asarray(boxes.xyxy)
        scores = boxes.conf.cpu().numpy() if hasattr(boxes.conf, "cpu") else np.asarray(boxes.conf)
        h, w = frame.shape[:2]
        found = []
        for (x1, y1, x2, y2), score in zip(xyxy.tolist(), scores.tolist(), strict=True):
            x1, x2 = max(0.0, x1), min(float(w), x2)
            y1, y2 = max(0.0, y1), min(float(h), y2)
            if x2 - x1 >= 2 and y2 - y1 >= 2:
                found.append(Detection(Box(x1, y1, x2, y2), float(score)))
        return sorted(found, key=lambda d: d.score, reverse=True)

    def __repr__(self) -> str:
        return f"YoloPlateDetector({self.weights.name}, imgsz={self.imgsz}, device={self.device})"


def mirrored_look(detector: PlateDetector, image: Frame, **kwargs: Any) -> list[Detection]:
    """The detector's boxes on ``image`` mirrored left to right, mapped back onto ``image`` (``kwargs`` go to
    ``detect``): the network sees the plates again in another arrangement of its pixels and finds some it
    missed (weights/README.md, *Mirrored look*)."""
    if image is None or getattr(image, "ndim", 0) != 3:
        return []
    w = image.shape[1]
    flipped = np.ascontiguousarray(image[:, ::-1])
    return [Detection(Box(w - d.box.x2, d.box.y1, w - d.box.x1, d.box.y2), d.score)
            for d in detector.detect(flipped, **kwargs)]


def mirror_finds(detector: PlateDetector, image: Frame, first: list[Detection],
                 **kwargs: Any) -> list[Detection]:
    """The boxes of the :func:`mirrored_look` at ``image`` where ``first`` (the first look's boxes) has none:
    at most :data:`MIRROR_OVERLAP` of the smaller of the two boxes covered by the other, for each of them."""
    return [d for d in mirrored_look(detector, image, **kwargs)
            if all(d.box.containment(f.box) <= MIRROR_OVERLAP for f in first)]


def with_mirrored(detector: PlateDetector, image: Frame, **kwargs: Any) -> list[Detection]:
    """The detector's boxes on ``image`` and what :func:`mirror_finds` besides them, best first."""
    first = detector.detect(image, **kwargs)
    return sorted(first + mirror_finds(detector, image, first, **kwargs), key=lambda d: d.score, reverse=True)
