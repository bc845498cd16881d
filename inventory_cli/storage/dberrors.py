"""Driver errors (sqlite3, psycopg) turned into the program's user-facing errors."""

from __future__ import annotations

import sqlite3

from inventory_cli.errors import BusyError, ConflictError, InventoryError, StorageError
from inventory_cli.storage.dburls import describe, redact


def translate_db_error(exc: BaseException, url: str) -> InventoryError | None:
    """Map a driver error to the user-facing storage error, or None when it is a bug."""
    # SQLAlchemy wraps driver errors and keeps the original as ``orig``; plain sqlite3 errors
    # arrive unwrapped (checked by attribute, so that this module never imports SQLAlchemy).
    original = getattr(exc, "orig", exc)
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
    if isinstance(original, sqlite3.IntegrityError):
        return _refused(where, text)
    return None


def _refused(where: str, detail: str) -> ConflictError:
    """A change the database's own rules refused: services check first, so another command got in."""
    return ConflictError(
        f"database {where} refused the change: {detail}",
        hint="another command may have changed the inventory meanwhile; run the command again",
    )


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
    if state.startswith("23"):  # integrity constraint violation
        return _refused(where, first_line)
    if state.startswith("42501"):
        return StorageError(f"database {where}: permission denied: {first_line}")
    if state.startswith(("53", "58", "XX")):
        return StorageError(f"database {where}: {first_line}")
    return None
