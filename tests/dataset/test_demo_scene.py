"""The demo gate video: a real, short, small video with its ground-truth sidecar."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from gatekeeper.dataset.demo_scene import generate_demo_video, read_sidecar, sidecar_path
from gatekeeper.domain.plates import is_valid_plate


def test_generates_playable_video_with_sidecar(tmp_path: Path) -> None:
    progress: list[float] = []
    out = generate_demo_video(tmp_path / "demo.mp4", seconds=14, fps=8, size=(480, 270), seed=3,
                              progress=progress.append)
    assert out.is_file() and sidecar_path(out).is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left
    meta = read_sidecar(out)
    vehicles = meta["vehicles"]
    assert len(vehicles) == 2 and meta["frames"] == 14 * 8
    assert len({v["style"] for v in vehicles}) == 2
    for v in vehicles:
        assert is_valid_plate(v["plate"])
        assert v["start"] < v["stop_start"] < v["stop_end"] < v["end"] <= 14
    assert progress[-1] == 1.0
    cap = cv2.VideoCapture(str(out))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    assert len(frames) == 14 * 8 and frames[0].shape == (270, 480, 3)
    # a vehicle stands at the barrier: the scene changes between empty road and stopped car
    stop_frame = frames[int((vehicles[0]["stop_start"] + 0.5) * 8)]
    empty = frames[0]
    assert np.abs(stop_frame.astype(int) - empty.astype(int)).mean() > 5


def test_deterministic_plates(tmp_path: Path) -> None:
    a = generate_demo_video(tmp_path / "a.mp4", seconds=7, fps=5, size=(320, 180), seed=7)
    b = generate_demo_video(tmp_path / "b.mp4", seconds=7, fps=5, size=(320, 180), seed=7)
    assert (json.loads(sidecar_path(a).read_text())["vehicles"]
            == json.loads(sidecar_path(b).read_text())["vehicles"])


def test_too_short_is_an_error(tmp_path: Path) -> None:
    import pytest

    with pytest.raises(ValueError, match="too short"):
        generate_demo_video(tmp_path / "x.mp4", seconds=2, fps=5, size=(320, 180))
    assert not list(tmp_path.iterdir())
