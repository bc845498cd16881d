"""SQLAlchemy engines for SQLite (WAL, FKs, BEGIN IMMEDIATE) and PostgreSQL (one writer lock)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from inventory_cli.errors import InvalidInputError, StorageError
from inventory_cli.storage.dberrors import translate_db_error as translate_db_error
from inventory_cli.storage.dburls import describe as describe
from inventory_cli.storage.dburls import redact as redact
from inventory_cli.storage.sqlite_settings import CASEFOLD as CASEFOLD
from inventory_cli.storage.sqlite_settings import configure_sqlite_connection

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


# The key of the transaction-level advisory lock every PostgreSQL write transaction takes first:
# the same one-writer-at-a-time rule as SQLite's BEGIN IMMEDIATE (any fixed 64-bit number will do,
# as long as every version of the program uses the same one).
WRITER_LOCK_KEY = 0x494E56454E54  # "INVENT"

SUPPORTED_SCHEMES = ("sqlite:///PATH", "postgresql+psycopg://USER@HOST:PORT/DB")


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


def create_sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    """An engine whose connections enforce foreign keys and run WAL with a busy timeout."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        configure_sqlite_connection(dbapi_connection, busy_timeout_ms, insist_on_wal=not _is_memory(url))

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(f"BEGIN {_begin_mode.get()}")

    return engine


def _is_memory(url: str) -> bool:
    return url in ("sqlite://", "sqlite:///:memory:")
