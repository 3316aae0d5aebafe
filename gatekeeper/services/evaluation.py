"""Evaluating the recogniser on a labelled folder: plate accuracy, CER, detection recall/precision, latency.

A folder holds images and ``labels.csv`` (read by :mod:`gatekeeper.dataset.labels`). A plate without text
counts for detection only; an image without plates counts its boxes against detection precision.
:func:`evaluate_dataset` reads it (:func:`load_labelled_set`) and runs :func:`evaluate_rows`, a plain function
over (recogniser, rows) that the retraining champion/challenger comparison reuses. The metric helpers are
pure. Latency is the time of ``recognize(image)`` alone (image decoding excluded).
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from gatekeeper.dataset.labels import LabelRow, LabelsError, group_rows, image_path, load_image, read_labels
from gatekeeper.domain.plates import is_korean, normalize_plate, plate_format
from gatekeeper.domain.text import edit_distance as levenshtein
from gatekeeper.domain.types import Box

log = logging.getLogger(__name__)

IOU_THRESHOLD = 0.5  # detection recall/precision
# Which prediction's text is scored against a labelled plate: the best-overlapping one, at IoU >= 0.1, because
# label conventions differ (some sets box just the characters, a detector boxes the whole plate: IoU ~0.4
# for the same plate). A wrong box cannot make a text right, so this only stops conventions from hiding
# correct reads; ``plate_accuracy_iou50`` is the figure with IoU 0.5 matching.
LOOSE_IOU = 0.1
TEXT_MATCH_IOU = LOOSE_IOU


class ImageRecognizer(Protocol):
    """What evaluation needs: ``recognize(image) -> list[PlateObservation]``."""

    def recognize(self, image: np.ndarray) -> list[Any]: ...


@dataclass(frozen=True)
class Prediction:
    """One recognised plate of one image (text '' when the box could not be read)."""

    box: Box | None
    text: str
    confidence: float = 0.0
    plate_format: str = ""
    detector_score: float = 0.0


@dataclass(frozen=True)
class Match:
    """A labelled plate and the prediction assigned to it (``None`` when missed)."""

    label: LabelRow
    prediction: Prediction | None
    iou: float = 0.0

    @property
    def predicted_text(self) -> str:
        return normalize_plate(self.prediction.text) if self.prediction else ""

    @property
    def correct(self) -> bool:
        return self.predicted_text == normalize_plate(self.label.plate)


# --------------------------------------------------------------------------------------------- metrics


def char_error_rate(truth: str, predicted: str) -> float:
    """Levenshtein(truth, predicted) / len(truth), both normalised; not clipped (extra text can exceed 1)."""
    t, p = normalize_plate(truth), normalize_plate(predicted)
    if not t:
        return 0.0 if not p else 1.0
    return levenshtein(t, p) / len(t)


def match_plates(
    labels: Sequence[LabelRow], predictions: Sequence[Prediction], iou_threshold: float = IOU_THRESHOLD
) -> list[Match]:
    """Assign predictions one-to-one to labels: boxed labels by best IoU (>= threshold, greedy highest
    first), then unboxed labels to the remaining prediction with the closest text."""
    matches: dict[int, Match] = {}
    used: set[int] = set()
    pairs = []
    for li, label in enumerate(labels):
        if label.box is None:
            continue
        for pi, pred in enumerate(predictions):
            iou = label.box.iou(pred.box) if pred.box is not None else 0.0
            if iou >= iou_threshold:
                pairs.append((iou, li, pi))
    for iou, li, pi in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if li not in matches and pi not in used:
            matches[li] = Match(labels[li], predictions[pi], iou)
            used.add(pi)
    for li, label in enumerate(labels):
        if label.box is not None:
            continue
        free = [pi for pi in range(len(predictions)) if pi not in used]
        if not free:
            continue
        truth = normalize_plate(label.plate)

        def closeness(pi: int) -> tuple[int, float, int]:
            pred = predictions[pi]
            return levenshtein(truth, normalize_plate(pred.text)), -pred.confidence, pi

        best = min(free, key=closeness)
        matches[li] = Match(label, predictions[best], 0.0)
        used.add(best)
    return [matches.get(li, Match(label, None)) for li, label in enumerate(labels)]


def detection_counts(
    labels: Sequence[LabelRow], predictions: Sequence[Prediction], iou_threshold: float = IOU_THRESHOLD
) -> tuple[int, int, int]:
    """(true positives, labelled boxes, predicted boxes) of one image whose labels all have boxes."""
    boxed = [lab for lab in labels if lab.box is not None]
    preds = [p for p in predictions if p.box is not None]
    tp = sum(1 for m in match_plates(boxed, preds, iou_threshold) if m.prediction is not None)
    return tp, len(boxed), len(preds)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def summarize(images: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Dataset metrics from per-image results (each: matches at ``TEXT_MATCH_IOU``, predictions, labels,
    latency_ms, error)."""
    all_matches: list[Match] = [m for img in images for m in img["matches"]]
    n = len(all_matches)
    correct = sum(m.correct for m in all_matches)
    cer = [char_error_rate(m.label.plate, m.predicted_text) for m in all_matches]
    tp = n_true = n_pred = tp_loose = 0
    det_images = 0
    for img in images:
        labels = [lab for lab in img["labels"] if not lab.no_plate]
        if img["labels"] and all(lab.box is not None for lab in labels):
            det_images += 1
            a, b, c = detection_counts(labels, img["predictions"])
            tp, n_true, n_pred = tp + a, n_true + b, n_pred + c
            tp_loose += detection_counts(labels, img["predictions"], LOOSE_IOU)[0]
    strict = [m for img in images for m in match_plates(_readable(img["labels"]), img["predictions"],
                                                        IOU_THRESHOLD)]
    per_format: dict[str, dict[str, Any]] = {}
    for m in all_matches:
        fmt = plate_format(m.label.plate) or "invalid"
        entry = per_format.setdefault(fmt, {"plates": 0, "correct": 0})
        entry["plates"] += 1
        entry["correct"] += int(m.correct)
    for entry in per_format.values():
        entry["accuracy"] = _ratio(entry["correct"], entry["plates"])
    korean = [m for m in all_matches if is_korean(m.label.plate)]
    last4 = sum(
        1
        for m in korean
        if len(m.predicted_text) >= 4 and m.predicted_text[-4:] == normalize_plate(m.label.plate)[-4:]
    )
    latencies = [img["latency_ms"] for img in images if img.get("latency_ms") is not None]
    reads = [ms for img in images for ms in img.get("read_ms", ())]
    return {
        "images": len(images),
        "plates": n,
        "correct": correct,
        "plate_accuracy": _ratio(correct, n),
        "char_error_rate": round(statistics.fmean(cer), 4) if cer else None,
        "detection_images": det_images,
        "detection_recall": _ratio(tp, n_true),
        "detection_precision": _ratio(tp, n_pred),
        "loose_iou": LOOSE_IOU,
        "plate_accuracy_iou50": _ratio(sum(m.correct for m in strict), len(strict)),
        "detection_recall_loose": _ratio(tp_loose, n_true),
        "latency_ms_median": round(statistics.median(latencies), 1) if latencies else None,
        "latency_ms_p95": round(percentile(latencies, 95), 1) if latencies else None,
        "crops_read": len(reads),
        "read_ms_per_crop_mean": round(statistics.fmean(reads), 2) if reads else None,
        "read_ms_per_crop_median": round(statistics.median(reads), 2) if reads else None,
        "read_ms_per_crop_p95": round(percentile(reads, 95), 2) if reads else None,
        "failed_images": sum(1 for img in images if img.get("error")),
        "per_format": dict(sorted(per_format.items())),
        "kr_plates": len(korean),
        "kr_last4_accuracy": _ratio(last4, len(korean)),
    }


# ------------------------------------------------------------------------------------------ running


def predictions_from(observations: Iterable[Any]) -> list[Prediction]:
    """Convert the recogniser's ``PlateObservation`` list to :class:`Prediction` values."""
    out = []
    for obs in observations:
        read = obs.read
        out.append(
            Prediction(
                box=obs.detection.box,
                text=normalize_plate(read.text) if read else "",
                confidence=float(read.confidence) if read else 0.0,
                plate_format=(read.plate_format or plate_format(read.text)) if read else "",
                detector_score=float(obs.detection.score),
            )
        )
    return out


def evaluate_rows(
    recognizer: ImageRecognizer,
    rows: Sequence[LabelRow],
    root: Path,
    *,
    limit: int | None = None,
    details: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    """Run ``recognizer`` on every labelled image under ``root`` and return the metrics dict.

    An unreadable image, or one the recogniser fails on, is reported (``failed_images``, ``errors``) and its
    plates count as missed.
    """
    groups = list(group_rows(rows).items())
    if limit is not None:
        groups = groups[: max(0, limit)]
    results = []
    for index, (name, labels) in enumerate(groups):
        if progress:
            progress(index, len(groups), name)
        results.append(_evaluate_image(recognizer, image_path(Path(root), name), name, labels))
    report = summarize(results)
    report["errors"] = [{"image": r["image"], "error": r["error"]} for r in results if r["error"]]
    if details:
        report["details"] = [_detail_row(r) for r in results]
    return report


@dataclass(frozen=True)
class LabelledSet:
    """A labelled folder's ``labels.csv`` as read: its rows, and a message per row whose box was unusable."""

    directory: Path
    rows: tuple[LabelRow, ...]
    warnings: tuple[str, ...] = ()


def load_labelled_set(directory: Path) -> LabelledSet:
    """Read ``directory/labels.csv``; :class:`LabelsError` names what is wrong (read it before loading models:
    a bad folder fails at once)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise LabelsError(f"{directory}: evaluation folder not found")
    warnings: list[str] = []
    rows = read_labels(directory / "labels.csv", warnings)
    return LabelledSet(directory, tuple(rows), tuple(warnings))


def evaluate_dataset(recognizer: ImageRecognizer, dataset: Path | LabelledSet,
                     **kwargs: Any) -> dict[str, Any]:
    """Evaluate on a labelled folder (its path, or as :func:`load_labelled_set` read it; see
    :func:`evaluate_rows` for the keyword options); the report's ``label_warnings`` lists the label rows whose
    box could not be used."""
    labelled = dataset if isinstance(dataset, LabelledSet) else load_labelled_set(dataset)
    report = evaluate_rows(recognizer, labelled.rows, labelled.directory, **kwargs)
    report["dataset"] = str(labelled.directory)
    report["label_warnings"] = list(labelled.warnings)
    return report


def _evaluate_image(
    recognizer: ImageRecognizer, path: Path, name: str, labels: list[LabelRow]
) -> dict[str, Any]:
    result: dict[str, Any] = {  # as an image that failed: no predictions, every plate missed
        "image": name, "labels": labels, "predictions": [], "error": "", "latency_ms": None,
        "matches": [Match(lab, None) for lab in _readable(labels)],
    }
    try:
        image = load_image(path)
    except ValueError as exc:
        log.warning("%s", exc)
        result["error"] = str(exc)
        return result
    start = time.perf_counter()
    try:
        observations = recognizer.recognize(image)
    except Exception as exc:  # noqa: BLE001 - one image the recogniser fails on must not stop the whole run
        log.exception("%s: recognition failed", path)
        result["error"] = f"{path}: recognition failed ({type(exc).__name__}: {exc})"
        return result
    result["latency_ms"] = (time.perf_counter() - start) * 1000.0
    result["read_ms"] = list(getattr(recognizer, "read_ms", None) or [])
    result["predictions"] = predictions_from(observations)
    result["matches"] = match_plates(_readable(labels), result["predictions"], TEXT_MATCH_IOU)
    return result


def _readable(labels: Sequence[LabelRow]) -> list[LabelRow]:
    """The plates scored for their text."""
    return [lab for lab in labels if lab.readable]


def _box_list(box: Box | None) -> list[float] | None:
    return [round(box.x1, 1), round(box.y1, 1), round(box.x2, 1), round(box.y2, 1)] if box else None


def _detail_row(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "image": result["image"],
        "error": result["error"],
        "latency_ms": round(result["latency_ms"], 1) if result["latency_ms"] is not None else None,
        "plates": [
            {
                "truth": normalize_plate(m.label.plate),
                "predicted": m.predicted_text,
                "correct": m.correct,
                "cer": round(char_error_rate(m.label.plate, m.predicted_text), 4),
                "iou": round(m.iou, 3),
                "box": _box_list(m.label.box),
                "predicted_box": _box_list(m.prediction.box) if m.prediction else None,
                "confidence": round(m.prediction.confidence, 4) if m.prediction else None,
            }
            for m in result["matches"]
        ],
        "predictions": [
            {
                "box": _box_list(p.box),
                "text": p.text,
                "confidence": round(p.confidence, 4),
                "format": p.plate_format,
            }
            for p in result["predictions"]
        ],
    }
