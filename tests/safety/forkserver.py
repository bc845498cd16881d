"""Runs ``inventory`` commands in forked children and SIGKILLs them on request (run as a script).

Each child is a real process of its own (own database connection, own blob store object), but it
starts in milliseconds: the program is imported once here, before any fork. That makes a few
dozen kill trials affordable in the normal test suite. No database is opened in this process.

Protocol, one JSON object per line: the request ``{"args": [...], "out": path, "err": path,
"kill_after": seconds or null, "after_commits": n or null}`` starts ``inventory ARGS`` with stdout
and stderr in those files and kills it with SIGKILL once ``kill_after`` seconds have passed
(counted from the start, or from its n-th "rows committed" line on stderr), unless it ended
before; the answer is ``{"status": exit code, or -9 when killed, "seconds": run time}``.
"""

from __future__ import annotations

# Everything an import needs is imported here, before the forks (see above).
import ctypes
import json
import os
import signal
import sys
import time
from typing import Any

import PIL.Image

import inventory_cli.cli.main
import inventory_cli.cli.progress
import inventory_cli.services.importing
import inventory_cli.storage.migrator
import inventory_cli.storage.stores

PRELOADED = (ctypes, PIL.Image, inventory_cli)


def _child(args: list[str], out: int, err: int) -> None:
    """In the forked child: run the command with its output in the given files, and never return."""
    code = 1
    try:
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.argv = ["inventory", *args]
        from inventory_cli.cli.main import run

        try:
            run()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _output_file(path: object) -> int:
    return os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)


def _commits_seen(path: str) -> int:
    with open(path, "rb") as handle:
        return handle.read().count(b" rows committed\n")


def _serve_one(request: dict[str, Any]) -> dict[str, Any]:
    args = [str(a) for a in request["args"]]
    kill_after: float | None = request.get("kill_after")
    after_commits: int = request.get("after_commits") or 0
    # Emptied here, before the fork: a child killed before it wrote anything leaves them empty,
    # never holding what the previous child wrote.
    out, err = _output_file(request["out"]), _output_file(request["err"])
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(args, out, err)
    os.close(out)
    os.close(err)
    # The kill delay runs from the start, or from the moment the child reported that many commits.
    deadline = None if kill_after is None or after_commits else started + kill_after
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        waiting = kill_after is not None and deadline is None and after_commits
        if waiting and _commits_seen(request["err"]) >= after_commits:
            deadline = time.monotonic() + (kill_after or 0.0)
        if deadline is not None and time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.001)
    return {"status": os.waitstatus_to_exitcode(status), "seconds": time.monotonic() - started}


def main() -> None:
    """Serve requests from stdin until it closes."""
    for line in sys.stdin:
        answer = _serve_one(json.loads(line))
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
