"""Make ultralytics and EasyOCR strictly offline before either is imported."""

from __future__ import annotations

import os
from pathlib import Path


def configure_offline(yolo_config_dir: Path | None = None) -> None:
    """Set ``YOLO_OFFLINE``, ``YOLO_AUTOINSTALL`` and ``YOLO_CONFIG_DIR`` (inside the app's data dir)."""
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "False"
    os.environ.setdefault("YOLO_VERBOSE", "False")
    if yolo_config_dir is None and "YOLO_CONFIG_DIR" in os.environ:
        return
    if yolo_config_dir is None:
        from gatekeeper.domain.paths import AppPaths

        yolo_config_dir = AppPaths.default().yolo_config_dir
    yolo_config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_CONFIG_DIR"] = str(yolo_config_dir)
