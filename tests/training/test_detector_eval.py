"""Detector-only evaluation on a labels.csv folder and latency, with the shipped ONNX weights."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.composite import paste_plate, road_texture, synth_plate_source
from gatekeeper.domain.paths import weights_dir
from gatekeeper.pipeline.detector import YoloPlateDetector
from gatekeeper.training.detector_eval import (
    detection_recall,
    labelled_boxes,
    latency_ms,
    split_images,
    yolo_boxes,
)


def _folder(tmp_path: Path) -> Path:
    rows = ["image,plate,x1,y1,x2,y2"]
    source = synth_plate_source(21)
    for i in range(2):
        rng = np.random.default_rng(20 + i)
        frame = road_texture(rng, 960, 540).image
        plate = source(rng)
        w = 200.0
        h = w * plate.shape[0] / plate.shape[1]
        x, y = 300.0 + 100 * i, 250.0
        quad = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)
        paste_plate(frame, plate, quad, rng)
        (tmp_path / "images").mkdir(exist_ok=True)
        cv2.imwrite(str(tmp_path / "images" / f"p{i}.jpg"), frame)
        rows.append(f"images/p{i}.jpg,12가3456,{x:.0f},{y:.0f},{x + w:.0f},{y + h:.0f}")
    rows.append("images/p1.jpg,99가9999,,,,")  # a plate without a box is not counted
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


def test_detection_recall_and_latency(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    boxes = labelled_boxes(folder)
    assert sorted(boxes) == ["images/p0.jpg", "images/p1.jpg"] and all(len(b) == 1 for b in boxes.values())
    det = YoloPlateDetector(weights_dir() / "plate_detector.onnx", device="cpu")
    res = detection_recall(det, folder)
    assert res["plates"] == 2 and res["images"] == 2
    assert res["detection_recall"] == 1.0 and res["missed"] == []
    frame = cv2.imread(str(folder / "images" / "p0.jpg"))
    lat = latency_ms(det, [frame], repeats=2)
    assert 0 < lat["median_ms"] <= lat["p90_ms"]


def test_a_yolo_split_is_scored_by_the_app_detector(tmp_path: Path) -> None:
    (tmp_path / "csv").mkdir()
    folder = _folder(tmp_path / "csv")
    split = tmp_path / "data" / "test"
    (split / "images").mkdir(parents=True)
    (split / "labels").mkdir()
    truth = labelled_boxes(folder)
    for k, (name, (box,)) in enumerate(sorted(truth.items())):
        frame = cv2.imread(str(folder / name))
        h, w = frame.shape[:2]
        cv2.imwrite(str(split / "images" / f"s{k}.jpg"), frame)
        if k == 0:  # a box
            cx, cy = (box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2
            line = f"0 {cx / w} {cy / h} {box.width / w} {box.height / h}"
        else:  # a polygon (Roboflow exports some plates so)
            pts = [(box.x1, box.y1), (box.x2, box.y1 + 2), (box.x2, box.y2), (box.x1, box.y2 - 2)]
            line = "0 " + " ".join(f"{x / w} {y / h}" for x, y in pts)
        (split / "labels" / f"s{k}.txt").write_text(line + "\n")
    cv2.imwrite(str(split / "images" / "empty.jpg"), np.zeros((64, 64, 3), np.uint8))  # a background image
    (tmp_path / "data" / "data.yaml").write_text("names: [Plate]\nnc: 1\ntest: test/images\n")
    images = split_images(tmp_path / "data" / "data.yaml", "test")
    assert images == split / "images"
    boxes = yolo_boxes(images)
    assert sorted(boxes) == ["s0.jpg", "s1.jpg"]
    expected = [truth[name] for name in sorted(truth)]
    assert all(b[0].iou(t[0]) > 0.97 for b, t in zip(boxes.values(), expected, strict=True))
    det = YoloPlateDetector(weights_dir() / "plate_detector.onnx", device="cpu")
    res = detection_recall(det, images, truth=boxes)
    assert res["plates"] == 2 and res["detection_recall"] == 1.0


def test_the_mirrored_look_counts_as_still_images_use_it(tmp_path: Path, left_eyed_detector) -> None:  # noqa: ANN001
    frame = np.full((360, 640, 3), 90, np.uint8)
    frame[200:240, 60:180] = 240  # a plate the stand-in sees as it is
    frame[100:150, 400:560] = 240  # one it sees mirrored only
    (tmp_path / "images").mkdir()
    cv2.imwrite(str(tmp_path / "images" / "two.png"), frame)
    rows = ["image,plate,x1,y1,x2,y2", "images/two.png,AB123,60,200,180,240",
            "images/two.png,CD456,400,100,560,150"]
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert detection_recall(left_eyed_detector, tmp_path)["detection_recall"] == 0.5
    both = detection_recall(left_eyed_detector, tmp_path, mirror=True)
    assert both["detection_recall"] == 1.0 and both["false_positives_per_image"] == 0
