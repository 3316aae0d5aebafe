"""Composition root of the operator window: paths, settings, database, services, models, Qt."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import DEMO_SOURCE, CameraSettings, Settings, SettingsError
from gatekeeper.domain.types import Lane
from gatekeeper.pipeline.offline import configure_offline

log = logging.getLogger(__name__)

BACKGROUND_WAIT_S = 30.0  # at exit, how long a model load still in progress may take to finish


def load_settings(path: Path) -> tuple[Settings, str]:
    """(settings, error message); a malformed file gives defaults and the message, and is left untouched."""
    try:
        return Settings.load(path), ""
    except SettingsError as exc:
        log.error("settings file is not usable, using defaults (the file is left as it is): %s", exc)
        return Settings(), str(exc)


def demo_settings(settings: Settings) -> Settings:
    """The settings with the configured cameras replaced by the built-in demo camera."""
    demo = CameraSettings(name="Demo gate", source=DEMO_SOURCE, lane=Lane.ENTRY, loop=True)
    return settings.model_copy(update={"cameras": [demo]})


def _backup_broken(config_path: Path) -> Callable[[], None]:
    """Before the first save over a broken settings file, keep a copy of it next to it."""
    done = False

    def backup() -> None:
        nonlocal done
        if done or not config_path.exists():
            return
        target = config_path.with_name(config_path.name + f".broken-{time.strftime('%Y%m%d-%H%M%S')}")
        shutil.copy2(config_path, target)
        log.warning("the broken settings file was kept as %s", target)
        done = True

    return backup


def run_app(args: argparse.Namespace) -> int:
    """Open the operator window; returns the process exit code."""
    data_dir = getattr(args, "data_dir", None)
    paths = AppPaths.default(data_dir)
    config_path = Path(getattr(args, "config", None) or paths.config_file)
    settings, settings_error = load_settings(config_path)
    if data_dir is None and settings.data_dir:
        paths = AppPaths(config_dir=paths.config_dir, data_dir=Path(settings.data_dir).expanduser().resolve())
    paths.ensure()
    configure_offline(paths.yolo_config_dir)
    demo = bool(getattr(args, "demo", False))
    if demo:
        settings = demo_settings(settings)

    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from gatekeeper.ui import style
    from gatekeeper.ui.main_window import show_database_problem

    QCoreApplication.setOrganizationName("Gatekeeper")
    QCoreApplication.setApplicationName("Gatekeeper")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    style.apply_style(app)
    style.apply_font(app)
    _install_translator(app, settings.language)
    exit_after = getattr(args, "exit_after", None)
    unattended = exit_after is not None

    from gatekeeper.services import runtime
    from gatekeeper.services.entries import EntriesService
    from gatekeeper.services.images import ImageStore
    from gatekeeper.services.passes import PassLogger
    from gatekeeper.services.registry import VehicleRegistry
    from gatekeeper.storage.db import Database
    from gatekeeper.storage.errors import StorageError

    try:
        db = Database.for_paths(paths, settings.database_url)
        db.upgrade()
    except StorageError as exc:
        log.error("database not usable: %s", exc)
        if not unattended:
            show_database_problem(str(exc))
        return 2
    images = ImageStore(paths.images_dir)
    registry = VehicleRegistry(db)
    logger = PassLogger(db, images, registry)
    entries = EntriesService(db, registry)

    from gatekeeper.ui.main_window import AppContext, MainWindow, wait_lingering

    def resolve_image(relative: str) -> Path | None:
        try:
            return images.path(relative) if relative else None
        except (ValueError, OSError) as exc:
            log.warning("evidence image path refused: %s", exc)
            return None

    def camera_factory(camera: CameraSettings, models: Any,
                       progress: Callable[[float], None]) -> tuple[Any, Any]:
        if camera.source == DEMO_SOURCE:
            runtime.ensure_demo_video(paths, progress=progress)
        source = runtime.open_camera_source(camera, paths)
        return source, runtime.make_pipeline(camera, models, ctx.settings)

    def log_pass(plate_pass: Any, camera: CameraSettings, models: Any) -> Any:
        return logger.log(plate_pass, camera, getattr(models, "version", ""))

    labeling = _labeling_services(db, paths, settings, registry, entries)
    if labeling is not None:
        from gatekeeper.services.labeling import with_labeling

        log_pass = with_labeling(log_pass, labeling[0])
    ctx = AppContext(
        settings=settings,
        paths=paths,
        load_models=lambda: runtime.load_models(ctx.settings, paths),
        camera_factory=camera_factory,
        log_pass=log_pass,
        latest_passes=entries.latest,
        resolve_image=resolve_image,
        config_path=config_path,
        database_location=db.where,
        entries=entries,
        registry=registry,
        save_settings=not demo,
        before_save=_backup_broken(config_path) if settings_error else None,
    )
    window = MainWindow(ctx)
    if labeling is not None:
        _install_labeling(window, labeling, settings, paths)
    window.show()
    if settings_error:
        window.show_settings_problem(settings_error, dialog=not unattended)
    if demo:
        window.announce_demo_mode()
    QTimer.singleShot(0, window.start)

    screenshot = getattr(args, "screenshot", None)

    def finish() -> None:
        if screenshot:
            _save_screenshot(window, Path(screenshot))
        window.close()
        app.quit()

    if exit_after is not None:
        QTimer.singleShot(max(0, int(float(exit_after) * 1000)), finish)
    app.lastWindowClosed.connect(app.quit)
    _handle_sigint(window)
    app.exec()
    window.stop_cameras()
    finished = window.wait_background(BACKGROUND_WAIT_S) and wait_lingering(5.0)
    db.dispose()
    if not finished:
        # A model load (or a camera driver) that cannot be interrupted is still running; destroying its
        # QThread would abort the process, so leave without running the Python/Qt tear-down.
        log.warning("background work still running at exit; leaving without waiting for it")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    log.info("Gatekeeper closed")
    return 0


def _labeling_services(db: Any, paths: AppPaths, settings: Settings, registry: Any, entries: Any
                       ) -> tuple[Any, Callable[[], int]] | None:
    """(LabelingService, labels-since-last-training counter); ``None`` when labeling is unavailable."""
    try:
        from gatekeeper.services.labeling import LabelingService
        from gatekeeper.services.model_registry import ModelRegistry
        from gatekeeper.services.retrain import labels_since_last_training
        from gatekeeper.storage.labeling_repo import LabelingRepository, ModelVersionRepository
    except ImportError as exc:
        log.warning("labeling is not available: %s", exc)
        return None
    labels = LabelingRepository(db)
    service = LabelingService(labels, paths, settings, registry=registry,
                              pass_corrector=lambda pass_id, text, op: entries.correct(pass_id, text, op))
    models = ModelRegistry(ModelVersionRepository(db), paths, settings)
    try:
        models.ensure_initial()
    except (OSError, ValueError) as exc:
        log.warning("could not register the shipped models: %s", exc)
    return service, lambda: labels_since_last_training(labels, models)


def _install_labeling(window: Any, labeling: tuple[Any, Callable[[], int]], settings: Settings,
                      paths: AppPaths) -> None:
    """The "To label" tab, retraining dialog and its quiet-hour trigger (the labeling helper's UI)."""
    try:
        from gatekeeper.ui.label_queue_tab import install_labeling
    except ImportError as exc:
        log.warning("the labeling tab is not available: %s", exc)
        return
    service, new_labels = labeling
    # "auto" trains on the CPU: resolving it would import torch on the GUI thread at start-up.
    device = "cuda" if settings.device == "cuda" else "cpu"
    install_labeling(window, service, retrain_settings=settings.retrain, new_labels=new_labels,
                     data_dir=paths.data_dir, device=device)


def _install_translator(app: Any, language: str) -> None:
    try:
        from gatekeeper.ui.i18n import install_translator
    except ImportError:
        log.info("no translations available")
        return
    install_translator(app, language)


def _save_screenshot(window: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if window.grab().save(str(path)):
        log.info("screenshot saved to %s", path)
    else:
        log.error("screenshot could not be saved to %s", path)


def _handle_sigint(window: Any) -> None:
    """Ctrl+C in the terminal closes the window cleanly (a timer lets Python see the signal)."""
    from PySide6.QtCore import QTimer

    try:
        signal.signal(signal.SIGINT, lambda *_: window.close())
    except ValueError:  # not the main thread (embedded use)
        return
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)
