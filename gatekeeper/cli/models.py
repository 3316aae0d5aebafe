"""``gatekeeper models``: list the registered model versions; ``gatekeeper models activate V`` rolls back."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from gatekeeper.domain.types import MODEL_KINDS

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("models", help="list model versions, or activate one (roll back)")
    p.add_argument("action", nargs="?", default="list", choices=("list", "activate"))
    p.add_argument("version", nargs="?", help="version to activate (see the list)")
    p.add_argument("--kind", choices=MODEL_KINDS, help="list only this kind")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--config", type=Path, metavar="FILE", default=argparse.SUPPRESS, help="settings file (JSON)"
    )
    p.set_defaults(func=run)


def _metrics_text(metrics: dict) -> str:
    site = metrics.get("site_val") or {}
    keys = ("plate_accuracy", "detection_recall", "detection_precision")
    parts = [
        f"{k.replace('detection_', '')}={site[k]:.3f}" for k in keys if isinstance(site.get(k), (int, float))
    ]
    if "val_size" in site:
        parts.append(f"n={site['val_size']}")
    return " ".join(parts) or "-"


def run(args: argparse.Namespace) -> int:
    from gatekeeper.cli.train import app_context, open_registry

    paths, settings = app_context(args)
    db, registry = open_registry(paths, settings)
    try:
        if args.action == "activate":
            if not args.version:
                raise ValueError(
                    "say which version to activate, e.g. `gatekeeper models activate reader-001`"
                )
            mv = registry.activate(args.version)
            print(f"{mv.version} is now the active {mv.kind} (restart or reload models in the window)")
            return 0
        versions = registry.list(args.kind)
        if args.json:
            print(
                json.dumps(
                    [
                        {
                            "version": v.version,
                            "kind": v.kind,
                            "parent": v.parent,
                            "data_size": v.data_size,
                            "metrics": v.metrics,
                            "created": v.created_at.isoformat() if v.created_at else None,
                            "sha256": v.sha256,
                            "path": v.path,
                            "status": v.status,
                            "report": v.report_path,
                        }
                        for v in versions
                    ],
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return 0
        if not versions:
            print("no model versions registered (no shipped weights found)")
            return 0
        print(
            f"{'version':<17} {'kind':<12} {'status':<9} {'parent':<16} {'data':>5}  {'created (UTC)':<16}  "
            f"{'sha256':<12}  metrics"
        )
        for v in versions:
            digest = next(iter(v.sha256.values()), "")[:12]
            created = v.created_at.strftime("%Y-%m-%d %H:%M") if v.created_at else ""
            mark = "*" if v.status == "active" else " "
            print(
                f"{v.version:<16}{mark} {v.kind:<12} {v.status:<9} {v.parent or '-':<16} {v.data_size:>5}  "
                f"{created:<16}  {digest:<12}  {_metrics_text(v.metrics)}"
            )
        return 0
    finally:
        db.dispose()
