"""Benchmark: import 10,000 parts (half with one small attachment) against plain sqlite3 executemany.

Run: python bench/import_parts.py [--rows N] [--repeat N]
Prints rows per second for ``inventory import`` and for a baseline measured in the same run.

- The import is the whole process: ``python -m inventory_cli import -q parts.csv`` into a copy of an
  empty migrated database (interpreter start, imports, checks, blobs, rows), timed from outside.
- The baseline reads the same CSV with the stdlib ``csv`` module and writes the same rows with
  sqlite3 ``executemany`` into another copy of that database, in one transaction, with the
  connection settings the program uses (WAL, ``synchronous=NORMAL``, foreign keys on): the sets
  (with their covers), the parts, and the attachment rows with the files' real sha256 digests and
  sizes. It checks nothing and stores no blobs; computing the digests is left out of its time.
With ``--repeat`` each side runs several times and the median is printed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings


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


def fresh_copy(folder: Path, template: Path) -> Path:
    """A new folder holding a copy of the empty migrated database."""
    folder.mkdir()
    shutil.copy(template, folder / "inventory.db")
    return folder / "inventory.db"


def digests(source: Path) -> dict[str, tuple[str, int]]:
    """The sha256 and size of every attachment file, as the import will store them."""
    return {
        path.name: (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size)
        for path in source.glob("*.png")
    }


def baseline(db_file: Path, csv_file: Path, files: dict[str, tuple[str, int]]) -> float:
    """Seconds to read the CSV and executemany the same rows (sets, parts, attachments, covers)."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    connection = sqlite3.connect(db_file, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    start = time.perf_counter()
    with csv_file.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO attachment_sets (id, created_at, updated_at) VALUES (?, ?, ?)",
        [(n + 1, now, now) for n in range(len(rows))],
    )
    connection.executemany(
        "INSERT INTO parts (id, key, description, manufacturer, package, pin_count, attachment_set_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                n + 1,
                row["key"],
                row["description"],
                row["manufacturer"],
                row["package"],
                int(row["pin_count"]),
                n + 1,
                now,
                now,
            )
            for n, row in enumerate(rows)
        ],
    )
    attached = [(n + 1, row["attach"]) for n, row in enumerate(rows) if row["attach"]]
    if attached:
        connection.executemany(
            "INSERT INTO attachments (id, attachment_set_id, kind, title, blob_digest, filename,"
            " content_type, size_bytes, created_at, updated_at)"
            " VALUES (?, ?, 'image', ?, ?, ?, 'image/png', ?, ?, ?)",
            [
                (number, set_id, name, files[name][0], name, files[name][1], now, now)
                for number, (set_id, name) in enumerate(attached, start=1)
            ],
        )
        connection.executemany(
            "UPDATE attachment_sets SET cover_attachment_id = ? WHERE id = ?",
            [(number, set_id) for number, (set_id, _) in enumerate(attached, start=1)],
        )
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def run_import(db_file: Path, csv_file: Path) -> float:
    """Seconds for the whole ``inventory import`` process."""
    command = [sys.executable, "-m", "inventory_cli", "--db", str(db_file), "--store"]
    command += [str(db_file.parent / "blobs"), "import", "-q", str(csv_file)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-2000:]
    return elapsed


def measure(work: Path, template: Path, rows: int, with_files: bool, repeat: int) -> tuple[float, float]:
    """Median seconds of the baseline and of the import, ``repeat`` runs each, side by side."""
    label = "with" if with_files else "without"
    source = work / f"input-{label}"
    source.mkdir()
    path = make_input(source, rows, with_files)
    files = digests(source)
    bases, imports = [], []
    for run in range(repeat):
        bases.append(baseline(fresh_copy(work / f"baseline-{label}-{run}", template), path, files))
        db_file = fresh_copy(work / f"import-{label}-{run}", template)
        imports.append(run_import(db_file, path))
        check = sqlite3.connect(db_file)
        counted = check.execute("SELECT count(*) FROM parts").fetchone()[0]
        attachments = check.execute("SELECT count(*) FROM attachments").fetchone()[0]
        check.close()
        assert counted == rows and attachments == len(files), (counted, attachments)
    return statistics.median(bases), statistics.median(imports)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per side; the median is printed")
    arguments = parser.parse_args()
    rows, repeat = arguments.rows, arguments.repeat
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        template_home = work / "template"
        template_home.mkdir()
        Inventory(
            load_settings(db=str(template_home / "inventory.db"), store=str(template_home / "b"))
        ).ensure_schema()
        template = template_home / "inventory.db"
        for with_files in (True, False):
            base, elapsed = measure(work, template, rows, with_files, repeat)
            what = "half with one attachment" if with_files else "no attachments"
            print(
                f"{rows} parts, {what}: import {rows / elapsed:,.0f} rows/s ({elapsed:.2f} s); "
                f"baseline executemany {rows / base:,.0f} rows/s ({base:.2f} s); "
                f"import takes {elapsed / base:.1f}x the baseline's time"
            )


if __name__ == "__main__":
    main()
