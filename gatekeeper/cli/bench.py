"""``gatekeeper bench``: measure analysed FPS, stage and end-to-end latency, drops and memory."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bench",
                              help="benchmark the recognition pipeline on a video or the demo camera")
    p.add_argument("--source", default="demo", metavar="FILE|demo", help="video file, or 'demo' (default)")
    p.add_argument("--cameras", type=int, default=1, metavar="N", help="cameras running at once (1-4)")
    p.add_argument("--seconds", type=float, default=20.0, metavar="S", help="how long to run (default 20)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None, help="default: the settings")
    p.add_argument("--max-speed", action="store_true",
                   help="analyse every frame as fast as possible instead of playing at the video's rate")
    p.add_argument("--json", type=Path, metavar="OUT", help="also write the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gatekeeper.domain.paths import AppPaths
    from gatekeeper.domain.settings import Settings
    from gatekeeper.services.bench import format_report, run_bench

    if not 1 <= args.cameras <= 4:
        raise ValueError("--cameras must be between 1 and 4")
    if args.seconds <= 0:
        raise ValueError("--seconds must be positive")
    data_dir = getattr(args, "data_dir", None)
    paths = AppPaths.default(data_dir)
    settings = Settings.load(Path(getattr(args, "config", None) or paths.config_file))
    if data_dir is None and settings.data_dir:
        paths = AppPaths.default(Path(settings.data_dir))
    paths.ensure()
    report = run_bench(settings, paths, source=args.source, cameras=args.cameras, seconds=args.seconds,
                       device=args.device, realtime=not args.max_speed,
                       progress=lambda m: print(m, flush=True))
    print(format_report(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"report written to {args.json}")
    return 0
