"""SQLAlchemy engines with the SQLite settings every connection needs (WAL, FKs, BEGIN IMMEDIATE)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from inventory_cli.errors import BusyError, InventoryError, StorageError

# How the next transaction begins. Writes take the write lock up front so that a
# read-then-write can never be overtaken by another writer; reads stay deferred.
_begin_mode: ContextVar[str] = ContextVar("begin_mode", default="IMMEDIATE")


@contextmanager
def begin_mode(mode: str) -> Iterator[None]:
    """Make transactions begun inside the block use ``BEGIN <mode>``."""
    token = _begin_mode.set(mode)
    try:
        yield
    finally:
        _begin_mode.reset(token)


CASEFOLD = "inventory_casefold"


def _casefold(value: object) -> str | None:
    return None if value is None else str(value).casefold()


def create_sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    """An engine whose connections enforce foreign keys and run WAL with a busy timeout."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Python's sqlite3 would otherwise open transactions on its own, too late and deferred.
        dbapi_connection.isolation_level = None
        # SQLite's lower() and LIKE fold ASCII only; searches fold all of Unicode with this.
        dbapi_connection.create_function(CASEFOLD, 1, _casefold, deterministic=True)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode and str(mode[0]).lower() != "wal" and not _is_memory(url):
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(f"BEGIN {_begin_mode.get()}")

    return engine


def _is_memory(url: str) -> bool:
    return url in ("sqlite://", "sqlite:///:memory:")


def translate_db_error(exc: BaseException, url: str) -> InventoryError | None:
    """Map a driver error to the user-facing storage error, or None when it is a bug."""
    from sqlalchemy import exc as sa_exc

    original = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    if not isinstance(original, sqlite3.Error):
        return None
    text = str(original)
    lowered = text.lower()
    where = url.removeprefix("sqlite:///")
    if "database is locked" in lowered or "database is busy" in lowered:
        return BusyError(
            f"database busy: {where} is locked by another process",
            hint="retry in a moment",
        )
    if "readonly" in lowered or "read-only" in lowered:
        return StorageError(f"database {where} is read-only", hint="check the file's permissions")
    if "not a database" in lowered or "malformed" in lowered or "disk image" in lowered:
        return StorageError(f"database {where} is corrupt or not an inventory database: {text}")
    if "unable to open" in lowered:
        return StorageError(
            f"cannot open database {where}", hint="check that its folder exists and is writable"
        )
    if "disk is full" in lowered or "disk i/o" in lowered:
        return StorageError(f"database {where}: {text}")
    if isinstance(original, sqlite3.OperationalError):
        return StorageError(f"database {where}: {text}")
    return None
