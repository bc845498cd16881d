"""Test-only crash points: the process kills itself at a named moment when a test asks for it.

A test sets ``INVENTORY_TEST_CRASH_AT=POINT[:N]`` for a child process; that process then sends
itself SIGKILL the N-th time (default: the first) it reaches POINT, with no chance to clean up,
as a power cut or an OOM kill would. The points are ``after-temp-write`` and ``after-rename`` (a
blob's temp file is written and synced; it has been renamed to its blob name) and
``before-commit`` and ``after-commit`` (around the commit of a write transaction).

The variable is read once, when this module is imported; unset, ``reached`` does nothing but
compare one global with None.
"""

from __future__ import annotations

import os
import signal
import threading

VARIABLE = "INVENTORY_TEST_CRASH_AT"
POINTS = ("after-temp-write", "after-rename", "before-commit", "after-commit")


def _parse(spec: str | None) -> tuple[str, int] | None:
    """The point and the count at which to crash, or None when no (valid) crash is asked for."""
    if not spec:
        return None
    point, _, nth = spec.partition(":")
    if point not in POINTS:
        return None
    try:
        count = int(nth) if nth else 1
    except ValueError:
        return None
    return (point, count) if count >= 1 else None


_target = _parse(os.environ.get(VARIABLE))
_seen = 0
_lock = threading.Lock()  # 'store copy' publishes blobs from a few threads at once


def reached(point: str) -> None:
    """Mark that the process is at ``point``; dies there (SIGKILL) when the test variable says so."""
    if _target is None:
        return
    global _seen
    with _lock:
        if point != _target[0]:
            return
        _seen += 1
        if _seen == _target[1]:
            os.kill(os.getpid(), signal.SIGKILL)
