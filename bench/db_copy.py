"""Times ``inventory db copy`` of a generated inventory: parts with covers, stock, history and kits.

    python bench/db_copy.py [--parts 10000] [--to URL]

Without ``--to`` the copy goes to a new SQLite file in a temporary folder; a PostgreSQL URL must
name an empty database. The source is built with plain sqlite3 ``executemany`` after the
migrations, so that building it takes a fraction of the copy's time.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOW = "2026-11-29 05:00:00.000000"
BOX_CAPACITY = 1000
KITS = 50
LINES_PER_KIT = 20


def key_of(number: int) -> str:
    """The number-th four-letter part key (AAAA, AAAB, ...)."""
    letters = []
    for _ in range(4):
        number, digit = divmod(number, 26)
        letters.append(string.ascii_uppercase[digit])
    return "".join(reversed(letters))


def migrate(path: Path) -> None:
    """Create the schema the way the program does, through its migrations."""
    from inventory_cli.storage import migrator
    from inventory_cli.storage.engine import create_sqlite_engine

    engine = create_sqlite_engine(f"sqlite:///{path}", 5000)
    try:
        migrator.upgrade(engine, None, backup=False)
    finally:
        engine.dispose()


def build(path: Path, parts: int) -> None:
    """Fill a migrated database with ``parts`` parts, each with a cover image, stock and history."""
    rng = random.Random(8)
    migrate(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = OFF")  # filled in an order that is not parents-first
    with db:
        sets = parts + KITS
        db.executemany(
            "INSERT INTO attachment_sets (id, cover_attachment_id, created_at, updated_at) "
            "VALUES (?, ?, ?, ?)",
            [(i, None, NOW, NOW) for i in range(1, sets + 1)],
        )
        db.executemany(
            "INSERT INTO attachments (id, attachment_set_id, kind, title, blob_digest, filename, "
            "content_type, size_bytes, created_at, updated_at) VALUES (?, ?, 'image', ?, ?, ?, "
            "'image/png', 1234, ?, ?)",
            [(i, i, f"photo {i}", f"{i:064x}", f"p{i}.png", NOW, NOW) for i in range(1, parts + 1)],
        )
        db.execute("UPDATE attachment_sets SET cover_attachment_id = id WHERE id <= ?", (parts,))
        db.executemany(
            "INSERT INTO parts (id, key, description, manufacturer, type_id, tags, package, pin_count, "
            "attachment_set_id, created_at, updated_at) VALUES (?, ?, ?, 'ACME', ?, ?, 'DIP-8', 8, ?, ?, ?)",
            [
                (
                    i,
                    key_of(i),
                    f"part number {i}",
                    rng.randint(1, 29),
                    json.dumps(["bench", f"t{i % 7}"]),
                    i,
                    NOW,
                    NOW,
                )
                for i in range(1, parts + 1)
            ],
        )
        boxes = -(-parts // BOX_CAPACITY)
        db.executemany(
            "INSERT INTO boxes (id, description, capacity, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            [(b, f"box {b}", BOX_CAPACITY, NOW, NOW) for b in range(1, boxes + 1)],
        )
        db.executemany(
            "INSERT INTO locations (id, box_id, slot) VALUES (?, ?, ?)",
            [
                ((b - 1) * BOX_CAPACITY + s, b, s)
                for b in range(1, boxes + 1)
                for s in range(1, BOX_CAPACITY + 1)
            ],
        )
        quantities = [rng.randint(1, 500) for _ in range(parts)]
        db.executemany(
            "INSERT INTO stock (id, part_id, location_id, quantity, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(i, i, i, quantities[i - 1], NOW, NOW) for i in range(1, parts + 1)],
        )
        history = []
        for i in range(1, parts + 1):
            where = f"{(i - 1) // BOX_CAPACITY + 1}-{(i - 1) % BOX_CAPACITY + 1}"
            history.append((i, where, quantities[i - 1] + 5, "add", NOW))
            history.append((i, where, -5, "remove", NOW))
        db.executemany(
            "INSERT INTO stock_history (part_id, location, delta, action, created_at) VALUES (?, ?, ?, ?, ?)",
            history,
        )
        db.executemany(
            "INSERT INTO kits (id, name, build_target, status, attachment_set_id, created_at, updated_at) "
            "VALUES (?, ?, 1, 'active', ?, ?, ?)",
            [(k, f"kit {k}", parts + k, NOW, NOW) for k in range(1, KITS + 1)],
        )
        db.executemany(
            "INSERT INTO kit_contents (kit_id, part_id, per_unit, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (k, part, 2, NOW, NOW)
                for k in range(1, KITS + 1)
                for part in rng.sample(range(1, parts + 1), min(LINES_PER_KIT, parts))
            ],
        )
    problems = db.execute("PRAGMA foreign_key_check").fetchall()
    db.close()
    if problems:
        raise SystemExit(f"the generated inventory is inconsistent: {problems[:3]}")


def main() -> None:
    """Build the source, run the copy as a user would (a new process), print the rate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=10_000)
    parser.add_argument("--to", help="target database URL (default: a new SQLite file)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-db-copy-") as folder:
        source = Path(folder) / "source.db"
        started = time.perf_counter()
        build(source, options.parts)
        built = time.perf_counter() - started
        target = options.to or f"sqlite:///{Path(folder) / 'target.db'}"
        command = [sys.executable, "-m", "inventory_cli", "--db", str(source), "db", "copy", "--to", target]
        started = time.perf_counter()
        result = subprocess.run([*command, "--json", "-q"], capture_output=True, text=True, check=False)
        took = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"copy failed ({result.returncode}): {result.stderr.strip()}")
        rows = json.loads(result.stdout)["rows"]
        print(f"source: {options.parts} parts, {rows} rows in all (built in {built:.2f} s)")
        print(f"copy to {json.loads(result.stdout)['target']}: {took:.2f} s, {rows / took:,.0f} rows/s")
        print("(the time includes starting the program, migrating the target and verifying)")


if __name__ == "__main__":
    main()
