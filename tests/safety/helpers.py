"""Shared pieces of the safety tests: import files with attachments, and the consistency check."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests.conftest import CliRun, image_bytes

WAIT_SECONDS = 60
COMMITTED_LINE = re.compile(r"^importing: (\d+) of (\d+) rows committed$", re.MULTILINE)


def subprocess_env(**extra: str) -> dict[str, str]:
    """The test's environment (its isolated home) for a child process, with a generous lock wait."""
    env = dict(os.environ)
    env["INVENTORY_BUSY_TIMEOUT_MS"] = "30000"
    for name in ("INVENTORY_TEST_IMPORT_BATCH_DELAY", "INVENTORY_TEST_CRASH_AT"):
        env.pop(name, None)
    env.update(extra)
    return env


def shared_photo(folder: Path, number: int) -> Path:
    """A photo whose bytes every writer shares (the same ``number`` gives the same content)."""
    path = folder / f"shared-{number}.png"
    if not path.exists():
        path.write_bytes(image_bytes("PNG", size=(8, 8), color=(number % 256, 7, 7)))
    return path


def own_photo(folder: Path, writer: int, number: int) -> Path:
    """A photo no other writer or row has (distinct colours and sizes give distinct content)."""
    path = folder / f"own-{writer}-{number}.png"
    size = (9 + writer % 64, 9 + writer // 64)
    path.write_bytes(image_bytes("PNG", size=size, color=(number % 256, number // 256, 100)))
    return path


def keys_for(writer: int, rows: int) -> list[str]:
    """Distinct four-letter keys for one writer (up to 676 writers of up to 676 rows)."""
    prefix = chr(65 + writer // 26) + chr(65 + writer % 26)
    return [f"{prefix}{chr(65 + n // 26)}{chr(65 + n % 26)}" for n in range(rows)]


def write_import(folder: Path, name: str, writer: int, rows: int, *, shared_every: int = 5) -> list[str]:
    """A CSV of ``rows`` parts, each with one photo; every ``shared_every``-th photo is shared content.

    Returns the keys in file order. The shared photos are the same across writers, so that
    several writers publish identical blobs at once.
    """
    folder.mkdir(parents=True, exist_ok=True)
    keys = keys_for(writer, rows)
    lines = ["key,description,attach"]
    for number, key in enumerate(keys):
        if number % shared_every == 0:
            photo = shared_photo(folder, number // shared_every)
        else:
            photo = own_photo(folder, writer, number)
        lines.append(f"{key},Part {key} of writer {writer},{photo.name}")
    (folder / name).write_text("\n".join(lines) + "\n")
    return keys


def committed_rows(stderr: str) -> int:
    """The most rows an ``import -v`` reported as committed (0 when it reported none)."""
    return max((int(m.group(1)) for m in COMMITTED_LINE.finditer(stderr)), default=0)


def part_keys(db_path: Path) -> list[str]:
    """Every part key in the database (with repeats, should there be any)."""
    connection = sqlite3.connect(db_path)
    try:
        return [row[0] for row in connection.execute("SELECT key FROM parts")]
    finally:
        connection.close()


def stored_blobs(store_root: Path) -> dict[str, Path]:
    """Every file in the store's blob layout, by its name."""
    base = store_root / "sha256"
    return {p.name: p for p in base.glob("*/*/*") if p.is_file()} if base.is_dir() else {}


def assert_blobs_hash_to_their_names(store_root: Path) -> None:
    """No file under a blob name holds other bytes: a half-written file is never a blob."""
    for name, path in stored_blobs(store_root).items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == name, path
        assert path.parent.name == name[2:4] and path.parent.parent.name == name[:2], path


def assert_consistent(cli: CliRun, store_root: Path) -> dict[str, object]:
    """``db check`` and ``store fsck`` clean (young orphans and young temp files allowed); the fsck report."""
    check = cli("db", "check", "--json")
    assert check.exit_code == 0, (check.stdout, check.stderr)
    assert json.loads(check.stdout)["problems"] == []
    fsck = cli("store", "fsck", "--json")
    assert fsck.exit_code == 0, (fsck.stdout, fsck.stderr)
    report: dict[str, object] = json.loads(fsck.stdout)
    assert (report["missing"], report["wrong_size"], report["corrupt"]) == ([], [], [])
    assert_blobs_hash_to_their_names(store_root)
    return report


def missing_keys(db_path: Path, wanted: Iterable[str]) -> list[str]:
    """The keys of ``wanted`` that are not in the database."""
    present = set(part_keys(db_path))
    return [key for key in wanted if key not in present]


class ForkServer:
    """The fork server script (see forkserver.py) as a child of this test."""

    def __init__(self, cwd: Path) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("forkserver.py"))],
            cwd=cwd,
            env=subprocess_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(
        self,
        args: list[str],
        out: Path,
        err: Path,
        kill_after: float | None,
        after_commits: int | None = None,
    ) -> dict[str, Any]:
        """Run ``inventory ARGS`` in a forked child, killed ``kill_after`` seconds after its start
        (or after its ``after_commits``-th reported commit) if still running."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        request = {"args": args, "out": str(out), "err": str(err), "kill_after": kill_after}
        request["after_commits"] = after_commits
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        assert line, "the fork server died"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        """Stop the server (closing its stdin ends its loop)."""
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        try:
            self._proc.wait(WAIT_SECONDS)
        finally:
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
