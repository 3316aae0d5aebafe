"""The operator's main window: Live tab (camera grid + latest passes), log tabs, menu, status bar."""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QSplitter, QTabWidget, QToolBar, QWidget

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import DEMO_SOURCE, CameraSettings, Settings
from gatekeeper.domain.types import PassRecord
from gatekeeper.pipeline.types import PlatePass
from gatekeeper.ui.camera_grid import MAX_CAMERAS, CameraGrid
from gatekeeper.ui.camera_worker import STOP_TIMEOUT_S, CameraState, CameraWorker, LiveFrame, ModelLoader
from gatekeeper.ui.latest_passes import LatestPassesPanel
from gatekeeper.ui.status_bar import GateStatusBar
from gatekeeper.ui.style import icon

log = logging.getLogger(__name__)

LATEST_AT_START = 50


@dataclass
class AppContext:
    """What the window needs from the composition root (services are Qt-free; callables run off the GUI
    thread where noted)."""

    settings: Settings
    paths: AppPaths
    #: () -> Models (runs in the model-loader thread).
    load_models: Callable[[], Any]
    #: (camera, models, progress) -> (source, pipeline) (runs in the camera's worker thread).
    camera_factory: Callable[[CameraSettings, Any, Callable[[float], None]], tuple[Any, Any]]
    #: (plate_pass, camera, models) -> PassRecord (runs in the camera's worker thread).
    log_pass: Callable[[PlatePass, CameraSettings, Any], PassRecord | None] | None = None
    #: n -> newest passes first (GUI thread, at start).
    latest_passes: Callable[[int], list[PassRecord]] | None = None
    #: relative evidence path -> absolute file.
    resolve_image: Callable[[str], Path | None] = lambda p: Path(p) if p and Path(p).is_absolute() else None
    config_path: Path | None = None
    database_location: str = ""
    entries: Any = None
    registry: Any = None
    save_settings: bool = True
    #: called once before settings are saved (keeps a copy of a broken settings file).
    before_save: Callable[[], None] | None = None
    operator: str = ""
    extras: dict[str, Any] = field(default_factory=dict)


def _optional(module: str, name: str) -> Any | None:
    """A class from another helper's module, or ``None`` when that module is not there (yet)."""
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            log.info("%s not available: %s", module, exc)
            return None
        log.exception("%s could not be imported; its tab is left out", module)
        return None
    except (ImportError, AttributeError):
        log.exception("%s.%s could not be imported; its tab is left out", module, name)
        return None


class MainWindow(QMainWindow):
    """Live cameras and latest passes; entries and vehicles tabs when present; start/stop of workers.

    ``pass_logged(PassRecord)`` after each new pass; ``models_changed(models)`` when (re)loaded models
    are in use. Other tabs join through ``add_tab(widget, title)``.
    """

    pass_logged = Signal(object)
    models_changed = Signal(object)
    cameras_started = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._first_frame_logged = False
        self.ctx = ctx
        self.settings = ctx.settings
        self.models: Any = None
        self.workers: dict[str, CameraWorker] = {}
        self._loader: ModelLoader | None = None
        self._first_load = True
        self._closing = False
        self.gate_openings = 0
        self.setWindowTitle(self.tr("Gatekeeper — gate log"))
        self.setWindowIcon(icon("gatekeeper"))

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.grid = CameraGrid()
        self.latest = LatestPassesPanel(resolve=ctx.resolve_image)
        live = QSplitter(Qt.Orientation.Horizontal)
        live.setObjectName("liveSplitter")
        live.addWidget(self.grid)
        live.addWidget(self.latest)
        live.setStretchFactor(0, 3)
        live.setStretchFactor(1, 1)
        live.setChildrenCollapsible(False)
        self.live_splitter = live
        self.tabs.addTab(live, icon("live"), self.tr("Live"))
        self.entries_tab = self._make_entries_tab()
        self.vehicles_tab = self._make_vehicles_tab()
        if self.entries_tab is not None and self.vehicles_tab is not None \
                and hasattr(self.entries_tab, "register_requested"):
            self.entries_tab.register_requested.connect(self.register_plate)
        if self.entries_tab is not None and hasattr(self.entries_tab, "pass_corrected"):
            self.entries_tab.pass_corrected.connect(self.latest.update_pass)

        self.status = GateStatusBar(self)
        self.setStatusBar(self.status)
        self.status.set_database(ctx.database_location or str(ctx.paths.database_file))
        self._build_actions()
        self._set_cameras(self.settings)
        self._load_latest()
        self._restore_geometry()

    # ---- construction ---------------------------------------------------------------------------
    def _make_entries_tab(self) -> QWidget | None:
        cls = _optional("gatekeeper.ui.entries_tab", "EntriesTab")
        if cls is None or self.ctx.entries is None:
            return None
        tab = cls(self.ctx.entries, operator=self.ctx.operator, images_dir=self.ctx.paths.images_dir)
        self.add_tab(tab, self.tr("Entries log"))
        return tab

    def _make_vehicles_tab(self) -> QWidget | None:
        cls = _optional("gatekeeper.ui.vehicles_tab", "VehiclesTab")
        if cls is None or self.ctx.registry is None:
            return None
        tab = cls(self.ctx.registry)
        self.add_tab(tab, self.tr("Vehicles"))
        return tab

    def _build_actions(self) -> None:
        self.settings_action = QAction(icon("settings"), self.tr("Settings…"), self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.triggered.connect(self.open_settings)
        self.open_gate_action = QAction(icon("open_gate"), self.tr("Open gate"), self)
        self.open_gate_action.setShortcut(QKeySequence("F9"))
        self.open_gate_action.setToolTip(self.tr("Open the gate by hand (logged as an operator action)"))
        self.open_gate_action.triggered.connect(self.open_gate)
        self.quit_action = QAction(icon("quit"), self.tr("Quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.about_action = QAction(self.tr("About Gatekeeper"), self)
        self.about_action.triggered.connect(self.show_about)

        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        gate_menu = self.menuBar().addMenu(self.tr("&Gate"))
        gate_menu.addAction(self.open_gate_action)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(self.about_action)

        bar = QToolBar(self.tr("Main toolbar"), self)
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addAction(self.open_gate_action)
        bar.widgetForAction(self.open_gate_action).setObjectName("openGateButton")
        bar.addSeparator()
        bar.addAction(self.settings_action)
        self.addToolBar(bar)

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab after the existing ones (entries, vehicles, labeling…); returns its index."""
        return self.tabs.addTab(widget, title)

    def _set_cameras(self, settings: Settings) -> list[CameraSettings]:
        cameras = [c for c in settings.cameras if c.enabled][:MAX_CAMERAS]
        self.grid.set_cameras(cameras)
        self.status.set_cameras([c.name for c in cameras])
        if self.entries_tab is not None and hasattr(self.entries_tab, "set_cameras"):
            self.entries_tab.set_cameras([c.name for c in settings.cameras])
        for view in self.grid.views():
            view.set_state("starting", self.tr("Loading models…"))
        return cameras

    def _load_latest(self) -> None:
        if self.ctx.latest_passes is None:
            return
        try:
            self.latest.load(self.ctx.latest_passes(LATEST_AT_START))
        except Exception as exc:  # the window must open even with a broken database
            log.exception("latest passes could not be loaded")
            self.status.notify(self.tr("Latest passes could not be loaded: %1").replace("%1", str(exc)))

    # ---- geometry (QSettings only) --------------------------------------------------------------
    def _qsettings(self) -> QSettings:
        return QSettings(str(self.ctx.paths.config_dir / "window.ini"), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        qs = self._qsettings()
        geometry = qs.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 860)
        state = qs.value("window/splitter")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.live_splitter.restoreState(state)
        else:
            self.live_splitter.setSizes([1050, 390])

    def _save_geometry(self) -> None:
        qs = self._qsettings()
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/splitter", self.live_splitter.saveState())
        qs.sync()

    # ---- models and cameras ---------------------------------------------------------------------
    def start(self) -> None:
        """Load the models in the background; the cameras start when they are ready."""
        self._load_models(first=True)

    def reload_models(self) -> None:
        """Load the models again (after training or a settings change) and swap them into every camera."""
        self._load_models(first=False)

    def _load_models(self, first: bool) -> None:
        if self._loader is not None:
            log.info("models are already loading")
            return
        self.status.show_progress(self.tr("Loading models…"))
        loader = ModelLoader(self.ctx.load_models)
        self._first_load = first
        loader.loaded.connect(self._on_models_loaded)
        loader.failed.connect(self._on_models_failed)
        loader.finished.connect(self._on_loader_finished)
        self._loader = loader
        loader.start()

    def _on_loader_finished(self) -> None:
        loader, self._loader = self._loader, None
        if loader is not None and loader.thread is not None:
            loader.thread.wait(1000)
            loader.thread.deleteLater()
            loader.deleteLater()

    def _on_models_loaded(self, models: Any) -> None:
        first = self._first_load
        self.status.hide_progress()
        if self._closing:
            return
        self.models = models
        self.status.set_model(str(getattr(models, "version", "?")), str(getattr(models, "device", "cpu")))
        if first or not self.workers:
            self.start_cameras()
        else:
            for worker in self.workers.values():
                worker.set_models(getattr(models, "detector", None), getattr(models, "reader", None))
            version = str(getattr(models, "version", ""))
            self.status.notify(self.tr("New models in use: %1").replace("%1", version))
        self.models_changed.emit(models)

    def _on_models_failed(self, message: str) -> None:
        self.status.hide_progress()
        self.status.set_model_error(message)
        for view in self.grid.views():
            view.set_state("error", self.tr("Models could not be loaded:\n%1").replace("%1", message))
            self.status.set_camera_state(view.camera, "stopped", message)
        if not self._closing:
            box = QMessageBox(QMessageBox.Icon.Critical, self.tr("Models not loaded"),
                              self.tr("The recognition models could not be loaded. Cameras stay off.\n\n%1")
                              .replace("%1", message), QMessageBox.StandardButton.Ok, self)
            box.setModal(False)
            box.show()

    def start_cameras(self) -> None:
        """One worker thread per enabled camera (models must be loaded)."""
        if self.models is None:
            raise RuntimeError("models are not loaded")
        models = self.models
        for cam in [c for c in self.settings.cameras if c.enabled][:MAX_CAMERAS]:
            if cam.name in self.workers:
                continue
            log_pass = None
            if self.ctx.log_pass is not None:
                def log_pass(p: PlatePass, cam: CameraSettings = cam) -> PassRecord | None:
                    return self.ctx.log_pass(p, cam, self.models or models)

            def factory(progress: Callable[[float], None], cam: CameraSettings = cam) -> tuple[Any, Any]:
                return self.ctx.camera_factory(cam, models, progress)

            worker = CameraWorker(cam, factory, log_pass=log_pass)
            worker.frame.connect(self._on_frame)
            worker.fps.connect(self._on_fps)
            worker.state.connect(self._on_state)
            worker.pass_logged.connect(self._on_pass_logged)
            self.workers[cam.name] = worker
            view = self.grid.view(cam.name)
            if view is not None and cam.source == DEMO_SOURCE:
                view.set_state("starting", self.tr("Preparing the demo camera…"))
            worker.start()
        self.cameras_started.emit()

    def stop_cameras(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Stop every worker within ``timeout`` seconds in total; True when all have stopped."""
        workers = list(self.workers.values())
        for w in workers:
            w.request_stop()
        deadline = time.monotonic() + timeout
        ok = True
        for w in workers:
            ok = w.stop(max(0.05, deadline - time.monotonic())) and ok
        for w in workers:
            if w.thread is not None and w.thread.isFinished():
                w.thread.deleteLater()
                w.deleteLater()
            else:
                _LINGERING.append(w)
        self.workers.clear()
        return ok

    # ---- worker signals (GUI thread) ------------------------------------------------------------
    def _from_current_worker(self, camera: str) -> bool:
        """Signals still queued from a stopped worker (settings applied meanwhile) are ignored."""
        sender = self.sender()
        return sender is None or self.workers.get(camera) is sender

    def _on_frame(self, live: LiveFrame) -> None:
        if not self._from_current_worker(live.camera):
            return
        view = self.grid.view(live.camera)
        if view is not None:
            view.show_frame(live.frame, live.observations)
            if not self._first_frame_logged:
                self._first_frame_logged = True
                started = psutil.Process().create_time()
                log.info("first frame after %.1f s (process start to first camera frame on screen)",
                         time.time() - started)
        worker = self.workers.get(live.camera)
        if worker is not None:
            worker.frame_shown()

    def _on_fps(self, camera: str, fps: float) -> None:
        if not self._from_current_worker(camera):
            return
        view = self.grid.view(camera)
        if view is not None:
            view.set_fps(fps)

    def _on_state(self, state: CameraState) -> None:
        if not self._from_current_worker(state.camera):
            return
        view = self.grid.view(state.camera)
        if view is not None:
            message = state.message if state.kind in ("reconnecting", "error") else ""
            if state.kind == "reconnecting":
                message = self.tr("Reconnecting…") + ("\n" + state.message if state.message else "")
            view.set_state(state.kind, message)
        self.status.set_camera_state(state.camera, state.kind, state.message)

    def _on_pass_logged(self, record: PassRecord) -> None:
        self.latest.add_pass(record)
        if self.entries_tab is not None and hasattr(self.entries_tab, "add_pass"):
            self.entries_tab.add_pass(record)
        self.pass_logged.emit(record)

    # ---- actions --------------------------------------------------------------------------------
    def register_plate(self, plate: str) -> None:
        """Show the vehicles tab and offer to register ``plate`` (from the entries log)."""
        tab = self.vehicles_tab
        if tab is None:
            return
        self.tabs.setCurrentWidget(tab)
        if hasattr(tab, "add_vehicle"):
            tab.add_vehicle(plate)

    def open_gate(self) -> None:
        """Operator opens the gate by hand. No gate controller API exists yet: the action is logged."""
        self.gate_openings += 1
        when = time.strftime("%H:%M:%S")
        log.warning("OPERATOR ACTION: open gate (manual, #%d at %s); no gate controller connected",
                    self.gate_openings, when)
        self.status.notify(self.tr("%1 Gate opened by the operator (logged; no gate controller is connected)")
                           .replace("%1", when), 15000)

    def open_settings(self) -> None:
        """Edit the settings (UI 2's dialog); saved settings restart the cameras."""
        cls = _optional("gatekeeper.ui.settings_dialog", "SettingsDialog")
        if cls is None:
            self.status.notify(self.tr("The settings dialog is not available in this build."))
            return
        dialog = cls(self.settings, self)
        if not dialog.exec():
            return
        self.apply_settings(dialog.settings())

    def apply_settings(self, new: Settings) -> None:
        """Save ``new`` (unless the session runs on --demo) and restart the cameras with it."""
        if self.ctx.save_settings and self.ctx.config_path is not None:
            try:
                if self.ctx.before_save is not None:
                    self.ctx.before_save()
                new.save(self.ctx.config_path)
            except OSError as exc:
                QMessageBox.warning(self, self.tr("Settings not saved"), str(exc))
                return
            self.status.notify(self.tr("Settings saved."))
        models_changed = (new.detector != self.settings.detector or new.reader != self.settings.reader
                          or new.device != self.settings.device)
        self.stop_cameras()
        self.settings = new
        self.ctx.settings = new
        self._set_cameras(new)
        if models_changed:
            self.models = None
            self._load_models(first=True)
        elif self.models is not None:
            self.start_cameras()
        if not self.ctx.save_settings:
            self.status.notify(self.tr("Demo mode: the new settings apply to this session only."))

    def show_settings_problem(self, details: str, dialog: bool = True) -> None:
        """The settings file was malformed: defaults are in use and the file was left untouched."""
        text = self.tr("The settings file could not be read, so the default settings are in use. "
                       "The file was not changed; fix it or save new settings from the Settings dialog.")
        self.status.notify(text, 30000)
        if not dialog:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Settings not loaded"), text,
                          QMessageBox.StandardButton.Ok, self)
        box.setDetailedText(details)
        box.setModal(False)
        box.show()

    def announce_demo_mode(self) -> None:
        self.status.notify(self.tr("Demo mode: the built-in demo camera replaces the configured cameras; "
                                   "settings are not saved."), 30000)

    def show_about(self) -> None:
        from gatekeeper import __version__

        QMessageBox.about(self, self.tr("About Gatekeeper"),
                          self.tr("Gatekeeper %1\nOffline licence-plate recognition and gate log.")
                          .replace("%1", __version__))

    # ---- shutdown -------------------------------------------------------------------------------
    def wait_background(self, timeout: float) -> bool:
        """Wait for a model load still running (at exit); True when nothing is left running."""
        loader = self._loader
        return True if loader is None else loader.wait(timeout)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        self._closing = True
        self._save_geometry()
        t0 = time.monotonic()
        stopped = self.stop_cameras(STOP_TIMEOUT_S)
        if self._loader is not None:
            self._loader.wait(0.1)
        log.info("window closed: cameras %s in %.2f s", "stopped" if stopped else "NOT all stopped",
                 time.monotonic() - t0)
        event.accept()


def show_database_problem(message: str) -> None:
    """A database that cannot be opened or upgraded: the window cannot start."""
    QMessageBox.critical(None, QCoreApplication.translate("MainWindow", "Database problem"), message)


#: Workers that did not stop in time; kept referenced so their QThread is not destroyed while running.
_LINGERING: list[CameraWorker] = []


def wait_lingering(timeout: float = 5.0) -> bool:
    """At exit: give workers that missed the stop deadline a last chance; True when none is left."""
    deadline = time.monotonic() + timeout
    while _LINGERING:
        w = _LINGERING[0]
        if w.thread is not None and not w.thread.wait(max(1, int((deadline - time.monotonic()) * 1000))):
            return False
        _LINGERING.pop(0)
    return True


def single_shot(ms: int, fn: Callable[[], None]) -> None:
    """``QTimer.singleShot`` with a plain callable (keeps imports in one place for app.py)."""
    QTimer.singleShot(ms, fn)
