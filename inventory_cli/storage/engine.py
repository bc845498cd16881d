"""SQLAlchemy engines for SQLite (WAL, FKs, BEGIN IMMEDIATE) and PostgreSQL (one writer lock)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from inventory_cli.errors import BusyError, InvalidInputError, InventoryError, StorageError

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

# The key of the transaction-level advisory lock every PostgreSQL write transaction takes first:
# the same one-writer-at-a-time rule as SQLite's BEGIN IMMEDIATE (any fixed 64-bit number will do,
# as long as every version of the program uses the same one).
WRITER_LOCK_KEY = 0x494E56454E54  # "INVENT"

SUPPORTED_SCHEMES = ("sqlite:///PATH", "postgresql+psycopg://USER@HOST:PORT/DB")


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Not parseable: hide whatever sits between "://user:" and "@".
        head, sep, rest = url.partition("://")
        if sep and "@" in rest:
            credentials, _, host = rest.rpartition("@")
            user = credentials.split(":", 1)[0]
            return f"{head}://{user}{':***' if ':' in credentials else ''}@{host}"
        return url


def describe(url: str) -> str:
    """How messages name a database: a SQLite file by its path, anything else by its redacted URL."""
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else redact(url)


def dialect_of(url: str) -> str:
    """``sqlite`` or ``postgresql`` for a supported URL; anything else is invalid input."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise InvalidInputError(
            f"malformed database URL {redact(url)!r}", hint=f"use {' or '.join(SUPPORTED_SCHEMES)}"
        ) from None
    if parsed.drivername == "sqlite" and parsed.database not in (None, ""):
        return "sqlite"
    if parsed.drivername in ("postgresql+psycopg", "postgresql") and parsed.database:
        return "postgresql"
    raise InvalidInputError(
        f"unsupported database URL {redact(url)!r}", hint=f"use {' or '.join(SUPPORTED_SCHEMES)}"
    )


def create_engine_for(url: str, busy_timeout_ms: int) -> Engine:
    """The engine for a SQLite or PostgreSQL URL, with that dialect's connection settings."""
    if dialect_of(url) == "sqlite":
        return create_sqlite_engine(url, busy_timeout_ms)
    return create_postgres_engine(url, busy_timeout_ms)


def create_postgres_engine(url: str, lock_timeout_ms: int) -> Engine:
    """An engine whose write transactions first take the writer lock, waiting at most the timeout."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StorageError(
            f"cannot use {redact(url)}: the PostgreSQL driver is not installed",
            hint="pip install 'inventory-cli[postgres]'",
        ) from None
    parsed = make_url(url).set(drivername="postgresql+psycopg")
    engine = create_engine(
        parsed,
        poolclass=NullPool,
        connect_args={
            "connect_timeout": 10,
            # A lock (the writer lock or a row lock) waited for longer than this is "busy, retry".
            "options": f"-c lock_timeout={int(lock_timeout_ms)}",
            "application_name": "inventory",
        },
    )

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if _begin_mode.get() == "IMMEDIATE":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")

    return engine


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
    if original is not None and type(original).__module__.startswith("psycopg"):
        return _translate_postgres_error(original, url)
    if not isinstance(original, sqlite3.Error):
        return None
    text = str(original)
    lowered = text.lower()
    where = describe(url)
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


# SQLSTATE classes and codes that mean "try again": lock timeout, deadlock, serialization failure.
_RETRY_STATES = {"55P03": "a lock wait timed out", "40P01": "deadlock", "40001": "serialization failure"}


def _translate_postgres_error(original: BaseException, url: str) -> InventoryError | None:
    """Map a psycopg error (matched by SQLSTATE, so psycopg need not be imported here)."""
    where = redact(url)
    state = getattr(original, "sqlstate", None) or ""
    first_line = (str(original).strip().splitlines() or [type(original).__name__])[0]
    if state in _RETRY_STATES:
        return BusyError(
            f"database busy: {where}: {_RETRY_STATES[state]} (another command holds the write lock)",
            hint="retry in a moment",
        )
    if state == "57014":  # query_canceled: a statement or lock timeout
        return BusyError(f"database busy: {where}: {first_line}", hint="retry in a moment")
    if state == "3D000":
        return StorageError(f"database {where} does not exist", hint="create it first (createdb)")
    unreached = not state and type(original).__name__ in ("OperationalError", "InterfaceError")
    if unreached or state.startswith(("28", "08", "57P")):
        # No SQLSTATE on a connection error: libpq could not reach the server at all.
        return StorageError(f"cannot connect to database {where}: {first_line}")
    if state.startswith("42501"):
        return StorageError(f"database {where}: permission denied: {first_line}")
    if state.startswith(("53", "58", "XX")):
        return StorageError(f"database {where}: {first_line}")
    return None
