"""Qt-free camera runner: a capture thread feeding a latest-frame queue and a processing thread."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from gatekeeper.pipeline.camera_pipeline import CameraPipeline
from gatekeeper.pipeline.frame_queue import LatestFrameQueue, QueueClosed
from gatekeeper.pipeline.sources import FrameSource, SourceState, SourceStatus
from gatekeeper.pipeline.types import FrameResult, PlatePass

log = logging.getLogger(__name__)

FPS_WINDOW_S = 2.0


class CameraRunner:
    """Runs one camera: capture at the camera's own rate, analyse the latest frame, report results.

    With ``realtime=True`` (the app) a capture thread reads frames, hands each to ``on_frame`` for display
    and puts it into a ``LatestFrameQueue``; the processing thread analyses whatever is newest, so a slow
    model drops frames (counted) instead of lagging. With ``realtime=False`` (tests, bench capacity runs)
    one thread reads and analyses every frame in turn. Callbacks run on the runner's threads.
    """

    def __init__(
        self,
        source: FrameSource,
        pipeline: CameraPipeline,
        *,
        on_frame: Callable[[np.ndarray, float], None] | None = None,
        on_result: Callable[[FrameResult], None] | None = None,
        on_pass: Callable[[PlatePass], None] | None = None,
        on_state: Callable[[SourceStatus], None] | None = None,
        realtime: bool = True,
        queue_size: int = 1,
    ) -> None:
        self.source = source
        self.pipeline = pipeline
        self.on_frame = on_frame
        self.on_result = on_result
        self.on_pass = on_pass
        self.on_state = on_state
        self.realtime = realtime
        self.queue: LatestFrameQueue[tuple[np.ndarray, float, float, float]] = LatestFrameQueue(queue_size)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._done = threading.Event()
        self._fps_times: deque[float] = deque()
        self.frames_captured = 0
        self.frames_analysed = 0
        self.errors = 0
        self.last_result: FrameResult | None = None
        self.last_error = ""
        source.on_state = self._source_state

    @property
    def camera(self) -> str:
        return self.pipeline.camera

    @property
    def dropped_frames(self) -> int:
        return self.queue.dropped

    @property
    def analysed_fps(self) -> float:
        """Frames analysed per second over the last ``FPS_WINDOW_S`` seconds."""
        times = list(self._fps_times)
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / max(times[-1] - times[0], 1e-6)

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        """Start the threads (once)."""
        if self._threads:
            raise RuntimeError("runner already started")
        name = self.camera
        if self.realtime:
            self._threads = [threading.Thread(target=self._capture_loop, name=f"capture-{name}", daemon=True),
                             threading.Thread(target=self._process_loop, name=f"process-{name}", daemon=True)]
        else:
            self._threads = [threading.Thread(target=self._lockstep_loop, name=f"run-{name}", daemon=True)]
        for t in self._threads:
            t.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Ask the threads to stop, wake them, join within ``timeout``; True if they all ended."""
        self._stop.set()
        self.source.stop()
        self.queue.close()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in self._threads if t.is_alive()]
        if alive:
            log.warning("%s: threads still running after %.1f s: %s", self.camera, timeout, alive)
            return False
        self.source.close()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the source ended and every frame was analysed (non-looping files); True if done."""
        return self._done.wait(timeout)

    def _source_state(self, status: SourceStatus) -> None:
        if self.on_state is not None:
            self.on_state(status)

    def _capture_loop(self) -> None:
        try:
            while not self._stop.is_set():
                item = self._capture()
                if item is None:
                    break
                self.queue.put(item)
        except Exception as exc:  # keep the app alive; the operator sees the state
            log.exception("%s: capture failed", self.camera)
            self._report_error(f"capture failed: {exc}")
        finally:
            self.queue.close()

    def _process_loop(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    item = self.queue.get(timeout=0.5)
                except QueueClosed:
                    break
                if item is not None:
                    self._analyse(*item)
            self._finish()
        finally:
            self._done.set()

    def _lockstep_loop(self) -> None:
        try:
            while not self._stop.is_set():
                item = self._capture()
                if item is None:
                    break
                self._analyse(*item)
            self._finish()
        except Exception as exc:
            log.exception("%s: runner failed", self.camera)
            self._report_error(f"runner failed: {exc}")
        finally:
            self._done.set()

    def _capture(self) -> tuple[np.ndarray, float, float, float] | None:
        """Read the next frame, count it and show it; ``(frame, ts, captured_at, decode_ms)`` or None at
        end."""
        item = self.source.read()
        if item is None:
            return None
        frame, ts = item
        self.frames_captured += 1
        self._emit_frame(frame, ts)
        return frame, ts, time.time(), self.source.last_decode_ms

    def _emit_frame(self, frame: np.ndarray, ts: float) -> None:
        if self.on_frame is not None:
            try:
                self.on_frame(frame, ts)
            except Exception:
                log.exception("%s: on_frame failed", self.camera)

    def _analyse(self, frame: np.ndarray, ts: float, captured_at: float, decode_ms: float) -> None:
        try:
            result = self.pipeline.process(frame, ts, decode_ms=decode_ms)
        except Exception as exc:  # one bad frame (or model) must not stop the camera
            self.errors += 1
            self.last_error = str(exc)
            if self.errors <= 3 or self.errors % 100 == 0:
                log.exception("%s: analysis failed (%d errors)", self.camera, self.errors)
            return
        now = time.monotonic()
        self._fps_times.append(now)
        while self._fps_times and now - self._fps_times[0] > FPS_WINDOW_S:
            self._fps_times.popleft()
        self.frames_analysed += 1
        result.captured_at = captured_at
        result.analysed_fps = self.analysed_fps
        result.dropped_frames = self.dropped_frames
        self.last_result = result
        self._deliver(result)

    def _deliver(self, result: FrameResult) -> None:
        if self.on_result is not None:
            try:
                self.on_result(result)
            except Exception:
                log.exception("%s: on_result failed", self.camera)
        for p in result.passes:
            self._emit_pass(p)

    def _emit_pass(self, p: PlatePass) -> None:
        if self.on_pass is not None:
            try:
                self.on_pass(p)
            except Exception:
                log.exception("%s: on_pass failed for %s", self.camera, p.text)

    def _finish(self) -> None:
        """End of stream or stop: flush open tracks so no vehicle is lost."""
        for p in self.pipeline.flush():
            self._emit_pass(p)

    def _report_error(self, message: str) -> None:
        self.last_error = message
        if self.on_state is not None:
            try:
                self.on_state(SourceStatus(SourceState.STOPPED, message))
            except Exception:
                log.exception("%s: on_state failed", self.camera)
