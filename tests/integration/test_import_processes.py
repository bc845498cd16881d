"""Real import processes: interrupted by SIGINT or SIGTERM then resumed, and several at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, Files, count, json_out, query
from tests.integration.test_concurrency import WAIT_SECONDS, assert_db_check_passes, run_together

ROWS = 40
BATCH = 8


def write_parts(files: Files, name: str, keys: list[str]) -> Path:
    """A CSV of parts; every fourth one has a photo (a few distinct contents, shared)."""
    for shade in range(3):
        files.png(f"photo{shade}.png", color=(shade * 60, 10, 10))
    lines = ["key,description,stock,attach"]
    for number, key in enumerate(keys):
        attach = f"photo{number % 3}.png" if number % 4 == 0 else ""
        lines.append(f"{key},Part {key},1-{number % 5 + 1}={number + 1},{attach}")
    path = files.folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def keys(count: int, first: str = "A") -> list[str]:
    return [f"{first}{chr(65 + n // 26)}{chr(65 + n % 26)}Z" for n in range(count)]


def _env(delay: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["INVENTORY_BUSY_TIMEOUT_MS"] = "30000"
    env.pop("INVENTORY_TEST_IMPORT_BATCH_DELAY", None)
    if delay is not None:
        env["INVENTORY_TEST_IMPORT_BATCH_DELAY"] = delay
    return env


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, ExitCode.INTERRUPTED), (signal.SIGTERM, ExitCode.TERMINATED)]
)
def test_interrupted_import_keeps_whole_batches_and_resumes(
    cli: CliRun,
    files: Files,
    tmp_path: Path,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    signum: signal.Signals,
    code: ExitCode,
) -> None:
    assert cli("box", "add", "Drawer", "-c", "5").exit_code == 0
    path = write_parts(files, "parts.csv", keys(ROWS))
    proc = subprocess.Popen(
        [sys.executable, "-m", "inventory_cli", "import", str(path), "--batch-size", str(BATCH)],
        cwd=tmp_path,
        env=_env(delay="0.4"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while count(db_path, "parts") < BATCH and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=WAIT_SECONDS)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, (proc.returncode, out, err)
    assert "Traceback" not in err
    committed = count(db_path, "parts")
    assert 0 < committed < ROWS and committed % BATCH == 0
    assert f"interrupted by {signum.name}: {committed} of {ROWS} rows done (committed)" in err
    assert count(db_path, "stock") == committed
    assert cli("db", "check").exit_code == 0

    resumed = json_out(cli("import", str(path), "--json"))
    assert (resumed["created"], resumed["skipped"]) == (ROWS - committed, committed)
    assert count(db_path, "parts") == ROWS
    assert query(db_path, "SELECT COUNT(*) FROM stock_history")[0][0] == ROWS
    after_resume = cli("export", "--format", "ndjson").stdout

    # The same as an import that was never interrupted, in a fresh inventory.
    monkeypatch.setenv("INVENTORY_HOME", str(tmp_path / "uninterrupted"))
    assert cli("box", "add", "Drawer", "-c", "5").exit_code == 0
    assert cli("import", str(path)).exit_code == 0
    assert cli("export", "--format", "ndjson").stdout == after_resume


@pytest.mark.slow
def test_concurrent_imports_all_land_with_one_blob_per_content(
    cli: CliRun, files: Files, tmp_path: Path, db_path: Path, store_root: Path
) -> None:
    assert cli("box", "add", "Drawer", "-c", "5").exit_code == 0
    paths = [write_parts(files, f"p{n}.csv", keys(30, first="ABC"[n])) for n in range(3)]
    # The fourth process imports the same file as the first: its rows are created once.
    commands = [["import", str(p), "--batch-size", "5", "--json"] for p in [*paths, paths[0]]]
    results = run_together(tmp_path, commands)
    assert all("locked" not in r.stderr for r in results)
    summaries = [json.loads(r.stdout) for r in results]
    assert sum(s["created"] for s in summaries) == 90
    assert count(db_path, "parts") == 90
    assert len(query(db_path, "SELECT DISTINCT key FROM parts")) == 90
    assert query(db_path, "SELECT COUNT(DISTINCT blob_digest) FROM attachments")[0][0] == 3
    assert len([p for p in (store_root / "sha256").rglob("*") if p.is_file()]) == 3
    assert_db_check_passes(tmp_path)
