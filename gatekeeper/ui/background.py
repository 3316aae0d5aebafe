"""Run a blocking job (CSV export/import) on QThreadPool and report progress and the result by signals."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

# job(progress, cancelled) -> result; progress(done, total) may be called from the worker thread.
Job = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class JobSignals(QObject):
    """Signals of one background job (delivered to the GUI thread, queued)."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)


class BackgroundJob(QRunnable):
    """One job on the global thread pool; ``cancel()`` asks it to stop at its next progress check."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = JobSignals()
        self._job = job
        self._cancel = threading.Event()
        self.done = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            result = self._job(self.signals.progress.emit, self._cancel.is_set)
        except Exception as exc:  # noqa: BLE001 - reported to the operator, not raised into Qt
            log.warning("background job failed: %s", exc)
            self.signals.failed.emit(str(exc) or exc.__class__.__name__)
        else:
            self.signals.finished.emit(result)
        finally:
            self.done.set()

    def start(self, pool: QThreadPool | None = None) -> BackgroundJob:
        (pool or QThreadPool.globalInstance()).start(self)
        return self
