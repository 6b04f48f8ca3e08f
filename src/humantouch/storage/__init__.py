"""Persistence: SQLAlchemy models, the Database wrapper and repository functions."""

from humantouch.storage.database import Database, migrated, translate
from humantouch.storage.tables import Base, new_id, utcnow

__all__ = ["Base", "Database", "migrated", "new_id", "translate", "utcnow"]
