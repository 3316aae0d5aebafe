"""The site's YOLO and reader datasets: files, label values, atomic relabel, the fixed split."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from gatekeeper.dataset.site_dataset import SiteDataset, rectify_crop, split_for, yolo_line
from gatekeeper.domain.types import Box


def _frame() -> np.ndarray:
    frame = np.full((240, 320, 3), 90, np.uint8)
    cv2.rectangle(frame, (100, 150), (199, 179), (255, 255, 255), -1)
    return frame


def test_split_is_deterministic_and_about_a_fifth() -> None:
    splits = [split_for(i) for i in range(2000)]
    assert splits == [split_for(i) for i in range(2000)]
    assert 0.16 < splits.count("val") / len(splits) < 0.24
    assert set(splits) == {"train", "val"}


def test_yolo_line_values_and_clamping() -> None:
    assert yolo_line(Box(100, 150, 200, 180), 320, 240) == "0 0.468750 0.687500 0.312500 0.125000"
    assert yolo_line(Box(-10, -5, 20, 10), 100, 100) == "0 0.100000 0.050000 0.200000 0.100000"


def test_write_item_files_and_relabel(tmp_path) -> None:
    site = SiteDataset(tmp_path / "labels")
    crops = site.write_item(
        5, _frame(), [(Box(100, 150, 200, 180), "12가3456"), (Box(10, 10, 60, 30), "AB12CDE")], "train"
    )
    assert crops == ["item_5_0.png", "item_5_1.png"]
    label = (site.detector_dir / "train" / "labels" / "item_5.txt").read_text().splitlines()
    assert label == ["0 0.468750 0.687500 0.312500 0.125000", "0 0.109375 0.083333 0.156250 0.083333"]
    assert cv2.imread(str(site.detector_dir / "train" / "images" / "item_5.jpg")).shape == (240, 320, 3)
    crop = cv2.imread(str(site.reader_dir / "train" / "item_5_0.png"))
    assert crop.shape[0] == 64 and 3.0 < crop.shape[1] / crop.shape[0] < 4.0
    csv_text = (site.reader_dir / "train" / "labels.csv").read_text(encoding="utf-8")
    assert csv_text == "image,plate\nitem_5_0.png,12가3456\nitem_5_1.png,AB12CDE\n"
    yaml_text = site.data_yaml.read_text()
    assert "train: train/images" in yaml_text and "val: val/images" in yaml_text and "0: Plate" in yaml_text
    site.data_yaml.write_text(yaml_text + "# operator note\n")
    site.write_item(6, _frame(), [(Box(100, 150, 200, 180), "34나5678")], "val")
    assert site.data_yaml.read_text().endswith("# operator note\n")  # class list written once
    site.write_item(5, _frame(), [(Box(100, 150, 200, 180), "12가3457")], "train")  # relabel
    assert [(s.image.name, s.plate) for s in site.reader_samples("train")] == [("item_5_0.png", "12가3457")]
    assert not (site.reader_dir / "train" / "item_5_1.png").exists()
    assert site.counts() == {"frames_train": 1, "plates_train": 1, "frames_val": 1, "plates_val": 1,
                             "plates_korean_train": 1, "plates_latin_train": 0,
                             "plates_korean_val": 1, "plates_latin_val": 0}
    [(image, boxes)] = site.detector_samples("val")
    assert image.name == "item_6.jpg" and Box(100, 150, 200, 180).iou(boxes[0]) > 0.99
    assert not list(site.root.rglob("*.tmp"))


def test_reader_samples_by_script(tmp_path) -> None:
    site = SiteDataset(tmp_path / "labels")
    big, small = Box(100, 150, 200, 180), Box(10, 10, 60, 30)
    site.write_item(1, _frame(), [(big, "12가3456"), (small, "AB-12 CDE")], "train")
    site.write_item(2, _frame(), [(big, "서울12가3456"), (small, "7ABC123")], "train")
    assert [s.plate for s in site.reader_samples("train", "korean")] == ["12가3456", "서울12가3456"]
    assert [s.plate for s in site.reader_samples("train", "latin")] == ["AB-12 CDE", "7ABC123"]
    assert len(site.reader_samples("train")) == 4 and site.reader_samples("val", "latin") == []
    counts = site.counts()
    assert counts["plates_train"] == 4 and counts["plates_korean_train"] == counts["plates_latin_train"] == 2
    with pytest.raises(ValueError, match="script"):
        site.reader_samples("train", "cyrillic")


def test_rectified_crop_contains_the_plate() -> None:
    crop = rectify_crop(_frame(), Box(100, 150, 200, 180), margin=0.0)
    assert crop.shape[0] == 64 and crop.mean() > 240
