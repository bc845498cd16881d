"""Durations as people type them: ``90s``, ``30m``, ``12h``, ``1d``, ``2w`` or ``0``."""

from __future__ import annotations

import re
from datetime import timedelta

from inventory_cli.errors import InvalidInputError

_PATTERN = re.compile(r"^\s*(\d{1,9})\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> timedelta:
    """A duration from a number and a unit (s, m, h, d, w; a bare number is seconds)."""
    match = _PATTERN.match(text.lower())
    if match is None:
        raise InvalidInputError(
            f"not a duration: {text!r}", hint="use a whole number and a unit, e.g. 90s, 30m, 12h, 1d, 2w"
        )
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
