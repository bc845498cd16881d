"""Several processes changing the stock of the same parts at once: no unit is lost or made up."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import CliRun, DbBackend, json_out
from tests.integration.test_concurrency import WAIT_SECONDS, _env, assert_db_check_passes

pytestmark = pytest.mark.slow

PROCESSES = 4
OPERATIONS = 25

# Each worker runs random adds, removes and moves through the service layer, one transaction
# each, and prints the changes that were committed; a refused remove (not enough left) is
# reported as nothing. Workers start together once the start file exists.
WORKER = """
import json, os, random, sys, time
from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from inventory_cli.errors import ConflictError
from inventory_cli.services import stock
start, seed, keys = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
rng = random.Random(seed)
inventory = Inventory(load_settings())
locations = ["1-1", "1-2", "1-3"]
while not os.path.exists(start):
    time.sleep(0.002)
done = []
for _ in range(int(sys.argv[4])):
    key, action, qty = rng.choice(keys), rng.choice(["add", "remove", "move"]), rng.randint(1, 5)
    a, b = rng.sample(locations, 2)
    try:
        if action == "add":
            result = stock.add_stock(inventory, key, a, qty)
        elif action == "remove":
            result = stock.remove_stock(inventory, key, a, qty)
        else:
            result = stock.move_stock(inventory, key, a, b, qty)
    except ConflictError:
        continue
    done.extend((key, c.location, c.delta) for c in result.changes)
print(json.dumps(done))
"""


def test_concurrent_stock_changes_add_up(cli: CliRun, tmp_path: Path, db_backend: DbBackend) -> None:
    keys = ["AAAA", "BBBB"]
    for key in keys:
        assert cli("part", "add", f"part {key}", "--key", key).exit_code == 0
    assert cli("box", "add", "Shared", "--capacity", "3").exit_code == 0
    for key in keys:
        assert cli("stock", "add", key, "1-1", "20").exit_code == 0
    start = tmp_path / "start"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(start), str(seed), ",".join(keys), str(OPERATIONS)],
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(PROCESSES)
    ]
    outputs = []
    try:
        start.touch()
        for proc in procs:
            out, err = proc.communicate(timeout=WAIT_SECONDS)
            assert proc.returncode == 0, err
            outputs.append(json.loads(out))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    expected: Counter[tuple[str, str]] = Counter({(key, "1-1"): 20 for key in keys})
    for changes in outputs:
        for key, location, delta in changes:
            expected[key, location] += delta
    assert sum(len(changes) for changes in outputs) > PROCESSES * OPERATIONS // 2  # they really ran
    for key in keys:
        listed = json_out(cli("stock", "list", key, "--json"))
        held = {line["location"]: line["quantity"] for line in listed["locations"]}
        assert held == {loc: qty for (k, loc), qty in expected.items() if k == key and qty}, key
    logged = db_backend.query("SELECT COUNT(*) FROM stock_history")[0][0]
    assert logged == len(keys) + sum(len(changes) for changes in outputs)
    assert_db_check_passes(tmp_path)
