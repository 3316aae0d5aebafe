"""Frame sources on a real video file written with cv2.VideoWriter, and on broken sources."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from gatekeeper.pipeline.sources import (
    SourceError,
    SourceState,
    SourceStatus,
    open_source,
    probe_video,
    source_kind,
)


def _write_video(path: Path, frames: int = 12, fps: float = 20.0, size: tuple[int, int] = (160, 96)) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        img = np.zeros((size[1], size[0], 3), np.uint8)
        cv2.putText(img, str(i), (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
        img[:, :, 1] = i * 20
        writer.write(img)
    writer.release()
    return path


@pytest.fixture()
def video(tmp_path: Path) -> Path:
    return _write_video(tmp_path / "clip.mp4")


def test_source_kind() -> None:
    assert source_kind("0") == "usb"
    assert source_kind("rtsp://10.0.0.1/stream") == "stream"
    assert source_kind("/videos/gate.mp4") == "file"


def test_file_plays_once_with_video_time(video: Path) -> None:
    states: list[SourceStatus] = []
    src = open_source(str(video), loop=False, realtime=False, on_state=states.append)
    items = []
    while (item := src.read()) is not None:
        items.append(item)
    assert len(items) == 12
    frame, _ = items[0]
    assert frame.shape == (96, 160, 3) and frame.dtype == np.uint8
    ts = [t for _, t in items]
    assert np.allclose(np.diff(ts), 1 / 20, atol=1e-6)
    assert [s.state for s in states] == [SourceState.RUNNING, SourceState.STOPPED]
    assert src.frame_size == (160, 96)
    assert probe_video(video)[:2] == (12, 20.0)


def test_file_loops(video: Path) -> None:
    src = open_source(str(video), loop=True, realtime=False)
    items = [src.read() for _ in range(30)]
    assert all(i is not None for i in items)
    ts = [i[1] for i in items if i is not None]
    assert all(b > a for a, b in zip(ts, ts[1:]))  # the clock keeps running across loops
    src.close()
    assert src.read() is None and src.state == SourceState.STOPPED


def test_realtime_file_keeps_the_video_rate(video: Path) -> None:
    src = open_source(str(video), loop=False, realtime=True)
    t0 = time.monotonic()
    n = sum(1 for _ in iter(src.read, None))
    elapsed = time.monotonic() - t0
    assert n == 12
    assert 0.45 <= elapsed <= 2.0  # 12 frames at 20 fps


@pytest.mark.parametrize("spec", ["rtsp://127.0.0.1:9/nothing", "/definitely/missing/gate.mp4"])
def test_broken_source_reconnects_and_stops_quickly(spec: str) -> None:
    states: list[SourceStatus] = []
    src = open_source(spec, loop=True, on_state=states.append, backoff=(0.2, 1.0))
    result: list[object] = []
    t = threading.Thread(target=lambda: result.append(src.read()))
    t.start()
    deadline = time.monotonic() + 8
    while src.state != SourceState.RECONNECTING and time.monotonic() < deadline:
        time.sleep(0.02)
    assert src.state == SourceState.RECONNECTING
    assert "retrying in" in src.status.message
    assert ("127.0.0.1" in src.status.message) or ("not found" in src.status.message)
    t0 = time.monotonic()
    src.stop()
    t.join(3)
    assert not t.is_alive() and time.monotonic() - t0 < 3
    assert result == [None]


def test_corrupt_file_gives_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    with pytest.raises(SourceError, match="corrupt"):
        probe_video(bad)
    with pytest.raises(SourceError, match="not found"):
        probe_video(tmp_path / "nope.mp4")
    src = open_source(str(bad), loop=True, backoff=(0.05, 0.1))
    t = threading.Thread(target=src.read)
    t.start()
    deadline = time.monotonic() + 5
    while src.state != SourceState.RECONNECTING and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "corrupt" in src.status.message
    src.stop()
    t.join(2)
    assert not t.is_alive()


def test_credentials_hidden() -> None:
    src = open_source("rtsp://admin:secret@10.1.2.3/live", loop=True)
    assert "secret" not in src.display_name
