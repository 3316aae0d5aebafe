"""Storage errors: each message says what happened, to which file, and what the operator can do."""

from __future__ import annotations

from typing import Any


class StorageError(Exception):
    """Base class of every storage failure (the UI shows ``str(error)`` to the operator)."""


class DatabaseLockedError(StorageError):
    """Another program (or a stuck process) kept the database busy past every retry."""


class DiskFullError(StorageError):
    """The disk holding the database or the images is full."""


class ReadOnlyDatabaseError(StorageError):
    """The database file or its folder cannot be written."""


class CorruptDatabaseError(StorageError):
    """The database file is damaged or is not a Gatekeeper database."""


class SchemaVersionError(StorageError):
    """The database was written by a newer Gatekeeper (its schema revision is unknown here)."""


class NotFoundError(StorageError):
    """The requested row does not exist (any more)."""


class DuplicateError(StorageError):
    """A unique value (a registered plate, a camera name) already exists."""


class PassSpooledError(StorageError):
    """A pass could not be committed; it is kept in the on-disk spool and replayed on the next write.

    ``record`` is the pass as it will be stored (``id`` is ``None``); nothing is lost.
    """

    def __init__(self, message: str, record: Any, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.record = record
        self.cause = cause
