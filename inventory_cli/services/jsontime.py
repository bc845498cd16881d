"""Times in the JSON forms: read as the database hands them back, written as ISO 8601 with a Z."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def stored_time(value: Any) -> Any:
    """A time column as a datetime: plain sqlite3 hands back the stored text, PostgreSQL a datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def iso_utc(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 to the second with a Z, as every JSON form writes it."""
    return value.isoformat(timespec="seconds") + "Z" if value else None
