"""What revision a database is at, read with plain SQL so that ordinary commands skip Alembic."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# Kept in step with migrations/versions by a test; reading it costs no Alembic import.
KNOWN_REVISIONS = ("0001", "0002", "0003")
HEAD_REVISION = KNOWN_REVISIONS[-1]


# The tables of the database (of its current schema on PostgreSQL), per dialect.
TABLES_SQL = {
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
    from sqlalchemy import text

    tables = {row[0] for row in connection.execute(text(TABLES_SQL[connection.dialect.name]))}
    revision = None
    if "alembic_version" in tables:
        revision = connection.execute(text(REVISION_SQL)).scalar()
    return classify(tables, revision)


REVISION_SQL = "SELECT version_num FROM alembic_version"


def classify(tables: set[str], revision: str | None) -> tuple[SchemaState, str | None]:
    """The schema state of a database holding ``tables``, at Alembic ``revision``."""
    if "alembic_version" not in tables:
        return (SchemaState.FOREIGN if tables else SchemaState.EMPTY), None
    if revision is None:
        return (SchemaState.FOREIGN if tables - {"alembic_version"} else SchemaState.EMPTY), None
    if revision == HEAD_REVISION:
        return SchemaState.CURRENT, revision
    if revision in KNOWN_REVISIONS:
        return SchemaState.OUTDATED, revision
    return SchemaState.NEWER, revision
