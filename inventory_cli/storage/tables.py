"""Whole tables as plain rows, in a dialect-neutral JSON form, for the backup bundle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Table, insert, select, update
from sqlmodel import Session

from inventory_cli.domain.models import metadata
from inventory_cli.errors import InvalidInputError

# Every table of the inventory, parents before children (attachment covers are set afterwards).
TABLE_ORDER = (
    "types",
    "boxes",
    "locations",
    "attachment_sets",
    "attachments",
    "parts",
    "kits",
    "stock",
    "stock_history",
    "kit_contents",
)

Row = dict[str, Any]


def table(name: str) -> Table:
    """The SQLAlchemy table called ``name``."""
    return metadata.tables[name]


def columns(name: str) -> list[str]:
    """The column names of a table, in schema order."""
    return [column.name for column in table(name).columns]


def to_json_value(value: Any) -> Any:
    """A column value as JSON can hold it: times as ISO 8601 text, the rest as it is."""
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def read_typed(session: Session, name: str) -> list[Row]:
    """Every row of a table ordered by primary key, as column values."""
    source = table(name)
    result = session.connection().execute(select(source).order_by(*source.primary_key.columns))
    return [dict(row._mapping) for row in result]


def read_rows(session: Session, name: str) -> list[Row]:
    """Every row of a table ordered by primary key, in JSON form."""
    return [{key: to_json_value(value) for key, value in row.items()} for row in read_typed(session, name)]


def from_json(name: str, row: Row, where: str) -> Row:
    """A JSON row turned back into column values; refuses missing or unknown columns."""
    source = table(name)
    expected = set(source.columns.keys())
    if set(row) != expected:
        extra, missing = sorted(set(row) - expected), sorted(expected - set(row))
        raise InvalidInputError(f"{where}: columns differ from the schema (extra {extra}, missing {missing})")
    values: Row = {}
    for column in source.columns:
        value = row[column.name]
        if value is not None and isinstance(column.type, DateTime):
            try:
                value = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise InvalidInputError(f"{where}: {column.name}: {value!r} is not a date and time") from None
        values[column.name] = value
    return values


def insert_rows(session: Session, name: str, rows: list[Row]) -> None:
    """Insert rows that carry their primary key, in one batch."""
    if rows:
        session.connection().execute(insert(table(name)), rows)


def insert_row(session: Session, name: str, row: Row) -> int:
    """Insert one row and return its primary key (assigned by the database when ``id`` is absent)."""
    result = session.connection().execute(insert(table(name)).values(**row))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def set_cover(session: Session, set_id: int, attachment_id: int) -> None:
    """Name an attachment as its set's cover."""
    sets = table("attachment_sets")
    session.connection().execute(
        update(sets).where(sets.c.id == set_id).values(cover_attachment_id=attachment_id)
    )
