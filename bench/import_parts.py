"""Benchmark: import 10,000 parts (half with one small attachment) against plain sqlite3 executemany.

Run: python bench/import_parts.py [--rows N]
Prints rows per second for ``inventory import`` and for a baseline measured in the same run: the same
rows written with sqlite3 ``executemany`` into the same migrated schema (no validation, no blobs).
"""

from __future__ import annotations

import argparse
import io
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from inventory_cli.services.importing import import_parts


def key_for(number: int) -> str:
    letters = []
    for _ in range(4):
        number, digit = divmod(number, 26)
        letters.append(chr(65 + digit))
    return "".join(reversed(letters))


def make_input(folder: Path, rows: int, with_files: bool) -> Path:
    """A CSV of ``rows`` parts; with files, every other part has its own small PNG."""
    lines = ["key,description,manufacturer,package,pin_count,attach"]
    for number in range(rows):
        attach = ""
        if with_files and number % 2 == 0:
            buffer = io.BytesIO()
            Image.new("RGB", (4, 4), (number % 256, (number // 256) % 256, 7)).save(buffer, "PNG")
            name = f"img{number}.png"
            (folder / name).write_bytes(buffer.getvalue())
            attach = name
        lines.append(f"{key_for(number)},Part number {number},Maker {number % 50},DIP-8,8,{attach}")
    path = folder / "parts.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def fresh_inventory(folder: Path, template: Path) -> Inventory:
    folder.mkdir()
    shutil.copy(template, folder / "inventory.db")
    inventory = Inventory(load_settings(db=str(folder / "inventory.db"), store=str(folder / "blobs")))
    inventory.ensure_schema()
    return inventory


def baseline(db_file: Path, rows: int, with_files: bool) -> float:
    """Seconds for plain executemany of the same rows (sets, parts, attachment rows) in one transaction."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    connection = sqlite3.connect(db_file, isolation_level=None)
    start = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO attachment_sets (id, created_at, updated_at) VALUES (?, ?, ?)",
        [(n + 1, now, now) for n in range(rows)],
    )
    connection.executemany(
        "INSERT INTO parts (id, key, description, manufacturer, package, pin_count, attachment_set_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (n + 1, key_for(n), f"Part number {n}", f"Maker {n % 50}", "DIP-8", 8, n + 1, now, now)
            for n in range(rows)
        ],
    )
    if with_files:
        connection.executemany(
            "INSERT INTO attachments (attachment_set_id, kind, title, blob_digest, filename, content_type,"
            " size_bytes, created_at, updated_at) VALUES (?, 'image', ?, ?, ?, 'image/png', 70, ?, ?)",
            [(n + 1, f"img{n}.png", f"{n:064x}", f"img{n}.png", now, now) for n in range(0, rows, 2)],
        )
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def measure(work: Path, template: Path, rows: int, with_files: bool) -> tuple[float, float]:
    label = "with" if with_files else "without"
    source = work / f"input-{label}"
    source.mkdir()
    path = make_input(source, rows, with_files)
    base_inventory = fresh_inventory(work / f"baseline-{label}", template)
    assert base_inventory.settings.db_path is not None
    base = baseline(base_inventory.settings.db_path, rows, with_files)
    inventory = fresh_inventory(work / f"import-{label}", template)
    start = time.perf_counter()
    result = import_parts(inventory, path.read_bytes(), name=str(path), fmt="csv", base_dir=source)
    elapsed = time.perf_counter() - start
    assert result.created == rows and not result.errors, result.errors[:5]
    return base, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        template_home = work / "template"
        template_home.mkdir()
        Inventory(
            load_settings(db=str(template_home / "inventory.db"), store=str(template_home / "b"))
        ).ensure_schema()
        template = template_home / "inventory.db"
        for with_files in (True, False):
            base, elapsed = measure(work, template, rows, with_files)
            what = "half with one attachment" if with_files else "no attachments"
            print(
                f"{rows} parts, {what}: import {rows / elapsed:,.0f} rows/s ({elapsed:.2f} s); "
                f"baseline executemany {rows / base:,.0f} rows/s ({base:.2f} s); "
                f"import takes {elapsed / base:.1f}x the baseline's time"
            )


if __name__ == "__main__":
    main()
