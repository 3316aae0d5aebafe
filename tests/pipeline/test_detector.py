"""The shipped YOLO plate detector (.pt and .onnx), weight resolution, device choice and bad weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gatekeeper.dataset.composite import paste_plate, road_texture, synth_plate_source
from gatekeeper.domain.paths import weights_dir
from gatekeeper.domain.types import Box
from gatekeeper.pipeline.detector import (
    DetectorError,
    YoloPlateDetector,
    mirrored_look,
    resolve_detector_weights,
    resolve_device,
    with_mirrored,
)

SHIPPED_PT = weights_dir() / "plate_detector.pt"
SHIPPED_ONNX = weights_dir() / "plate_detector.onnx"


def _scene(seed: int) -> tuple[np.ndarray, Box]:
    """A 1280x720 road-like frame with one rendered Korean plate 180-260 px wide, slightly tilted; its box."""
    rng = np.random.default_rng(seed)
    frame = road_texture(rng, 1280, 720).image
    plate = synth_plate_source(seed)(rng)
    w = rng.uniform(180, 260)
    h = w * plate.shape[0] / plate.shape[1]
    cx, cy = rng.uniform(200, 1080), rng.uniform(300, 600)
    a = np.deg2rad(rng.uniform(-4, 4))
    corners = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    quad = (corners @ rot.T + [cx, cy]).astype(np.float32)
    paste_plate(frame, plate, quad, rng)
    (x1, y1), (x2, y2) = quad.min(axis=0), quad.max(axis=0)
    return frame, Box(float(x1), float(y1), float(x2), float(y2))


@pytest.fixture(scope="module")
def scenes() -> list[tuple[np.ndarray, Box]]:
    return [_scene(s) for s in (11, 12, 13)]


@pytest.mark.parametrize("weights", [SHIPPED_PT, SHIPPED_ONNX], ids=["pt", "onnx"])
def test_shipped_weights_find_a_plate(
    weights: Path, scenes: list[tuple[np.ndarray, Box]], tmp_path: Path
) -> None:
    assert weights.is_file(), f"shipped weights missing: {weights}"
    if weights.suffix == ".pt":  # alone in a folder, so the .onnx sibling does not take over on CPU
        (tmp_path / weights.name).symlink_to(weights)
        weights = tmp_path / weights.name
    det = YoloPlateDetector(weights, imgsz=320, device="cpu")
    assert det.weights.suffix == weights.suffix and det.name == f"yolo-{weights.suffix[1:]}"
    found = 0
    for frame, truth in scenes:
        dets = det.detect(frame)
        assert all(0 <= d.box.x1 < d.box.x2 <= 1280 and 0 <= d.box.y1 < d.box.y2 <= 720 for d in dets)
        assert [d.score for d in dets] == sorted((d.score for d in dets), reverse=True)
        found += any(d.box.iou(truth) >= 0.5 for d in dets)
    assert found == len(scenes)
    assert det.detect(np.zeros((4, 4, 3), np.uint8)) == []


def test_pt_and_onnx_agree(scenes: list[tuple[np.ndarray, Box]], tmp_path: Path) -> None:
    (tmp_path / SHIPPED_PT.name).symlink_to(SHIPPED_PT)
    pt = YoloPlateDetector(tmp_path / SHIPPED_PT.name, device="cpu")
    onnx = YoloPlateDetector(SHIPPED_ONNX, device="cpu")
    frame, _ = scenes[0]
    a, b = pt.detect(frame), onnx.detect(frame)
    assert a and b and a[0].box.iou(b[0].box) > 0.9 and abs(a[0].score - b[0].score) < 0.05


def test_cpu_prefers_the_onnx_sibling(tmp_path: Path) -> None:
    pt, onnx = tmp_path / "m.pt", tmp_path / "m.onnx"
    pt.write_bytes(b"x")
    assert resolve_detector_weights(pt, "cpu") == pt
    onnx.write_bytes(b"x")
    assert resolve_detector_weights(pt, "cpu") == onnx
    assert resolve_detector_weights(pt, "cuda") == pt
    assert resolve_detector_weights(onnx, "cuda") == onnx


def test_device_auto_falls_back_to_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    assert resolve_device("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"


def test_missing_and_corrupt_weights_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DetectorError, match="not found"):
        YoloPlateDetector(tmp_path / "nope.pt", device="cpu")
    with pytest.raises(DetectorError, match=".pt or .onnx"):
        YoloPlateDetector(tmp_path / "model.bin", device="cpu")
    with pytest.raises(DetectorError, match="truncated"):
        (tmp_path / "tiny.onnx").write_bytes(b"\x00" * 10)
        YoloPlateDetector(tmp_path / "tiny.onnx", device="cpu")
    junk = np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    for name in ("junk.pt", "junk.onnx"):
        (tmp_path / name).write_bytes(junk)
        with pytest.raises(DetectorError, match="cannot load detector weights"):
            YoloPlateDetector(tmp_path / name, device="cpu")


def test_the_mirrored_look_finds_each_plate_where_it_is(scenes: list[tuple[np.ndarray, Box]]) -> None:
    det = YoloPlateDetector(SHIPPED_ONNX, imgsz=320, device="cpu")
    for frame, truth in scenes:  # plates off the frame's centre: a box not mapped back lies elsewhere
        assert any(d.box.iou(truth) >= 0.5 for d in mirrored_look(det, frame))
    assert mirrored_look(det, np.zeros((4, 4), np.uint8)) == []


def _two_plates() -> tuple[np.ndarray, Box, Box]:
    """A grey frame with a white plate-shaped blob in its left half and one in its right half."""
    frame = np.full((360, 640, 3), 90, np.uint8)
    left, right = Box(60, 200, 180, 240), Box(400, 100, 560, 150)
    for b in (left, right):
        frame[int(b.y1):int(b.y2), int(b.x1):int(b.x2)] = 240
    return frame, left, right


def test_with_mirrored_adds_the_plates_only_the_mirrored_look_found(left_eyed_detector) -> None:  # noqa: ANN001
    frame, left, right = _two_plates()
    assert [d.box for d in left_eyed_detector.detect(frame)] == [left]
    found = [d.box for d in with_mirrored(left_eyed_detector, frame)]
    assert len(found) == 2 and found[0] == left and found[1].iou(right) > 0.95


def test_with_mirrored_keeps_one_box_per_plate(left_eyed_detector) -> None:  # noqa: ANN001
    """A plate both looks find (here: on the image's vertical centre line) is the first look's box, once."""
    frame = np.full((360, 640, 3), 90, np.uint8)
    frame[100:140, 250:390] = 240  # centred on the middle: seen as it is and mirrored
    first = left_eyed_detector.detect(frame)
    assert len(first) == 1 and len(mirrored_look(left_eyed_detector, frame)) == 1
    assert with_mirrored(left_eyed_detector, frame) == first
