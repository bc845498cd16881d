"""The settings every SQLite connection gets, whether SQLAlchemy or plain sqlite3 opens it."""

from __future__ import annotations

import sqlite3

# SQLite's lower() and LIKE fold ASCII only; searches fold all of Unicode with this function.
CASEFOLD = "inventory_casefold"


def _casefold(value: object) -> str | None:
    return None if value is None else str(value).casefold()


def configure_sqlite_connection(
    connection: sqlite3.Connection, busy_timeout_ms: int, *, insist_on_wal: bool
) -> None:
    """Autocommit driver mode, Unicode case folding, busy timeout, foreign keys, WAL.

    WAL is always asked for; with ``insist_on_wal`` (a file, not an in-memory database, which has
    no WAL) a refusal of the first request, such as another connection's lock, is asked again once.
    """
    # Python's sqlite3 would otherwise open transactions on its own, too late and deferred.
    connection.isolation_level = None
    connection.create_function(CASEFOLD, 1, _casefold, deterministic=True)
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
        if insist_on_wal and mode and str(mode[0]).lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()
