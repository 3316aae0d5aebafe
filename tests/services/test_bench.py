"""Runtime composition (demo video cache, camera sources, model resolution) and ``gatekeeper bench``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import DEMO_SOURCE, CameraSettings, Settings
from gatekeeper.pipeline.sources import SourceError
from gatekeeper.services.bench import format_report, resolve_bench_source, run_bench
from gatekeeper.services.runtime import (
    ModelsMissingError,
    demo_video_path,
    ensure_demo_video,
    open_camera_source,
    resolve_weights,
)


@pytest.fixture()
def paths() -> AppPaths:
    return AppPaths.default().ensure()


def test_demo_video_is_cached_and_regenerated_when_corrupt(paths: AppPaths) -> None:
    video = ensure_demo_video(paths, seconds=7)
    assert video == demo_video_path(paths) and video.is_file()
    mtime = video.stat().st_mtime_ns
    assert ensure_demo_video(paths, seconds=7).stat().st_mtime_ns == mtime  # cached
    video.write_bytes(b"garbage")
    again = ensure_demo_video(paths, seconds=7)
    assert again.stat().st_size > 10_000
    assert json.loads(again.with_suffix(".json").read_text())["seconds"] == 7


def test_demo_camera_source_loops(paths: AppPaths) -> None:
    ensure_demo_video(paths, seconds=7)
    cam = CameraSettings(name="Demo", source=DEMO_SOURCE, loop=False)
    src = open_camera_source(cam, paths, realtime=False, demo_seconds=7)
    assert src.loop and src.spec == str(demo_video_path(paths))  # the demo camera always loops
    frames = [src.read() for _ in range(7 * 15 + 5)]
    assert all(f is not None and f[0].shape == (720, 1280, 3) for f in frames)
    src.close()


def test_missing_weights_give_a_clear_error(paths: AppPaths) -> None:
    settings = Settings.model_validate({"detector": {"weights": "nope.onnx"},
                                        "reader": {"korean_weights": "nada"}})
    with pytest.raises(ModelsMissingError, match="nope.onnx") as info:
        resolve_weights(settings, paths)
    assert "nada" in str(info.value) and "Settings" in str(info.value)


def test_bench_rejects_unreadable_source(paths: AppPaths, tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(SourceError, match="corrupt"):
        resolve_bench_source(str(bad), paths)
    with pytest.raises(SourceError, match="not found"):
        resolve_bench_source(str(tmp_path / "none.mp4"), paths)
    for live in ("rtsp://10.0.0.5:554/stream1", "0"):  # a camera URL or USB index, not a file
        with pytest.raises(SourceError, match=f"not on a live camera \\({live}\\): record"):
            resolve_bench_source(live, paths)


@pytest.mark.slow
def test_bench_on_the_demo_with_real_models(paths: AppPaths, tmp_path: Path) -> None:
    import torch

    torch.set_num_threads(1)
    from gatekeeper.services.runtime import load_models

    try:
        models = load_models(Settings(), paths, device="cpu")
    except ModelsMissingError as exc:
        pytest.skip(f"weights/ lacks the shipped models: {exc}")
    video = ensure_demo_video(paths, seconds=14)  # shorter than the app's demo, same scene
    report = run_bench(Settings(), paths, source=str(video), cameras=2, seconds=6, realtime=False,
                       models=models)
    assert report["cameras"] == 2 and len(report["per_camera"]) == 2
    assert all(c["frames_analysed"] > 0 and c["errors"] == 0 for c in report["per_camera"])
    assert report["total_analysed_fps"] > 0
    assert report["stage_ms"]["detect"]["n"] > 0 and report["stage_ms"]["detect"]["median"] > 0
    per_crop = report["read_per_crop_ms"]
    assert per_crop["n"] > 0 and 0 < per_crop["median"] <= per_crop["p95"] <= per_crop["max"]
    assert per_crop["n"] == sum(c["read_per_crop_ms"]["n"] for c in report["per_camera"])
    cpu = report["read_per_crop_cpu_ms"]  # the reading thread's CPU time: one per crop, never above the wall
    assert cpu["n"] == per_crop["n"] and 0 < cpu["median"] and cpu["mean"] <= per_crop["mean"] * 1.05 + 0.5
    ran = report["detector_ran_ms"]  # the demo cars stop at the barrier: the detector rests meanwhile
    detect = report["stage_ms"]["detect"]
    assert 0 < ran["n"] <= detect["n"] and ran["median"] >= detect["median"]
    assert ran["n"] == sum(c["detector_ran_ms"]["n"] for c in report["per_camera"])
    assert report["peak_rss_mb"] > 50
    assert report["boxes_not_read"] == sum(c["boxes_not_read"] for c in report["per_camera"]) >= 0
    assert report["unsmeared_reads"] == sum(c["unsmeared_reads"] for c in report["per_camera"]) >= 0
    assert report["blank_boxes"] == sum(c["blank_boxes"] for c in report["per_camera"]) >= 0
    assert report["frame_size"] == [1280, 720]
    assert "logged pass" in report["latency_measured"]
    text = format_report(report)
    assert "analysed FPS" in text and "peak RSS" in text and "reader per plate crop" in text
    assert f"detector ran on {ran['n']} of" in text
    assert f"CPU time of the reading thread: mean {cpu['mean']}" in text
    assert f"too tall for a plate, not read: {report['boxes_not_read']}" in text
    assert f"also read unsmeared: {report['unsmeared_reads']}" in text
    assert f"blank (nothing to read), not read: {report['blank_boxes']}" in text


def test_bench_cli_validates_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    from gatekeeper.cli import main

    assert main(["bench", "--cameras", "9"]) == 2
    assert "between 1 and 4" in capsys.readouterr().err


def test_weights_found_by_stem(paths: AppPaths, tmp_path: Path) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "det.pt").write_bytes(b"x")
    (folder / "kr.pth").write_bytes(b"x")
    settings = Settings.model_validate({"detector": {"weights": str(folder / "det.onnx")},
                                        "reader": {"korean_weights": str(folder / "kr")}})
    det, rdr, version = resolve_weights(settings, paths)
    assert det == folder / "det.pt" and rdr == folder / "kr.pth" and version == "det.pt+kr"
