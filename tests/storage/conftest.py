"""Fixtures of the storage tests: a fresh, migrated SQLite file per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gatekeeper.domain.types import Decision, Lane, PassRecord, PlateRead
from gatekeeper.storage.db import Database


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "gk.sqlite3"


@pytest.fixture
def db(tmp_path: Path, db_file: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{db_file}", spool_path=tmp_path / "pending_passes.jsonl",
                        busy_timeout_ms=100, lock_retries=2, retry_backoff_s=0.05)
    database.upgrade()
    yield database
    database.dispose()


def _make_pass(text: str = "12가3456", *, camera: str = "Gate 1", lane: Lane = Lane.ENTRY,
               decision: Decision = Decision.UNKNOWN, when: datetime | None = None, confidence: float = 0.9,
               reads: int = 2) -> PassRecord:
    plate_reads = [PlateRead(text, confidence - 0.01 * i, (0.9,) * len(text), "kr_private", "kr")
                   for i in range(reads)]
    return PassRecord(
        plate_read=text, confidence=confidence, time_utc=when or T_DEFAULT, camera=camera, lane=lane,
        decision=decision, plate_format="kr_private", model_version="kr-1", reads=plate_reads,
    )


MakePass = Callable[..., PassRecord]
T_DEFAULT = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def make_pass() -> MakePass:
    """A factory of PassRecords with per-frame reads."""
    return _make_pass
