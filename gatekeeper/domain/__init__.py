"""Pure-Python domain: plate grammar, decisions, settings and value objects (no Qt/SQLAlchemy/torch)."""
