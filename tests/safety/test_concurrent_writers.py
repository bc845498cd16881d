"""Eight import processes on one database at once, with readers listing parts beside them."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.conftest import CliRun, count, query
from tests.integration.test_concurrency import WAIT_SECONDS, run_together
from tests.safety.helpers import ForkServer, assert_consistent, part_keys, stored_blobs, write_import

pytestmark = pytest.mark.slow

WRITERS = 8
ROWS = 40
BATCH = 5


def _list_loop(folder: Path, stop: threading.Event, runs: list[tuple[int, str, str]]) -> None:
    """Run ``part list --json`` in fresh processes again and again until told to stop (at least once).

    The processes are forked from a server that has the program imported already, so that a
    listing starts in milliseconds and many of them overlap the imports.
    """
    folder.mkdir()
    server = ForkServer(folder)
    try:
        while True:
            answer = server.run(["part", "list", "--json"], folder / "out", folder / "err", None)
            runs.append((answer["status"], (folder / "out").read_text(), (folder / "err").read_text()))
            if stop.is_set():
                return
    finally:
        server.close()


def test_eight_importers_and_two_listers_lose_nothing_and_store_each_content_once(
    cli: CliRun, tmp_path: Path, db_path: Path, store_root: Path
) -> None:
    assert cli("box", "add", "Drawer", "-c", "5").exit_code == 0
    folder = tmp_path / "in"
    written = [write_import(folder, f"w{n}.csv", n, ROWS) for n in range(WRITERS)]
    distinct = {p.read_bytes() for p in folder.glob("*.png")}

    stop = threading.Event()
    listings: list[list[tuple[int, str, str]]] = [[], []]
    loops = [
        threading.Thread(target=_list_loop, args=(tmp_path / f"lister-{n}", stop, runs))
        for n, runs in enumerate(listings)
    ]
    for loop in loops:
        loop.start()
    try:
        sources = [str(folder / f"w{n}.csv") for n in range(WRITERS)]
        commands = [["import", source, "--batch-size", str(BATCH), "--json"] for source in sources]
        results = run_together(tmp_path, commands)  # every process must exit 0: no 75 (busy)
    finally:
        stop.set()
        for loop in loops:
            loop.join(WAIT_SECONDS)

    for result in results:
        assert "locked" not in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert json.loads(result.stdout)["created"] == ROWS
    for runs in listings:
        assert runs
        for status, out, err in runs:
            assert status == 0 and err == "", (status, err)
            assert isinstance(json.loads(out), list)

    keys = part_keys(db_path)
    assert sorted(keys) == sorted(key for writer in written for key in writer)
    assert count(db_path, "attachments") == WRITERS * ROWS
    assert query(db_path, "SELECT COUNT(DISTINCT blob_digest) FROM attachments")[0][0] == len(distinct)
    assert len(stored_blobs(store_root)) == len(distinct)
    report = assert_consistent(cli, store_root)
    assert report["ok"] is True and report["orphans"] == []
    print({"rows": len(keys), "blobs": len(distinct), "listings": [len(runs) for runs in listings]})
