"""``gatekeeper bench``: N cameras through the real runner and pipeline, passes logged as the app does."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import DEMO_SOURCE, CameraSettings, Settings
from gatekeeper.pipeline.runner import CameraRunner
from gatekeeper.pipeline.sources import SourceError, open_source, probe_video, source_kind
from gatekeeper.pipeline.types import FrameResult, PlatePass
from gatekeeper.services.runtime import Models, ensure_demo_video, load_models, make_pipeline

log = logging.getLogger(__name__)

STAGES = ("decode", "detect", "read", "vote")


def timing_stats(values: list[float]) -> dict[str, float]:
    """Mean, median, p95 and max of timings (ms, rounded to 0.01) and their count."""
    if not values:
        return {"mean": 0.0, "median": 0.0, "p95": 0.0, "max": 0.0, "n": 0}
    a = np.asarray(values, dtype=float)
    return {"mean": round(float(a.mean()), 2), "median": round(float(np.median(a)), 2),
            "p95": round(float(np.percentile(a, 95)), 2), "max": round(float(a.max()), 2), "n": int(a.size)}


class RssSampler:
    """Samples the resident memory of this process and its children; keeps the peak (MiB)."""

    def __init__(self, interval: float = 0.2) -> None:
        import psutil

        self._proc = psutil.Process(os.getpid())
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def sample(self) -> float:
        import psutil

        rss = self._proc.memory_info().rss
        for child in self._proc.children(recursive=True):
            try:
                rss += child.memory_info().rss
            except psutil.Error:
                continue
        mb = rss / 2**20
        self.peak_mb = max(self.peak_mb, mb)
        return mb

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> RssSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sample()


@dataclass
class _CameraStats:
    name: str
    stage_ms: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    read_crop_ms: list[float] = field(default_factory=list)
    read_crop_cpu_ms: list[float] = field(default_factory=list)
    detect_run_ms: list[float] = field(default_factory=list)  # the detect stage on frames where it ran
    e2e_ms: list[float] = field(default_factory=list)
    log_ms: list[float] = field(default_factory=list)
    passes: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _make_logger(tmp: Path) -> tuple[Callable[[PlatePass, CameraSettings, str], Any] | None, str]:
    """The app's pass logger on a temporary database, or ``None`` when storage is not available."""
    try:
        from gatekeeper.services.images import ImageStore
        from gatekeeper.services.passes import PassLogger
        from gatekeeper.storage.db import Database
    except ImportError as exc:
        log.warning("pass logging service unavailable (%s): measuring frame-to-pass only", exc)
        return None, "frame-to-pass (no logging service)"
    db = Database(f"sqlite:///{tmp / 'bench.sqlite3'}")
    db.upgrade()
    logger = PassLogger(db, ImageStore(tmp / "images"))
    return ((lambda p, cam, version: logger.log(p, cam, version)),
            "frame capture to logged pass (SQLite + images)")


def resolve_bench_source(source: str, paths: AppPaths) -> Path:
    """``demo`` -> the cached demo video; else the video file, checked (clear error if unreadable)."""
    if source == DEMO_SOURCE:
        return ensure_demo_video(paths)
    if source_kind(source) != "file":
        raise SourceError(f"bench runs on a video file or 'demo', not on a live camera ({source}): "
                          "record a minute of the camera to a file (for example: ffmpeg -rtsp_transport tcp "
                          "-i URL -t 60 -c copy camera.mp4) and bench that file")
    path = Path(source).expanduser()
    probe_video(path)
    return path


def warm_up(models: Models, frame: np.ndarray) -> None:
    """One detection and one read, so first-call costs do not count as latency."""
    dets = models.detector.detect(frame)
    h, w = frame.shape[:2]
    crop = frame[h // 2 - 40:h // 2 + 40, w // 2 - 150:w // 2 + 150]
    if dets:
        b = dets[0].box
        crop = frame[int(b.y1):int(b.y2) + 1, int(b.x1):int(b.x2) + 1]
    models.reader.read(np.ascontiguousarray(crop))


def run_bench(
    settings: Settings,
    paths: AppPaths,
    *,
    source: str = DEMO_SOURCE,
    cameras: int = 1,
    seconds: float = 20.0,
    device: str | None = None,
    realtime: bool = True,
    models: Models | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the benchmark and return its report (see ``format_report`` for the human summary)."""
    say = progress or (lambda _m: None)
    if cameras < 1:
        raise ValueError("--cameras must be >= 1")
    video = resolve_bench_source(source, paths)
    count, fps, size = probe_video(video)
    expected = None
    sidecar = video.with_suffix(".json")
    if sidecar.is_file():
        import json

        expected = [v["plate"] for v in json.loads(sidecar.read_text(encoding="utf-8")).get("vehicles", [])]
    with RssSampler() as rss:
        if models is None:
            say("loading models...")
            models = load_models(settings, paths, device=device)
        first = open_source(str(video), loop=False, realtime=False).read()
        if first is not None:
            warm_up(models, first[0])
        with tempfile.TemporaryDirectory(prefix="gatekeeper-bench-") as tmpdir:
            log_pass, latency_kind = _make_logger(Path(tmpdir))
            stats: list[_CameraStats] = []
            runners: list[CameraRunner] = []
            for i in range(cameras):
                cam = CameraSettings(name=f"bench-{i + 1}", source=str(video), loop=True)
                st = _CameraStats(cam.name)
                src = open_source(str(video), loop=True, realtime=realtime)
                runner = CameraRunner(src, make_pipeline(cam, models, settings), realtime=realtime)
                runner.on_result = _on_result(st)
                runner.on_pass = _on_pass(st, runner, cam, models.version, log_pass)
                stats.append(st)
                runners.append(runner)
            say(f"running {cameras} camera(s) on {video.name} for {seconds:g} s...")
            t0 = time.monotonic()
            cpu0 = time.process_time()
            for r in runners:
                r.start()
            deadline = t0 + seconds
            while time.monotonic() < deadline and any(r.running for r in runners):
                time.sleep(0.1)
            frames_at_end = [r.frames_analysed for r in runners]
            elapsed = time.monotonic() - t0
            cpu_s = time.process_time() - cpu0
            for r in runners:
                r.stop(timeout=5.0)
    per_camera = []
    for r, st, n in zip(runners, stats, frames_at_end):
        per_camera.append({
            "name": st.name,
            "analysed_fps": round(n / elapsed, 2),
            "frames_analysed": n,
            "frames_captured": r.frames_captured,
            "dropped_frames": r.dropped_frames,
            "boxes_not_read": r.pipeline.unreadable_boxes,
            "blank_boxes": r.pipeline.blank_boxes,
            "unsmeared_reads": r.pipeline.unsmeared,
            "errors": r.errors,
            "passes": [p["text"] for p in st.passes],
            "stage_ms": {s: timing_stats(st.stage_ms[s]) for s in STAGES},
            "read_per_crop_ms": timing_stats(st.read_crop_ms),
            "read_per_crop_cpu_ms": timing_stats(st.read_crop_cpu_ms),
            "detector_ran_ms": timing_stats(st.detect_run_ms),
            "end_to_end_ms": timing_stats(st.e2e_ms),
        })
    all_stage = {s: timing_stats([v for st in stats for v in st.stage_ms[s]]) for s in STAGES}
    return {
        "source": str(video),
        "frame_size": list(size),
        "source_fps": round(fps, 2),
        "source_frames": count,
        "cameras": cameras,
        "seconds": round(elapsed, 2),
        "realtime": realtime,
        "device": models.device,
        "models": models.version,
        "cpu_count": os.cpu_count(),
        "total_analysed_fps": round(sum(c["analysed_fps"] for c in per_camera), 2),
        "per_camera": per_camera,
        "stage_ms": all_stage,
        "read_per_crop_ms": timing_stats([v for st in stats for v in st.read_crop_ms]),
        "read_per_crop_cpu_ms": timing_stats([v for st in stats for v in st.read_crop_cpu_ms]),
        "detector_ran_ms": timing_stats([v for st in stats for v in st.detect_run_ms]),
        "end_to_end_ms": timing_stats([v for st in stats for v in st.e2e_ms]),
        "logging_ms": timing_stats([v for st in stats for v in st.log_ms]),
        "latency_measured": latency_kind,
        "dropped_frames": sum(c["dropped_frames"] for c in per_camera),
        "boxes_not_read": sum(c["boxes_not_read"] for c in per_camera),
        "blank_boxes": sum(c["blank_boxes"] for c in per_camera),
        "unsmeared_reads": sum(c["unsmeared_reads"] for c in per_camera),
        "passes": sum(len(st.passes) for st in stats),
        "expected_plates": expected,
        "peak_rss_mb": round(rss.peak_mb, 1),
        "process_cpu_s": round(cpu_s, 2),
        "cpu_ms_per_analysed_frame": round(cpu_s * 1e3 / max(1, sum(frames_at_end)), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else [],
    }


def _on_result(st: _CameraStats) -> Callable[[FrameResult], None]:
    def on_result(result: FrameResult) -> None:
        with st.lock:
            for s in STAGES:
                st.stage_ms[s].append(result.stage_ms.get(s, 0.0))
            st.read_crop_ms.extend(result.read_ms)
            st.read_crop_cpu_ms.extend(result.read_cpu_ms)
            if result.detected:
                st.detect_run_ms.append(result.stage_ms.get("detect", 0.0))
    return on_result


def _on_pass(st: _CameraStats, runner: CameraRunner, cam: CameraSettings, version: str,
             log_pass: Callable[[PlatePass, CameraSettings, str], Any] | None) -> Callable[[PlatePass], None]:
    def on_pass(p: PlatePass) -> None:
        result = runner.last_result
        t0 = time.time()
        if log_pass is not None:
            log_pass(p, cam, version)
        done = time.time()
        live = result is not None and any(q is p for q in result.passes)
        with st.lock:
            if live and result is not None and result.captured_at:
                st.e2e_ms.append((done - result.captured_at) * 1e3)
                st.log_ms.append((done - t0) * 1e3)
            st.passes.append({"text": p.text, "confidence": round(p.confidence, 3), "at_end": not live})
    return on_pass


def format_report(r: dict[str, Any]) -> str:
    """The human summary printed by ``gatekeeper bench``."""
    w, h = r["frame_size"]
    crop = r["read_per_crop_ms"]
    cpu = r["read_per_crop_cpu_ms"]
    ran = r["detector_ran_ms"]
    lines = [
        f"Gatekeeper bench: {r['cameras']} camera(s), {w}x{h} @ {r['source_fps']} fps, {r['seconds']} s, "
        f"device {r['device']}, {'real-time playback' if r['realtime'] else 'as fast as possible'}",
        f"  models: {r['models']}   CPUs: {r['cpu_count']}",
        f"  analysed FPS: total {r['total_analysed_fps']}  "
        + "  ".join(f"{c['name']}={c['analysed_fps']}" for c in r["per_camera"]),
        "  stage latency ms (median / p95): "
        + "  ".join(f"{s} {v['median']}/{v['p95']}" for s, v in r["stage_ms"].items()),
        f"  detector ran on {ran['n']} of {r['stage_ms']['detect']['n']} analysed frames (rests on still "
        f"frames once every plate in view is decided): median {ran['median']}, p95 {ran['p95']} ms when run",
        f"  reader per plate crop ms: mean {crop['mean']}, median {crop['median']}, p95 {crop['p95']}, "
        f"n={crop['n']}; CPU time of the reading thread: mean {cpu['mean']}, median {cpu['median']}",
        f"  end-to-end ms ({r['latency_measured']}): median {r['end_to_end_ms']['median']}, "
        f"p95 {r['end_to_end_ms']['p95']}, n={r['end_to_end_ms']['n']} (of which logging: median "
        f"{r['logging_ms']['median']}, p95 {r['logging_ms']['p95']})",
        f"  dropped frames: {r['dropped_frames']}   peak RSS: {r['peak_rss_mb']} MiB   "
        f"CPU per analysed frame: {r['cpu_ms_per_analysed_frame']} ms   load average: {r['load_average']}",
        f"  detector boxes too tall for a plate, not read: {r['boxes_not_read']}   blank (nothing to read), "
        f"not read: {r.get('blank_boxes', 0)}   weak reads of smeared crops also read unsmeared: "
        f"{r['unsmeared_reads']}",
        f"  passes: {r['passes']}  " + ", ".join(p for c in r["per_camera"] for p in c["passes"][:12]),
    ]
    if r.get("expected_plates"):
        lines.append(f"  expected (demo sidecar): {', '.join(r['expected_plates'])}")
    return "\n".join(lines)
