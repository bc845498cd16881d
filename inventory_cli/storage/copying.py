"""Copies every inventory table between two databases, keeping primary keys, in batches."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from inventory_cli.domain.models import metadata
from inventory_cli.errors import InvalidInputError
from inventory_cli.storage.engine import create_engine_for, redact

BATCH_ROWS = 2000


class RowsRefused(Exception):
    """The target database refused a change to one table (a batch of rows, covers, seeded rows)."""

    def __init__(self, table: str, error: DBAPIError) -> None:
        super().__init__(f"table {table}: {error.orig}")
        self.table = table
        self.error = error


# Ports a URL means when it names none, so that two spellings of one server compare equal.
DEFAULT_PORTS = {"postgresql": 5432}


def copy_order() -> list[Table]:
    """The inventory's tables, each after the tables it refers to (cycles broken by use_alter keys)."""
    return list(metadata.sorted_tables)


def late_columns(table: Table) -> list[str]:
    """Columns written only once every table is in: the foreign keys that close a reference cycle."""
    return sorted({key.parent.name for key in table.foreign_keys if key.constraint.use_alter})  # type: ignore[union-attr]


def _parse(url: str) -> Any:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
        _ = parsed.port  # a non-numeric port only fails when read
    except (ArgumentError, ValueError) as exc:
        raise InvalidInputError(f"{redact(url)!r} is not a database URL: {exc}") from None
    return parsed


def same_database(first: str, second: str) -> bool:
    """Whether two URLs name one database (one SQLite file, or one server's database)."""
    a, b = _parse(first), _parse(second)
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        if not a.database or not b.database or ":memory:" in (a.database, b.database):
            return False
        path_a, path_b = Path(a.database).expanduser(), Path(b.database).expanduser()
        if path_a.exists() and path_b.exists():
            return os.path.samefile(path_a, path_b)
        return path_a.resolve() == path_b.resolve()
    default = DEFAULT_PORTS.get(a.get_backend_name())

    def where(url: Any) -> tuple[str, int | None, str | None]:
        return ((url.host or "localhost").lower(), url.port or default, url.database)

    return where(a) == where(b)


def open_engine(url: str, busy_timeout_ms: int) -> Engine:
    """An engine for ``url``, as every command opens one; an in-memory database is refused."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise InvalidInputError(f"{redact(url)!r} is an in-memory database: a copy there would be lost")
    return create_engine_for(url, busy_timeout_ms)


def read_one_snapshot(connection: Connection) -> None:
    """Make the next transaction on ``connection`` see one snapshot of every table.

    SQLite's read transaction already does; servers read committed rows per statement by default.
    """
    if connection.dialect.name != "sqlite":
        connection.execution_options(isolation_level="REPEATABLE READ")


def count_rows(connection: Connection, tables: Iterable[Table]) -> dict[str, int]:
    """Rows per table."""
    return {
        table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
        for table in tables
    }


def all_rows(connection: Connection, table: Table) -> list[tuple[Any, ...]]:
    """Every row of ``table`` in primary-key order, as typed values."""
    return [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))]


def unexpected_rows(
    connection: Connection, tables: Iterable[Table], seeded: dict[str, list[tuple[Any, ...]]]
) -> dict[str, int]:
    """Per table, rows that a fresh migration would not have put there (empty dict: nothing)."""
    found: dict[str, int] = {}
    for table in tables:
        if table.name in seeded:
            rows = all_rows(connection, table)
            if sorted(rows, key=repr) != sorted(seeded[table.name], key=repr):
                found[table.name] = len(rows)
            continue
        number = int(connection.execute(select(func.count()).select_from(table)).scalar_one())
        if number:
            found[table.name] = number
    return found


def copy_rows(
    source: Connection,
    target: Connection,
    tables: list[Table],
    clear: Iterable[str],
    advance: Callable[[int], None],
    batch: int = BATCH_ROWS,
) -> dict[str, int]:
    """Insert every row of ``tables`` from ``source`` into ``target``; returns rows per table.

    Tables named in ``clear`` (rows a migration seeded) are emptied first so that they end as
    the source's. Cycle-closing columns go in as NULL and are set once all rows are in, which
    works whether or not the database defers that foreign key.
    """
    for name in clear:
        try:
            target.execute(delete(metadata.tables[name]))
        except DBAPIError as exc:
            raise RowsRefused(name, exc) from exc
    copied: dict[str, int] = {}
    pending: list[tuple[Table, str, list[dict[str, Any]]]] = []
    for table in tables:
        late = late_columns(table)
        (key,) = table.primary_key.columns
        held: dict[str, list[dict[str, Any]]] = {column: [] for column in late}
        names = [column.name for column in table.columns]
        statement = insert(table)
        done = 0
        result = source.execute(select(table).order_by(key).execution_options(yield_per=batch))
        for chunk in result.partitions(batch):
            values = [dict(zip(names, row, strict=True)) for row in chunk]
            for row in values:
                for column in late:
                    if row[column] is not None:
                        held[column].append({"_key": row[key.name], "_value": row[column]})
                        row[column] = None
            try:
                target.execute(statement, values)
            except DBAPIError as exc:
                raise RowsRefused(table.name, exc) from exc
            done += len(values)
            advance(len(values))
        copied[table.name] = done
        pending += [(table, column, rows) for column, rows in held.items() if rows]
    for table, column, rows in pending:
        (key,) = table.primary_key.columns
        setter = update(table).where(key == bindparam("_key")).values({column: bindparam("_value")})
        for start in range(0, len(rows), batch):
            try:
                target.execute(setter, rows[start : start + batch])
            except DBAPIError as exc:
                raise RowsRefused(table.name, exc) from exc
    return copied


def ids_handed_out(connection: Connection, tables: Iterable[Table]) -> dict[str, int]:
    """Per table, the largest id it has handed out (see ``id_high_water``)."""
    return {table.name: id_high_water(connection, table) for table in tables}


def continue_ids(connection: Connection, tables: Iterable[Table], highest: dict[str, int]) -> None:
    """Make each table's next generated id follow ``highest``, so that new rows never collide."""
    for table in tables:
        set_high_water(connection, table, highest[table.name])


def id_high_water(connection: Connection, table: Table) -> int:
    """The largest id ``table`` has handed out: its sequence where it keeps one, else its largest id."""
    (key,) = table.primary_key.columns
    largest = int(connection.execute(select(func.max(key))).scalar() or 0)
    dialect = connection.dialect.name
    counter = 0
    if dialect == "sqlite" and table.dialect_options["sqlite"].get("autoincrement"):
        counter = int(
            connection.execute(
                text("SELECT seq FROM sqlite_sequence WHERE name = :name"), {"name": table.name}
            ).scalar()
            or 0
        )
    elif dialect == "postgresql":
        sequence = _pg_sequence(connection, table)
        if sequence:
            last, called = connection.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
            counter = int(last) if called else int(last) - 1
    return max(largest, counter)


def set_high_water(connection: Connection, table: Table, value: int) -> None:
    """Make the next generated id of ``table`` follow ``value``, where the dialect keeps a counter.

    A counter the target had already moved further (ids it handed out before) is kept.
    """
    dialect = connection.dialect.name
    value = max(value, id_high_water(connection, table))
    if dialect == "sqlite" and table.dialect_options["sqlite"].get("autoincrement"):
        # Explicit ids already raise the counter to the largest id; this also keeps ids the
        # source handed out and then deleted from being handed out again.
        params = {"name": table.name, "seq": value}
        changed = connection.execute(
            text("UPDATE sqlite_sequence SET seq = :seq WHERE name = :name"), params
        ).rowcount
        if not changed:
            connection.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"), params)
    elif dialect == "postgresql":
        sequence = _pg_sequence(connection, table)
        if sequence:
            # setval(seq, 1, false) makes 1 the next value of a table that never had a row.
            connection.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                {"sequence": sequence, "value": max(value, 1), "called": value >= 1},
            )


def _pg_sequence(connection: Connection, table: Table) -> str | None:
    (key,) = table.primary_key.columns
    name = connection.execute(
        text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": key.name}
    ).scalar()
    return str(name) if name else None
