"""Copies the whole inventory to another, empty database in one transaction, verified before commit."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import db_url_from
from inventory_cli.errors import (
    CheckFailedError,
    ConflictError,
    InvalidInputError,
    InventoryError,
    StorageError,
)
from inventory_cli.storage import copying, migrator
from inventory_cli.storage.engine import begin_mode, redact, translate_db_error
from inventory_cli.storage.schema import SchemaState
from inventory_cli.storage.stores import Progress, no_progress

T = TypeVar("T")


@dataclass
class CopyReport:
    """What was copied: both databases (passwords hidden) and the rows per table."""

    source: str
    target: str
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        """Rows copied over all tables."""
        return sum(self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"source": self.source, "target": self.target, "tables": self.tables, "rows": self.rows}


class _Target:
    """The target database: its engine and how its errors are told to the user."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.shown = redact(url)
        self.engine = engine

    def run(self, action: Callable[[], T]) -> T:
        """Run ``action``, turning the target's driver errors into one-line user errors."""
        try:
            return action()
        except DBAPIError as exc:
            raise self.error(exc) from exc

    def error(self, exc: DBAPIError, table: str | None = None) -> InventoryError:
        """The user-facing error for a driver error on the target."""
        where = f" (table {table})" if table else ""
        detail = self._detail(exc)
        if isinstance(exc, IntegrityError):
            return ConflictError(
                f"{self.shown} refused the copied rows{where}: {detail}; nothing was copied",
                hint="the target's schema differs from the inventory's; use a new, empty database",
            )
        translated = translate_db_error(exc, self.url)
        if translated is not None:
            return translated
        return StorageError(f"cannot use database {self.shown}{where}: {detail}")

    def _detail(self, exc: DBAPIError) -> str:
        lines = str(exc.orig).strip().splitlines() or [type(exc.orig).__name__]
        detail = lines[0]
        from sqlalchemy.engine import make_url

        password = make_url(self.url).password
        return detail.replace(str(password), "***") if password else detail


def copy_database(inventory: Inventory, to: str, progress: Progress | None = None) -> CopyReport:
    """Copy every table of the inventory to the empty database ``to`` (migrated first); no blobs."""
    source_url = inventory.settings.db_url
    target_url = db_url_from(to)
    if copying.same_database(source_url, target_url):
        raise InvalidInputError(
            f"{redact(target_url)} is the database being copied", hint="name another database"
        )
    inventory.ensure_schema()
    source_engine = inventory.engine
    _, revision = inventory.translate_errors(lambda: migrator.current_revision(source_engine))
    assert revision is not None  # ensure_schema leaves the source at a known revision
    target = _Target(target_url, copying.open_engine(target_url, inventory.settings.busy_timeout_ms))
    try:
        seeded = _seeded_rows(revision, inventory.settings.busy_timeout_ms)
        _migrate_target(target, revision, seeded)
        with target.run(target.engine.connect) as writer:
            # The target's transaction begins first (on SQLite: BEGIN IMMEDIATE, the write lock);
            # the source is read in one deferred transaction, so every table is one snapshot.
            target.run(writer.begin)
            with begin_mode("DEFERRED"), source_engine.connect() as reader:
                copying.read_one_snapshot(reader)
                inventory.translate_errors(reader.begin)
                tables = _copy(inventory, reader, writer, target, seeded, progress or no_progress)
            target.run(writer.commit)
    finally:
        target.engine.dispose()
    return CopyReport(redact(source_url), target.shown, tables)


def _seeded_rows(revision: str, busy_timeout_ms: int) -> dict[str, list[tuple[Any, ...]]]:
    """Rows a fresh migration to ``revision`` puts in (default part types): not the user's rows."""
    from inventory_cli.storage.engine import create_sqlite_engine

    with tempfile.TemporaryDirectory(prefix="inventory-seed-") as folder:
        engine = create_sqlite_engine(f"sqlite:///{Path(folder) / 'seed.db'}", busy_timeout_ms)
        try:
            migrator.upgrade(engine, None, revision, backup=False)
            with begin_mode("DEFERRED"), engine.connect() as connection:
                rows = {table.name: copying.all_rows(connection, table) for table in copying.copy_order()}
        finally:
            engine.dispose()
    return {name: found for name, found in rows.items() if found}


def _refuse_rows(target: _Target, connection: Connection, seeded: dict[str, list[tuple[Any, ...]]]) -> None:
    """Refuse a target that holds rows of its own (rows a migration seeded do not count)."""
    from sqlalchemy import inspect

    def look() -> dict[str, int]:
        present = set(inspect(connection).get_table_names())
        tables = [table for table in copying.copy_order() if table.name in present]
        return copying.unexpected_rows(connection, tables, seeded)

    found = target.run(look)
    if found:
        listed = ", ".join(f"{name} ({number})" for name, number in found.items())
        raise ConflictError(
            f"{target.shown} is not empty: it holds inventory rows in {listed}",
            hint="copy into a new, empty database",
        )


def _migrate_target(target: _Target, revision: str, seeded: dict[str, list[tuple[Any, ...]]]) -> None:
    """Bring the target to the source's revision, after making sure it holds no rows of its own."""
    state, current = target.run(lambda: migrator.current_revision(target.engine))
    if state is SchemaState.NEWER:
        raise StorageError(
            f"{target.shown} is at revision {current}, newer than this program knows",
            hint="upgrade the inventory program",
        )
    if state is SchemaState.FOREIGN:
        raise StorageError(f"{target.shown} holds tables but is not an inventory database")
    if state is not SchemaState.EMPTY:
        with begin_mode("DEFERRED"), target.run(target.engine.connect) as connection:
            _refuse_rows(target, connection, seeded)
    if current != revision:
        target.run(lambda: migrator.upgrade(target.engine, None, revision, backup=False))


def _copy(
    inventory: Inventory,
    reader: Connection,
    writer: Connection,
    target: _Target,
    seeded: dict[str, list[tuple[Any, ...]]],
    progress: Progress,
) -> dict[str, int]:
    """Copy, reset id counters and verify inside the target's open transaction."""
    tables = copying.copy_order()
    _refuse_rows(target, writer, seeded)  # again, under the target's lock: nobody wrote meanwhile
    expected = inventory.translate_errors(lambda: copying.count_rows(reader, tables))
    with progress("copying rows", sum(expected.values())) as advance:
        try:
            copied = copying.copy_rows(reader, writer, tables, seeded, advance)
            highest = copying.ids_handed_out(reader, tables)
        except copying.RowsRefused as refused:
            raise target.error(refused.error, refused.table) from refused
        except DBAPIError as exc:
            # Everything else that failed here was reading the source.
            translated = translate_db_error(exc, inventory.settings.db_url)
            if translated is None:
                raise
            raise translated from exc
    target.run(lambda: copying.continue_ids(writer, tables, highest))
    _verify(target, writer, expected)
    return copied


def _verify(target: _Target, writer: Connection, expected: dict[str, int]) -> None:
    """Row counts equal the source's and every ``db check`` invariant holds, before the commit."""
    from sqlmodel import Session

    from inventory_cli.storage.repositories import CheckRepository

    counted = target.run(lambda: copying.count_rows(writer, copying.copy_order()))
    for name, number in expected.items():
        if counted.get(name) != number:
            raise CheckFailedError(
                f"copy to {target.shown} not verified: table {name} has {counted.get(name)} rows, "
                f"the source {number}; nothing was copied"
            )
    session = Session(bind=writer)
    try:
        findings = target.run(CheckRepository(session).run)
    finally:
        session.close()
    for check, problems in findings:
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise CheckFailedError(
                f"copy to {target.shown} not verified: {check}: {problems[0]}{more}; nothing was copied"
            )
