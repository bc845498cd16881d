"""Composition root: builds the engine, the unit-of-work factory and the blob store from settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from inventory_cli.config import Settings
from inventory_cli.errors import StorageError

T = TypeVar("T")

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from inventory_cli.storage.plainsql import PlainSql
    from inventory_cli.storage.stores import BlobStore, Progress
    from inventory_cli.storage.uow import UnitOfWork


class Inventory:
    """The wiring of one command: lazily opened database and blob store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._schema_checked = False
        self._sqlite: sqlite3.Connection | None = None
        # Set by the command line when stderr is a terminal: shows long uploads.
        self.progress: Progress | None = None

    @cached_property
    def engine(self) -> Engine:
        """The database engine (SQLite or PostgreSQL); a SQLite file's folder is made on first use."""
        from inventory_cli.storage.engine import create_engine_for

        self._make_db_folder()
        return create_engine_for(self.settings.db_url, self.settings.busy_timeout_ms)

    def _make_db_folder(self) -> None:
        path = self.settings.db_path
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create the database folder {path.parent}: {exc}") from exc

    @cached_property
    def blobs(self) -> BlobStore:
        """The content-addressed blob store: a local folder or an s3:// URL."""
        return self.store_at(self.settings.store)

    def store_at(self, location: str) -> BlobStore:
        """A blob store at ``location`` with this command's settings (for ``store copy``)."""
        from inventory_cli.storage.stores import open_store

        return open_store(location, self.settings, self.progress)

    def ensure_schema(self) -> None:
        """Create a new database on first use; refuse one at another revision."""
        if self._schema_checked:
            return
        from inventory_cli.storage import migrator
        from inventory_cli.storage.schema import SchemaState

        state, revision = self.translate_errors(lambda: migrator.current_revision(self.engine))
        if state is SchemaState.EMPTY:
            self.translate_errors(lambda: migrator.upgrade(self.engine, None, backup=False))
        elif state is SchemaState.OUTDATED:
            raise StorageError(
                f"database schema is at revision {revision}, older than this program's",
                hint="run 'inventory db upgrade' (it writes a backup first)",
            )
        elif state is SchemaState.NEWER:
            raise StorageError(
                f"database schema is at revision {revision}, newer than this program knows",
                hint="upgrade the inventory program",
            )
        elif state is SchemaState.FOREIGN:
            from inventory_cli.storage.engine import describe

            raise StorageError(f"{describe(self.settings.db_url)} is not an inventory database")
        self._schema_checked = True

    def translate_errors(self, action: Callable[[], T]) -> T:
        """Run a storage action, turning driver errors into user-facing ones."""
        with self.translated_errors():
            return action()

    @contextmanager
    def translated_errors(self) -> Iterator[None]:
        """Turn driver errors raised inside the block into user-facing ones."""
        from inventory_cli.storage.dberrors import translate_db_error

        try:
            yield
        except Exception as exc:
            translated = translate_db_error(exc, self.settings.db_url)
            if translated is None:
                raise
            raise translated from exc

    @contextmanager
    def plain_sql(self, *, write: bool = False) -> Iterator[PlainSql]:
        """One transaction of portable SQL (see storage/plainsql.py), rolled back unless it ends well.

        On a SQLite file this is the stdlib driver on one connection kept for the whole command, and
        SQLAlchemy is imported only when the schema needs creating or is refused; elsewhere it is
        a connection of the engine, with the same write lock as a unit of work.
        """
        from inventory_cli.storage import plainsql

        if self.settings.db_path is None or self.settings.db_path.name == ":memory:":
            from inventory_cli.storage.engine import begin_mode

            self.ensure_schema()
            with (
                self.translated_errors(),
                begin_mode("IMMEDIATE" if write else "DEFERRED"),
                self.engine.connect() as engine_connection,
                engine_connection.begin(),
            ):
                yield plainsql.AlchemySql(engine_connection)
            return
        with self.translated_errors():
            connection = self._sqlite_connection()
            with plainsql.sqlite_transaction(connection, write=write) as sql:
                yield sql

    def _sqlite_connection(self) -> sqlite3.Connection:
        """The command's stdlib connection to its SQLite file, at the current schema."""
        from inventory_cli.storage import plainsql
        from inventory_cli.storage.schema import SchemaState

        if self._sqlite is None:
            path = self.settings.db_path
            assert path is not None
            self._make_db_folder()
            connection = plainsql.open_sqlite(path, self.settings.busy_timeout_ms)
            if not self._schema_checked:
                current = False  # a file that cannot even be read is closed too
                try:
                    current = plainsql.sqlite_schema_state(connection) is SchemaState.CURRENT
                finally:
                    if not current:
                        # Creating or refusing a schema is the full path's job (Alembic, messages).
                        connection.close()
                if not current:
                    self.ensure_schema()
                    connection = plainsql.open_sqlite(path, self.settings.busy_timeout_ms)
                self._schema_checked = True
            self._sqlite = connection
        return self._sqlite

    def close(self) -> None:
        """Close the command's plain SQLite connection, if one was opened."""
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work on a database at the current schema."""
        from inventory_cli.storage.uow import UnitOfWork

        self.ensure_schema()
        return UnitOfWork(self.engine, read_only=read_only)

    @contextmanager
    def connection_held(self) -> Iterator[None]:
        """Keep one idle database connection open while a series of units of work runs.

        In WAL mode, closing the last connection checkpoints and removes the WAL file; a command
        that runs many short units of work (such as loading the sample data) would pay for that
        on each one (measured: about half of the sample-data load).
        """
        self.ensure_schema()
        with self.engine.connect():
            yield
