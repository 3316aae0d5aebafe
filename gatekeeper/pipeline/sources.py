"""Frame sources over OpenCV: USB cameras, rtsp/http streams and video files, with reconnect and backoff."""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

OPEN_TIMEOUT_MS = 5000
READ_TIMEOUT_MS = 5000
BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 10.0


class SourceState(str, enum.Enum):
    """Life cycle of a frame source as the operator sees it."""

    STARTING = "starting"
    RUNNING = "running"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


class SourceError(ValueError):
    """A source that cannot be used at all (e.g. a corrupt video file), with an operator-readable message."""


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """State plus a message such as ``cannot open rtsp://...: timed out, retrying in 4 s``."""

    state: SourceState
    message: str = ""


StateCallback = Callable[[SourceStatus], None]


def source_kind(spec: str) -> str:
    """``usb``, ``stream`` or ``file`` for a camera source string."""
    s = spec.strip()
    if s.isdigit():
        return "usb"
    if "://" in s:
        return "stream"
    return "file"


def probe_video(path: Path) -> tuple[int, float, tuple[int, int]]:
    """(frame count, fps, (width, height)) of a video file; ``SourceError`` if it is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"video file not found: {path}")
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise SourceError(f"cannot open video file {path}: not a readable video (corrupt or unsupported)")
        ok, frame = cap.read()
        if not ok or frame is None:
            raise SourceError(f"cannot read video file {path}: no decodable frame (corrupt or unsupported)")
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        return count, fps if 1.0 <= fps <= 240.0 else 25.0, (frame.shape[1], frame.shape[0])
    finally:
        cap.release()


class FrameSource:
    """Reads BGR frames from one camera source; never blocks forever, reconnects with bounded backoff.

    ``read()`` returns ``(frame, timestamp)`` or ``None`` once stopped (or at the end of a non-looping
    file). Live sources and real-time files stamp frames with ``time.time()``; files read with
    ``realtime=False`` use video time (start + frame index / fps) so results do not depend on CPU speed.
    """

    def __init__(
        self,
        spec: str,
        *,
        loop: bool = True,
        realtime: bool = True,
        on_state: StateCallback | None = None,
        backoff: tuple[float, float] = (BACKOFF_MIN_S, BACKOFF_MAX_S),
        open_timeout_ms: int = OPEN_TIMEOUT_MS,
    ) -> None:
        self.spec = spec.strip()
        self.kind = source_kind(self.spec)
        self.loop = loop
        self.realtime = realtime
        self.on_state = on_state
        self._backoff_min, self._backoff_max = backoff
        self._open_timeout_ms = open_timeout_ms
        self._stop = threading.Event()
        self._cap: cv2.VideoCapture | None = None
        self._status = SourceStatus(SourceState.STARTING, f"opening {self.display_name}")
        self._delay = self._backoff_min
        self.fps = 0.0
        self.frame_size: tuple[int, int] | None = None
        self.frames_read = 0
        self.last_decode_ms = 0.0
        self._file_index = 0
        self._clock_start = time.time()
        self._next_due = 0.0

    @property
    def display_name(self) -> str:
        """The spec without credentials (``rtsp://user:pw@host`` -> ``rtsp://host``)."""
        if self.kind == "stream" and "@" in self.spec:
            scheme, rest = self.spec.split("://", 1)
            return f"{scheme}://{rest.split('@', 1)[1]}"
        if self.kind == "usb":
            return f"USB camera {self.spec}"
        return self.spec

    @property
    def status(self) -> SourceStatus:
        return self._status

    @property
    def state(self) -> SourceState:
        return self._status.state

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _set_status(self, state: SourceState, message: str = "") -> None:
        if self._status.state == state and self._status.message == message:
            return
        self._status = SourceStatus(state, message)
        (log.warning if state == SourceState.RECONNECTING else log.info)("%s: %s", self.display_name, message
                                                                         or state.value)
        if self.on_state is not None:
            try:
                self.on_state(self._status)
            except Exception:  # a broken observer must not kill capture
                log.exception("state callback failed")

    def stop(self) -> None:
        """Interrupt any wait and make ``read()`` return ``None`` from now on."""
        self._stop.set()

    def close(self) -> None:
        """Stop and release the capture device."""
        self.stop()
        self._release()
        self._set_status(SourceState.STOPPED, "stopped")

    def _release(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()

    def _open(self) -> str | None:
        """Try to open once; returns an error message or ``None`` on success."""
        if self.kind == "file" and not Path(self.spec).is_file():
            return f"video file not found: {self.spec}"
        try:
            if self.kind == "stream":  # network sources: bounded open and read (FFmpeg backend)
                params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, self._open_timeout_ms,
                          cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS]
                cap = cv2.VideoCapture(self.spec, cv2.CAP_ANY, params)
            elif self.kind == "usb":
                cap = cv2.VideoCapture(int(self.spec))
            else:
                cap = cv2.VideoCapture(self.spec)
        except cv2.error as exc:
            return f"cannot open {self.display_name}: {exc}"
        if not cap.isOpened():
            cap.release()
            if self.kind == "file":
                return f"cannot open video file {self.spec}: not a readable video (corrupt or unsupported)"
            if self.kind == "usb":
                return f"cannot open {self.display_name}: not connected or in use by another program"
            return f"cannot open {self.display_name}: no answer (timed out or refused)"
        self._cap = cap
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 1.0 <= fps <= 240.0 else 25.0
        self._next_due = time.monotonic()
        return None

    def _wait_backoff(self, reason: str) -> bool:
        """Report ``reconnecting`` and sleep the current backoff; False if stopped meanwhile."""
        delay = self._delay
        self._set_status(SourceState.RECONNECTING, f"{reason}, retrying in {delay:g} s")
        self._delay = min(self._backoff_max, self._delay * 2)
        return not self._stop.wait(delay)

    def read(self) -> tuple[np.ndarray, float] | None:
        """The next frame and its timestamp, reconnecting as needed; ``None`` when stopped or finished."""
        while not self._stop.is_set():
            if self._cap is None:
                error = self._open()
                if error is not None:
                    if not self._wait_backoff(error):
                        break
                    continue
            assert self._cap is not None
            t0 = time.perf_counter()
            ok, frame = self._cap.read()
            self.last_decode_ms = (time.perf_counter() - t0) * 1e3
            if ok and frame is not None:
                return self._deliver(frame)
            if self.kind == "file" and self.frames_read > 0:
                if not self.loop:
                    self._release()
                    self._set_status(SourceState.STOPPED, f"end of {self.spec}")
                    return None
                if self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0):
                    ok, frame = self._cap.read()
                    if ok and frame is not None:
                        return self._deliver(frame)
                self._release()
                continue
            self._release()
            if self.kind == "file":
                reason = f"cannot read video file {self.spec}: no decodable frame (corrupt or unsupported)"
            else:
                reason = f"lost {self.display_name}: no frame"
            if not self._wait_backoff(reason):
                break
        return None

    def _deliver(self, frame: np.ndarray) -> tuple[np.ndarray, float] | None:
        self._delay = self._backoff_min
        self.frames_read += 1
        self.frame_size = (frame.shape[1], frame.shape[0])
        if self._status.state != SourceState.RUNNING:
            self._set_status(SourceState.RUNNING, f"running: {self.display_name}")
        if self.kind == "file" and not self.realtime:
            ts = self._clock_start + self._file_index / self.fps
            self._file_index += 1
            return frame, ts
        if self.kind == "file":
            self._next_due += 1.0 / self.fps
            wait = self._next_due - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return None
            if wait < -1.0:  # fell far behind (machine busy): resynchronise instead of bursting
                self._next_due = time.monotonic()
        return frame, time.time()


def open_source(
    spec: str,
    *,
    loop: bool,
    realtime: bool = True,
    on_state: StateCallback | None = None,
    backoff: tuple[float, float] = (BACKOFF_MIN_S, BACKOFF_MAX_S),
) -> FrameSource:
    """A ``FrameSource`` for a USB index (``"0"``), an rtsp/http URL or a video file path."""
    if not spec or not spec.strip():
        raise ValueError("empty camera source")
    return FrameSource(spec, loop=loop, realtime=realtime, on_state=on_state, backoff=backoff)
