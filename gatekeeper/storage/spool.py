"""A small append-only JSON-lines spool for passes whose commit failed (replayed on the next write)."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gatekeeper.domain.files import atomic_open

log = logging.getLogger(__name__)


class PassSpool:
    """Durable queue of pending pass entries (dicts with a unique ``uid``), one JSON object per line."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, entry: dict[str, Any]) -> None:
        """Append one entry and fsync it (raises ``OSError`` when even the spool cannot be written)."""
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        log.warning("pass %s spooled to %s", entry.get("uid"), self.path)

    def entries(self) -> list[dict[str, Any]]:
        """All pending entries; a damaged line (torn write at a power cut) is skipped and logged."""
        with self._lock:
            return self._read()

    def __len__(self) -> int:
        return len(self.entries())

    def remove(self, uids: Iterable[str]) -> None:
        """Drop the entries whose ``uid`` is in ``uids`` (atomic rewrite of the spool file)."""
        done = set(uids)
        if not done:
            return
        with self._lock:
            keep = [e for e in self._read() if e.get("uid") not in done]
            if not keep:
                self.path.unlink(missing_ok=True)
                return
            with atomic_open(self.path, "w", encoding="utf-8") as fh:
                for e in keep:
                    fh.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")

    def _read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out: list[dict[str, Any]] = []
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    log.error("skipping damaged line %d of the pass spool %s", n, self.path)
                    continue
                if isinstance(entry, dict) and entry.get("uid"):
                    out.append(entry)
        return out
