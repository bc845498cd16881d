"""An import killed (SIGKILL) at each crash point leaves a consistent inventory that a re-run completes."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from inventory_cli import crashpoints
from tests.conftest import CliRun, count, json_out
from tests.integration.test_concurrency import WAIT_SECONDS
from tests.safety.helpers import (
    assert_consistent,
    committed_rows,
    missing_keys,
    part_keys,
    stored_blobs,
    subprocess_env,
    write_import,
)

pytestmark = pytest.mark.slow

ROWS = 12
BATCH = 4

# (point, N): where the process dies, and the rows committed by then. Every photo of the file is a
# distinct content, so the 6th blob belongs to the second batch, and the k-th write commit ends batch k.
CASES = [
    ("after-temp-write", 6, BATCH),
    ("after-rename", 6, BATCH),
    ("before-commit", 2, BATCH),
    ("after-commit", 2, 2 * BATCH),
    ("after-temp-write", 1, 0),
    ("after-commit", 3, ROWS),
]


def _killed_import(tmp_path: Path, source: Path, point: str, nth: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inventory_cli", "import", str(source), "-v", "--batch-size", str(BATCH)],
        cwd=tmp_path,
        env=subprocess_env(INVENTORY_TEST_CRASH_AT=f"{point}:{nth}"),
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=False,
    )


@pytest.mark.parametrize(("point", "nth", "committed"), CASES, ids=[f"{p}:{n}" for p, n, _ in CASES])
def test_import_killed_at_a_crash_point(
    cli: CliRun, tmp_path: Path, db_path: Path, store_root: Path, point: str, nth: int, committed: int
) -> None:
    assert cli("box", "add", "Drawer", "-c", "5").exit_code == 0
    source = tmp_path / "in" / "parts.csv"
    keys = write_import(source.parent, source.name, 0, ROWS, shared_every=ROWS + 1)

    killed = _killed_import(tmp_path, source, point, nth)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    assert count(db_path, "parts") == committed
    # What the importer said it had committed is there (it may have died before saying so).
    reported = committed_rows(killed.stderr)
    assert reported <= committed
    assert missing_keys(db_path, keys[:reported]) == []
    assert sorted(part_keys(db_path)) == sorted(keys[:committed])
    assert_consistent(cli, store_root)
    if point == "after-rename":
        assert len(stored_blobs(store_root)) == committed + 2  # the dying batch's first two blobs

    again = json_out(cli("import", str(source), "--batch-size", str(BATCH), "--json"))
    assert (again["created"], again["skipped"]) == (ROWS - committed, committed)
    assert sorted(part_keys(db_path)) == sorted(keys)
    assert count(db_path, "attachments") == ROWS
    assert len(stored_blobs(store_root)) == ROWS
    report = assert_consistent(cli, store_root)
    assert report["ok"] is True and report["orphans"] == []


@pytest.mark.parametrize(("point", "kept"), [("before-commit", 0), ("after-commit", 1)])
def test_plain_sql_write_killed_around_its_commit(
    cli: CliRun, tmp_path: Path, db_path: Path, point: str, kept: int
) -> None:
    assert cli("box", "add", "Drawer", "-c", "1").exit_code == 0  # a database at the current schema
    script = (
        "from inventory_cli.bootstrap import Inventory\n"
        "from inventory_cli.config import load_settings\n"
        "inventory = Inventory(load_settings())\n"
        "with inventory.plain_sql(write=True) as sql:\n"
        "    sql.execute(\"INSERT INTO types (name) VALUES ('Crash test')\")\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=subprocess_env(INVENTORY_TEST_CRASH_AT=point),
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    names = [t["name"] for t in json_out(cli("type", "list", "--json"))]
    assert names.count("Crash test") == kept
    assert cli("db", "check").exit_code == 0


def test_crash_points_are_off_unless_asked_for() -> None:
    assert crashpoints._parse(None) is None
    assert crashpoints._parse("") is None
    assert crashpoints._parse("nowhere") is None
    assert crashpoints._parse("after-commit:0") is None
    assert crashpoints._parse("after-commit:x") is None
    assert crashpoints._parse("after-commit") == ("after-commit", 1)
    assert crashpoints._parse("after-rename:7") == ("after-rename", 7)
    crashpoints.reached("after-commit")  # unset in this process: nothing happens
