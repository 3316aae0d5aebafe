"""Train the plate detector (ultralytics YOLO nano) on CPU, resumably, with nothing downloaded.

Everything a run writes lands in ``out_dir`` (run folder, linked datasets, label caches, composites) and in
``YOLO_CONFIG_DIR``. From scratch the model is built from the nano yaml: no pretrained hub weights.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gatekeeper.pipeline  # noqa: F401  (sets YOLO_OFFLINE / YOLO_AUTOINSTALL / YOLO_CONFIG_DIR first)
from gatekeeper.dataset.detect_data import write_detect_yaml

log = logging.getLogger(__name__)

NANO_YAML = "yolo11n.yaml"
REAL_DETECT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "detect" / "experiment-plates"
RUN_NAME = "train"
Progress = Callable[[float, str], None]


class DetectorTrainingError(RuntimeError):
    """Training could not start or produced no weights."""


@dataclass
class DetectorTrainResult:
    """Best weights of a run, their ONNX export and the validation metrics."""

    weights: Path
    onnx: Path | None
    metrics: dict[str, float] = field(default_factory=dict)
    run_dir: Path | None = None
    epochs: int = 0
    seconds: float = 0.0


def _no_font_download(*_args: Any, **_kwargs: Any) -> None:
    """Stand-in for ultralytics' ``check_font`` (it fetches Arial.ttf; plots are off, no font is needed)."""
    return None


def _patch_offline() -> None:
    import ultralytics.data.utils as data_utils

    data_utils.check_font = _no_font_download


def _resumable(last: Path) -> bool:
    """True when ``last.pt`` holds an unfinished run (ultralytics marks finished ones with epoch -1)."""
    if not last.is_file():
        return False
    import torch

    try:
        ckpt = torch.load(last, map_location="cpu", weights_only=False)
    except Exception as exc:  # a half-written checkpoint: start over rather than crash
        log.warning("cannot read %s (%s): starting a new run", last, exc)
        return False
    return int(ckpt.get("epoch", -1)) >= 0 and ckpt.get("optimizer") is not None


def _metrics_from(trainer: Any) -> dict[str, float]:
    raw = dict(getattr(trainer, "metrics", None) or {})
    keys = {
        "precision": "metrics/precision(B)",
        "recall": "metrics/recall(B)",
        "mAP50": "metrics/mAP50(B)",
        "mAP50-95": "metrics/mAP50-95(B)",
    }
    return {k: round(float(raw[v]), 4) for k, v in keys.items() if v in raw}


def export_onnx(weights: Path, imgsz: int = 320) -> Path:
    """Export ``weights`` (.pt) to a dynamic-shape ONNX file next to it (CPU, opset 17, no simplifier)."""
    from ultralytics import YOLO

    out = YOLO(str(weights), task="detect").export(
        format="onnx", imgsz=imgsz, dynamic=True, simplify=False, opset=17, device="cpu"
    )
    return Path(out)


def train_detector(
    out_dir: Path,
    *,
    data_yaml: Path | None = None,
    epochs: int,
    imgsz: int = 320,
    batch: int = 16,
    base_weights: Path | None = None,
    synthetic: int = 0,
    extra_data: Path | None = None,
    seed: int = 0,
    resume: bool = True,
    device: str = "cpu",
    progress: Progress | None = None,
    time_budget_s: float | None = None,
    real_data: Path | None = REAL_DETECT_DATA,
    workers: int = 0,
    cache: str | bool = "ram",
    patience: int = 100,
    close_mosaic: int = 10,
    export: bool = True,
    low_light: int = 0,
    blur: int = 0,
    lettering: int = 0,
    lr0: float | None = None,
    warmup_epochs: float = 3.0,
) -> DetectorTrainResult:
    """Train (or resume) a YOLO nano plate detector in ``out_dir``; returns best weights, ONNX and metrics.

    Without ``data_yaml`` one is written in ``out_dir`` from ``real_data`` (the experiment-plates
    photos, when present), ``synthetic`` Korean composites (generated under ``out_dir/composites``) and
    ``extra_data`` (a site dataset folder), plus ``low_light`` night/infrared copies of real and synthetic
    training images (:mod:`gatekeeper.dataset.low_light`) and ``blur`` motion-blurred and defocused copies
    (:mod:`gatekeeper.dataset.blur`) and ``lettering`` copies with writing that is not a plate (stickers,
    lettering on cars: :mod:`gatekeeper.dataset.lettering`). ``time_budget_s`` caps training (ultralytics
    ``time=``, which also re-plans the epochs and learning-rate schedule after the first epoch). ``lr0``
    fixes AdamW at that learning rate (for fine-tuning; otherwise ultralytics picks the optimiser).
    """
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    say = progress or (lambda _f, _m: None)
    if data_yaml is None:
        synth_dir = None
        if synthetic > 0:
            from gatekeeper.dataset.composite import generate_composites

            say(0.0, f"rendering {synthetic} synthetic plate composites")
            synth_dir = generate_composites(out_dir / "composites", count=synthetic, seed=seed)
        real = Path(real_data) if real_data is not None and Path(real_data).is_dir() else None
        extra = [Path(extra_data)] if extra_data else []
        sources = [d / "train" for d in (real, synth_dir)
                   if d is not None and (d / "train" / "images").is_dir()]
        if low_light > 0:
            from gatekeeper.dataset.low_light import write_low_light_copies

            say(0.0, f"writing {low_light} low-light copies")
            extra.append(write_low_light_copies(out_dir / "low_light", sources, low_light, seed=seed))
        if blur > 0:
            from gatekeeper.dataset.blur import write_blur_copies

            say(0.0, f"writing {blur} blurred copies")
            extra.append(write_blur_copies(out_dir / "blur", sources, blur, seed=seed))
        if lettering > 0:
            from gatekeeper.dataset.lettering import write_lettering_copies

            say(0.0, f"writing {lettering} copies with writing that is not a plate")
            extra.append(write_lettering_copies(out_dir / "lettering", sources, lettering, seed=seed))
        data_yaml = write_detect_yaml(out_dir, real, synthetic=synth_dir, extra=extra or None).yaml_path
    elif not Path(data_yaml).is_file():
        raise DetectorTrainingError(f"data yaml not found: {data_yaml}")

    _patch_offline()
    from ultralytics import YOLO

    last = out_dir / RUN_NAME / "weights" / "last.pt"
    args: dict[str, Any] = dict(
        data=str(data_yaml), imgsz=imgsz, batch=batch, device=device, workers=workers, cache=cache,
        plots=False, amp=False, seed=seed, patience=patience, close_mosaic=close_mosaic,
        project=str(out_dir), name=RUN_NAME, exist_ok=True, verbose=False, warmup_epochs=warmup_epochs,
    )
    if lr0 is not None:
        args.update(optimizer="AdamW", lr0=lr0)
    if time_budget_s:
        args["time"] = max(time_budget_s, 60.0) / 3600.0
    if resume and _resumable(last):
        say(0.0, f"resuming {last}")
        model = YOLO(str(last), task="detect")
        args["resume"] = str(last)
    else:
        if base_weights is not None and not Path(base_weights).is_file():
            raise DetectorTrainingError(f"base weights not found: {base_weights}")
        model = YOLO(str(base_weights) if base_weights else NANO_YAML, task="detect")
        args.update(epochs=epochs, pretrained=bool(base_weights))

    def on_epoch_end(trainer: Any) -> None:
        total = max(int(trainer.epochs), 1)
        done = min(int(trainer.epoch) + 1, total)  # the final validation of best.pt reports one past the end
        say(min(done / total, 1.0) * (0.95 if export else 1.0), f"epoch {done}/{total}")

    model.add_callback("on_fit_epoch_end", on_epoch_end)
    model.train(**args)
    trainer = model.trainer
    best = Path(trainer.best) if Path(trainer.best).is_file() else Path(trainer.last)
    if not best.is_file():
        raise DetectorTrainingError(f"training in {out_dir} produced no weights")
    metrics = _metrics_from(trainer)
    onnx = None
    if export:
        say(0.96, "exporting ONNX")
        onnx = export_onnx(best, imgsz)
    say(1.0, "done")
    epochs_done = int(getattr(trainer, "epoch", -1)) + 1
    return DetectorTrainResult(weights=best, onnx=onnx, metrics=metrics, run_dir=Path(trainer.save_dir),
                               epochs=epochs_done, seconds=round(time.monotonic() - t0, 1))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gatekeeper.training.detector --out DIR --epochs N [...]``."""
    p = argparse.ArgumentParser(prog="gatekeeper train detector", description=__doc__)
    p.add_argument("--out", type=Path, required=True, help="run folder (everything is written here)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--imgsz", type=int, default=320)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--data", type=Path, default=None, help="a YOLO data.yaml (default: build one)")
    p.add_argument("--real-data", type=Path, default=REAL_DETECT_DATA, help="experiment-plates folder")
    p.add_argument("--no-real", action="store_true", help="do not use the experiment-plates photos")
    p.add_argument("--base", type=Path, default=None, help="weights to fine-tune from (.pt)")
    p.add_argument("--synthetic", type=int, default=0, help="number of Korean composites to add")
    p.add_argument("--extra-data", type=Path, default=None, help="a site YOLO dataset folder to mix in")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-resume", action="store_true")
    p.add_argument("--device", default="cpu")
    p.add_argument("--hours", type=float, default=None, help="time budget (re-plans epochs to fit)")
    p.add_argument("--close-mosaic", type=int, default=10)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--no-export", action="store_true")
    p.add_argument("--low-light", type=int, default=0, help="night/infrared copies of training images to add")
    p.add_argument("--blur", type=int, default=0, help="blurred copies of training images to add")
    p.add_argument("--lettering", type=int, default=0,
                   help="copies of training images with stickers and lettering (not plates) to add")
    p.add_argument("--lr0", type=float, default=None, help="AdamW learning rate (default: auto)")
    p.add_argument("--warmup-epochs", type=float, default=3.0)
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if a.threads:
        import torch

        torch.set_num_threads(a.threads)

    def report(frac: float, msg: str) -> None:
        log.info("[%3.0f%%] %s", 100 * frac, msg)

    res = train_detector(
        a.out, data_yaml=a.data, epochs=a.epochs, imgsz=a.imgsz, batch=a.batch, base_weights=a.base,
        synthetic=a.synthetic, extra_data=a.extra_data, seed=a.seed, resume=not a.no_resume, device=a.device,
        progress=report, time_budget_s=a.hours * 3600 if a.hours else None,
        real_data=None if a.no_real else a.real_data, close_mosaic=a.close_mosaic, export=not a.no_export,
        low_light=a.low_light, blur=a.blur, lettering=a.lettering, lr0=a.lr0, warmup_epochs=a.warmup_epochs,
    )
    mins = res.seconds / 60
    print(f"weights: {res.weights}\nonnx: {res.onnx}\nmetrics: {res.metrics}")
    print(f"epochs: {res.epochs} ({mins:.1f} min)")
    return 0 if res.weights.is_file() else 1


if __name__ == "__main__":
    raise SystemExit(main())
