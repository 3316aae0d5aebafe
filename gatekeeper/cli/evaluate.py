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
    add_model_options(p)
    p.set_defaults(func=run)


def format_summary(report: dict[str, Any]) -> str:
    """Human-readable summary lines (the JSON report is the complete record)."""
    lines = [f"{key}: {report.get(key)}" for key in SUMMARY_KEYS]
    for fmt, entry in report.get("per_format", {}).items():
        lines.append(f"  {fmt}: {entry['correct']}/{entry['plates']} = {entry['accuracy']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from gatekeeper.cli.read import make_recognizer
    from gatekeeper.services.evaluation import evaluate_dataset, load_labelled_set

    if args.limit is not None and args.limit < 1:
        raise ValueError("--limit must be at least 1")
    labelled = load_labelled_set(args.directory)  # fail fast, before loading models
    recognizer, version = make_recognizer(args)

    def progress(i: int, n: int, name: str) -> None:
        log.debug("eval %d/%d %s", i + 1, n, name)

    report = evaluate_dataset(recognizer, labelled, limit=args.limit, details=args.details, progress=progress)
    report["model_version"] = version
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(format_summary(report), file=sys.stderr)
    for warning in report.get("label_warnings", []):
        print(f"gatekeeper eval: {warning}", file=sys.stderr)
    for err in report.get("errors", []):
        print(f"gatekeeper eval: {err['error']}", file=sys.stderr)
    return 0
