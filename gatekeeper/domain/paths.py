"""Where Gatekeeper keeps its files (platformdirs, with a dev/test override)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Gatekeeper"
ENV_HOME = "GATEKEEPER_HOME"


def project_root() -> Path:
    """The source tree or, in a PyInstaller bundle, the bundle's data root."""
    import sys

    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parents[2]


def weights_dir() -> Path:
    """The shipped ``weights/`` folder."""
    return project_root() / "weights"


def resources_dir() -> Path:
    """The shipped ``resources/`` folder."""
    return project_root() / "resources"


@dataclass(frozen=True)
class AppPaths:
    """The user's config and data folders; ``GATEKEEPER_HOME`` puts both under one folder."""

    config_dir: Path
    data_dir: Path

    @classmethod
    def default(cls, data_dir: Path | None = None) -> AppPaths:
        home = os.environ.get(ENV_HOME)
        if home:
            base = Path(home).expanduser().resolve()
            paths = cls(config_dir=base / "config", data_dir=base / "data")
        else:
            paths = cls(
                config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
                data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            )
        if data_dir is not None:
            paths = cls(config_dir=paths.config_dir, data_dir=Path(data_dir).expanduser().resolve())
        return paths

    @property
    def config_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def database_file(self) -> Path:
        return self.data_dir / "gatekeeper.sqlite3"

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"

    @property
    def labels_dir(self) -> Path:
        return self.data_dir / "labels"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def yolo_config_dir(self) -> Path:
        return self.data_dir / "ultralytics"

    def ensure(self) -> AppPaths:
        """Create the folders; returns self."""
        for p in (self.config_dir, self.data_dir, self.images_dir, self.labels_dir, self.models_dir,
                  self.yolo_config_dir):
            p.mkdir(parents=True, exist_ok=True)
        return self
