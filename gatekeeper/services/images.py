"""Evidence images: atomic JPEG/PNG writes under ``images/YYYY/MM/DD/``, addressed by relative paths."""

from __future__ import annotations

import errno
import logging
import os
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from gatekeeper.domain.files import atomic_write_bytes
from gatekeeper.storage.errors import DiskFullError, StorageError

log = logging.getLogger(__name__)

_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


class ImageStoreError(StorageError):
    """An evidence image could not be written or read."""


class ImageStore:
    """Writes evidence images atomically under ``root`` (the app's images folder).

    Paths handed out are relative to ``root`` with forward slashes (local date folders), e.g.
    ``2026/11/21/081502_gate1_ab12cd34_frame.jpg``, so the database stays valid when the data folder moves.
    """

    def __init__(self, root: Path, jpeg_quality: int = 90) -> None:
        self.root = Path(root)
        self.jpeg_quality = int(jpeg_quality)

    def path(self, relative: str) -> Path:
        """The absolute path of a stored image (refuses paths that leave the store)."""
        p = (self.root / relative).resolve()
        if not p.is_relative_to(self.root.resolve()):
            raise ImageStoreError(f"{relative!r} is outside the image folder {self.root}")
        return p

    def save(self, image: Any, kind: str, *, when: datetime | None = None, camera: str = "",
             fmt: str = "jpg") -> str:
        """Encode ``image`` (HxWx3 BGR or HxW uint8) and store it; returns the relative path."""
        when = when or datetime.now(timezone.utc)
        fmt = fmt.lower().lstrip(".")
        if fmt not in ("jpg", "jpeg", "png"):
            raise ValueError(f"unsupported image format {fmt!r} (use jpg or png)")
        arr = np.ascontiguousarray(image)
        if arr.dtype != np.uint8 or arr.ndim not in (2, 3) or arr.size == 0:
            raise ValueError(f"cannot store an image of shape {arr.shape} and type {arr.dtype}")
        params = [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality] if fmt != "png" else []
        ok, buf = cv2.imencode(".png" if fmt == "png" else ".jpg", arr, params)
        if not ok:
            raise ImageStoreError(f"could not encode a {arr.shape} image as {fmt}")
        local = when.astimezone() if when.tzinfo else when
        cam = _SAFE.sub("-", camera).strip("-")[:32] or "cam"
        name = f"{local:%H%M%S}_{cam}_{uuid.uuid4().hex[:8]}_{_SAFE.sub('-', kind) or 'img'}.{fmt}"
        rel = f"{local:%Y/%m/%d}/{name}"
        self.write_bytes(rel, buf.tobytes())
        return rel

    def write_bytes(self, relative: str, data: bytes) -> Path:
        """Write ``data`` to ``relative`` atomically: temp file in the same folder, fsync, ``os.replace``."""
        target = self.path(relative)
        try:
            atomic_write_bytes(target, data)
            _fsync_dir(target.parent)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFullError(
                    f"The disk holding the image folder {self.root} is full: {target.name} was not saved. "
                    "Free some space (for example move old images elsewhere) and try again."
                ) from exc
            raise ImageStoreError(f"Cannot write the image {target}: {exc.strerror or exc}") from exc
        return target

    def load(self, relative: str) -> Any | None:
        """Decode a stored image (BGR ndarray) or ``None`` when it is missing or unreadable."""
        if not relative:
            return None
        p = self.path(relative)
        if not p.is_file():
            return None
        data = np.fromfile(str(p), dtype=np.uint8)
        img = cv2.imdecode(data, cv2.IMREAD_COLOR)
        return img


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
