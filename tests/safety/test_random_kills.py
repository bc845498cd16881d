"""Importers killed with SIGKILL at random moments: after every kill the inventory is consistent.

Every trial imports a new file (its own keys; a fifth of its photos shared with the other trials)
and is killed after a random delay drawn from a seeded generator: counted from its start in half
the trials, from its report of a random number of committed batches in the other half. After
each trial: ``db check`` and ``store fsck`` find no row without its blob, every row the importer
had reported as committed (``import -v``) is there, and the file's rows that are there are whole
batches. At the end every file is imported again: all rows land once, every blob is referenced.
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRun, count, json_out
from tests.safety.helpers import (
    ForkServer,
    assert_consistent,
    committed_rows,
    missing_keys,
    part_keys,
    stored_blobs,
    write_import,
)

ROWS = 16
BATCH = 2
SEED = 7


def run_kill_trials(
    cli: CliRun, tmp_path: Path, db_path: Path, store_root: Path, trials: int, seed: int
) -> dict[str, Any]:
    """``trials`` killed imports and the checks after each; returns figures for the report."""
    assert cli("box", "add", "Drawer", "-c", "5").exit_code == 0
    folder = tmp_path / "in"
    chance = random.Random(seed)
    server = ForkServer(tmp_path)
    outcomes: Counter[str] = Counter()
    files: list[tuple[Path, list[str]]] = []
    try:
        # Trial 0 runs to its end: how long an import takes here sets the range of the kill delays.
        keys = write_import(folder, "t0.csv", 0, ROWS)
        files.append((folder / "t0.csv", keys))
        args = ["import", str(folder / "t0.csv"), "-v", "--batch-size", str(BATCH)]
        full = server.run(args, tmp_path / "out", tmp_path / "err", None)
        assert full["status"] == 0, (tmp_path / "err").read_text()
        # '-v' reports every batch once it is committed: one line per batch, the last one the total.
        lines = (tmp_path / "err").read_text()
        batches = [int(n) for n in re.findall(r"(\d+) of \d+ rows committed", lines)]
        assert batches == list(range(BATCH, ROWS + 1, BATCH))
        longest = 1.2 * float(full["seconds"])
        for trial in range(1, trials + 1):
            source = folder / f"t{trial}.csv"
            keys = write_import(folder, source.name, trial, ROWS)
            files.append((source, keys))
            args = ["import", str(source), "-v", "--batch-size", str(BATCH)]
            if trial % 2:
                answer = server.run(args, tmp_path / "out", tmp_path / "err", chance.uniform(0, longest))
            else:
                # Half the kills come a random moment after a random number of commits, so that
                # every stage of an import is hit, however its time is spread over the stages.
                commits = chance.randint(1, ROWS // BATCH)
                delay = chance.uniform(0, longest / (ROWS // BATCH))
                answer = server.run(args, tmp_path / "out", tmp_path / "err", delay, commits)
            stderr = (tmp_path / "err").read_text()
            assert answer["status"] in (0, -9), (answer, stderr)
            assert "Traceback" not in stderr
            reported = committed_rows(stderr)
            assert missing_keys(db_path, keys[:reported]) == [], (trial, reported)
            present = set(part_keys(db_path)) & set(keys)
            assert present == set(keys[: len(present)]), trial  # a prefix of the file...
            assert len(present) % BATCH == 0 or len(present) == ROWS  # ...of whole batches
            if answer["status"] == 0:
                assert len(present) == ROWS
            outcomes["finished" if answer["status"] == 0 else f"killed after {len(present)} rows"] += 1
            assert_consistent(cli, store_root)
    finally:
        server.close()

    for source, _ in files:
        json_out(cli("import", str(source), "--batch-size", str(BATCH), "--on-conflict", "skip", "--json"))
    assert sorted(part_keys(db_path)) == sorted(key for _, keys in files for key in keys)
    assert count(db_path, "attachments") == len(files) * ROWS
    distinct = {p.read_bytes() for p in folder.glob("*.png")}
    assert len(stored_blobs(store_root)) == len(distinct)
    report = assert_consistent(cli, store_root)
    assert report["orphans"] == []
    return {"trials": trials, "outcomes": dict(sorted(outcomes.items()))}


@pytest.mark.slow
def test_importers_killed_at_random_moments(
    cli: CliRun, tmp_path: Path, db_path: Path, store_root: Path
) -> None:
    figures = run_kill_trials(cli, tmp_path, db_path, store_root, trials=30, seed=SEED)
    # At least some kills must land inside the import, or the test proves nothing.
    assert sum(n for what, n in figures["outcomes"].items() if what.startswith("killed")) >= 10, figures
    print(figures)


@pytest.mark.soak
def test_importers_killed_at_random_moments_soak(
    cli: CliRun, tmp_path: Path, db_path: Path, store_root: Path
) -> None:
    trials = int(os.environ.get("INVENTORY_SOAK_TRIALS", "400"))
    seed = int(os.environ.get("INVENTORY_SOAK_SEED", str(random.SystemRandom().randrange(1 << 30))))
    figures = run_kill_trials(cli, tmp_path, db_path, store_root, trials=trials, seed=seed)
    print({"seed": seed, **figures})
