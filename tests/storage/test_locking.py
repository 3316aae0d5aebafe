"""A locked or full database: clear errors, retries, and the on-disk spool that loses nothing."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import event

from gatekeeper.domain.types import PassRecord, Vehicle
from gatekeeper.storage.db import Database
from gatekeeper.storage.errors import DatabaseLockedError, DiskFullError, PassSpooledError
from gatekeeper.storage.passes import PassRepository
from gatekeeper.storage.vehicles import VehicleRepository

MakePass = Callable[..., PassRecord]


def hold_write_lock(db_file: Path) -> sqlite3.Connection:
    """Another program's connection holding a write transaction open."""
    other = sqlite3.connect(db_file, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO cameras (name, source, lane) VALUES ('other program', '', 'entry')")
    return other


def test_locked_database_spools_the_pass_and_replays_it(db: Database, db_file: Path,
                                                        make_pass: MakePass) -> None:
    repo = PassRepository(db)
    other = hold_write_lock(db_file)
    started = time.monotonic()
    with pytest.raises(PassSpooledError) as err:
        repo.add(make_pass("12가3456"))
    assert time.monotonic() - started >= 0.15  # two tries of busy_timeout=100 ms plus the backoff
    message = str(err.value)
    assert str(db_file) in message and "locked" in message and "pending_passes.jsonl" in message
    assert isinstance(err.value.cause, DatabaseLockedError)
    assert err.value.record.plate_read == "12가3456" and err.value.record.id is None
    lines = db.spool.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["plate_read"] == "12가3456"
    other.rollback()
    other.close()
    # the next successful write replays the spool: nothing lost, nothing doubled
    repo.add(make_pass("34나5678"))
    assert sorted(r.plate for r in repo.query(limit=None)) == ["12가3456", "34나5678"]
    assert len(repo.get(repo.query(limit=None, sort="plate")[0].id).reads) == 2
    assert not db.spool.path.exists()


def test_lock_released_during_the_retries_succeeds(tmp_path: Path, db_file: Path,
                                                   make_pass: MakePass) -> None:
    db = Database(f"sqlite:///{db_file}", spool_path=tmp_path / "spool.jsonl", busy_timeout_ms=100,
                  lock_retries=6, retry_backoff_s=0.05)
    db.upgrade()
    other = hold_write_lock(db_file)
    release = threading.Timer(0.3, lambda: (other.rollback(), other.close()))
    release.start()
    stored = PassRepository(db).add(make_pass("12가3456"))
    release.join()
    assert stored.id is not None and not db.spool.path.exists()
    db.dispose()


def test_locked_error_without_spool_is_clear(tmp_path: Path, db_file: Path) -> None:
    db = Database(f"sqlite:///{db_file}", busy_timeout_ms=50, lock_retries=2, retry_backoff_s=0.01)
    db.upgrade()
    other = hold_write_lock(db_file)
    try:
        with pytest.raises(DatabaseLockedError) as err:
            VehicleRepository(db).add(Vehicle("12가3456"))
        assert "2 tries" in str(err.value) and str(db_file) in str(err.value)
        # reads still work while another program writes (WAL)
        assert VehicleRepository(db).count() == 0
    finally:
        other.rollback()
        other.close()
        db.dispose()


def test_spool_is_replayed_on_start_and_is_idempotent(tmp_path: Path, db_file: Path,
                                                      make_pass: MakePass) -> None:
    spool = tmp_path / "spool.jsonl"
    db = Database(f"sqlite:///{db_file}", spool_path=spool, busy_timeout_ms=50, lock_retries=1)
    db.upgrade()
    other = hold_write_lock(db_file)
    for text in ("12가3456", "LS15EBC"):
        with pytest.raises(PassSpooledError):
            PassRepository(db).add(make_pass(text))
    other.rollback()
    other.close()
    db.dispose()
    first = spool.read_text(encoding="utf-8").splitlines()[0]
    with open(spool, "a", encoding="utf-8") as fh:  # a torn line (power cut) and a duplicate
        fh.write('{"uid": "broken", "plate_r\n' + first + "\n")
    restarted = Database(f"sqlite:///{db_file}", spool_path=spool)
    restarted.upgrade()
    assert sorted(r.plate for r in PassRepository(restarted).query(limit=None)) == ["12가3456", "LS15EBC"]
    assert not spool.exists()
    restarted.dispose()


def test_full_database_gives_disk_full_error(db: Database, make_pass: MakePass) -> None:
    """SQLite's max_page_count makes the file 'full' exactly like a full disk (SQLITE_FULL)."""

    @event.listens_for(db.engine, "connect")
    def _limit(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + 2}")

    db.engine.dispose()
    repo = PassRepository(db)
    with pytest.raises(PassSpooledError) as err:
        for i in range(200):
            rec = make_pass(f"{10 + i % 90}가{1000 + i}", reads=20)
            repo.add(rec)
    assert isinstance(err.value.cause, DiskFullError)
    assert "full" in str(err.value) and "Free some space" in str(err.value)
    assert len(db.spool.entries()) == 1


def test_upgrade_waits_for_a_lock_then_reports_it(tmp_path: Path, db_file: Path) -> None:
    sqlite3.connect(db_file).close()
    other = sqlite3.connect(db_file, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    db = Database(f"sqlite:///{db_file}", busy_timeout_ms=50, lock_retries=2, retry_backoff_s=0.01)
    try:
        with pytest.raises(DatabaseLockedError, match="2 tries"):
            db.upgrade()
    finally:
        other.rollback()
        other.close()
    db.upgrade()  # nothing was half-applied: the migration runs in one transaction
    assert "passes" in db.table_names()
    db.dispose()
