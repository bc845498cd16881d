"""Benchmark: import 10,000 parts (half with one small attachment) against plain sqlite3 executemany.

Run: python bench/import_parts.py [--rows N] [--repeat N]   (sqlite-utils: pip install '.[bench]')
Prints rows per second for ``inventory import`` and for baselines measured in the same run, every
side a whole process timed from outside (interpreter start, imports, work):

- The import: ``python -m inventory_cli import -q parts.csv`` into a copy of an empty migrated
  database (checks, blobs, rows).
- The executemany baseline: a stdlib-only process reads the same CSV with ``csv`` and writes the
  same rows with sqlite3 ``executemany`` into another copy of that database, in one transaction,
  with the connection settings the program uses (WAL, ``synchronous=NORMAL``, foreign keys on):
  the sets (with their covers), the parts, and the attachment rows with the files' real sha256
  digests and sizes. It checks nothing and stores no blobs; the digests are computed beforehand.
- With attachments, also that baseline storing each file as the store's design asks, and nothing
  more: read, write to a temp file, rename to ``sha256/ab/cd/<digest>`` (folders made as needed),
  one filesystem sync before the commit. It shows what storing the files costs by itself.
- Without attachments, also ``sqlite-utils insert db parts rows.csv --csv``, the generic tool: the
  same rows with an ``attachment_set_id`` column instead of ``attach``, into a copy of the database
  whose sets were made beforehand (untimed; the schema needs a set for every part).
With ``--repeat`` each side runs several times and the median is printed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def key_for(number: int) -> str:
    letters = []
    for _ in range(4):
        number, digit = divmod(number, 26)
        letters.append(chr(65 + digit))
    return "".join(reversed(letters))


def make_input(folder: Path, rows: int, with_files: bool) -> Path:
    """A CSV of ``rows`` parts; with files, every other part has its own small PNG."""
    import io

    from PIL import Image

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


def store_files(store: Path, source: Path, files: dict[str, tuple[str, int]]) -> None:
    """Each file under its digest, written to a temp file and renamed; then one sync.

    ``os.sync`` (the standard library has no ``syncfs``): the same on a machine with one file system.
    """
    temp = store / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    for number, (name, (digest, _)) in enumerate(sorted(files.items())):
        staged = temp / f"stage-{number}"
        staged.write_bytes((source / name).read_bytes())
        folder = store / "sha256" / digest[:2] / digest[2:4]
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(staged, folder / digest)
    os.sync()


def baseline(
    db_file: Path, csv_file: Path, files: dict[str, tuple[str, int]], store: Path | None = None
) -> None:
    """Read the CSV and executemany the same rows (sets, parts, attachments, covers): the child's work.

    With ``store``, the files are stored there first (``store_files``), before the commit.
    """
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    connection = sqlite3.connect(db_file, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
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
    if store is not None:
        store_files(store, csv_file.parent, files)
    connection.execute("COMMIT")
    connection.close()


def timed(command: list[str]) -> float:
    """Seconds for one whole process, which must succeed."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-2000:]
    return elapsed


def run_baseline(db_file: Path, csv_file: Path, digest_file: Path, with_blobs: bool = False) -> float:
    """Seconds for the whole stdlib baseline process (this script in its child mode)."""
    child = [sys.executable, __file__, "--baseline-child"]
    stores = ["--store-files", str(db_file.parent / "blobs")] if with_blobs else []
    return timed([*child, str(db_file), str(csv_file), str(digest_file), *stores])


def run_import(db_file: Path, csv_file: Path) -> float:
    """Seconds for the whole ``inventory import`` process."""
    command = [sys.executable, "-m", "inventory_cli", "--db", str(db_file), "--store"]
    command += [str(db_file.parent / "blobs"), "import", "-q", str(csv_file)]
    return timed(command)


def sqlite_utils_input(work: Path, template: Path, csv_file: Path) -> tuple[Path, Path]:
    """The rows as sqlite-utils inserts them, and a database copy holding a set for each (untimed)."""
    with csv_file.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = [name for name in rows[0] if name != "attach"]
    rows_file = work / "sqlite-utils-rows.csv"
    with rows_file.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*columns, "attachment_set_id"])
        writer.writerows([*(row[name] for name in columns), number] for number, row in enumerate(rows, 1))
    prepared = work / "sqlite-utils-template.db"
    shutil.copy(template, prepared)
    connection = sqlite3.connect(prepared)
    with connection:
        connection.executemany(
            "INSERT INTO attachment_sets (id) VALUES (?)", [(n,) for n in range(1, len(rows) + 1)]
        )
    connection.close()
    return rows_file, prepared


def run_sqlite_utils(db_file: Path, rows_file: Path) -> float:
    """Seconds for the whole ``sqlite-utils insert`` process."""
    tool = shutil.which("sqlite-utils", path=str(Path(sys.executable).parent))
    assert tool is not None
    return timed([tool, "insert", str(db_file), "parts", str(rows_file), "--csv"])


def count(db_file: Path, table: str) -> int:
    """Rows in one table of a finished run."""
    check = sqlite3.connect(db_file)
    found = int(check.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    check.close()
    return found


def measure(work: Path, template: Path, rows: int, with_files: bool, repeat: int) -> dict[str, float]:
    """Median seconds of each side, ``repeat`` runs each, side by side."""
    label = "with" if with_files else "without"
    source = work / f"input-{label}"
    source.mkdir()
    path = make_input(source, rows, with_files)
    files = digests(source)
    digest_file = work / f"digests-{label}.json"
    digest_file.write_text(json.dumps(files))
    tool_input = None
    if not with_files and shutil.which("sqlite-utils", path=str(Path(sys.executable).parent)):
        tool_input = sqlite_utils_input(work, template, path)
    times: dict[str, list[float]] = {"baseline": [], "import": [], "sqlite-utils": [], "baseline-files": []}
    for run in range(repeat):
        base_db = fresh_copy(work / f"baseline-{label}-{run}", template)
        times["baseline"].append(run_baseline(base_db, path, digest_file))
        if with_files:
            storing_db = fresh_copy(work / f"baseline-files-{label}-{run}", template)
            times["baseline-files"].append(run_baseline(storing_db, path, digest_file, with_blobs=True))
            assert len(list((storing_db.parent / "blobs" / "sha256").glob("*/*/*"))) == len(files)
        db_file = fresh_copy(work / f"import-{label}-{run}", template)
        times["import"].append(run_import(db_file, path))
        assert (count(db_file, "parts"), count(db_file, "attachments")) == (rows, len(files))
        if tool_input is not None:
            tool_db = fresh_copy(work / f"sqlite-utils-{run}", tool_input[1])
            times["sqlite-utils"].append(run_sqlite_utils(tool_db, tool_input[0]))
            assert count(tool_db, "parts") == rows
    return {side: statistics.median(values) for side, values in times.items() if values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per side; the median is printed")
    parser.add_argument("--baseline-child", nargs=3, metavar=("DB", "CSV", "DIGESTS"), help=argparse.SUPPRESS)
    parser.add_argument("--store-files", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.baseline_child:
        db_file, csv_file, digest_file = (Path(name) for name in arguments.baseline_child)
        files = {name: (digest, size) for name, (digest, size) in json.loads(digest_file.read_text()).items()}
        baseline(db_file, csv_file, files, arguments.store_files)
        return
    from inventory_cli.bootstrap import Inventory
    from inventory_cli.config import load_settings

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
            seconds = measure(work, template, rows, with_files, repeat)
            base, elapsed = seconds["baseline"], seconds["import"]
            what = "half with one attachment" if with_files else "no attachments"
            line = (
                f"{rows} parts, {what}: import {rows / elapsed:,.0f} rows/s ({elapsed:.2f} s); "
                f"baseline executemany {rows / base:,.0f} rows/s ({base:.2f} s); "
                f"import takes {elapsed / base:.1f}x the baseline's time"
            )
            if "baseline-files" in seconds:
                stored = seconds["baseline-files"]
                line += f"; baseline storing the files {stored:.2f} s, import takes {elapsed / stored:.1f}x"
            if "sqlite-utils" in seconds:
                tool = seconds["sqlite-utils"]
                line += f"; sqlite-utils insert {tool:.2f} s, import takes {elapsed / tool:.2f}x its time"
            elif not with_files:
                line += "; sqlite-utils not installed (pip install '.[bench]')"
            print(line)


if __name__ == "__main__":
    main()
