"""Composition helpers shared by the app and the CLI: demo video, camera sources, models, pipelines."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.dataset.demo_scene import generate_demo_video, read_sidecar
from gatekeeper.domain.paths import AppPaths, weights_dir
from gatekeeper.domain.settings import DEMO_SOURCE, CameraSettings, Settings, resolve_model_path
from gatekeeper.pipeline.camera_pipeline import CameraPipeline
from gatekeeper.pipeline.sources import FrameSource, SourceError, StateCallback, open_source, probe_video
from gatekeeper.pipeline.types import PlateDetector, PlateReader

if TYPE_CHECKING:
    from gatekeeper.pipeline.reader_ctc import CtcNetwork

log = logging.getLogger(__name__)

DEMO_SECONDS = 60  # longer than repeat suppression, so every loop logs its vehicles again
DEMO_VERSION = 1
_demo_lock = threading.Lock()


class ModelsMissingError(FileNotFoundError):
    """Weights the settings name are not there; the message says where they were looked for."""


def demo_video_path(paths: AppPaths) -> Path:
    """Where the generated demo video is cached (under the data dir)."""
    return paths.data_dir / "demo" / f"demo_gate_v{DEMO_VERSION}.mp4"


def _demo_ok(path: Path, seconds: float) -> bool:
    try:
        count, _fps, _size = probe_video(path)
        meta = read_sidecar(path)
    except (SourceError, OSError, ValueError):
        return False
    return float(meta.get("seconds", 0)) == float(seconds) and count >= int(meta.get("frames", 1)) * 0.95


def ensure_demo_video(paths: AppPaths, *, seconds: float = DEMO_SECONDS,
                      progress: Callable[[float], None] | None = None) -> Path:
    """The cached demo video, generated (seconds of CPU) when missing or corrupt."""
    path = demo_video_path(paths)
    with _demo_lock:
        if _demo_ok(path, seconds):
            return path
        log.info("generating the demo camera video at %s", path)
        return generate_demo_video(path, seconds=seconds, progress=progress)


def open_camera_source(camera: CameraSettings, paths: AppPaths, *, realtime: bool = True,
                       on_state: StateCallback | None = None,
                       demo_seconds: float = DEMO_SECONDS) -> FrameSource:
    """A frame source for one configured camera; ``demo`` plays the generated gate video in a loop."""
    if camera.source == DEMO_SOURCE:
        video = ensure_demo_video(paths, seconds=demo_seconds)
        return open_source(str(video), loop=True, realtime=realtime, on_state=on_state)
    return open_source(camera.source, loop=camera.loop, realtime=realtime, on_state=on_state)


@dataclass
class Models:
    """The loaded detector and reader, which version they are and where they run."""

    detector: PlateDetector
    reader: PlateReader
    version: str
    device: str


def resolve_device(preference: str | None) -> str:
    """``cpu`` or ``cuda`` for a settings value ``auto``/``cpu``/``cuda`` (cuda only when available)."""
    pref = (preference or "auto").lower()
    if pref == "cpu":
        return "cpu"
    try:
        import torch

        available = bool(torch.cuda.is_available())
    except ImportError:
        available = False
    if pref == "cuda" and not available:
        log.warning("CUDA requested but not available: using the CPU")
    return "cuda" if available else "cpu"


def _active(paths: AppPaths, kind: str) -> tuple[Path | None, str]:
    """The active registered model of ``kind`` (path, version) if the model registry has one."""
    try:
        from gatekeeper.services.model_registry import ACTIVE_FILE, active_weights
    except ImportError:
        return None, ""
    p = active_weights(paths, kind)
    if p is None:
        return None, ""
    import json

    try:
        entry = json.loads((paths.models_dir / ACTIVE_FILE).read_text(encoding="utf-8")).get(kind) or {}
    except (OSError, ValueError):
        entry = {}
    return p, str(entry.get("version", p.name))


def _find(value: str, paths: AppPaths, suffixes: tuple[str, ...]) -> Path | None:
    """``value`` as given, else with each of ``suffixes`` added or in place of its own suffix."""
    stem = str(Path(value).with_suffix("")) if Path(value).suffix in suffixes else value
    for candidate in dict.fromkeys([value] + [value + s for s in suffixes] + [stem + s for s in suffixes]):
        p = resolve_model_path(candidate, paths.config_dir, weights_dir())
        if p.exists():
            return p
    return None


def resolve_weights(settings: Settings, paths: AppPaths) -> tuple[Path, Path, str]:
    """(detector weights, Korean reader folder/file, version label); ``ModelsMissingError`` if absent."""
    det, det_version = _active(paths, "detector")
    rdr, rdr_version = _active(paths, "reader")
    if det is None:
        det = _find(settings.detector.weights, paths, (".onnx", ".pt"))
    if rdr is None:
        rdr = _find(settings.reader.korean_weights, paths, (".pth", ".onnx"))
    missing = []
    if det is None:
        missing.append(f"plate detector {settings.detector.weights!r}")
    if rdr is None:
        missing.append(f"Korean reader {settings.reader.korean_weights!r}")
    if missing:
        raise ModelsMissingError(
            f"model weights not found: {', '.join(missing)} "
            f"(looked in {paths.config_dir} and {weights_dir()}); "
            "reinstall Gatekeeper or set the paths in Settings"
        )
    assert det is not None and rdr is not None
    version = f"{det_version or det.name}+{rdr_version or rdr.stem}"
    return det, rdr, version


def load_models(settings: Settings, paths: AppPaths, device: str | None = None) -> Models:
    """Load the detector and the reader chain (Korean, plus Latin when enabled) named by the settings."""
    det_path, rdr_path, version = resolve_weights(settings, paths)
    from gatekeeper.pipeline.detector import YoloPlateDetector

    dev = resolve_device(device or settings.device)
    d = settings.detector
    detector = YoloPlateDetector(det_path, imgsz=d.imgsz, confidence=d.confidence, iou=d.iou, device=dev)
    reader = _make_reader(rdr_path, settings, dev, paths)
    log.info("models loaded: %s on %s", version, dev)
    return Models(detector=detector, reader=reader, version=version, device=dev)


def _make_reader(path: Path, settings: Settings, device: str, paths: AppPaths) -> PlateReader:
    """The Korean reader from ``NAME.*`` files (or a model folder holding them), chained with the Latin
    one."""
    from gatekeeper.pipeline.reader import KoreanPlateReader
    from gatekeeper.pipeline.reader_chain import MultiReader

    if path.is_dir():
        names = sorted(p.stem for p in path.glob("*.yaml"))
        name = (settings.reader.korean_weights if settings.reader.korean_weights in names
                else (names or ["kr_reader"])[0])
        folder = path
    else:
        folder, name = path.parent, path.stem
    recheck = settings.reader.recheck_below
    korean = KoreanPlateReader(folder, name=name, device=device, careful_below=settings.reader.careful_below,
                               int8=settings.reader.int8)
    if not settings.reader.latin:
        return korean
    latin = make_latin_reader(settings, paths, device=device)
    if latin is None:
        return korean
    return MultiReader(korean, latin, recheck_below=recheck)


def make_latin_reader(settings: Settings, paths: AppPaths, device: str = "cpu") -> PlateReader | None:
    """Our Latin network when ``latin_engine`` is ``network`` and its files are found (the active
    ``latin-reader`` of the model registry, else ``latin_weights`` in the config dir or ``weights/``), else
    EasyOCR's English model; None (with a warning) when neither can be loaded."""
    from gatekeeper.pipeline.reader_ctc import ReaderLoadError
    from gatekeeper.pipeline.reader_latin import LatinPlateReader
    from gatekeeper.pipeline.reader_latin_net import LatinNetReader

    r = settings.reader
    if r.latin_engine == "network":
        active, version = _active(paths, "latin-reader")
        if active is not None:
            try:
                reader = LatinNetReader(active.parent, name=active.stem, device=device, int8=r.int8)
                log.info("Latin reader: registered version %s", version)
                return reader
            except ReaderLoadError as exc:
                log.warning("registered Latin reader %s unusable (%s): using %r", version, exc,
                            r.latin_weights)
        found = _find(r.latin_weights, paths, (".yaml",))
        try:
            if found is None:
                raise ReaderLoadError(f"{r.latin_weights!r} not found in {paths.config_dir} "
                                      f"or {weights_dir()}")
            return LatinNetReader(found.parent, name=found.stem, device=device, int8=r.int8,
                                  serial=_serial_network(settings, paths, device))
        except ReaderLoadError as exc:
            log.warning("Latin network unavailable (%s): using EasyOCR's English model", exc)
    try:
        return LatinPlateReader(device=device)
    except (FileNotFoundError, ImportError) as exc:  # EasyOCR's English model missing:
        # say so, read Korean only
        log.warning("Latin plate reader unavailable (%s): reading Korean plates only", exc)
        return None


def _serial_network(settings: Settings, paths: AppPaths, device: str = "cpu") -> CtcNetwork | None:
    """The US serial network (``reader.latin_serial_weights``) for the Latin network, or None (switched off
    with "", or not found / unusable: logged, the Latin network reads alone)."""
    from gatekeeper.pipeline.reader_ctc import CtcNetwork, ReaderLoadError

    name = settings.reader.latin_serial_weights
    if not name:
        return None
    found = _find(name, paths, (".yaml",))
    if found is None:
        log.warning("US serial network %r not found in %s or %s: the Latin network reads alone", name,
                    paths.config_dir, weights_dir())
        return None
    try:
        return CtcNetwork(found.parent, found.stem, device=device, int8=settings.reader.int8)
    except ReaderLoadError as exc:
        log.warning("US serial network unusable (%s): the Latin network reads alone", exc)
        return None


def make_pipeline(camera: CameraSettings, models: Models, settings: Settings) -> CameraPipeline:
    """A ``CameraPipeline`` for one camera with the settings' thresholds."""
    return CameraPipeline(
        camera.name,
        models.detector,
        models.reader,
        settings.voting,
        motion_gate=settings.detector.motion_gate,
        upscale_min_width=settings.reader.upscale_min_width,
        min_confidence=settings.reader.min_confidence,
        unsmear=settings.reader.camera_unsmear,
    )
