"""Status bar: model version and device, database path, one coloured state per camera, progress."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from gatekeeper.ui.style import state_colour

log = logging.getLogger(__name__)

MESSAGE_MS = 8000


class GateStatusBar(QStatusBar):
    """Permanent fields on the right, transient messages (operator actions, errors) on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gateStatusBar")
        self._progress = QProgressBar(self)
        self._progress.setFixedWidth(140)
        self._progress.setRange(0, 0)
        self._progress.setTextVisible(False)
        self._progress.hide()
        self._progress_label = QLabel(self)
        self._progress_label.hide()
        self.addWidget(self._progress_label)
        self.addWidget(self._progress)
        self._model = QLabel(self.tr("Models: loading…"), self)
        self._db = QLabel(self)
        self.addPermanentWidget(self._model)
        self.addPermanentWidget(self._db)
        self._cameras: dict[str, QLabel] = {}
        self._camera_states: dict[str, tuple[str, str]] = {}

    # ---- permanent fields ----------------------------------------------------------------------
    def set_model(self, version: str, device: str) -> None:
        self._model.setText(self.tr("Model %1 on %2").replace("%1", version or "?").replace("%2", device))

    def set_model_error(self, message: str) -> None:
        self._model.setText(self.tr("Models not loaded"))
        self._model.setToolTip(message)
        self._model.setStyleSheet(f"color: {state_colour('error').name()};")

    def set_database(self, path: Path | str) -> None:
        name = Path(str(path)).name if str(path) else "?"
        self._db.setText(self.tr("Database: %1").replace("%1", name))
        self._db.setToolTip(str(path))

    def set_cameras(self, names: list[str]) -> None:
        for label in self._cameras.values():
            self.removeWidget(label)
            label.deleteLater()
        self._cameras.clear()
        self._camera_states.clear()
        for name in names:
            label = QLabel(self)
            label.setObjectName("cameraState")
            self._cameras[name] = label
            self.addPermanentWidget(label)
            self.set_camera_state(name, "starting")

    def set_camera_state(self, name: str, kind: str, message: str = "") -> None:
        """Show ``kind`` (starting / running / reconnecting / stopped / error) for camera ``name``."""
        label = self._cameras.get(name)
        if label is None:
            return
        self._camera_states[name] = (kind, message)
        words = {
            "starting": self.tr("starting"),
            "running": self.tr("running"),
            "reconnecting": self.tr("reconnecting"),
            "stopped": self.tr("stopped"),
            "error": self.tr("error"),
        }
        colour = state_colour(kind).name()
        label.setText(f"<span style='color:{colour}'>●</span> {name}: {words.get(kind, kind)}")
        label.setToolTip(message)

    def camera_state(self, name: str) -> str | None:
        state = self._camera_states.get(name)
        return state[0] if state else None

    def camera_text(self, name: str) -> str:
        label = self._cameras.get(name)
        return label.text() if label else ""

    # ---- progress and messages -----------------------------------------------------------------
    def show_progress(self, text: str) -> None:
        """A busy indicator with ``text`` (loading models, preparing the demo video)."""
        self._progress_label.setText(text)
        self._progress_label.show()
        self._progress.show()

    def hide_progress(self) -> None:
        self._progress.hide()
        self._progress_label.hide()

    @property
    def progress_visible(self) -> bool:
        return not self._progress.isHidden()

    def notify(self, text: str, timeout_ms: int = MESSAGE_MS) -> None:
        """A transient message on the left (and in the log)."""
        log.info("status: %s", text)
        self.showMessage(text, timeout_ms)
