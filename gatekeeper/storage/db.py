"""The database: engine, SQLite pragmas, Alembic upgrade in code, units of work with lock retries.

SQLite durability choice: ``journal_mode=WAL`` with ``synchronous=FULL``. In WAL mode NORMAL keeps the
file consistent but may lose the last commits at a power cut; FULL syncs the WAL on every commit, so a
pass the operator saw logged is on disk. Passes arrive a few per minute, so the extra fsync is free.
Write units start with ``BEGIN IMMEDIATE`` so concurrent writers queue on ``busy_timeout`` instead of
failing on a read-to-write lock upgrade. Any other SQLAlchemy URL (PostgreSQL for many gates) works:
no SQLite-only SQL is used outside the SQLite connection hooks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from gatekeeper.domain.paths import AppPaths
from gatekeeper.storage.errors import (
    CorruptDatabaseError,
    DatabaseLockedError,
    DiskFullError,
    DuplicateError,
    ReadOnlyDatabaseError,
    SchemaVersionError,
    StorageError,
)
from gatekeeper.storage.spool import PassSpool

log = logging.getLogger(__name__)

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SPOOL_NAME = "pending_passes.jsonl"


def alembic_config(connection: Any = None, url: str = "") -> Config:
    """An Alembic ``Config`` built in code (no alembic.ini), usable from a PyInstaller bundle."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


class Database:
    """One database (SQLite file by default); thread-safe: every unit of work gets its own session."""

    def __init__(
        self,
        url: str,
        *,
        spool_path: Path | None = None,
        busy_timeout_ms: int = 3000,
        lock_retries: int = 3,
        retry_backoff_s: float = 0.2,
    ) -> None:
        self.url = url
        try:
            self._url = make_url(url)
        except ArgumentError as exc:
            raise StorageError(f"The database address {url!r} is not valid ({exc}). Use e.g. "
                               "sqlite:///C:/Gatekeeper/gatekeeper.sqlite3 or "
                               "postgresql+psycopg://user@host/gatekeeper.") from exc
        self.is_sqlite = self._url.get_backend_name() == "sqlite"
        self.busy_timeout_ms = busy_timeout_ms
        self.lock_retries = max(1, lock_retries)
        self.retry_backoff_s = retry_backoff_s
        self.file: Path | None = None
        self.spool = PassSpool(spool_path) if spool_path else None
        self._replay_lock = threading.Lock()
        kwargs: dict[str, Any] = {}
        database = self._url.database or ""
        if self.is_sqlite and database and database != ":memory:" and not database.startswith("file:"):
            self.file = Path(database).expanduser().resolve()
            try:
                self.file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"Cannot create the database folder {self.file.parent}: {exc}") from exc
        elif self.is_sqlite:
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        try:
            self.engine: Engine = create_engine(self._url, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise StorageError(f"Cannot use the database {self.where}: {exc}. Check the database address "
                               "in the settings (the driver for it may not be installed).") from exc
        if self.is_sqlite:
            self._install_sqlite_hooks()
        self._write_engine = self.engine.execution_options(gk_write=True)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=self._write_engine, expire_on_commit=False)

    @classmethod
    def for_paths(cls, paths: AppPaths, url: str = "", **kwargs: Any) -> Database:
        """The app's database: ``url`` if given, else the SQLite file ``paths.database_file``."""
        paths.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(url or f"sqlite:///{paths.database_file}", spool_path=paths.data_dir / SPOOL_NAME,
                   **kwargs)

    @property
    def where(self) -> str:
        """The file (or the URL without its password) for messages."""
        return str(self.file) if self.file else self._url.render_as_string(hide_password=True)

    # -- connection hooks -------------------------------------------------------------------------
    def _install_sqlite_hooks(self) -> None:
        timeout = int(self.busy_timeout_ms)
        wal = self.file is not None

        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
            cur = dbapi_conn.cursor()
            try:
                cur.execute(f"PRAGMA busy_timeout={timeout}")
                cur.execute("PRAGMA foreign_keys=ON")
                if wal:
                    cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=FULL")
            finally:
                cur.close()

        @event.listens_for(self.engine, "begin")
        def _on_begin(conn: Any) -> None:
            write = conn.get_execution_options().get("gk_write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    # -- schema -----------------------------------------------------------------------------------
    def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema to ``revision`` (Alembic, in code), then replay any spooled passes."""
        self._migrate(lambda cfg: command.upgrade(cfg, revision))
        log.info("database %s at revision %s", self.where, self.current_revision())
        self.replay_spool()

    def downgrade(self, revision: str = "base") -> None:
        """Migrate the schema down to ``revision`` (tests, and undoing a failed update)."""
        self._migrate(lambda cfg: command.downgrade(cfg, revision))

    def current_revision(self) -> str | None:
        """The Alembic revision the database is at (``None`` when empty)."""
        from alembic.runtime.migration import MigrationContext

        with self._guard():
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()

    def table_names(self) -> list[str]:
        with self._guard():
            return sorted(inspect(self.engine).get_table_names())

    def _migrate(self, action: Callable[[Config], None]) -> None:
        self._retry(lambda: self._migrate_once(action))

    def _migrate_once(self, action: Callable[[Config], None]) -> None:
        with self._guard():
            try:
                with self._write_engine.begin() as conn:
                    action(alembic_config(conn))
            except CommandError as exc:
                if "Can't locate revision" in str(exc):
                    raise SchemaVersionError(
                        f"The database {self.where} was written by a newer Gatekeeper version ({exc}). "
                        "Install that version again, or restore a backup made with this one."
                    ) from exc
                raise StorageError(f"Updating the database {self.where} failed: {exc}") from exc

    # -- units of work ----------------------------------------------------------------------------
    @contextmanager
    def session(self, write: bool = True) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on error; errors become ``StorageError``.

        No retry here (the block may not be repeatable); use ``run`` for retried work.
        """
        maker = self._write_sessions if write else self._sessions
        with self._guard():
            with maker() as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise

    def run(self, work: Callable[[Session], T], *, write: bool = True) -> T:
        """Run ``work(session)`` as one unit of work, retrying with backoff while the database is locked."""

        def once() -> T:
            with self.session(write=write) as s:
                return work(s)

        return self._retry(once)

    def _retry(self, action: Callable[[], T]) -> T:
        delay = self.retry_backoff_s
        started = time.monotonic()
        for attempt in range(1, self.lock_retries + 1):
            try:
                return action()
            except DatabaseLockedError as exc:
                if attempt >= self.lock_retries:
                    waited = time.monotonic() - started
                    raise DatabaseLockedError(
                        f"The database {self.where} stayed locked by another program for {waited:.1f} s "
                        f"({attempt} tries). Close other programs that use it (a second Gatekeeper, a "
                        "database browser) and try again."
                    ) from exc.__cause__
                log.warning("database locked (try %d/%d); retrying in %.2f s", attempt, self.lock_retries,
                            delay)
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def replay_spool(self) -> int:
        """Commit spooled passes (idempotent); returns how many were written. Never raises on lock."""
        if self.spool is None or not self.spool.path.exists():
            return 0
        from gatekeeper.storage.passes import PassRepository

        if not self._replay_lock.acquire(blocking=False):
            return 0
        try:
            return PassRepository(self).replay_spool()
        except StorageError as exc:
            log.warning("spooled passes stay pending: %s", exc)
            return 0
        finally:
            self._replay_lock.release()

    def dispose(self) -> None:
        """Close every pooled connection (call at shutdown; tests call it before deleting files)."""
        self.engine.dispose()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except SQLAlchemyError as exc:
            raise self.translate(exc) from exc
        except OSError as exc:
            raise self.translate(exc) from exc

    def translate(self, exc: BaseException) -> StorageError:
        """Turn a driver/OS error into a ``StorageError`` whose message tells the operator what to do."""
        orig = getattr(exc, "orig", None) or exc
        text = str(orig).lower()
        where = self.where
        if isinstance(exc, IntegrityError):
            if "unique" in text or "duplicate" in text:
                return DuplicateError(f"That value already exists ({orig}).")
            return StorageError(f"The database {where} refused the change ({orig}).")
        if "locked" in text or "busy" in text or "deadlock" in text or "could not serialize" in text:
            return DatabaseLockedError(f"The database {where} is locked by another program ({orig}).")
        if "disk is full" in text or "no space" in text or getattr(orig, "errno", None) == 28:
            return DiskFullError(
                f"The disk holding {where} is full. Free some space (for example old evidence images) "
                "and try again; passes are kept in the spool meanwhile."
            )
        if "readonly" in text or "read-only" in text or "permission denied" in text:
            return ReadOnlyDatabaseError(
                f"The database {where} cannot be written ({orig}). Check that the file and its folder "
                "are writable by this user and not on a read-only drive."
            )
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return CorruptDatabaseError(
                f"The database {where} is damaged or is not a Gatekeeper database ({orig}). Close "
                "Gatekeeper, move the file aside (keep it for recovery), then start again to create a "
                "new one or restore a backup."
            )
        if "unable to open" in text:
            return StorageError(
                f"The database {where} cannot be opened ({orig}). Check that its folder exists and is "
                "writable."
            )
        if isinstance(exc, DBAPIError):
            return StorageError(f"Database error on {where}: {orig}")
        return StorageError(f"Storage error on {where}: {orig}")
