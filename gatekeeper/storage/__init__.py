"""SQLAlchemy 2 storage: typed models, repositories returning domain objects, Alembic migrations.

- ``db.Database``: engine, SQLite pragmas (WAL, foreign keys, synchronous=FULL, busy_timeout),
  ``upgrade()`` (Alembic in code, then spool replay), ``run(work)`` units of work with lock retries.
- ``models``: ``Base`` and the gate-log tables (other ``models_*.py`` modules add theirs on ``Base``).
- ``vehicles.VehicleRepository``, ``passes.PassRepository``/``PassFilter`` (also via ``repositories``).
- ``errors``: ``StorageError`` and its operator-readable subclasses; ``spool.PassSpool``.
"""
