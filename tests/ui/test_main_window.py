"""MainWindow: cameras in worker threads, a failing camera next to a working one, real models on the demo."""

from __future__ import annotations

import time

import pytest
from PySide6.QtWidgets import QLabel

from gatekeeper.domain.paths import AppPaths, weights_dir
from gatekeeper.domain.settings import CameraSettings, Settings
from gatekeeper.domain.types import Lane
from gatekeeper.pipeline.sources import open_source
from gatekeeper.services import runtime
from gatekeeper.services.entries import EntriesService
from gatekeeper.services.images import ImageStore
from gatekeeper.services.passes import PassLogger
from gatekeeper.services.registry import VehicleRegistry
from gatekeeper.storage.db import Database
from gatekeeper.ui.camera_worker import CameraState
from gatekeeper.ui.main_window import AppContext, MainWindow

from .uihelpers import BrightBoxDetector, NoReader, write_video


@pytest.fixture
def services(tmp_path):
    paths = AppPaths.default(tmp_path / "data").ensure()
    db = Database.for_paths(paths)
    db.upgrade()
    images = ImageStore(paths.images_dir)
    registry = VehicleRegistry(db)
    yield paths, db, images, registry
    db.dispose()


def _context(settings: Settings, services, load_models) -> AppContext:
    paths, db, images, registry = services
    logger = PassLogger(db, images, registry)
    entries = EntriesService(db, registry)

    def camera_factory(cam, models, progress):
        if cam.source == "demo":
            runtime.ensure_demo_video(paths, progress=progress)
            source = runtime.open_camera_source(cam, paths)
        else:
            source = open_source(cam.source, loop=True, backoff=(0.2, 1.0))
        return source, runtime.make_pipeline(cam, models, settings)

    return AppContext(
        settings=settings, paths=paths, load_models=load_models, camera_factory=camera_factory,
        log_pass=lambda p, cam, models: logger.log(p, cam, models.version), latest_passes=entries.latest,
        resolve_image=images.path, config_path=paths.config_file, database_location=db.where,
        entries=entries, registry=registry,
    )


def test_failing_camera_reconnects_while_the_other_runs(qtbot, tmp_path, services) -> None:
    video = write_video(tmp_path / "good.mp4", seconds=2.0)
    settings = Settings(cameras=[
        CameraSettings(name="Good", source=str(video), lane=Lane.ENTRY),
        CameraSettings(name="Broken", source="rtsp://127.0.0.1:9/cam", lane=Lane.EXIT),
    ])
    settings.detector.motion_gate = False
    classical = runtime.Models(BrightBoxDetector(), NoReader(), "classical-test", "cpu")
    window = MainWindow(_context(settings, services, lambda: classical))
    qtbot.addWidget(window)
    window.show()
    changed = []
    window.models_changed.connect(changed.append)
    window.start()
    qtbot.waitUntil(lambda: window.status.camera_state("Broken") == "reconnecting", timeout=15000)
    good = window.grid.view("Good")
    qtbot.waitUntil(lambda: good.frames_shown >= 5, timeout=15000)
    shown = good.frames_shown
    qtbot.wait(600)
    assert good.frames_shown > shown  # still running while the other camera reconnects
    assert window.status.camera_state("Good") == "running"
    assert "reconnecting" in window.status.camera_text("Broken")
    assert window.grid.view("Broken").state == "reconnecting"
    assert changed and changed[0] is classical

    extra = QLabel("to label")
    index = window.add_tab(extra, "To label")
    assert window.tabs.widget(index) is extra and window.tabs.tabText(index) == "To label"
    window.open_gate()
    assert "Gate opened" in window.status.currentMessage() and window.gate_openings == 1

    t0 = time.monotonic()
    window.close()
    assert time.monotonic() - t0 < 2.5
    assert not window.workers
    assert (services[0].config_dir / "window.ini").exists()


def test_model_failure_is_shown_and_cameras_stay_off(qtbot, services) -> None:
    settings = Settings(cameras=[CameraSettings(name="Gate", source="demo")])

    def broken():
        raise runtime.ModelsMissingError("model weights not found: plate detector 'x.onnx'")

    window = MainWindow(_context(settings, services, broken))
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.grid.view("Gate").state == "error", timeout=10000)
    assert not window.workers
    assert not window.status.progress_visible
    window.close()


def _real_models_present() -> bool:
    try:
        runtime.resolve_weights(Settings(), AppPaths.default())
    except FileNotFoundError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not _real_models_present(), reason="committed models are not in weights/ yet "
                    f"({weights_dir()}): the real-model window test needs them")
def test_demo_camera_with_real_models_shows_a_pass(qtbot, services) -> None:
    settings = Settings()  # the default camera is the built-in demo
    paths = services[0]
    window = MainWindow(_context(settings, services, lambda: runtime.load_models(settings, paths, "cpu")))
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: len(window.latest.cards()) >= 1, timeout=120000)
    card = window.latest.cards()[0]
    assert card.record.id is not None and card.record.plate
    assert card.record.model_version == window.models.version
    t0 = time.monotonic()
    window.close()
    assert time.monotonic() - t0 < 2.5
    assert not window.workers


def test_apply_settings_saves_and_restarts_cameras(qtbot, tmp_path, services) -> None:
    video = write_video(tmp_path / "a.mp4", seconds=1.0)
    settings = Settings(cameras=[CameraSettings(name="A", source=str(video))])
    classical = runtime.Models(BrightBoxDetector(), NoReader(), "classical-test", "cpu")
    ctx = _context(settings, services, lambda: classical)
    backups = []
    ctx.before_save = lambda: backups.append(1)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: "A" in window.workers, timeout=10000)
    qtbot.waitUntil(lambda: window.status.camera_state("A") == "running", timeout=10000)
    new = settings.model_copy(update={"cameras": [CameraSettings(name="B", source=str(video), lane=Lane.EXIT),
                                                  CameraSettings(name="A", source=str(video))]})
    old = window.workers["A"]
    window.apply_settings(new)
    assert Settings.load(ctx.config_path).cameras[0].name == "B" and backups == [1]
    assert window.workers["A"] is not old
    old.state.emit(CameraState("A", "stopped", "late signal of the old worker"))
    assert window.status.camera_state("A") in ("starting", "running")  # ignored (delivered synchronously)
    assert set(window.workers) == {"B", "A"}
    qtbot.waitUntil(lambda: window.grid.view("A").frames_shown > 0, timeout=10000)
    window.close()
    assert not window.workers


def test_hangul_font_in_use_when_installed(qapp) -> None:
    from gatekeeper.ui.style import apply_font, hangul_family

    family = hangul_family()
    if family is None:
        pytest.skip("no font with Hangul is installed (fonts-nanum)")
    assert apply_font(qapp) == family
    assert qapp.font().family() == family


def test_close_while_models_load(qtbot, services) -> None:
    settings = Settings(cameras=[CameraSettings(name="Gate", source="demo")])

    def slow():
        time.sleep(0.8)
        return runtime.Models(BrightBoxDetector(), NoReader(), "slow", "cpu")

    window = MainWindow(_context(settings, services, slow))
    qtbot.addWidget(window)
    window.show()
    window.start()
    assert window.status.progress_visible  # the window is up while the models load
    window.close()
    assert window.wait_background(5.0)
    qtbot.wait(100)
    assert not window.workers and window.models is None
