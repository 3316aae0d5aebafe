"""``gatekeeper train detector|reader|latin-reader``: base recipes, or ``--site`` fine-tuning with
champion/challenger (the detector on the labelled frames, each reader on the labelled plates of its
script)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gatekeeper.domain.types import MODEL_KINDS

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train the plate detector or a reader (base recipe or --site)")
    p.add_argument("kind", choices=MODEL_KINDS,
                   help="reader: the Korean reader; latin-reader: the Latin one (0-9, A-Z)")
    p.add_argument(
        "--site",
        action="store_true",
        help="fine-tune the active model on this site's labels; activate it only if it is better",
    )
    p.add_argument("--epochs", type=int, help="detector epochs")
    p.add_argument("--steps", type=int, help="reader training steps")
    p.add_argument("--out", type=Path, metavar="DIR", help="run folder (default: <data>/runs/<kind>-<time>)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="training device")
    p.add_argument(
        "--synthetic",
        type=int,
        help="synthetic samples mixed in (detector composites / reader "
        "plates); default: 200 with --site, the recipe's otherwise",
    )
    p.add_argument("--imgsz", type=int, help="detector input size (default: from settings)")
    p.add_argument("--batch-size", type=int, help="training batch size")
    p.add_argument("--held-out", type=int, help="reader: synthetic held-out plates scored during training")
    p.add_argument("--time-budget", type=float, metavar="SECONDS", help="stop training after SECONDS")
    p.add_argument("--base", type=Path, metavar="FILE",
                   help="fine-tune from these weights: a detector .pt, a reader .pth (not with --site)")
    p.add_argument("--low-light", type=int, metavar="N", help="detector: night/IR copies of training images")
    p.add_argument("--blur", type=int, metavar="N",
                   help="detector: motion-blurred and defocused copies of training images")
    p.add_argument("--lettering", type=int, metavar="N",
                   help="detector: copies of training images with stickers and lettering that are not plates")
    p.add_argument("--lr0", type=float, help="detector: AdamW learning rate (fine-tuning)")
    p.add_argument("--lr", type=float, help="reader: peak learning rate (default 2e-3)")
    p.add_argument("--seed", type=int, help="random seed of the data and the training (default 0)")
    p.add_argument("--stop-at", type=int, metavar="STEP",
                   help="reader: end at this step, the learning rate still on the schedule of --steps")
    p.add_argument("--average-base", type=float, metavar="SHARE",
                   help="reader: export the weight average of the trained network and its base, "
                   "SHARE of the base (0.5 made the shipped Korean reader)")
    p.add_argument("--distill", type=float, metavar="WEIGHT",
                   help="reader: hold the fine-tune to its base where the base reads a plate right "
                   "(the weight of that term beside the CTC loss, e.g. 1.0)")
    p.add_argument("--style-weight", action="append", metavar="STYLE=WEIGHT",
                   help="readers: draw this plate style with another weight than the recipe's "
                   "(repeatable, e.g. yellow_commercial_1line=0.25; Latin: eu, us, yellow, plain, dark, uk)")
    p.add_argument("--name", metavar="NAME",
                   help="reader: the exported files' name (default kr_reader / latin_reader; latin_us made "
                   "the US serial network)")
    p.add_argument("--progress-json", action="store_true", help="print progress as JSON lines (for the UI)")
    p.add_argument(
        "--config", type=Path, metavar="FILE", default=argparse.SUPPRESS, help="settings file (JSON)"
    )
    p.set_defaults(func=run)


def app_context(args: argparse.Namespace) -> tuple[Any, Any]:
    """(AppPaths, Settings) from ``--data-dir``/``--config`` like the window does."""
    from gatekeeper.domain.paths import AppPaths
    from gatekeeper.domain.settings import Settings

    data_dir = getattr(args, "data_dir", None)
    paths = AppPaths.default(data_dir)
    settings = Settings.load(Path(getattr(args, "config", None) or paths.config_file))
    if data_dir is None and settings.data_dir:
        paths = AppPaths.default(Path(settings.data_dir))
    return paths.ensure(), settings


def open_registry(paths: Any, settings: Any) -> tuple[Any, Any]:
    """(Database, ModelRegistry) with the schema upgraded and the shipped models registered."""
    from gatekeeper.services.model_registry import ModelRegistry
    from gatekeeper.storage.db import Database
    from gatekeeper.storage.labeling_repo import ModelVersionRepository

    db = Database.for_paths(paths, settings.database_url)
    db.upgrade()
    registry = ModelRegistry(ModelVersionRepository(db), paths, settings)
    registry.ensure_initial()
    return db, registry


def _progress(as_json: bool):
    def say(fraction: float, message: str) -> None:
        if as_json:
            print(
                json.dumps({"progress": round(float(fraction), 4), "message": message}, ensure_ascii=False),
                flush=True,
            )
        else:
            print(f"{100 * fraction:5.1f}% {message}", file=sys.stderr, flush=True)

    return say


def _stop_on_sigterm() -> None:
    """Turn SIGTERM (the window's Cancel) into KeyboardInterrupt so trainers clean up their helpers."""
    import signal

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (tests calling run() from a worker)
        pass


def option_errors(args: argparse.Namespace) -> list[str]:
    """Options given that do not apply to this kind of model or mode (each a sentence)."""
    detector_only = {"low_light": "--low-light", "blur": "--blur", "lettering": "--lettering", "lr0": "--lr0",
                     "imgsz": "--imgsz", "epochs": "--epochs"}
    reader_only = {"lr": "--lr", "stop_at": "--stop-at", "average_base": "--average-base",
                   "distill": "--distill", "held_out": "--held-out", "steps": "--steps", "name": "--name"}
    wrong = detector_only if args.kind != "detector" else reader_only
    errors = [f"{flag} does not apply to the {args.kind}" for key, flag in wrong.items()
              if getattr(args, key, None) is not None]
    if args.site and getattr(args, "name", None) is not None:
        errors.append("--name does not apply with --site (site training registers a version)")
    if args.site and getattr(args, "base", None) is not None:
        errors.append("--base does not apply with --site (site training starts from the active model)")
    if getattr(args, "average_base", None) is not None and not 0.0 <= args.average_base < 1.0:
        errors.append(f"--average-base must be at least 0 and under 1, not {args.average_base}")
    if getattr(args, "distill", None) is not None and args.distill < 0:
        errors.append(f"--distill must be at least 0, not {args.distill}")
    if getattr(args, "style_weight", None):
        if args.kind == "detector" or args.site:
            errors.append("--style-weight applies to the readers' base recipes only (no --site)")
        else:
            from gatekeeper.training.reader_data import parse_styles

            try:
                parse_styles(args.style_weight, _plates(args.kind))
            except ValueError as exc:
                errors.append(str(exc))
    return errors


def run(args: argparse.Namespace) -> int:
    errors = option_errors(args)
    if errors:
        raise ValueError("; ".join(errors))
    _stop_on_sigterm()
    paths, settings = app_context(args)
    say = _progress(args.progress_json)
    if args.site:
        return _run_site(args, paths, settings, say)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out = args.out or paths.data_dir / "runs" / f"{args.kind}-base-{stamp}"
    extra = _trainer_kwargs(args)
    if args.synthetic is not None:
        extra["synthetic"] = args.synthetic
    if args.kind == "detector":
        from gatekeeper.training.detector import train_detector

        res = train_detector(
            out,
            epochs=args.epochs or 60,
            imgsz=args.imgsz or settings.detector.imgsz,
            device=args.device,
            progress=say,
            time_budget_s=args.time_budget,
            **extra,
        )
        result = {
            "kind": "detector",
            "weights": str(res.weights),
            "onnx": str(res.onnx or ""),
            "metrics": res.metrics,
        }
    else:
        from gatekeeper.domain.paths import weights_dir
        from gatekeeper.training.reader import train_reader

        if args.kind == "latin-reader":  # starts from the Korean network's features (digits, strokes)
            base = weights_dir() / "kr_reader.pth"
            extra.setdefault("base_weights", base if base.is_file() else None)
            extra["kind"] = "latin"
        res = train_reader(
            out,
            steps=args.steps or 20000,
            device=args.device,
            progress=say,
            time_budget_s=args.time_budget,
            **extra,
        )
        result = {
            "kind": args.kind,
            "weights": str(res.pth),
            "onnx": str(res.onnx or ""),
            "metrics": res.metrics,
        }
    print(json.dumps({"result": result}, ensure_ascii=False), flush=True)
    return 0


def _plates(kind: str) -> str:
    """The training data's kind of plates for a reader ``kind`` (``reader``, ``latin-reader``)."""
    return "latin" if kind == "latin-reader" else "korean"


def _trainer_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if args.batch_size:
        extra["batch" if args.kind == "detector" else "batch_size"] = args.batch_size
    if args.held_out is not None and args.kind != "detector":
        extra["held_out"] = args.held_out
    if getattr(args, "seed", None) is not None:
        extra["seed"] = args.seed
    if getattr(args, "base", None):  # refused with --site by option_errors
        extra["base_weights"] = args.base
    if args.kind == "detector":
        if getattr(args, "low_light", None):
            extra["low_light"] = args.low_light
        if getattr(args, "blur", None):
            extra["blur"] = args.blur
        if getattr(args, "lettering", None):
            extra["lettering"] = args.lettering
        if getattr(args, "lr0", None):
            extra["lr0"] = args.lr0
    else:
        for key in ("lr", "stop_at", "average_base", "distill", "name"):
            if getattr(args, key, None) is not None:
                extra[key] = getattr(args, key)
        if getattr(args, "style_weight", None):
            from gatekeeper.training.reader_data import parse_styles

            extra["styles"] = parse_styles(args.style_weight, _plates(args.kind))
    return extra


def _run_site(args: argparse.Namespace, paths: Any, settings: Any, say) -> int:
    from gatekeeper.services.retrain import DEFAULT_SYNTHETIC, RetrainService

    db, registry = open_registry(paths, settings)
    try:
        service = RetrainService(registry, paths, settings)
        outcome = service.run(
            args.kind,
            epochs=args.epochs,
            steps=args.steps,
            out_dir=args.out,
            device=args.device,
            progress=say,
            time_budget_s=args.time_budget,
            synthetic=DEFAULT_SYNTHETIC if args.synthetic is None else args.synthetic,
            imgsz=args.imgsz,
            trainer_kwargs=_trainer_kwargs(args),
        )
    finally:
        db.dispose()
    print(json.dumps({"result": outcome.as_dict()}, ensure_ascii=False), flush=True)
    return 0
