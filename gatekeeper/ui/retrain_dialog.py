"""Retraining from the window: a background ``gatekeeper train ... --site`` process with progress,
cancel and the evaluation report; plus the quiet-hour trigger (a QTimer around ``RetrainScheduler``)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gatekeeper.domain.settings import RetrainSettings
from gatekeeper.services.retrain import RetrainScheduler

log = logging.getLogger(__name__)

KILL_AFTER_MS = 3000


def train_arguments(
    kind: str,
    amount: int,
    data_dir: Path | None = None,
    device: str = "cpu",
    extra: list[str] | None = None,
    config: Path | None = None,
) -> list[str]:
    """Arguments of ``python -m gatekeeper ... train KIND --site --progress-json``.

    In the packaged program ``sys.executable`` is Gatekeeper itself, so ``-m gatekeeper`` is left out.
    """
    args = [] if getattr(sys, "frozen", False) else ["-m", "gatekeeper"]
    if data_dir is not None:
        args += ["--data-dir", str(data_dir)]
    if config is not None:
        args += ["--config", str(config)]
    args += [
        "train",
        kind,
        "--site",
        "--progress-json",
        "--device",
        device,
        "--epochs" if kind == "detector" else "--steps",
        str(amount),
    ]
    return args + list(extra or [])


class RetrainDialog(QDialog):
    """Runs one site retraining in a separate process so the window stays responsive.

    ``models_changed(kind, version)`` is emitted when the new model was activated: connect it to the
    main window's reload-models path so the cameras pick it up without a restart.
    """

    models_changed = Signal(str, str)
    finished_run = Signal(dict)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        data_dir: Path | None = None,
        device: str = "cpu",
        program: str | None = None,
        extra_args: list[str] | None = None,
        config: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("retrainDialog")
        self.setWindowTitle(self.tr("Retrain on this site's labels"))
        self.data_dir = data_dir
        self.config = config
        self.device = device
        self.program = program or sys.executable
        self.extra_args = list(extra_args or [])
        self.result: dict | None = None
        self.process: QProcess | None = None
        self._buffer = b""
        self._cancelled = False

        self.kind = QComboBox(objectName="retrainKind")
        self.kind.addItem(self.tr("Korean plate reader"), "reader")
        self.kind.addItem(self.tr("Latin plate reader"), "latin-reader")
        self.kind.addItem(self.tr("Plate detector"), "detector")
        self.amount = QSpinBox(objectName="retrainAmount")
        self.amount.setRange(1, 1_000_000)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.amount_label = QLabel()
        self.progress = QProgressBar(objectName="retrainProgress")
        self.progress.setRange(0, 1000)
        self.status = QLabel(objectName="retrainStatus", wordWrap=True)
        self.log_view = QPlainTextEdit(objectName="retrainLog", readOnly=True)
        self.log_view.setMaximumBlockCount(2000)
        self.report = QTextBrowser(objectName="retrainReport")
        self.report.setOpenExternalLinks(False)
        self.start_button = QPushButton(self.tr("Start"), objectName="retrainStart")
        self.cancel_button = QPushButton(self.tr("Cancel"), objectName="retrainCancel")
        self.close_button = QPushButton(self.tr("Close"), objectName="retrainClose")
        self.cancel_button.setEnabled(False)
        form = QFormLayout()
        form.addRow(self.tr("Model"), self.kind)
        form.addRow(self.amount_label, self.amount)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.log_view, 1)
        layout.addWidget(self.report, 2)
        layout.addLayout(buttons)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self._kind_changed()
        self.resize(760, 640)

    def set_kind(self, kind: str) -> None:
        """Select the model to retrain (``detector``, ``reader``, ``latin-reader``); ignored while running."""
        index = self.kind.findData(kind)
        if index < 0:
            raise ValueError(f"unknown model kind {kind!r}")
        if not self.is_running():
            self.kind.setCurrentIndex(index)

    def _kind_changed(self) -> None:
        detector = self.kind.currentData() == "detector"
        self.amount_label.setText(self.tr("Epochs") if detector else self.tr("Steps"))
        self.amount.setValue(10 if detector else 2000)

    def is_running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self) -> None:
        """Start the training process (no-op while one runs)."""
        if self.is_running():
            return
        self.result = None
        self._cancelled = False
        self._buffer = b""
        self.report.clear()
        self.log_view.clear()
        self.progress.setValue(0)
        args = train_arguments(
            self.kind.currentData(),
            self.amount.value(),
            self.data_dir,
            self.device,
            self.extra_args,
            self.config,
        )
        self.process = QProcess(self)
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._finished)
        self.process.errorOccurred.connect(self._error)
        self.status.setText(self.tr("Training… the cameras keep running."))
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.kind.setEnabled(False)
        log.info("starting %s %s", self.program, " ".join(args))
        self.process.start(self.program, args)

    def cancel(self) -> None:
        """Stop the training process (terminate, then kill if it does not stop)."""
        if not self.is_running():
            return
        self._cancelled = True
        self.status.setText(self.tr("Cancelling…"))
        self.process.terminate()
        killer = QTimer(self.process)  # dies with the process object
        killer.setSingleShot(True)
        killer.timeout.connect(self.process.kill)
        killer.start(KILL_AFTER_MS)

    def _read_stdout(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            self._handle_line(raw.decode("utf-8", "replace").strip())

    def _handle_line(self, line: str) -> None:
        if not line:
            return
        try:
            msg = json.loads(line)
        except ValueError:
            self.log_view.appendPlainText(line)
            return
        if "progress" in msg:
            self.progress.setValue(int(1000 * max(0.0, min(1.0, float(msg["progress"])))))
            self.status.setText(str(msg.get("message", "")))
            self.log_view.appendPlainText(f"{100 * float(msg['progress']):5.1f}% {msg.get('message', '')}")
        elif "result" in msg:
            self.result = msg["result"]

    def _read_stderr(self) -> None:
        text = bytes(self.process.readAllStandardError()).decode("utf-8", "replace").rstrip()
        if text:
            self.log_view.appendPlainText(text)

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.status.setText(self.tr("The training program could not be started."))
            self._reset_buttons()

    def _finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        if self._buffer:
            self._handle_line(self._buffer.decode("utf-8", "replace").strip())
            self._buffer = b""
        self._reset_buttons()
        if self._cancelled:
            self.status.setText(self.tr("Cancelled; the current model stays in use."))
            return
        if code != 0 or not self.result:
            self.status.setText(
                self.tr(
                    "Training failed (exit code %1); see the log. The current model stays in use."
                ).replace("%1", str(code))
            )
            return
        res = self.result
        self.progress.setValue(1000)
        if res.get("promoted"):
            self.status.setText(
                self.tr("New model %1 activated: %2")
                .replace("%1", res.get("version", ""))
                .replace("%2", res.get("reason", ""))
            )
        else:
            self.status.setText(
                self.tr("Model %1 was not better and is kept as a rejected candidate: %2")
                .replace("%1", res.get("version", ""))
                .replace("%2", res.get("reason", ""))
            )
        report = Path(res.get("report") or "")
        if report.is_file():
            self.report.setHtml(report.read_text(encoding="utf-8"))
        self.finished_run.emit(res)
        if res.get("promoted"):
            self.models_changed.emit(str(res.get("kind", "")), str(res.get("version", "")))

    def _reset_buttons(self) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.kind.setEnabled(True)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        if self.is_running():
            self.cancel()
            self.process.waitForFinished(KILL_AFTER_MS + 1000)
        super().closeEvent(event)


class RetrainTrigger(QObject):
    """Checks once a minute whether enough new labels wait and it is the quiet hour.

    Emits ``offer`` (ask the operator) or ``start`` (``auto_start``) with the number of new labels.
    """

    offer = Signal(int)
    start = Signal(int)

    def __init__(
        self,
        settings: RetrainSettings,
        new_labels: Callable[[], int],
        parent: QObject | None = None,
        interval_ms: int = 60_000,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__(parent)
        self.scheduler = RetrainScheduler(settings)
        self.new_labels = new_labels
        self.clock = clock
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> str | None:
        try:
            n = int(self.new_labels())
        except Exception as exc:  # a locked database must not stop the timer
            log.warning("cannot count new labels: %s", exc)
            return None
        action = self.scheduler.check(self.clock(), n)
        if action == "start":
            self.start.emit(n)
        elif action == "offer":
            self.offer.emit(n)
        return action
