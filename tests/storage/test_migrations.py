"""Alembic migrations and the SQLite connection setup, on real files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, text

from gatekeeper.domain.paths import AppPaths
from gatekeeper.storage.db import Database, alembic_config
from gatekeeper.storage.errors import (
    CorruptDatabaseError,
    ReadOnlyDatabaseError,
    SchemaVersionError,
    StorageError,
)
from gatekeeper.storage.models import Base

OWN_TABLES = {"cameras", "vehicles", "passes", "pass_reads", "corrections"}


def test_upgrade_from_empty_then_downgrade_base_and_up_again(db_file: Path) -> None:
    db = Database(f"sqlite:///{db_file}")
    assert db.current_revision() is None
    db.upgrade()
    assert OWN_TABLES <= set(db.table_names())
    head = db.current_revision()
    assert head is not None and head >= "0001"
    db.downgrade("base")
    assert db.current_revision() is None
    assert not OWN_TABLES & set(db.table_names())
    db.upgrade()
    assert db.current_revision() == head and OWN_TABLES <= set(db.table_names())
    db.dispose()


def _table_of(diff: object) -> str:
    """The table an autogenerate diff is about (diffs are tuples, or lists of tuples for columns)."""
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:  # type: ignore[index]
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(part, str) and part in OWN_TABLES:
            return part
        if getattr(part, "name", None) in OWN_TABLES:
            return str(part.name)
    return ""


def test_models_match_migrations(db: Database) -> None:
    """Autogenerate finds nothing to change in our tables: models and 0001 agree."""
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, Base.metadata)
        assert [d for d in diffs if _table_of(d) in OWN_TABLES] == []
        # the check can fail: a model column the migration lacks is reported
        changed = MetaData()
        for name in OWN_TABLES:
            Base.metadata.tables[name].to_metadata(changed)
        changed.tables["passes"].append_column(Column("extra", Integer))
        assert any(_table_of(d) == "passes" for d in compare_metadata(ctx, changed))


def test_wal_foreign_keys_and_full_sync_are_on(db: Database, db_file: Path) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 100
    # the mode is persistent in the file: a plain sqlite3 connection sees WAL too
    raw = sqlite3.connect(db_file)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()
    # foreign keys are enforced: a pass pointing at a missing camera is refused
    with pytest.raises(StorageError):
        with db.session() as s:
            s.execute(text(
                "INSERT INTO passes (uid, plate_read, plate_norm, confidence, time_utc, camera_id, lane,"
                " decision, plate_format, frame_path, crop_path, model_version)"
                " VALUES ('u1', 'x', 'x', 0.5, '2026-01-01 00:00:00', 999, 'entry', 'unknown',"
                " '', '', '', '')"))


def test_for_paths_uses_the_data_folder(tmp_path: Path) -> None:
    paths = AppPaths(config_dir=tmp_path / "cfg", data_dir=tmp_path / "data")
    db = Database.for_paths(paths)
    db.upgrade()
    assert db.file == paths.database_file.resolve() and paths.database_file.exists()
    assert db.spool is not None and db.spool.path.parent == paths.data_dir
    db.dispose()


def test_corrupt_file_gives_a_clear_error(db_file: Path) -> None:
    db_file.write_bytes(b"this is certainly not an sqlite database" * 100)
    db = Database(f"sqlite:///{db_file}")
    with pytest.raises(CorruptDatabaseError) as err:
        db.upgrade()
    assert str(db_file) in str(err.value) and "move the file aside" in str(err.value)
    db.dispose()


def test_read_only_database_gives_a_clear_error(db: Database, db_file: Path) -> None:
    ro = Database(f"sqlite:///file:{db_file}?mode=ro&uri=true")
    assert "vehicles" in ro.table_names()
    with pytest.raises(ReadOnlyDatabaseError) as err:
        with ro.session() as s:
            s.execute(text("INSERT INTO cameras (name, source, lane) VALUES ('a', '', 'entry')"))
    assert "writable" in str(err.value)
    ro.dispose()


def test_database_from_a_newer_version_is_refused(db: Database) -> None:
    with db.session() as s:
        s.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaVersionError) as err:
        db.upgrade()
    assert "newer Gatekeeper" in str(err.value)


def test_postgresql_ddl_renders_offline(capsys: pytest.CaptureFixture[str]) -> None:
    """No SQLite-only SQL in the migrations: the PostgreSQL script renders (offline, no server)."""
    command.upgrade(alembic_config(url="postgresql://gk@localhost/gk"), "head", sql=True)
    sql = capsys.readouterr().out
    assert "CREATE TABLE passes" in sql and "TIMESTAMP WITHOUT TIME ZONE" in sql
    assert "AUTOINCREMENT" not in sql.upper()


@pytest.mark.parametrize("url", ["not a url", "nosuchdialect://x/y", "postgresql+nosuchdriver://gk@host/gk"])
def test_bad_database_address_is_a_clear_error(url: str) -> None:
    with pytest.raises(StorageError, match="database"):
        Database(url)
