"""``gatekeeper eval DIR``: accuracy, CER, detection recall/precision and latency on a labelled folder."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from gatekeeper.cli.read import add_model_options

log = logging.getLogger(__name__)

SUMMARY_KEYS = (
    "images", "plates", "plate_accuracy", "char_error_rate", "detection_recall", "detection_precision",
    "latency_ms_median", "latency_ms_p95", "kr_last4_accuracy", "plate_accuracy_iou50",
    "detection_recall_loose", "read_ms_per_crop_median", "read_ms_per_crop_p95", "failed_images",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("eval", help="evaluate on a folder of images + labels.csv")
    p.add_argument("directory", type=Path, metavar="DIR", help="folder with images and labels.csv")
    p.add_argument("--json", type=Path, metavar="OUT", help="also write the full report to OUT")
    p.add_argument("--details", action="store_true", help="include one row per image in the report")
    p.add_argument("--limit", type=int, metavar="N", help="evaluate the first N images only")
    p.add_argument("--approach", action="store_true",
                   help="drive each one-plate picture up to a camera (2 s of 720p) through the camera "
                        "pipeline and score the passes it logs")
    add_model_options(p)
    p.set_defaults(func=run)


def format_summary(report: dict[str, Any]) -> str:
    """Human-readable summary lines (the JSON report is the complete record)."""
    lines = [f"{key}: {report.get(key)}" for key in SUMMARY_KEYS]
    for fmt, entry in report.get("per_format", {}).items():
        lines.append(f"  {fmt}: {entry['correct']}/{entry['plates']} = {entry['accuracy']}")
    return "\n".join(lines)


def format_approach(report: dict[str, Any]) -> str:
    """Human-readable summary of an ``--approach`` report."""
    ms, cpu = report["read_ms_per_crop"], report["read_cpu_ms_per_crop"]
    plate, other = report["read_cpu_ms_per_plate_crop"], report["read_cpu_ms_per_other_crop"]
    return "\n".join([
        f"cars: {report['cars']} ({len(report['skipped_images'])} pictures left out)",
        f"pass_accuracy: {report['pass_accuracy']} ({report['cars_right']} cars logged right)",
        f"other_passes: {report['other_passes']}   cars_without_pass: {report['cars_without_pass']}",
        f"reader per crop ms: mean {ms['mean']}, median {ms['median']}, p95 {ms['p95']}, n={ms['n']}; "
        f"CPU mean {cpu['mean']}, median {cpu['median']}",
        f"reader CPU per crop of the plate ms: mean {plate['mean']}, median {plate['median']}, "
        f"n={plate['n']}; of other boxes: mean {other['mean']}, n={other['n']} "
        f"({report['other_crops_cpu_share']:.0%} of the reader's CPU)",
        f"careful turns: {report['careful_turns']}   faint turns: {report['faint_turns']}   "
        f"unsmeared turns: {report['unsmeared_turns']}   "
        f"failed_images: {report['failed_images']}",
    ])


def _approach(args: argparse.Namespace, labelled: Any, progress: Any) -> dict[str, Any] | None:
    """The ``--approach`` report, or None (a message printed) when the folder has no car to drive."""
    from gatekeeper.cli.read import load_runtime
    from gatekeeper.domain.settings import CameraSettings
    from gatekeeper.services.approach import cars_of, evaluate_approach
    from gatekeeper.services.runtime import make_pipeline

    cars, skipped = cars_of(labelled)
    if not cars:
        print(f"gatekeeper eval: {args.directory}: no picture with exactly one labelled plate and its box "
              f"({len(skipped)} left out); --approach needs them", file=sys.stderr)
        return None
    settings, models = load_runtime(args)
    camera = CameraSettings(name="approach", source=str(args.directory))
    report = evaluate_approach(lambda: make_pipeline(camera, models, settings), labelled, limit=args.limit,
                               details=args.details, progress=progress)
    report["model_version"] = str(getattr(models, "version", ""))
    return report


def run(args: argparse.Namespace) -> int:
    from gatekeeper.cli.read import make_recognizer
    from gatekeeper.services.evaluation import evaluate_dataset, load_labelled_set

    if args.limit is not None and args.limit < 1:
        raise ValueError("--limit must be at least 1")
    labelled = load_labelled_set(args.directory)  # fail fast, before loading models

    def progress(i: int, n: int, name: str) -> None:
        log.debug("eval %d/%d %s", i + 1, n, name)

    if args.approach:
        report = _approach(args, labelled, progress)
        if report is None:
            return 2
    else:
        recognizer, version = make_recognizer(args)
        report = evaluate_dataset(recognizer, labelled, limit=args.limit, details=args.details,
                                  progress=progress)
        report["model_version"] = version
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(format_approach(report) if args.approach else format_summary(report), file=sys.stderr)
    for warning in report.get("label_warnings", []):
        print(f"gatekeeper eval: {warning}", file=sys.stderr)
    for err in report.get("errors", []):
        print(f"gatekeeper eval: {err['error']}", file=sys.stderr)
    return 0
