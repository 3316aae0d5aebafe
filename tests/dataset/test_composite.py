"""Synthetic detector composites: valid YOLO labels, deterministic, existing plates kept and never covered."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.composite import (
    Background,
    compose,
    default_backgrounds,
    generate_composites,
    read_yolo_boxes,
    road_texture,
    synth_plate_source,
    yolo_label_box,
)
from gatekeeper.dataset.detect_data import write_detect_yaml


def _photo_with_plate() -> Background:
    """A 300x300 'photo' with one existing (dark-on-white) plate region and its box."""
    rng = np.random.default_rng(5)
    img = rng.integers(40, 120, (300, 300, 3), dtype=np.uint8)
    img[200:240, 100:200] = 235
    cv2.putText(img, "AB123", (108, 232), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (20, 20, 20), 2)
    return Background(img, [(100.0, 200.0, 200.0, 240.0)], "photo")


def _backgrounds() -> list[Background]:
    return [_photo_with_plate(), road_texture(np.random.default_rng(1), 320, 180)]


def _labels(folder: Path) -> dict[str, list[list[float]]]:
    out = {}
    for f in sorted(folder.glob("*.txt")):
        lines = [line for line in f.read_text().splitlines() if line.strip()]
        out[f.stem] = [[float(v) for v in line.split()] for line in lines]
    return out


def test_composites_are_valid_yolo_and_deterministic(tmp_path: Path) -> None:
    source = synth_plate_source(3)
    out = generate_composites(tmp_path / "a", 10, seed=3, backgrounds=_backgrounds(), plate_source=source)
    images = sorted((out / "train" / "images").glob("*.jpg"))
    images += sorted((out / "valid" / "images").glob("*.jpg"))
    assert len(images) == 10 and len(list((out / "valid" / "images").glob("*.jpg"))) == 1
    labels = {**_labels(out / "train" / "labels"), **_labels(out / "valid" / "labels")}
    assert set(labels) == {p.stem for p in images}
    n_boxes = 0
    for img_path in images:
        img = cv2.imread(str(img_path))
        assert img is not None and img.ndim == 3
        for row in labels[img_path.stem]:
            assert len(row) == 5 and row[0] == 0
            cx, cy, w, h = row[1:]
            assert 0 < w <= 1 and 0 < h <= 1 and 0 <= cx - w / 2 + 1e-6 and cx + w / 2 <= 1 + 1e-6
            assert 0 <= cy - h / 2 + 1e-6 and cy + h / 2 <= 1 + 1e-6
            assert w * img.shape[1] >= 6 and h * img.shape[0] >= 3  # a plate, not a speck
            n_boxes += 1
    assert n_boxes >= 10  # photo backgrounds add their own plate to the pasted one
    again = generate_composites(tmp_path / "b", 10, seed=3, backgrounds=_backgrounds(),
                                plate_source=synth_plate_source(3))
    for img_path in images:
        twin = again / img_path.relative_to(out)
        assert twin.read_bytes() == img_path.read_bytes()
    other = generate_composites(tmp_path / "c", 10, seed=4, backgrounds=_backgrounds(),
                                plate_source=synth_plate_source(4))
    assert _labels(other / "train" / "labels") != _labels(out / "train" / "labels")
    assert json.loads((out / "composites.json").read_text())["count"] == 10


def test_existing_plates_are_kept_and_not_covered() -> None:
    rng = np.random.default_rng(0)
    source = synth_plate_source(0)
    bg = _photo_with_plate()
    for _ in range(5):
        img, boxes = compose(bg, [source(rng)], rng)
        scale = img.shape[1] / 300
        kept = boxes[0]
        assert np.allclose(kept, [v * scale for v in bg.boxes[0]], atol=0.6)
        for new in boxes[1:]:
            assert new[2] <= kept[0] or new[0] >= kept[2] or new[3] <= kept[1] or new[1] >= kept[3]
        x1, y1, x2, y2 = (int(round(v)) for v in kept)
        resized = cv2.resize(bg.image, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_AREA)
        original = resized[y1:y2, x1:x2]
        assert np.abs(img[y1:y2, x1:x2].astype(int) - original.astype(int)).mean() < 3


def test_pasted_plate_is_where_the_label_says() -> None:
    rng = np.random.default_rng(7)
    bg = Background(np.full((360, 640, 3), 90, np.uint8), [], "texture")
    plate = np.full((110, 520, 3), 250, np.uint8)
    img, boxes = compose(bg, [plate], rng)
    assert len(boxes) == 1
    x1, y1, x2, y2 = (int(round(v)) for v in boxes[0])
    bright = np.argwhere(img[..., 0] > 130)
    assert abs(bright[:, 1].min() - x1) <= 2 and abs(bright[:, 1].max() - x2) <= 2
    assert abs(bright[:, 0].min() - y1) <= 2 and abs(bright[:, 0].max() - y2) <= 2


def test_real_backgrounds_and_yaml(shared_data: Path, tmp_path: Path) -> None:
    bgs = default_backgrounds(np.random.default_rng(0), photos=3, video_frames=2, shared=shared_data)
    kinds = [b.kind for b in bgs]
    assert kinds.count("photo") == 3 and kinds.count("video") == 2
    assert all(b.boxes for b in bgs if b.kind == "photo")
    source = synth_plate_source(1)
    out = generate_composites(tmp_path / "comp", 6, seed=1, backgrounds=bgs, plate_source=source)
    real = shared_data / "detect" / "experiment-plates"
    spec = write_detect_yaml(tmp_path / "run", real, synthetic=out)
    text = spec.yaml_path.read_text()
    assert "real/train/images" in text and "synthetic/train/images" in text and "real/valid/images" in text
    linked = spec.train[0]
    assert linked.is_dir() and not linked.is_symlink() and any(p.is_symlink() for p in linked.iterdir())
    some = next(p for p in (linked.parent / "labels").iterdir())
    img = cv2.imread(str(next(linked.iterdir())))
    assert read_yolo_boxes(some, img.shape[1], img.shape[0])


def test_yolo_labels_as_boxes_and_as_polygons(tmp_path: Path) -> None:
    label = tmp_path / "l.txt"
    label.write_text("0 0.5 0.5 0.2 0.1\n"  # a box
                     "0 0.1 0.2 0.3 0.25 0.28 0.4 0.12 0.35\n"  # a polygon (Roboflow exports some plates so)
                     "0 0.5 0.5\n\n", encoding="utf-8")  # neither: skipped
    boxes = read_yolo_boxes(label, 200, 100)
    assert boxes == [pytest.approx((80, 45, 120, 55)), pytest.approx((20, 20, 60, 40))]
    polygon = "0 0.1 0.2 0.3 0.25 0.28 0.4 0.12 0.35"
    assert yolo_label_box(polygon, 200, 100) == pytest.approx((20, 20, 60, 40))
    assert read_yolo_boxes(tmp_path / "absent.txt", 200, 100) == []
