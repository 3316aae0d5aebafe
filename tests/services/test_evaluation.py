"""Evaluation metrics on hand-computed cases, and runs over generated images."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.labels import LabelRow, LabelsError, read_labels
from gatekeeper.domain.types import Box, PlateRead
from gatekeeper.pipeline.recognizer import Recognizer
from gatekeeper.pipeline.types import Detection, PlateObservation
from gatekeeper.services.evaluation import (
    TEXT_MATCH_IOU,
    Prediction,
    char_error_rate,
    detection_counts,
    evaluate_dataset,
    evaluate_rows,
    levenshtein,
    load_labelled_set,
    match_plates,
    percentile,
    summarize,
)


@pytest.mark.parametrize(
    ("a", "b", "d"),
    [("", "", 0), ("abc", "", 3), ("", "ab", 2), ("kitten", "sitting", 3), ("12가3456", "12거3456", 1),
     ("12가3456", "2가3456", 1), ("12가3456", "12가34567", 1), ("1234", "4321", 4)],
)
def test_levenshtein(a: str, b: str, d: int) -> None:
    assert levenshtein(a, b) == d == levenshtein(b, a)


def test_char_error_rate() -> None:
    assert char_error_rate("12가3456", "12가3456") == 0.0
    assert char_error_rate("12가3456", "12 가 3456") == 0.0  # normalised before comparing
    assert char_error_rate("12가3456", "12거3456") == pytest.approx(1 / 7)
    assert char_error_rate("LS15EBC", "") == 1.0
    assert char_error_rate("AB12", "XAB12YZW") == pytest.approx(4 / 4)  # not clipped
    assert char_error_rate("ab12", "AB12") == 0.0


def test_percentile() -> None:
    assert percentile([5.0], 95) == 5.0
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile(list(range(101)), 95) == pytest.approx(95)
    with pytest.raises(ValueError):
        percentile([], 50)


def _p(text: str, box: tuple[float, float, float, float] | None, conf: float = 0.9) -> Prediction:
    return Prediction(Box(*box) if box else None, text, conf)


def test_match_by_best_iou_one_to_one() -> None:
    labels = [
        LabelRow("a.jpg", "12가3456", Box(0, 0, 100, 50)),
        LabelRow("a.jpg", "34나5678", Box(200, 0, 300, 50)),
    ]
    preds = [
        _p("34나5678", (205, 0, 300, 50)),  # IoU 0.95 with the second label
        _p("12가3456", (10, 0, 100, 50)),  # IoU 0.9 with the first
        _p("99가9999", (0, 0, 80, 50)),  # IoU 0.8 with the first: loses to the better box
    ]
    matches = match_plates(labels, preds)
    assert matches[1].prediction is preds[0] and matches[1].iou == pytest.approx(0.95)
    assert matches[0].prediction is preds[1] and matches[0].iou == pytest.approx(0.9)
    assert [m.correct for m in matches] == [True, True]
    # with the better box gone, the worse one is matched (and its text is wrong)
    again = match_plates(labels, [preds[0], preds[2]])
    assert again[0].prediction is preds[2] and not again[0].correct


def test_match_requires_iou_half() -> None:
    label = LabelRow("a.jpg", "12가3456", Box(0, 0, 100, 100))
    just_below = _p("12가3456", (0, 0, 100, 49))  # IoU 0.49
    at = _p("12가3456", (0, 0, 100, 50))  # IoU 0.5
    assert match_plates([label], [just_below])[0].prediction is None
    assert match_plates([label], [at])[0].prediction is at
    assert not match_plates([label], [just_below])[0].correct


def test_unboxed_label_takes_the_closest_text() -> None:
    label = LabelRow("crop.png", "12가3456")
    preds = [_p("77더7739", (0, 0, 10, 10)), _p("12가3458", (50, 0, 60, 10)), _p("", None)]
    m = match_plates([label], preds)[0]
    assert m.prediction is preds[1] and not m.correct
    assert m.predicted_text == "12가3458"
    assert match_plates([label], [])[0].prediction is None


def test_detection_counts_missed_and_spurious() -> None:
    labels = [LabelRow("a", "A1", Box(0, 0, 10, 10)), LabelRow("a", "B2", Box(100, 100, 110, 110))]
    preds = [_p("A1", (0, 0, 10, 10)), _p("", (50, 50, 60, 60)), _p("", (300, 300, 310, 310))]
    assert detection_counts(labels, preds) == (1, 2, 3)  # one found, one missed, two spurious


def _result(labels: list[LabelRow], preds: list[Prediction], ms: float, read_ms: tuple = ()) -> dict:
    return {"image": labels[0].image, "labels": labels, "predictions": preds, "read_ms": list(read_ms),
            "matches": match_plates(labels, preds, TEXT_MATCH_IOU), "latency_ms": ms, "error": ""}


def test_summarize_hand_computed() -> None:
    boxed = [
        LabelRow("a.jpg", "12가3456", Box(0, 0, 100, 50)),
        LabelRow("a.jpg", "서울39바2764", Box(200, 0, 300, 50)),
    ]
    img_a = _result(boxed, [_p("12가3456", (0, 0, 100, 50)), _p("1", (500, 500, 510, 510))], 10.0)
    img_b = _result([LabelRow("b.jpg", "LS15EBC")], [_p("LS15E8C", None)], 30.0, (4.0, 6.0))
    img_c = _result([LabelRow("c.jpg", "33하6580", Box(0, 0, 10, 10))], [_p("33하6580", (0, 0, 10, 10))],
                    20.0, (3.0, 2.0, 10.0))
    report = summarize([img_a, img_b, img_c])
    assert report["images"] == 3 and report["plates"] == 4 and report["correct"] == 2
    assert report["plate_accuracy"] == 0.5
    # CER: 0, 1 (missed), 1/7, 0 -> mean 0.2857
    assert report["char_error_rate"] == pytest.approx((0 + 1 + 1 / 7 + 0) / 4, abs=1e-4)
    # detection over a.jpg and c.jpg (b has no box): tp 2 of 3 labels, 3 predictions
    assert report["detection_images"] == 2
    assert report["detection_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["detection_precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["latency_ms_median"] == 20.0 and report["latency_ms_p95"] == pytest.approx(29.0)
    # reader time per crop over every crop read (a.jpg has none recorded): 2, 3, 4, 6, 10
    assert report["crops_read"] == 5 and report["read_ms_per_crop_mean"] == 5.0
    assert report["read_ms_per_crop_median"] == 4.0 and report["read_ms_per_crop_p95"] == pytest.approx(9.2)
    assert report["per_format"]["kr_private"] == {"plates": 1, "correct": 1, "accuracy": 1.0}
    assert report["per_format"]["kr_commercial"]["accuracy"] == 0.0
    assert report["per_format"]["latin"]["accuracy"] == 0.0
    assert report["kr_plates"] == 3 and report["kr_last4_accuracy"] == pytest.approx(2 / 3, abs=1e-4)


def test_summarize_empty() -> None:
    report = summarize([])
    assert report["plates"] == 0 and report["plate_accuracy"] is None and report["detection_recall"] is None
    assert report["crops_read"] == 0 and report["read_ms_per_crop_median"] is None


# ------------------------------------------------------------------------------------------- labels


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


class SceneReader:
    """Stands in for the recogniser: the plates each test image shows, by the image's width."""

    def __init__(self, plates: dict[int, list[tuple[str, tuple[float, float, float, float]]]]) -> None:
        self.plates = plates

    def recognize(self, image: np.ndarray) -> list[PlateObservation]:
        return [PlateObservation(Detection(Box(*box), 0.9), 0, PlateRead(text, 0.9) if text else None)
                for text, box in self.plates[image.shape[1]]]


def test_unreadable_plates_and_images_without_plates(tmp_path: Path) -> None:
    for name, width in (("a.jpg", 200), ("b.jpg", 210), ("c.jpg", 220)):
        cv2.imwrite(str(tmp_path / name), np.zeros((100, width, 3), np.uint8))
    rows = read_labels(_write(tmp_path / "labels.csv", "image,plate,x1,y1,x2,y2\n"
                              "a.jpg,12가3456,0,0,50,20\n"
                              "a.jpg,,100,0,150,20\n"  # a plate nobody can read: detection only
                              "b.jpg,,,,,\n"  # no plate in this picture
                              "c.jpg,LS15EBC,,,,\n"))
    assert (rows[1] == LabelRow("a.jpg", "", Box(100, 0, 150, 20)) and rows[2].no_plate
            and not rows[1].no_plate)
    scene = SceneReader({200: [("12가3456", (0, 0, 50, 20)), ("", (100, 0, 150, 20))],
                         210: [("AB12", (10, 10, 60, 30))],  # a false box on a picture without plates
                         220: [("LS15EBC", (0, 0, 40, 20))]})
    report = evaluate_rows(scene, rows, tmp_path, details=True)
    assert report["images"] == 3 and report["plates"] == 2 and report["plate_accuracy"] == 1.0
    assert report["detection_images"] == 2  # a.jpg and b.jpg: every plate row boxed
    assert report["detection_recall"] == 1.0  # both plates of a.jpg found
    assert report["detection_precision"] == pytest.approx(2 / 3, abs=1e-4)  # the false box of b.jpg
    assert [len(d["plates"]) for d in report["details"]] == [1, 0, 1]


def test_a_recogniser_failing_on_one_image_does_not_stop_the_run(tmp_path: Path) -> None:
    for name, width in (("a.jpg", 200), ("b.jpg", 210)):
        cv2.imwrite(str(tmp_path / name), np.zeros((100, width, 3), np.uint8))

    class Fragile(SceneReader):
        def recognize(self, image: np.ndarray) -> list[PlateObservation]:
            if image.shape[1] == 210:
                raise RuntimeError("boom")
            return super().recognize(image)

    _write(tmp_path / "labels.csv", "image,plate,x1,y1,x2,y2\na.jpg,12가3456,0,0,50,20\nb.jpg,LS15EBC,,,,\n")
    report = evaluate_dataset(Fragile({200: [("12가3456", (0, 0, 50, 20))]}), tmp_path)
    assert report["images"] == 2 and report["plates"] == 2 and report["plate_accuracy"] == 0.5
    assert (report["failed_images"] == 1
            and "recognition failed (RuntimeError: boom)" in report["errors"][0]["error"])
    assert report["label_warnings"] == []


def test_a_labelled_set_read_first_evaluates_as_its_folder(tmp_path: Path) -> None:
    """``gatekeeper eval`` reads the labels before it loads the models, and evaluates what it read."""
    cv2.imwrite(str(tmp_path / "a.jpg"), np.zeros((100, 200, 3), np.uint8))
    _write(tmp_path / "labels.csv",
           "image,plate,x1,y1,x2,y2\na.jpg,12가3456,0,0,50,20\na.jpg,34나5678,5,,9,9\n")
    labelled = load_labelled_set(tmp_path)
    assert labelled.directory == tmp_path and len(labelled.rows) == 2
    assert len(labelled.warnings) == 1 and "labels.csv:3: box must have all" in labelled.warnings[0]
    (tmp_path / "labels.csv").unlink()  # read once: the folder's labels are not needed again
    scene = SceneReader({200: [("12가3456", (0, 0, 50, 20))]})
    report = evaluate_dataset(scene, labelled)
    assert report["plates"] == 2 and report["plate_accuracy"] == 0.5 and report["dataset"] == str(tmp_path)
    assert report["label_warnings"] == list(labelled.warnings)


def test_missing_labels_and_folder(tmp_path: Path) -> None:
    with pytest.raises(LabelsError, match="labels file not found"):
        read_labels(tmp_path / "labels.csv")
    with pytest.raises(LabelsError, match="evaluation folder not found"):
        evaluate_dataset(None, tmp_path / "nope")  # type: ignore[arg-type]


# ----------------------------------------------------------------- a run over generated scenes


class BrightBlobDetector:
    """Finds bright rectangles on a dark scene (a real, if simple, detector)."""

    name = "blobs"

    def detect(self, frame: np.ndarray) -> list[Detection]:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        mask = (gray > 40).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        out = []
        for c in contours:
            x, y, w, h = cv2.boundingRect(c)
            if w * h >= 100:
                out.append(Detection(Box(x, y, x + w, y + h), 0.9))
        return out


class BrightnessReader:
    """Reads a plate's text from its brightness: each generated plate has its own grey level."""

    name = "brightness"

    def __init__(self, texts: dict[int, str]) -> None:
        self.texts = texts

    def read(self, crop: np.ndarray) -> PlateRead | None:
        level = int(crop.max())
        text = self.texts.get(level)
        return PlateRead(text, 0.95, reader=self.name) if text else None


def _scene(path: Path, plates: list[tuple[int, tuple[int, int, int, int]]], size=(240, 320)) -> None:
    img = np.zeros((*size, 3), np.uint8)
    for level, (x1, y1, x2, y2) in plates:
        img[y1:y2, x1:x2] = level
    cv2.imencode(path.suffix, img)[1].tofile(str(path))


def test_evaluate_dataset_on_generated_scenes(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    texts = {200: "12가3456", 150: "서울39바2764", 100: "LS15EBC"}
    _scene(tmp_path / "images/one.png", [(200, (10, 10, 110, 40)), (150, (150, 100, 250, 130))])
    # grey 120 is a box the reader cannot read: a spurious detection
    _scene(tmp_path / "images/two.png", [(100, (50, 50, 150, 80)), (120, (200, 200, 300, 230))])
    _scene(tmp_path / "images/crop.png", [(200, (0, 0, 200, 50))], size=(50, 200))  # crop-only
    (tmp_path / "images/broken.png").write_bytes(b"\x89PNG broken")
    _write(
        tmp_path / "labels.csv",
        "image,plate,x1,y1,x2,y2\n"
        "images/one.png,12가3456,10,10,110,40\n"
        "images/one.png,서울39바2764,150,100,250,130\n"
        "images/two.png,LS15EBC,50,50,150,80\n"
        "images/crop.png,12가3456,,,,\n"
        "images/broken.png,34나5678,,,,\n",
    )
    recognizer = Recognizer(BrightBlobDetector(), BrightnessReader(texts), upscale_min_width=0)
    report = evaluate_dataset(recognizer, tmp_path, details=True)
    assert report["images"] == 4 and report["plates"] == 5
    assert report["correct"] == 4 and report["plate_accuracy"] == 0.8  # the broken image's plate is missed
    assert report["failed_images"] == 1 and "broken.png" in report["errors"][0]["error"]
    assert report["detection_images"] == 2
    assert report["detection_recall"] == 1.0 and report["detection_precision"] == 0.75
    assert report["latency_ms_median"] > 0
    assert report["crops_read"] >= 4 and report["read_ms_per_crop_median"] > 0  # one per plate box at least
    assert report["read_ms_per_crop_p95"] >= report["read_ms_per_crop_median"]
    assert set(report["per_format"]) == {"kr_private", "kr_commercial", "latin"}
    assert report["per_format"]["kr_private"] == {"plates": 3, "correct": 2, "accuracy": 0.6667}
    assert report["per_format"]["kr_commercial"]["correct"] == 1
    assert report["kr_plates"] == 4 and report["kr_last4_accuracy"] == 0.75
    details = {d["image"]: d for d in report["details"]}
    assert details["images/crop.png"]["plates"][0]["predicted"] == "12가3456"
    assert details["images/two.png"]["plates"][0]["iou"] == pytest.approx(1.0, abs=0.05)
    limited = evaluate_dataset(recognizer, tmp_path, limit=1)
    assert limited["images"] == 1 and limited["plates"] == 2 and "details" not in limited


def test_text_is_scored_on_the_overlapping_box_when_labels_box_only_the_characters() -> None:
    # The label boxes the characters (80x20); the detector boxes the whole plate (100x48): IoU 0.33.
    label = LabelRow("a.jpg", "4YTD483", Box(10, 14, 90, 34))
    pred = _p("4YTD483", (0, 0, 100, 48))
    report = summarize([_result([label], [pred], 5.0)])
    assert report["plate_accuracy"] == 1.0 and report["plate_accuracy_iou50"] == 0.0
    assert report["detection_recall"] == 0.0 and report["detection_recall_loose"] == 1.0  # detection: IoU 0.5
    assert report["loose_iou"] == 0.1
    # a box elsewhere in the image is no read of this plate, whatever its text
    far = _p("4YTD483", (200, 200, 300, 248))
    assert summarize([_result([label], [far], 5.0)])["plate_accuracy"] == 0.0
