"""Several inventory processes writing to one database (SQLite or PostgreSQL) at once lose nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRun, DbBackend, Files, json_out, pdf_bytes

pytestmark = pytest.mark.slow

WAIT_SECONDS = 60

# Runs ``python -m inventory_cli ARGS`` (same module, same __main__) once the start file exists,
# so that every process reaches the database at about the same moment instead of one by one
# as their interpreters finish starting.
LAUNCHER = """
import os, runpy, sys, time
start = sys.argv[1]
import PIL.Image, inventory_cli.cli.main, inventory_cli.services.sets, inventory_cli.services.parts
while not os.path.exists(start):
    time.sleep(0.002)
sys.argv = ["inventory", *sys.argv[2:]]
runpy.run_module("inventory_cli", run_name="__main__", alter_sys=True)
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)  # INVENTORY_HOME etc. point at this test's home (see conftest)
    # A generous lock wait: this test is about lost updates, not about the timeout.
    env["INVENTORY_BUSY_TIMEOUT_MS"] = "30000"
    return env


def run_together(tmp_path: Path, commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Start one process per command, release them at once, wait for all (bounded)."""
    start = tmp_path / "start"
    start.unlink(missing_ok=True)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(start), *command],
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    results = []
    try:
        start.touch()
        for proc, command in zip(procs, commands, strict=True):
            out, err = proc.communicate(timeout=WAIT_SECONDS)
            results.append(subprocess.CompletedProcess(command, proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for result in results:
        assert result.returncode == 0, (result.args, result.returncode, result.stdout, result.stderr)
    return results


def inventory_subprocess(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m inventory_cli ARGS`` as a script would run it."""
    return subprocess.run(
        [sys.executable, "-m", "inventory_cli", *args],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=False,
    )


def assert_db_check_passes(tmp_path: Path) -> None:
    check = inventory_subprocess(tmp_path, "db", "check", "--json")
    assert check.returncode == 0, (check.stdout, check.stderr)
    assert json.loads(check.stdout)["ok"] is True


def rows(db_path: Path, sql: str) -> list[Any]:
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


# PostgreSQL runs the larger case only: its tests share a time budget.
@pytest.mark.parametrize(
    ("db_backend", "processes"), [("sqlite", 2), ("sqlite", 4), ("postgres", 4)], indirect=["db_backend"]
)
def test_concurrent_attachments_to_one_set_are_all_kept(
    cli: CliRun,
    files: Files,
    tmp_path: Path,
    db_backend: DbBackend,
    store_root: Path,
    part_key: str,
    processes: int,
) -> None:
    photos = [files.png(f"photo-{i}.png", color=(10 * i, 100, 200)) for i in range(processes)]
    results = run_together(tmp_path, [["part", "attach", part_key, str(p), "--json"] for p in photos])

    added = [json.loads(r.stdout) for r in results]
    ids = sorted(a["id"] for a in added)
    assert len(set(ids)) == processes
    assert sorted(a["filename"] for a in added) == sorted(p.name for p in photos)
    assert len({a["set_id"] for a in added}) == 1

    listing = json_out(cli("set", "list", f"part:{part_key}", "--json"))
    assert sorted(a["id"] for a in listing["attachments"]) == ids
    # One cover, and it is the first image committed (a lost update would leave a later one).
    assert [a["id"] for a in listing["attachments"] if a["is_cover"]] == [ids[0]]
    assert listing["cover_id"] == ids[0]
    assert sum(a["is_cover"] for a in added) == 1

    digests = {a["blob_digest"] for a in listing["attachments"]}
    assert len(digests) == processes
    for digest in digests:
        assert (store_root / "sha256" / digest[:2] / digest[2:4] / digest).is_file()
    assert list((store_root / "tmp").iterdir()) == []
    assert db_backend.query("SELECT COUNT(*) FROM attachments")[0][0] == processes
    assert_db_check_passes(tmp_path)


def test_concurrent_mixed_attachments_to_a_kit(
    cli: CliRun, files: Files, tmp_path: Path, db_path: Path, store_root: Path, kit_name: str
) -> None:
    sources = [
        str(files.jpeg("front.jpg")),
        str(files.pdf("schematic.pdf", text="schematic")),
        "https://example.com/synth-voice",
        str(files.write("back.pdf", pdf_bytes("back"))),
    ]
    results = run_together(tmp_path, [["kit", "attach", kit_name, s, "--json"] for s in sources])
    added = {json.loads(r.stdout)["id"]: json.loads(r.stdout) for r in results}
    assert len(added) == 4
    assert sorted(a["kind"] for a in added.values()) == ["image", "pdf", "pdf", "url"]

    listing = json_out(cli("set", "list", f"kit:{kit_name}", "--json"))
    assert sorted(a["id"] for a in listing["attachments"]) == sorted(added)
    image_id = next(i for i, a in added.items() if a["kind"] == "image")
    assert listing["cover_id"] == image_id
    assert list((store_root / "tmp").iterdir()) == []
    assert_db_check_passes(tmp_path)


@pytest.mark.parametrize(
    ("db_backend", "database"),
    [("sqlite", "existing"), ("sqlite", "fresh"), ("postgres", "fresh")],
    indirect=["db_backend"],
)
def test_concurrent_part_adds_get_distinct_keys_and_sets(
    cli: CliRun,
    tmp_path: Path,
    db_path: Path,
    database: str,
    db_backend: DbBackend,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if database == "existing":
        json_out(cli("part", "add", "Already here", "--key", "AAAA", "--json"))
    elif db_backend.name == "postgresql":
        # The processes race to create the schema in an empty database.
        db_backend.url = request.getfixturevalue("postgres_empty_url")
        monkeypatch.setenv("INVENTORY_DB", db_backend.url)
    else:
        assert not db_path.exists()  # the processes race to create the database too
    processes = 4
    results = run_together(tmp_path, [["part", "add", f"Part {i}", "--json"] for i in range(processes)])
    added = [json.loads(r.stdout) for r in results]
    keys = [a["key"] for a in added]
    assert len(set(keys)) == processes
    assert all(len(k) == 4 and k.isalpha() and k.isupper() for k in keys)
    assert len({a["set_id"] for a in added}) == processes
    assert sorted(a["description"] for a in added) == [f"Part {i}" for i in range(processes)]

    expected = processes + (1 if database == "existing" else 0)
    parts = db_backend.query("SELECT key, attachment_set_id FROM parts")
    assert len(parts) == expected
    assert len({set_id for _, set_id in parts}) == expected
    assert db_backend.query("SELECT COUNT(*) FROM attachment_sets")[0][0] == expected
    listed = json_out(cli("part", "list", "--json"))
    assert set(keys) <= {p["key"] for p in listed}
    assert_db_check_passes(tmp_path)
