"""Runs the Alembic migrations (on SQLite: foreign keys off, a backup first, a foreign-key check last)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from inventory_cli.errors import ConflictError, StorageError, UsageError
from inventory_cli.storage.engine import begin_mode
from inventory_cli.storage.schema import HEAD_REVISION, KNOWN_REVISIONS, SchemaState, read_revision


class MigrationRefused(Exception):
    """Raised by a migration that will not run as asked; the message is for the user."""


@dataclass
class MigrationResult:
    """What a migration run did: revisions before and after, a backup, notices."""

    before: str | None
    after: str | None
    backup: Path | None = None
    notices: list[str] = field(default_factory=list)


def migrations_dir() -> Path:
    """The migrations folder: inside the installed package, else beside it in a source tree."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "_migrations", package_dir.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise StorageError("the database migrations are missing from this installation")


def _alembic_config(connection: Connection, options: dict[str, Any]) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    config.attributes["notices"] = []
    if options.get("save_dropped_to"):
        # Migrations that drop data put the rows here; they refuse when it is absent.
        config.attributes["dropped"] = {}
    return config


def backup_database(db_path: Path, revision: str | None) -> Path:
    """Write a consistent copy of the database next to it, named after revision and time."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = db_path.with_name(f"{db_path.name}.backup-{revision or 'none'}-{stamp}")
    source = sqlite3.connect(db_path)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return target


def _run(
    engine: Engine,
    action: str,
    target: str,
    options: dict[str, Any],
    backup_of: Path | None,
    before: str | None,
) -> tuple[list[str], Path | None]:
    """Run one Alembic command in a single transaction (on SQLite with foreign keys off).

    The backup is written once the write lock is held, so it is exactly the state the migration
    starts from; a migration that fails or refuses changed nothing, and its backup is removed.
    PostgreSQL runs DDL inside the transaction too, under the writer lock, with its foreign keys
    always enforced (the migrations keep them satisfied, deferring the set/cover cycle).
    """
    from alembic import command
    from alembic.util import CommandError

    saved = None
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # The pragma is ignored inside a transaction, so it goes to the driver before BEGIN.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            with begin_mode("IMMEDIATE"), connection.begin():
                if not sqlite:
                    # Deferred checks fire after each statement here: PostgreSQL refuses to ALTER
                    # a table with check events still pending from an earlier statement.
                    connection.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
                if backup_of is not None:
                    saved = backup_database(backup_of, before)
                config = _alembic_config(connection, options)
                try:
                    getattr(command, action)(config, target)
                except MigrationRefused as exc:
                    raise ConflictError(str(exc)) from None
                except CommandError as exc:
                    raise UsageError(
                        f"cannot {action} to revision {target!r}: {exc}",
                        hint=f"known revisions: {', '.join(KNOWN_REVISIONS)} (or 'head')",
                    ) from None
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() if sqlite else []
                if broken:
                    raise StorageError(
                        f"migration left {len(broken)} foreign-key violations; nothing was changed",
                        hint=f"first: {tuple(broken[0])}",
                    )
                _save_dropped(
                    config.attributes.get("dropped"),
                    options.get("save_dropped_to"),
                    config.attributes["notices"],
                )
        except BaseException:
            if saved is not None:
                saved.unlink(missing_ok=True)
            if options.get("save_dropped_to"):
                # Nothing was dropped after all; a stale file would only block the retry.
                Path(options["save_dropped_to"]).unlink(missing_ok=True)
            raise
    notices: list[str] = config.attributes["notices"]
    return notices, saved


def _save_dropped(dropped: dict[str, Any] | None, target: str | None, notices: list[str]) -> None:
    """Write the rows a downgrade drops to ``target``, before the commit that drops them."""
    if not dropped or target is None:
        return
    try:
        Path(target).write_text(json.dumps(dropped, indent=2, default=str) + "\n", encoding="utf-8")
    except OSError as exc:
        raise StorageError(f"cannot write the dropped rows to {target}: {exc.strerror}") from None
    notices.append(f"the dropped rows are saved in {target}")


def _note_no_backup(engine: Engine, notices: list[str]) -> None:
    """Only SQLite files are backed up here; say so where the database is a server's."""
    if engine.dialect.name != "sqlite":
        notices.append("no backup file is written for a PostgreSQL database: keep one with pg_dump")


def current_revision(engine: Engine) -> tuple[SchemaState, str | None]:
    """The schema state of the database behind ``engine``."""
    with begin_mode("DEFERRED"), engine.connect() as connection:
        return read_revision(connection)


def upgrade(
    engine: Engine, db_path: Path | None, target: str = "head", *, backup: bool = True
) -> MigrationResult:
    """Upgrade to ``target``, backing up a database that already holds a schema."""
    state, before = current_revision(engine)
    if state is SchemaState.NEWER:
        raise StorageError(
            f"database is at revision {before}, newer than this version of inventory knows",
            hint="upgrade the inventory program",
        )
    if state is SchemaState.FOREIGN:
        raise StorageError("the database holds tables but is not an inventory database")
    if state is SchemaState.CURRENT and target in ("head", HEAD_REVISION):
        return MigrationResult(before, before)
    backup_of = db_path if backup and state is not SchemaState.EMPTY else None
    notices, saved = _run(engine, "upgrade", target, {}, backup_of, before)
    if backup and state is not SchemaState.EMPTY:
        _note_no_backup(engine, notices)
    return MigrationResult(before, current_revision(engine)[1], saved, notices)


def downgrade(engine: Engine, db_path: Path | None, target: str, options: dict[str, Any]) -> MigrationResult:
    """Downgrade to ``target`` after a backup; migrations may refuse unless told otherwise."""
    state, before = current_revision(engine)
    if state in (SchemaState.EMPTY, SchemaState.FOREIGN):
        raise StorageError("the database has no inventory schema to downgrade")
    if target == before:
        return MigrationResult(before, before)
    notices, saved = _run(engine, "downgrade", target, options, db_path, before)
    _note_no_backup(engine, notices)
    return MigrationResult(before, current_revision(engine)[1], saved, notices)
