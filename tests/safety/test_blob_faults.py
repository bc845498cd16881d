"""The N-th file-system call of the blob store fails, for every N: a clean error, nothing half-written.

The import (and ``part attach``) runs in this process with the store's file-system calls
(``storage.blobs.ops``) wrapped so that the N-th one raises ENOSPC, EIO or EACCES; N goes from 1
until a run makes fewer calls than N. After every failure: exit 5 (storage) with a one-line
error, ``db check`` and ``store fsck`` clean, every file under a blob name holds exactly its
content, only whole batches committed; the same import run again then completes.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inventory_cli.errors import ExitCode
from inventory_cli.storage import blobs
from tests.conftest import CliRun, count, image_bytes, json_out, query
from tests.e2e.seeded import restore, seeded_home
from tests.integration.test_concurrency import WAIT_SECONDS
from tests.safety.helpers import (
    assert_blobs_hash_to_their_names,
    assert_consistent,
    part_keys,
    stored_blobs,
    subprocess_env,
    write_import,
)

ROWS = 8
BATCH = 3  # three batches: two whole, one part
ERRNOS = [errno.ENOSPC, errno.EIO, errno.EACCES]


class FailingOps:
    """The store's file-system calls, the N-th of which (counted across threads) raises ``code``."""

    def __init__(self, real: Any, nth: int, code: int) -> None:
        self._real = real
        self._nth = nth
        self._code = code
        self._lock = threading.Lock()
        self.calls = 0
        self.failed: str | None = None

    def __getattr__(self, name: str) -> Callable[..., Any]:
        real = getattr(self._real, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls += 1
                fail = self.calls == self._nth
            if fail:
                self.failed = name
                raise OSError(self._code, os.strerror(self._code), str(args[0]) if args else None)
            return real(*args, **kwargs)

        return call


template = seeded_home(("box", "add", "Drawer", "-c", "5"))


def _fresh_home(template: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    restore(template, folder)
    monkeypatch.setenv("INVENTORY_HOME", str(folder))
    return folder


def _assert_one_line_error(result: Any, what: str) -> None:
    assert result.exit_code == ExitCode.STORAGE, (what, result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert lines and lines[-1].startswith(("error: ", "hint: ")), (what, lines)
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr, (what, result.stderr)


def run_faults(
    cli: CliRun,
    tmp_path: Path,
    template: Path,
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    command: Callable[[Path], list[str]],
    check_after: Callable[[Path], None],
) -> Counter[str]:
    """Fail the N-th call for N = 1, 2, ... until a run needs fewer calls; the failed calls by name."""
    failed: Counter[str] = Counter()
    for nth in range(1, 500):
        home = _fresh_home(template, tmp_path / f"home-{nth}", monkeypatch)
        injector = FailingOps(blobs.ops, nth, code)
        with monkeypatch.context() as patch:
            patch.setattr(blobs, "ops", injector)
            result = cli(*command(home))
        what = f"call {nth} ({injector.failed}) fails with {errno.errorcode[code]}"
        if injector.failed is None:
            assert result.exit_code == 0, (what, result.stderr)
            check_after(home)
            return failed
        failed[injector.failed] += 1
        if result.exit_code != 0:  # a failed clean-up of a temp file does not fail the command
            _assert_one_line_error(result, what)
        assert_consistent(cli, home / "blobs")
        check_after(home)
        shutil.rmtree(home)
    raise AssertionError("the command never finished without a fault")


@pytest.mark.parametrize("code", ERRNOS, ids=[errno.errorcode[c] for c in ERRNOS])
def test_import_survives_a_failing_file_system_call_anywhere(
    cli: CliRun, tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    # Photos a, b, c, d, e; later batches bring back contents an earlier batch stored, so that
    # publishing finds the blob there (utime) and drops its own temp file (unlink).
    photos = "abacbdae"
    for letter in set(photos):
        (folder / f"{letter}.png").write_bytes(image_bytes("PNG", size=(6, 6), color=(ord(letter), 0, 0)))
    keys = [f"FLT{letter.upper()}" for letter in "ABCDEFGH"]
    rows = [f"{key},Part {key},{photo}.png" for key, photo in zip(keys, photos, strict=True)]
    (folder / "parts.csv").write_text("\n".join(["key,description,attach", *rows]) + "\n")
    distinct = len(set(photos))
    source = str(folder / "parts.csv")

    def after(home: Path) -> None:
        db_path = home / "inventory.db"
        present = part_keys(db_path)
        assert len(present) % BATCH == 0 or len(present) == ROWS, present
        assert present == keys[: len(present)]
        again = json_out(cli("import", source, "--batch-size", str(BATCH), "--json"))
        assert again["created"] == ROWS - len(present)
        assert sorted(part_keys(db_path)) == sorted(keys)
        assert count(db_path, "attachments") == ROWS
        # Every stored blob is now named by an attachment and intact (the store was checked in full
        # right after the fault; here a cheaper look suffices).
        named = {row[0] for row in query(db_path, "SELECT DISTINCT blob_digest FROM attachments")}
        assert set(stored_blobs(home / "blobs")) == named and len(named) == distinct
        assert_blobs_hash_to_their_names(home / "blobs")

    command = ["import", source, "--batch-size", str(BATCH)]
    failed = run_faults(cli, tmp_path, template, monkeypatch, code, lambda _: command, after)
    assert set(failed) >= {"open", "write", "link", "mkdir", "utime", "unlink"}, failed
    print(errno.errorcode[code], sum(failed.values()), dict(failed))


@pytest.mark.parametrize("code", ERRNOS, ids=[errno.errorcode[c] for c in ERRNOS])
def test_attach_survives_a_failing_file_system_call_anywhere(
    cli: CliRun, tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(image_bytes("PNG", size=(5, 5)))

    def command(home: Path) -> list[str]:
        if not part_keys(home / "inventory.db"):
            assert cli("part", "add", "Shift register", "--key", "ABCD").exit_code == 0
        return ["part", "attach", "ABCD", str(photo)]

    def after(home: Path) -> None:
        attached = count(home / "inventory.db", "attachments")
        assert attached in (0, 1)
        assert len(stored_blobs(home / "blobs")) >= attached

    failed = run_faults(cli, tmp_path, template, monkeypatch, code, command, after)
    # Outside an import's batch every blob is synced on its own: fsync of the file and its folders.
    assert set(failed) >= {"open", "write", "fsync", "link", "mkdir"}, failed
    print(errno.errorcode[code], sum(failed.values()), dict(failed))


def _unshare_works() -> bool:
    if shutil.which("unshare") is None or sys.platform != "linux":
        return False
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True, check=False
    )
    return probe.returncode == 0


@pytest.mark.slow
def test_import_onto_a_really_full_disk(cli: CliRun, tmp_path: Path, isolated_home: Path) -> None:
    if not _unshare_works():
        pytest.skip("no unprivileged user and mount namespaces here to mount a small tmpfs")
    assert cli("box", "add", "Drawer", "-c", "5").exit_code == 0
    folder = tmp_path / "in"
    write_import(folder, "parts.csv", 0, 3)
    big = [folder / f"big{n}.png" for n in range(6)]
    for number, path in enumerate(big):
        path.write_bytes(image_bytes("PNG", size=(150, 150 + number), color=(1, 2, 3)) + os.urandom(48_000))
    lines = ["key,description,attach"] + [f"BIG{chr(65 + n)},Big {n},{p.name}" for n, p in enumerate(big)]
    (folder / "big.csv").write_text("\n".join(lines) + "\n")
    store = tmp_path / "small-disk"
    store.mkdir()
    copy = tmp_path / "store-copy"
    inventory = f"{sys.executable} -m inventory_cli --store {store}"
    # The tmpfs exists only inside the namespace: import and check there, print what the test reads.
    script = (
        f"mount -t tmpfs -o size=192k tmpfs {store} || exit 99\n"
        f"{inventory} import {folder / 'parts.csv'} --batch-size 1; echo small=$?\n"
        f"{inventory} import {folder / 'big.csv'} --batch-size 2; echo big=$?\n"
        f"{inventory} db check >/dev/null; echo check=$?\n"
        f"{inventory} store fsck >/dev/null; echo fsck=$?\n"
        f"cp -r {store} {copy}; echo copied=$?\n"
    )
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=False,
    )
    if done.returncode == 99:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    codes = dict(line.split("=") for line in done.stdout.splitlines() if "=" in line)
    wanted = {"small": "0", "big": str(int(ExitCode.STORAGE)), "check": "0", "fsck": "0", "copied": "0"}
    assert codes == wanted, (done.stdout, done.stderr)
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr
    committed = count(isolated_home / "inventory.db", "parts")
    assert 3 <= committed < 3 + len(big) and (committed - 3) % 2 == 0
    assert_blobs_hash_to_their_names(copy)
    assert not any(p.is_file() for p in (copy / "tmp").glob("*"))  # the failed temp file was removed
