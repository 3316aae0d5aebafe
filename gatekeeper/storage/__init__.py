"""SQLAlchemy 2 storage: typed models, repositories returning domain objects, Alembic migrations."""
