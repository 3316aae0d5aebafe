"""MotionGate: still scenes stay closed (bar the periodic look), changes open it and say where."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.pipeline.motion import MotionGate


def _frame(seed: int = 0) -> np.ndarray:
    """A 1280x720 scene with large-scale structure (a blurred coarse random pattern), like a yard."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(30, 200, (18, 32, 3), dtype=np.uint8)
    return cv2.GaussianBlur(cv2.resize(coarse, (1280, 720), interpolation=cv2.INTER_LINEAR), (5, 5), 0)


def test_still_scene_closes_and_a_change_opens_it_where_it_happened() -> None:
    gate = MotionGate(force_every=0)
    frame = _frame()
    first = gate.check(frame)
    assert first.moving and first.forced
    noisy = [np.clip(frame.astype(int) + np.random.default_rng(i).integers(-3, 4, frame.shape), 0, 255)
             .astype(np.uint8) for i in range(10)]
    assert not any(gate(f) for f in noisy)  # sensor noise is not motion
    moved = frame.copy()
    moved[300:420, 600:840] = (250, 250, 250)  # something bright entered
    res = gate.check(moved)
    assert res.moving and not res.forced and 0 < res.fraction < 0.1
    r = res.region
    assert r is not None and r.x1 <= 600 <= 840 <= r.x2 + 8 and r.y1 <= 300 <= 420 <= r.y2 + 8
    assert r.x1 > 500 and r.x2 < 950 and r.y1 > 200 and r.y2 < 520


def test_forced_look_and_reset() -> None:
    gate = MotionGate(force_every=5)
    frame = _frame(1)
    opened = [gate.check(frame) for _ in range(16)]
    assert [i for i, r in enumerate(opened) if r.moving] == [0, 5, 10, 15]
    assert all(r.forced for r in opened if r.moving)
    gate.reset()
    assert gate(frame)
    assert gate(cv2.resize(frame, (640, 360)))  # a new frame size opens the gate


def test_real_video_moves(shared_data: Path) -> None:
    cap = cv2.VideoCapture(str(shared_data / "video" / "uk_car_approach.mp4"))
    gate = MotionGate(force_every=0)
    results = []
    for _ in range(30):
        ok, frame = cap.read()
        assert ok
        results.append(gate.check(frame))
    cap.release()
    assert sum(r.moving for r in results[1:]) >= 20  # the approaching car moves in most frames


def test_bad_width() -> None:
    with pytest.raises(ValueError):
        MotionGate(width=4)
