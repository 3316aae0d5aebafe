"""Versions of the detector and the two reader models: lineage, metrics, files, and which one is in use.

The database (``model_versions``) is the record; ``models_dir/active.json`` mirrors the active version
of each kind so the model loader can find it without opening the database (:func:`active_weights`).
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime, timezone
from pathlib import Path

from gatekeeper.domain.files import atomic_write_bytes, sha256_file
from gatekeeper.domain.paths import AppPaths, weights_dir
from gatekeeper.domain.settings import Settings, resolve_model_path
from gatekeeper.domain.types import MODEL_KINDS
from gatekeeper.storage.labeling_repo import (
    ACTIVE,
    CANDIDATE,
    REJECTED,
    ModelVersion,
    ModelVersionRepository,
)

log = logging.getLogger(__name__)

ACTIVE_FILE = "active.json"
SHIPPED_NOTE = "shipped weights"
_SUFFIXES = {"detector": ("", ".onnx", ".pt"), "reader": ("", ".pth", ".onnx"),
             "latin-reader": ("", ".pth", ".onnx")}


def hash_tree(path: Path) -> dict[str, str]:
    """``{relative name: sha256}`` of a model file or of every file in a model folder."""
    path = Path(path)
    if path.is_file():
        return {path.name: sha256_file(path)}
    return {p.relative_to(path).as_posix(): sha256_file(p) for p in sorted(path.rglob("*")) if p.is_file()}


def shipped_digest(entry: Path) -> dict[str, str]:
    """The sha256s the registry records for a model copied from ``entry`` (its files by name)."""
    out: dict[str, str] = {}
    for f in model_files(entry):
        out.update(hash_tree(f) if f.is_file() else {f"{f.name}/{k}": v for k, v in hash_tree(f).items()})
    return out


def shipped_weights(kind: str, settings: Settings, paths: AppPaths) -> Path | None:
    """The shipped weights of ``kind`` named by the settings (``None`` when absent)."""
    value = {"detector": settings.detector.weights, "reader": settings.reader.korean_weights,
             "latin-reader": settings.reader.latin_weights}[kind]
    for suffix in _SUFFIXES[kind]:
        p = resolve_model_path(value + suffix, paths.config_dir, weights_dir())
        if p.exists():
            return p
    return None


def model_files(entry: Path) -> list[Path]:
    """The files that make one model: a folder, or a weights file with its same-stem siblings
    (``plate_detector.onnx`` + ``.pt``; an EasyOCR network's ``.pth`` + ``.yaml`` + ``.py``)."""
    entry = Path(entry)
    if entry.is_dir():
        return [entry]
    siblings = [p for p in sorted(entry.parent.glob(f"{entry.stem}.*")) if p.is_file() and p != entry]
    return [entry, *siblings]


def active_weights(paths: AppPaths, kind: str) -> Path | None:
    """The active registered model of ``kind`` (file or folder), or ``None`` to use the shipped weights.

    For ``services.runtime.load_models``: prefer this over the settings' path when it is not ``None``.
    """
    path = Path(paths.models_dir) / ACTIVE_FILE
    try:
        entry = json.loads(path.read_text(encoding="utf-8")).get(kind)
    except (OSError, ValueError):
        return None
    if not entry or not entry.get("path"):
        return None
    p = Path(entry["path"])
    return p if p.exists() else None


class ModelRegistry:
    """Registers candidates, activates (champion), rejects, rolls back."""

    def __init__(
        self, repo: ModelVersionRepository, paths: AppPaths, settings: Settings | None = None
    ) -> None:
        self.repo = repo
        self.paths = paths
        self.settings = settings or Settings()

    def ensure_initial(self) -> list[ModelVersion]:
        """Register the shipped weights (first start, and again when an update ships different files).

        New shipped weights become active unless the site already uses a model trained here; then they
        stay a candidate that ``gatekeeper models activate`` can switch to. Returns the versions added.
        """
        added = []
        for kind in MODEL_KINDS:
            src = shipped_weights(kind, self.settings, self.paths)
            if src is None:
                if not self.repo.count(kind):
                    log.warning("no shipped %s weights to register", kind)
                continue
            digest = shipped_digest(src)
            known = [v for v in self.repo.list(kind) if v.note == SHIPPED_NOTE]
            if any(v.sha256 == digest for v in known):
                continue
            mv = self.register(kind, src, parent=None, metrics={}, data_size=0, note=SHIPPED_NOTE)
            active = self.repo.active(kind)
            if active is None or active.note == SHIPPED_NOTE:
                mv = self.activate(mv.version)
            else:
                log.info(
                    "new shipped %s weights registered as %s; %s (trained here) stays active",
                    kind,
                    mv.version,
                    active.version,
                )
            added.append(mv)
        return added

    def next_version(self, kind: str) -> str:
        return f"{kind}-{self.repo.count(kind):03d}"

    def register(
        self,
        kind: str,
        entry: Path,
        *,
        parent: str | None,
        metrics: dict,
        data_size: int,
        report_path: str = "",
        note: str = "",
        status: str = CANDIDATE,
    ) -> ModelVersion:
        """Copy the model's files to ``models_dir/<version>/`` and record it (as a candidate)."""
        if kind not in MODEL_KINDS:
            raise ValueError(f"unknown model kind {kind!r}")
        entry = Path(entry)
        if not entry.exists():
            raise FileNotFoundError(f"model not found: {entry}")
        version = self.next_version(kind)
        folder = self.paths.models_dir / version
        tmp = self.paths.models_dir / f".{version}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for f in model_files(entry):
            if f.is_dir():
                shutil.copytree(f, tmp / f.name)
            else:
                shutil.copy2(f, tmp / f.name)
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
        copied = folder / entry.name
        mv = ModelVersion(
            version=version,
            kind=kind,
            path=str(copied),
            status=status,
            parent=parent,
            data_size=data_size,
            metrics=metrics,
            sha256=hash_tree(folder),
            created_at=datetime.now(timezone.utc),
            report_path=report_path,
            note=note,
        )
        log.info("registered %s (%s) from %s", version, status, entry)
        return self.repo.add(mv)

    def activate(self, version: str) -> ModelVersion:
        """Make ``version`` the one the app uses (also a roll-back); the previous one is retired."""
        mv = self.repo.get(version)
        if mv is None:
            raise ValueError(f"no model version {version!r} (see `gatekeeper models`)")
        if not Path(mv.path).exists():
            raise FileNotFoundError(f"the files of {version} are missing: {mv.path}")
        mv = self.repo.activate(version)
        self._write_active()
        log.info("activated %s", version)
        return mv

    def reject(self, version: str) -> None:
        self.repo.update(version, status=REJECTED)

    def active(self, kind: str) -> ModelVersion | None:
        return self.repo.active(kind)

    def list(self, kind: str | None = None) -> list[ModelVersion]:
        return self.repo.list(kind)

    def get(self, version: str) -> ModelVersion | None:
        return self.repo.get(version)

    def _write_active(self) -> None:
        data = {}
        for kind in MODEL_KINDS:
            mv = self.repo.active(kind)
            if mv is not None and mv.status == ACTIVE:
                data[kind] = {"version": mv.version, "path": mv.path}
        atomic_write_bytes(self.paths.models_dir / ACTIVE_FILE, json.dumps(data, indent=2).encode())
