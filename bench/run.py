"""The speed table of issue 7, measured side by side in one run: each command against its baseline.

    python bench/run.py [--quick] [--repeat N] [--json] [--keep] [--only ROW ...]

Every figure is the median of N runs of a whole process, timed from outside (start-up, imports
and all), ours and the baseline alternately. Fixtures (an inventory of 10,000 parts with covers
made by the program's own importer, the input files) are built once per run in a work folder
under the system temp dir. ``--quick`` uses 1,000 parts and a 20 MB attachment for a smoke run.
Needs sqlite-utils (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fixtures
import measure
import report

import inventory_cli

HERE = Path(__file__).resolve().parent
MB = 1_000_000
BARE_TYPER_APP = '''"""A bare Typer app with one command: the start-up baseline."""

import typer

app = typer.Typer()


@app.command()
def hello(name: str) -> None:
    """Greet NAME."""
    print(f"Hello {name}")


if __name__ == "__main__":
    app()
'''


@dataclass(frozen=True)
class Sizes:
    """How big the run is."""

    parts: int
    # The first is a tiny file (start-up and bookkeeping alone); the goal is judged on the last.
    attach_mb: tuple[float, ...]
    count_rows: tuple[int, int]


FULL = Sizes(parts=10_000, attach_mb=(0.01, 50, 200), count_rows=(100, 1_000))
QUICK = Sizes(parts=1_000, attach_mb=(0.01, 5, 20), count_rows=(10, 100))


def sqlite_utils_command() -> str | None:
    """The ``sqlite-utils`` script beside this interpreter, else on PATH; None when it is not installed."""
    beside = Path(sys.executable).with_name("sqlite-utils")
    return str(beside) if beside.is_file() else shutil.which("sqlite-utils")


class Bench:
    """The rows of the table, measured in one work folder."""

    def __init__(self, work: fixtures.Work, sizes: Sizes, repeat: int, sqlite_utils: str) -> None:
        self.work = work
        self.sizes = sizes
        self.repeat = repeat
        self.sqlite_utils = sqlite_utils
        self.program = fixtures.inventory_command()

    def _on(self, home: fixtures.Home, *arguments: str) -> list[str]:
        return [*self.program, "--db", str(home.db), "--store", str(home.store), *arguments]

    def _pair(
        self,
        what: str,
        ours: list[str],
        baseline: list[str],
        goal: float,
        env: dict[str, str] | None = None,
    ) -> report.Result:
        """Time two read-only commands side by side, after one untimed run of each (warm caches)."""
        measure.timed(ours, env)
        measure.timed(baseline, env)
        mine, theirs = measure.side_by_side(
            lambda _: measure.timed(ours, env), lambda _: measure.timed(baseline, env), self.repeat
        )
        return report.Result(what, mine, theirs, goal)

    def start_up(self) -> report.Result:
        """``inventory --help`` against a bare Typer app with one command."""
        bare = self.work.root / "bare_typer_app.py"
        bare.write_text(BARE_TYPER_APP)
        return self._pair(
            "inventory --help", [*self.program, "--help"], [sys.executable, str(bare), "--help"], 1.5
        )

    def list_json(self) -> report.Result:
        """``part list --json`` against ``sqlite-utils rows`` of the parts table."""
        home = self.work.parts_db(self.sizes.parts)
        return self._pair(
            f"part list --json, {self.sizes.parts:,} parts",
            self._on(home, "part", "list", "--json"),
            [self.sqlite_utils, "rows", str(home.db), "parts"],
            1.0,
        )

    def show_json(self) -> report.Result:
        """``part show KEY --json`` against ``sqlite-utils rows`` of that one row."""
        home = self.work.parts_db(self.sizes.parts)
        key = fixtures.key_for(self.sizes.parts // 2)
        return self._pair(
            f"part show KEY --json, {self.sizes.parts:,} parts",
            self._on(home, "part", "show", key, "--json"),
            [self.sqlite_utils, "rows", str(home.db), "parts", "--where", "key = :k", "-p", "k", key],
            1.0,
        )

    def import_with_files(self) -> list[report.Result]:
        """``inventory import`` (half the rows with a file) against csv + executemany, by import_parts.

        A second row, with no goal of its own, sets it against the same baseline storing the files
        the least the store's design asks (temp file, rename into the layout, one sync).
        """
        import import_parts

        measure.settle()
        times = import_parts.measure(
            self.work.folder("import-with-files"), self.work.template(), self.sizes.parts, True, self.repeat
        )
        what = f"import {self.sizes.parts:,} parts, half with a file"
        return [
            report.Result(what, times["import"], times["baseline"], 3.0),
            report.Result(
                f"{what}, vs a baseline storing the files", times["import"], times["baseline-files"], None
            ),
        ]

    def import_without_files(self) -> report.Result:
        """``inventory import`` without files against ``sqlite-utils insert --csv``, by import_parts.

        sqlite-utils inserts the same rows into a copy of the same migrated database (its sets made
        beforehand, untimed), so both sides write into the same tables, indexes and triggers.
        """
        import import_parts

        measure.settle()
        times = import_parts.measure(
            self.work.folder("import-plain"), self.work.template(), self.sizes.parts, False, self.repeat
        )
        return report.Result(
            f"import {self.sizes.parts:,} parts, no files", times["import"], times["sqlite-utils"], 0.5
        )

    def attach(self) -> list[report.Result]:
        """``part attach`` of large PDFs against a one-pass hashing copy; time and peak memory."""
        sizes = self.sizes.attach_mb
        home = self.work.parts_db(2 * self.repeat * len(sizes) + 2)
        keys = (fixtures.key_for(number) for number in range(10**6))
        limit = str(int(2 * max(sizes) * MB))
        env = measure.environment(INVENTORY_MAX_PDF_BYTES=limit, INVENTORY_MAX_IMAGE_BYTES=limit)
        copier = [sys.executable, str(HERE / "baseline_copy.py")]
        results = []
        for size in sizes:
            pdf = self.work.pdf(int(size * MB))
            peaks: dict[str, list[float]] = {"ours": [], "baseline": []}

            def run_ours(run: int, pdf: Path = pdf, peaks: dict[str, list[float]] = peaks) -> float:
                store = self.work.folder("attach-store")
                command = [*self.program, "--db", str(home.db), "--store", str(store)]
                seconds, peak = measure.timed_with_peak(
                    [*command, "part", "attach", next(keys), str(pdf)], env
                )
                shutil.rmtree(store)
                peaks["ours"].append(peak)
                return seconds

            def run_copy(run: int, pdf: Path = pdf, peaks: dict[str, list[float]] = peaks) -> float:
                folder = self.work.folder("attach-copy")
                seconds, peak = measure.timed_with_peak([*copier, str(pdf), str(folder)], env)
                shutil.rmtree(folder)
                peaks["baseline"].append(peak)
                return seconds

            mine, theirs = measure.side_by_side(run_ours, run_copy, self.repeat)
            goal = 1.2 if size == sizes[-1] else None
            results.append(report.Result(f"part attach, {size:g} MB PDF", mine, theirs, goal))
            results.append(
                report.Result(
                    f"part attach peak RSS (MB), {size:g} MB PDF",
                    max(peaks["ours"]),
                    max(peaks["baseline"]),
                    100,
                    goal_kind="limit",
                    goal_text="< 100 MB",
                )
            )
        return results

    def table(self) -> report.Result:
        """``part list`` as a table to a pipe, COLUMNS=120, against rich's default Table of the same rows."""
        home = self.work.parts_db(self.sizes.parts)
        return self._pair(
            f"part list as a table, {self.sizes.parts:,} parts",
            self._on(home, "part", "list"),
            [sys.executable, str(HERE / "baseline_table.py"), str(home.db)],
            0.25,
            env=measure.environment(COLUMNS="120"),
        )

    def statement_counts(self) -> dict[str, dict[str, int]]:
        """SQL statements run by part list, kit list and set list at two sizes (untimed)."""
        counts: dict[str, dict[str, int]] = {}
        for rows in self.sizes.count_rows:
            home = self.work.parts_db(rows, kits=rows)
            for listing in ("part list", "kit list", "set list"):
                command = [sys.executable, str(HERE / "sql_counts.py"), "--db", str(home.db)]
                command += ["--store", str(home.store), *listing.split()]
                done = subprocess.run(command, capture_output=True, text=True, check=True)
                counts.setdefault(listing, {})[str(rows)] = int(done.stdout.split()[-1])
        return counts


ROWS: dict[str, Callable[[Bench], report.Result | list[report.Result]]] = {
    "help": Bench.start_up,
    "list-json": Bench.list_json,
    "show-json": Bench.show_json,
    "import-files": Bench.import_with_files,
    "import-plain": Bench.import_without_files,
    "attach": Bench.attach,
    "table": Bench.table,
}


def counts_text(counts: dict[str, dict[str, int]]) -> str:
    """The statement counts as lines: per listing, the count at each size and whether it stays constant."""
    lines = [
        "SQL statements per listing command, every one it runs: connection PRAGMAs, the schema check, "
        "BEGIN/COMMIT and the queries (counted in process by bench/sql_counts.py):"
    ]
    for listing, by_rows in counts.items():
        figures = ", ".join(f"{count} at {int(rows):,} rows" for rows, count in by_rows.items())
        constant = "yes" if len(set(by_rows.values())) == 1 else "no"
        lines.append(f"  {listing}: {figures}; constant: {constant}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure the chosen rows and print the table (or JSON)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1,000 parts and a 20 MB attachment")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side; the median is printed")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and print where it is")
    parser.add_argument("--only", action="append", choices=[*ROWS, "counts"], help="measure only these rows")
    arguments = parser.parse_args(argv)
    if arguments.repeat < 1:
        parser.error(f"--repeat must be at least 1, not {arguments.repeat}")
    sqlite_utils = sqlite_utils_command()
    if sqlite_utils is None:
        print("bench/run.py: sqlite-utils is not installed; pip install -e '.[bench]'", file=sys.stderr)
        return 2
    # An installed package has its bytecode compiled (pip does it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module again in every timed process.
    compileall.compile_dir(str(Path(inventory_cli.__file__).parent), quiet=1)
    load_before = measure.load()
    work = fixtures.Work.create()
    bench = Bench(work, QUICK if arguments.quick else FULL, arguments.repeat, sqlite_utils)
    chosen = arguments.only or [*ROWS, "counts"]
    results: list[report.Result] = []
    counts: dict[str, dict[str, int]] = {}
    try:
        for name, row in ROWS.items():
            if name in chosen:
                found = row(bench)
                results.extend(found if isinstance(found, list) else [found])
                if not arguments.json:
                    print(f"measured {name}", file=sys.stderr)
        if "counts" in chosen:
            counts = bench.statement_counts()
    finally:
        if arguments.keep:
            print(f"work folder kept: {work.root}", file=sys.stderr)
        else:
            work.remove()
    if arguments.json:
        extra = {
            "repeat": arguments.repeat,
            "peak_memory": measure.peak_method(),
            "load": [load_before, measure.load()],
            "statement_counts": counts,
        }
        print(report.as_json(results, extra))
    else:
        print(
            f"median of {arguments.repeat} runs of whole processes, in seconds; "
            f"peak memory in MB: {measure.peak_method()}"
        )
        print(f"machine: {load_before} before, {measure.load()} after")
        print(report.table(results))
        if counts:
            print(counts_text(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
