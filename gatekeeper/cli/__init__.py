"""``gatekeeper`` command line: no sub-command opens the operator window; sub-commands run headless.

Each sub-command lives in its own module exposing ``register(subparsers)``; modules keep heavy imports
(torch, ultralytics, Qt) inside their ``run`` functions so ``gatekeeper --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from gatekeeper import __version__

SUBCOMMAND_MODULES = (
    "gatekeeper.cli.read",
    "gatekeeper.cli.evaluate",
    "gatekeeper.cli.bench",
    "gatekeeper.cli.train",
    "gatekeeper.cli.models",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (window options plus every sub-command)."""
    parser = argparse.ArgumentParser(prog="gatekeeper", description="Gatekeeper licence-plate gate log.")
    parser.add_argument("--version", action="version", version=f"gatekeeper {__version__}")
    parser.add_argument("--demo", action="store_true", help="use the built-in demo camera")
    parser.add_argument("--exit-after", type=float, metavar="SECONDS", help="quit after SECONDS")
    parser.add_argument("--screenshot", type=Path, metavar="FILE.png",
                        help="save a screenshot before quitting")
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help="data folder (database, images, models)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="settings file (JSON)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gatekeeper`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        from gatekeeper.app import run_app

        return run_app(args)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (FileNotFoundError, ValueError) as exc:
        print(f"gatekeeper {args.command}: {exc}", file=sys.stderr)
        return 2
