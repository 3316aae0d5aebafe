"""``gatekeeper read IMAGE...``: recognise the plates of still images, one JSON line per image (with ``error``
for an image that could not be read)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """--device and --config, shared by ``read`` and ``eval``."""
    parser.add_argument("--device", choices=DEVICES, help="inference device (default: from settings)")
    parser.add_argument(
        "--config", type=Path, metavar="FILE", default=argparse.SUPPRESS, help="settings file (JSON)"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("read", help="read the plates of still images (JSON lines)")
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="image files")
    add_model_options(p)
    p.set_defaults(func=run)


def load_runtime(args: argparse.Namespace) -> tuple[Any, Any]:
    """(Settings, loaded models) for the command's ``--data-dir``, ``--config`` and ``--device``."""
    from gatekeeper.domain.paths import AppPaths
    from gatekeeper.domain.settings import Settings
    from gatekeeper.services.runtime import load_models

    data_dir = getattr(args, "data_dir", None)
    paths = AppPaths.default(data_dir)
    config = getattr(args, "config", None) or paths.config_file
    settings = Settings.load(Path(config))
    if data_dir is None and settings.data_dir:
        paths = AppPaths.default(Path(settings.data_dir))
    return settings, load_models(settings, paths, device=getattr(args, "device", None))


def make_recognizer(args: argparse.Namespace) -> tuple[Any, str]:
    """(Recognizer built from the settings and the installed models, model version string)."""
    from gatekeeper.pipeline.recognizer import Recognizer

    settings, models = load_runtime(args)
    recognizer = Recognizer(
        models.detector,
        models.reader,
        upscale_min_width=settings.reader.upscale_min_width,
        recheck_below=settings.reader.recheck_below,
        min_confidence=0.0,
        fallback_confidence=settings.detector.still_fallback_confidence,
        max_imgsz=settings.detector.still_max_imgsz,
        unsure_min_score=settings.detector.still_unsure_min_score,
        fine_max_imgsz=settings.detector.still_fine_max_imgsz,
        shift_vote=settings.reader.still_shift_vote,
        unsmear=settings.reader.still_unsmear,
        mirror=settings.detector.still_mirror,
    )
    return recognizer, str(getattr(models, "version", ""))


def observation_json(obs: Any) -> dict[str, Any]:
    """One plate of ``gatekeeper read``'s output."""
    box = obs.detection.box
    read = obs.read
    return {
        "box": [round(box.x1, 1), round(box.y1, 1), round(box.x2, 1), round(box.y2, 1)],
        "text": read.text if read else "",
        "confidence": round(float(read.confidence), 4) if read else 0.0,
        "format": read.plate_format if read else "",
        "detector_score": round(float(obs.detection.score), 4),
    }


def run(args: argparse.Namespace) -> int:
    from gatekeeper.dataset.labels import load_image

    recognizer, _version = make_recognizer(args)
    failed = 0
    for path in args.images:
        line: dict[str, Any] = {"image": str(path), "plates": []}
        try:
            image = load_image(path)
            line["plates"] = [observation_json(o) for o in recognizer.recognize(image)]
        except ValueError as exc:
            failed += 1
            print(f"gatekeeper read: {exc}", file=sys.stderr)
            line["error"] = str(exc)  # still one line per image
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 1 if failed else 0
