"""On-site retraining: fine-tune a challenger, score it against the champion on the site split, decide.

Rule: the challenger replaces the active model (champion) only when it is better on the fixed site
validation split: a reader by ``plate_accuracy`` (strictly higher); detector when recall and precision are
both at least the champion's and one of them is strictly higher. Otherwise it is kept as ``rejected``.

Kinds: ``detector``, ``reader`` (the Korean reader: trained and scored on the site's plates with Hangul)
and ``latin-reader`` (the Latin network: trained and scored on the others).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from gatekeeper.dataset.site_dataset import SiteDataset
from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import RetrainSettings, Settings
from gatekeeper.domain.types import MODEL_KINDS
from gatekeeper.services.model_registry import SHIPPED_NOTE, ModelRegistry
from gatekeeper.services.train_report import write_report
from gatekeeper.training.site import (
    SiteScore,
    detector_metrics,
    fine_tune_detector,
    fine_tune_reader,
    reader_metrics,
)

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
ModelLoader = Callable[[str, Path], Any]
DEFAULT_EPOCHS = 10
DEFAULT_STEPS = 2000
DEFAULT_SYNTHETIC = 200
READER_SCRIPTS = {"reader": "korean", "latin-reader": "latin"}  # reader kind -> the site plates it learns


@dataclass
class RetrainOutcome:
    """What one retraining produced and decided."""

    kind: str
    version: str
    parent: str | None
    promoted: bool
    reason: str
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    report_path: str = ""
    data: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "version": self.version,
            "parent": self.parent,
            "promoted": self.promoted,
            "reason": self.reason,
            "before": self.before,
            "after": self.after,
            "report": self.report_path,
            "data": self.data,
        }


def challenger_wins(kind: str, champion: dict | None, challenger: dict) -> tuple[bool, str]:
    """Apply the champion/challenger rule; returns (promote?, why)."""
    if not champion:
        return True, "no champion score: the challenger is the first scored model"
    if kind in READER_SCRIPTS:
        old, new = float(champion.get("plate_accuracy", 0.0)), float(challenger.get("plate_accuracy", 0.0))
        if new > old:
            return True, f"plate accuracy {old:.3f} -> {new:.3f}"
        return False, f"plate accuracy not better ({new:.3f} vs {old:.3f})"
    r0, p0 = float(champion.get("detection_recall", 0.0)), float(champion.get("detection_precision", 0.0))
    r1, p1 = float(challenger.get("detection_recall", 0.0)), float(challenger.get("detection_precision", 0.0))
    if r1 >= r0 and p1 >= p0 and (r1 > r0 or p1 > p0):
        return True, f"recall {r0:.3f} -> {r1:.3f}, precision {p0:.3f} -> {p1:.3f}"
    return False, f"not better: recall {r1:.3f} vs {r0:.3f}, precision {p1:.3f} vs {p0:.3f}"


def default_loader(settings: Settings, device: str = "cpu") -> ModelLoader:
    """Builds a detector / Korean reader / Latin reader from a weights path with the app's own classes."""

    def load(kind: str, path: Path) -> Any:
        path = Path(path)
        if kind == "detector":
            from gatekeeper.pipeline.detector import YoloPlateDetector

            d = settings.detector
            return YoloPlateDetector(path, imgsz=d.imgsz, confidence=d.confidence, iou=d.iou, device=device)
        name = path.name if path.is_dir() else path.stem
        if kind == "latin-reader":
            from gatekeeper.pipeline.reader_latin_net import LatinNetReader

            return LatinNetReader(path.parent, name=name, device=device, int8=settings.reader.int8)
        from gatekeeper.pipeline.reader import KoreanPlateReader

        return KoreanPlateReader(path.parent, name=name, device=device, int8=settings.reader.int8)

    return load


class RetrainService:
    """Runs one site retraining of ``detector``, ``reader`` or ``latin-reader`` and registers the result."""

    def __init__(
        self,
        registry: ModelRegistry,
        paths: AppPaths,
        settings: Settings | None = None,
        *,
        loader: ModelLoader | None = None,
    ) -> None:
        self.registry = registry
        self.paths = paths
        self.settings = settings or Settings()
        self.site = SiteDataset(paths.labels_dir)
        self.loader = loader or default_loader(self.settings)

    def score(self, kind: str, weights: Path) -> SiteScore:
        """Metrics of the model at ``weights`` on the site validation split."""
        model = self.loader(kind, Path(weights))
        if kind == "detector":
            return detector_metrics(model, self.site.detector_samples("val"))
        return reader_metrics(model, self.site, "val", self.settings.reader.upscale_min_width,
                              script=READER_SCRIPTS[kind])

    def val_size(self, kind: str) -> int:
        """Labelled frames (detector) or plates of the reader's script in the validation split."""
        return self.site.counts()[data_key(kind, "val")]

    def champion_score(self, kind: str) -> tuple[str | None, dict | None]:
        """The active model's site score: its stored record when the split has not grown, else re-scored."""
        champion = self.registry.active(kind)
        if champion is None:
            return None, None
        stored = champion.metrics.get("site_val")
        if stored and int(stored.get("val_size", -1)) == self.val_size(kind):
            return champion.version, stored
        metrics = self.score(kind, Path(champion.path)).metrics
        self.registry.repo.update(champion.version, metrics={**champion.metrics, "site_val": metrics})
        return champion.version, metrics

    def train(
        self,
        kind: str,
        out_dir: Path,
        *,
        epochs: int | None,
        steps: int | None,
        device: str,
        progress: Progress | None,
        base: Path | None,
        time_budget_s: float | None,
        synthetic: int,
        imgsz: int,
        trainer_kwargs: dict | None = None,
    ) -> tuple[Path, dict]:
        """Fine-tune; returns (model entry to register, training metrics)."""
        if kind == "detector":
            pt = base.with_suffix(".pt") if base is not None else None
            if pt is not None and not pt.is_file():
                log.warning("the active detector has no .pt beside %s: training from scratch", base)
            result = fine_tune_detector(
                out_dir,
                self.site,
                base_weights=pt if pt and pt.is_file() else None,
                epochs=epochs or DEFAULT_EPOCHS,
                imgsz=imgsz,
                synthetic=synthetic,
                device=device,
                progress=progress,
                time_budget_s=time_budget_s,
                **(trainer_kwargs or {}),
            )
            entry = Path(result.onnx) if getattr(result, "onnx", None) else Path(result.weights)
            return entry, dict(result.metrics)
        pth = base.with_suffix(".pth") if base is not None else None
        if pth is not None and not pth.is_file():
            log.warning("the active reader has no .pth beside %s: training from scratch", base)
        result = fine_tune_reader(
            out_dir,
            self.site,
            base_weights=pth if pth and pth.is_file() else None,
            steps=steps or DEFAULT_STEPS,
            device=device,
            progress=progress,
            time_budget_s=time_budget_s,
            synthetic=synthetic,
            kind=READER_SCRIPTS[kind],
            **(trainer_kwargs or {}),
        )
        return Path(reader_entry(result)), dict(getattr(result, "metrics", {}) or {})

    def run(
        self,
        kind: str,
        *,
        epochs: int | None = None,
        steps: int | None = None,
        out_dir: Path | None = None,
        device: str = "cpu",
        progress: Progress | None = None,
        time_budget_s: float | None = None,
        synthetic: int = DEFAULT_SYNTHETIC,
        imgsz: int | None = None,
        trainer_kwargs: dict | None = None,
    ) -> RetrainOutcome:
        """Fine-tune from the active model, score champion and challenger, promote or reject."""
        say = progress or (lambda _f, _m: None)
        if kind not in MODEL_KINDS:
            raise ValueError(f"unknown model kind {kind!r} (one of {', '.join(MODEL_KINDS)})")
        self.registry.ensure_initial()
        counts = self.site.counts()
        if self.val_size(kind) == 0:
            script = READER_SCRIPTS.get(kind)
            what = f"{script.capitalize()} plates" if script else "labelled frames"
            raise ValueError(f"the site validation split has no {what}: label more passes before retraining")
        champion = self.registry.active(kind)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        keep_run = out_dir is not None  # a default run folder is removed once the model is registered
        out_dir = Path(out_dir) if out_dir else self.paths.data_dir / "runs" / f"{kind}-{stamp}"
        say(0.0, f"scoring the current {kind} on the site validation split")
        parent, before = self.champion_score(kind)
        entry, train_metrics = self.train(
            kind,
            out_dir,
            epochs=epochs,
            steps=steps,
            device=device,
            base=Path(champion.path) if champion else None,
            progress=lambda f, m: say(0.05 + 0.85 * f, m),
            time_budget_s=time_budget_s,
            synthetic=synthetic,
            imgsz=imgsz or self.settings.detector.imgsz,
            trainer_kwargs=trainer_kwargs,
        )
        say(0.92, "scoring the new model on the site validation split")
        score = self.score(kind, entry)
        promote, reason = challenger_wins(kind, before, score.metrics)
        data = {data_key(kind, split): counts[data_key(kind, split)] for split in ("train", "val")}
        mv = self.registry.register(
            kind,
            entry,
            parent=parent,
            data_size=data[data_key(kind, "train")],
            metrics={"site_val": score.metrics, "train": train_metrics, "champion_site_val": before or {}},
            note=f"site retraining from {parent or 'scratch'}",
        )
        report = write_report(
            self.paths.models_dir / mv.version / "report.html",
            kind=kind,
            version=mv.version,
            parent=parent,
            promoted=promote,
            reason=reason,
            before=before or {},
            after=score.metrics,
            data=data,
            rows=score.rows,
            frames=score.frames,
            train_metrics=train_metrics,
        )
        self.registry.repo.update(mv.version, report_path=str(report))
        if promote:
            self.registry.activate(mv.version)
        else:
            self.registry.reject(mv.version)
        if not keep_run:
            shutil.rmtree(out_dir, ignore_errors=True)
        say(1.0, f"{mv.version} {'activated' if promote else 'rejected'}: {reason}")
        log.info("retrain %s -> %s %s (%s)", kind, mv.version, "activated" if promote else "rejected", reason)
        return RetrainOutcome(
            kind, mv.version, parent, promote, reason, before or {}, score.metrics, str(report), data
        )


def data_key(kind: str, split: str) -> str:
    """The ``SiteDataset.counts`` entry of what ``kind`` learns from in ``split``."""
    if kind == "detector":
        return f"frames_{split}"
    return f"plates_{READER_SCRIPTS[kind]}_{split}"


def reader_kind_for(counts: dict[str, int]) -> str:
    """The reader a quiet-hour retraining should train: the Latin one when most of the site's labelled
    training plates are Latin (and its validation split has some), else the Korean one."""
    latin_train, korean_train = counts.get("plates_latin_train", 0), counts.get("plates_korean_train", 0)
    return "latin-reader" if counts.get("plates_latin_val", 0) and latin_train > korean_train else "reader"


def reader_entry(result: Any) -> Path:
    """The weights file the reader loader takes (``<name>.pth`` beside its ``.yaml``/``.py``)."""
    for name in ("pth", "weights", "onnx"):
        value = getattr(result, name, None)
        if value:
            return Path(value)
    raise ValueError("the reader training returned no model path")


def labels_since_last_training(labels: Any, registry: ModelRegistry) -> int:
    """Labels saved since the newest trained (not shipped) model was registered; all of them before that."""
    trained = [v.created_at for v in registry.list() if v.note != SHIPPED_NOTE and v.created_at is not None]
    return labels.count_labelled_since(max(trained) if trained else None)


@dataclass
class RetrainScheduler:
    """Decides when to offer (or start) a retraining: enough new labels, at the quiet hour, once a day."""

    settings: RetrainSettings
    last_offered: date | None = None

    def should_offer(self, now: datetime, new_labels: int) -> bool:
        """True when ``new_labels`` reached the trigger, it is the quiet hour, and not yet offered today."""
        if new_labels < self.settings.labels_trigger:
            return False
        if now.hour != self.settings.quiet_hour:
            return False
        return self.last_offered != now.date()

    def check(self, now: datetime, new_labels: int) -> str | None:
        """``start`` / ``offer`` (and remembers the day) or ``None``."""
        if not self.should_offer(now, new_labels):
            return None
        self.last_offered = now.date()
        return "start" if self.settings.auto_start else "offer"
