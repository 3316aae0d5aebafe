"""QThread workers: one ``CameraWorker`` per camera (source + pipeline + pass logging) and a model loader.

Everything crosses to the GUI thread as Qt-free dataclasses through ``Signal(object)``; the GUI never
waits on a camera, the database or a model. The worker *object* keeps the GUI thread's affinity while
its blocking loop runs in its own ``QThread``: signals emitted from the worker/runner threads are then
queued to the GUI thread for every kind of receiver (bound methods, lambdas, plain functions).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from gatekeeper.domain.settings import CameraSettings
from gatekeeper.domain.types import Lane, PassRecord
from gatekeeper.pipeline.types import FrameResult, PlateObservation, PlatePass

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 2.0
DISPLAY_FPS = 20.0
OBSERVATION_TTL_S = 0.6  # boxes of an older analysed frame are not drawn on a newer live frame
FPS_EMIT_S = 0.5
PASS_QUEUE_SIZE = 64


@dataclass(slots=True)
class LiveFrame:
    """A frame to display, with the latest plate observations to draw on it."""

    camera: str
    frame: np.ndarray
    timestamp: float
    observations: list[PlateObservation] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CameraState:
    """``kind``: starting / running / reconnecting / stopped / error, plus an operator-readable message."""

    camera: str
    kind: str
    message: str = ""


#: Builds what a camera needs, in the worker thread: ``(progress) -> (source, pipeline)``; long work
#: (generating the demo video) calls ``progress(fraction)``, which raises ``StopRequested`` once stopping.
CameraFactory = Callable[[Callable[[float], None]], tuple[Any, Any]]


class StopRequested(Exception):
    """Raised inside the camera factory's progress callback to abandon long work when stopping."""
#: Starts a runner: ``(source, pipeline, callbacks...) -> object with start()/stop(timeout)``.
RunnerFactory = Callable[..., Any]


def default_runner_factory(source: Any, pipeline: Any, **callbacks: Any) -> Any:
    from gatekeeper.pipeline.runner import CameraRunner

    return CameraRunner(source, pipeline, **callbacks)


class WorkThread(QThread):
    """A ``QThread`` running one callable (the blocking loop of a worker)."""

    def __init__(self, target: Callable[[], None], name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self._target = target

    def run(self) -> None:
        self._target()


class CameraWorker(QObject):
    """Runs one camera in its own ``QThread``: opens the source, runs the pipeline, logs passes.

    ``frame`` (LiveFrame) is throttled to ``display_fps`` and to one frame in flight to the GUI;
    ``result`` (FrameResult) per analysed frame; ``pass_logged`` (PassRecord) after the pass is in the
    database (logged in this worker thread); ``state`` (CameraState); ``fps(camera, analysed frames/s)``.
    """

    frame = Signal(object)
    result = Signal(object)
    pass_logged = Signal(object)
    state = Signal(object)
    fps = Signal(str, float)
    finished = Signal()

    def __init__(
        self,
        camera: CameraSettings,
        factory: CameraFactory,
        *,
        log_pass: Callable[[PlatePass], PassRecord | None] | None = None,
        runner_factory: RunnerFactory = default_runner_factory,
        display_fps: float = DISPLAY_FPS,
        realtime: bool = True,
    ) -> None:
        super().__init__()
        self.camera = camera
        self.name = camera.name
        self.lane = Lane(camera.lane)
        self._factory = factory
        self._log_pass = log_pass
        self._runner_factory = runner_factory
        self._min_interval = 1.0 / max(1.0, display_fps)
        self._realtime = realtime
        self._stop = threading.Event()
        self._passes: queue.Queue[PlatePass | None] = queue.Queue(PASS_QUEUE_SIZE)
        self._lock = threading.Lock()
        self._observations: list[PlateObservation] = []
        self._observations_at = 0.0
        self._last_emit = 0.0
        self._in_flight_since: float | None = None
        self._last_fps_emit = 0.0
        self._pipeline: Any = None
        self._runner: Any = None
        self.frames_emitted = 0
        self.frames_skipped = 0
        self.results = 0
        self.passes_logged = 0
        self.passes_dropped = 0
        self.thread: QThread | None = None

    # ---- life cycle (GUI thread) ---------------------------------------------------------------
    def start(self) -> QThread:
        """Run the camera loop in a new ``QThread`` (call once, from the GUI thread)."""
        if self.thread is not None:
            raise RuntimeError(f"camera {self.name} already started")
        self.thread = WorkThread(self.run, f"camera:{self.name}")
        self.thread.start()
        return self.thread

    def request_stop(self) -> None:
        """Ask the worker to stop (returns at once): wakes the worker thread and the runner."""
        self._stop.set()
        try:
            self._passes.put_nowait(None)
        except queue.Full:
            pass

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Stop and wait up to ``timeout`` seconds; True when the thread has finished."""
        self.request_stop()
        if self.thread is None:
            return True
        done = self.thread.wait(max(1, int(timeout * 1000)))
        if not done:
            log.warning("camera %s did not stop within %.1f s", self.name, timeout)
        return bool(done)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def frame_shown(self) -> None:
        """The GUI painted the last frame: the next one may be sent."""
        self._in_flight_since = None

    def set_models(self, detector: Any = None, reader: Any = None) -> None:
        """Swap the pipeline's models between two frames (thread-safe in the pipeline)."""
        pipeline = self._pipeline
        if pipeline is not None and hasattr(pipeline, "set_models"):
            pipeline.set_models(detector=detector, reader=reader)

    # ---- worker thread -------------------------------------------------------------------------
    def run(self) -> None:
        """Open the source, start the runner, then log passes until asked to stop."""
        runner = None
        try:
            self._emit_state("starting", self.tr("Opening camera…"))
            source, pipeline = self._factory(self._progress)
            self._pipeline = pipeline
            if self._stop.is_set():
                self._close_source(source)
                return
            runner = self._runner_factory(
                source, pipeline,
                on_frame=self._on_frame, on_result=self._on_result, on_pass=self._on_pass,
                on_state=self._on_state, realtime=self._realtime,
            )
            self._runner = runner
            runner.start()
            while not self._stop.is_set():
                try:
                    item = self._passes.get(timeout=0.25)
                except queue.Empty:
                    continue
                if item is not None:
                    self._record(item)
        except StopRequested:
            log.info("camera %s: start abandoned (stopping)", self.name)
        except Exception as exc:  # a failing camera must never take the window down
            log.exception("camera %s failed", self.name)
            self._emit_state("error", str(exc) or type(exc).__name__)
        finally:
            if runner is not None:
                try:
                    runner.stop(STOP_TIMEOUT_S * 0.75)
                except Exception:
                    log.exception("camera %s: runner.stop failed", self.name)
            self._drain_passes()
            if not self._last_state_is_error:
                self._emit_state("stopped", "")
            self.finished.emit()

    _last_state_is_error = False

    def _progress(self, fraction: float) -> None:
        if self._stop.is_set():
            raise StopRequested
        now = time.monotonic()
        if now - self._last_emit >= 0.25 or fraction >= 1.0:
            self._last_emit = now
            self._emit_state("starting", self.tr("Preparing the demo video… %1%").replace(
                "%1", str(int(round(fraction * 100)))))

    def _close_source(self, source: Any) -> None:
        for name in ("close", "stop", "release"):
            fn = getattr(source, name, None)
            if callable(fn):
                fn()
                return

    def _drain_passes(self) -> None:
        """Passes voted during shutdown are still logged (nothing is lost)."""
        while True:
            try:
                item = self._passes.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                self._record(item)

    def _record(self, plate_pass: PlatePass) -> None:
        if self._log_pass is None:
            return
        try:
            record = self._log_pass(plate_pass)
        except Exception:
            log.exception("camera %s: could not log pass %s", self.name, plate_pass.text)
            return
        if record is not None:
            self.passes_logged += 1
            self.pass_logged.emit(record)

    def _emit_state(self, kind: str, message: str) -> None:
        self._last_state_is_error = kind == "error"
        self.state.emit(CameraState(self.name, kind, message))

    # ---- runner callbacks (capture / processing threads) ---------------------------------------
    def _on_frame(self, frame: np.ndarray, timestamp: float | None = None, *_: Any) -> None:
        now = time.monotonic()
        if now - self._last_emit < self._min_interval:
            return
        if self._in_flight_since is not None and now - self._in_flight_since < 0.5:
            self.frames_skipped += 1
            return
        with self._lock:
            fresh = now - self._observations_at <= OBSERVATION_TTL_S
            observations = list(self._observations) if fresh else []
        self._last_emit = now
        self._in_flight_since = now
        self.frames_emitted += 1
        self.frame.emit(LiveFrame(self.name, frame, timestamp if timestamp is not None else time.time(),
                                  observations))

    def _on_result(self, result: FrameResult) -> None:
        self.results += 1
        with self._lock:
            self._observations = list(result.observations)
            self._observations_at = time.monotonic()
        self.result.emit(result)
        now = time.monotonic()
        if now - self._last_fps_emit >= FPS_EMIT_S:
            self._last_fps_emit = now
            self.fps.emit(self.name, float(result.analysed_fps))

    def _on_pass(self, plate_pass: PlatePass) -> None:
        try:
            self._passes.put_nowait(plate_pass)
        except queue.Full:
            self.passes_dropped += 1
            log.error("camera %s: pass queue full, pass %s not logged", self.name, plate_pass.text)

    def _on_state(self, status: Any, message: str | None = None) -> None:
        state = getattr(status, "state", status)
        kind = getattr(state, "value", None) or str(state)
        text = message if message is not None else getattr(status, "message", "")
        self._emit_state(kind, text or "")


class ModelLoader(QObject):
    """Loads the models in its own thread: ``loaded(models)`` or ``failed(message)``."""

    loaded = Signal(object)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, load: Callable[[], Any]) -> None:
        super().__init__()
        self._load = load
        self.thread: QThread | None = None

    def start(self) -> QThread:
        self.thread = WorkThread(self.run, "model-loader")
        self.thread.start()
        return self.thread

    def run(self) -> None:
        try:
            t0 = time.perf_counter()
            models = self._load()
            log.info("models loaded in %.1f s", time.perf_counter() - t0)
            self.loaded.emit(models)
        except FileNotFoundError as exc:
            log.error("models could not be loaded: %s", exc)
            self.failed.emit(str(exc))
        except Exception as exc:
            log.exception("models could not be loaded")
            self.failed.emit(str(exc) or type(exc).__name__)
        finally:
            self.finished.emit()

    def wait(self, timeout: float) -> bool:
        return True if self.thread is None else bool(self.thread.wait(max(1, int(timeout * 1000))))
