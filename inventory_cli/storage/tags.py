"""The tags column's stored form: a JSON list, or JSON null for none, as the models write it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def tags_from_db(value: Any) -> list[str]:
    """The tags column as a list: JSON text on SQLite (NULL or 'null' for none), decoded on PostgreSQL."""
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return list(value or [])


def tags_to_db(tags: Sequence[str]) -> str:
    """The tags column's value as JSON text: a list, or JSON null for none, as the models write it."""
    # Most imported parts have none: skip the encoder for the constant.
    return json.dumps(list(tags)) if tags else "null"
