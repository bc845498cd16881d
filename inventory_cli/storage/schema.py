"""What revision a database is at, read with plain SQL so that ordinary commands skip Alembic."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.engine import Connection

# Kept in step with migrations/versions by a test; reading it costs no Alembic import.
KNOWN_REVISIONS = ("0001", "0002", "0003")
HEAD_REVISION = KNOWN_REVISIONS[-1]


# The tables of the database (of its current schema on PostgreSQL), per dialect.
_TABLES_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    "postgresql": "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()",
}


class SchemaState(StrEnum):
    """Where a database stands relative to this version of the program."""

    EMPTY = "empty"
    CURRENT = "current"
    OUTDATED = "outdated"
    NEWER = "newer"
    FOREIGN = "foreign"


def read_revision(connection: Connection) -> tuple[SchemaState, str | None]:
    """The database's schema state and Alembic revision (None when it has none)."""
    tables = {row[0] for row in connection.execute(text(_TABLES_SQL[connection.dialect.name]))}
    if "alembic_version" not in tables:
        return (SchemaState.FOREIGN if tables else SchemaState.EMPTY), None
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision is None:
        return (SchemaState.FOREIGN if tables - {"alembic_version"} else SchemaState.EMPTY), None
    if revision == HEAD_REVISION:
        return SchemaState.CURRENT, revision
    if revision in KNOWN_REVISIONS:
        return SchemaState.OUTDATED, revision
    return SchemaState.NEWER, revision
