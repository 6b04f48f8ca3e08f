"""The migrations build exactly the schema of the models, and an unmigrated database is refused."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from humantouch.errors import NotMigratedError
from humantouch.migrations import current_revision, downgrade, head_revision, upgrade
from humantouch.storage import Base, Database


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert current_revision(db.engine) == head_revision()
    db.check_migrated()


def test_unmigrated_database_is_refused_with_a_hint(database_url: str) -> None:
    database = Database(database_url)
    with pytest.raises(NotMigratedError) as info:
        database.check_migrated()
    assert "humantouch db upgrade" in str(info.value)
    upgrade(database.engine)
    database.check_migrated()
    downgrade(database.engine, "base")
    assert not set(inspect(database.engine).get_table_names()) - {"alembic_version"}
    database.dispose()
