"""The benchmark harness (bench/): ratios, goals and the printed table; fixtures of the requested size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from inventory_cli.domain.models import AttachmentKind
from inventory_cli.domain.rules import sniff

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> dict[str, ModuleType]:
    """The bench modules, imported the way ``python bench/run.py`` imports them (bench/ on sys.path)."""
    monkeypatch.syspath_prepend(str(BENCH))
    import fixtures
    import measure
    import report
    import run

    return {"fixtures": fixtures, "measure": measure, "report": report, "run": run}


def test_ratio_and_goal(bench: dict[str, ModuleType]) -> None:
    result = bench["report"].Result
    assert result("x", 3.0, 2.0, 1.5).ratio == 1.5
    assert result("x", 3.0, 2.0, 1.5).met
    assert not result("x", 3.1, 2.0, 1.5).met
    assert result("x", 1.0, None, 1.0).ratio is None
    assert not result("x", 1.0, None, 1.0).met
    assert not result("x", 1.0, 0.0, 1.0).met
    memory = result("peak", 64.8, 17.0, 100, goal_kind="limit", goal_text="< 100 MB")
    assert memory.met and not result("peak", 100.0, 17.0, 100, goal_kind="limit").met
    assert result("tiny attach", 0.4, 0.05, None).met is None
    assert result("tiny attach", 0.4, 0.05, None).cells()[3:] == ("8.00x", "—", "—")


def test_table_has_one_aligned_line_per_row(bench: dict[str, ModuleType]) -> None:
    result = bench["report"].Result
    text = bench["report"].table(
        [result("inventory --help", 0.15, 0.1, 1.5), result("peak", 64.8, 17.0, 100, "limit", "< 100 MB")]
    )
    lines = text.splitlines()
    assert lines[0].split("|")[1:-1] == [
        " what             ",
        " ours  ",
        " baseline ",
        " ratio ",
        " goal     ",
        " met ",
    ]
    assert [cell.strip() for cell in lines[2].split("|")[1:-1]] == [
        "inventory --help",
        "0.150",
        "0.100",
        "1.50x",
        "≤ 1.5x",
        "yes",
    ]
    assert [cell.strip() for cell in lines[3].split("|")[1:-1]] == [
        "peak",
        "64.8",
        "17.0",
        "—",  # a limit row bounds ours alone: no ratio
        "< 100 MB",
        "yes",
    ]
    assert len({len(line) for line in lines}) == 1


def test_json_carries_ratio_and_verdict(bench: dict[str, ModuleType]) -> None:
    result = bench["report"].Result("import", 6.0, 2.0, 3.0)
    document = json.loads(bench["report"].as_json([result], {"repeat": 3}))
    assert document["repeat"] == 3
    assert document["rows"][0] | {"ratio": round(document["rows"][0]["ratio"], 6)} == {
        "what": "import",
        "ours": 6.0,
        "baseline": 2.0,
        "goal": 3.0,
        "goal_kind": "ratio",
        "goal_text": "",
        "ratio": 3.0,
        "met": True,
    }


def test_statement_counts_say_whether_they_stay_constant(bench: dict[str, ModuleType]) -> None:
    text = bench["run"].counts_text({"part list": {"100": 9, "1000": 9}, "kit list": {"100": 9, "1000": 12}})
    assert "part list: 9 at 100 rows, 9 at 1,000 rows; constant: yes" in text
    assert "kit list: 9 at 100 rows, 12 at 1,000 rows; constant: no" in text


def test_missing_sqlite_utils_is_one_line_and_exit_2(
    bench: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench["run"], "sqlite_utils_command", lambda: None)
    assert bench["run"].main(["--quick"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "sqlite-utils is not installed" in error


def test_pdf_fixture_has_the_size_and_is_accepted_as_pdf(
    bench: dict[str, ModuleType], tmp_path: Path
) -> None:
    path = bench["fixtures"].write_pdf(tmp_path / "large.pdf", 3 * 1024 * 1024 + 5)
    data = path.read_bytes()
    assert len(data) == 3 * 1024 * 1024 + 5
    found = sniff(data[:4096])
    assert found is not None and found.kind is AttachmentKind.PDF
    assert data.endswith(b"%%EOF\n")


def test_peak_memory_is_read_for_the_child(bench: dict[str, ModuleType]) -> None:
    grow = "x = bytearray(60_000_000); x[::4096] = b'1' * len(x[::4096])"
    seconds, peak = bench["measure"].timed_with_peak([sys.executable, "-c", grow])
    assert seconds > 0 and peak > 60
    with pytest.raises(RuntimeError, match="exited 3"):
        bench["measure"].timed_with_peak([sys.executable, "-c", "raise SystemExit(3)"])


@pytest.mark.slow
def test_fixtures_build_an_inventory_of_parts_with_covers_and_kits(bench: dict[str, ModuleType]) -> None:
    fixtures = bench["fixtures"]
    work = fixtures.Work.create()
    try:
        home = work.parts_db(7, kits=3)
        assert fixtures.count_rows(home.db, "parts") == 7
        assert fixtures.parts_with_covers(home.db) == 7
        assert fixtures.count_rows(home.db, "kits") == 3
        assert work.parts_db(7, kits=3) is home  # built once per run
        # Every cover is its own blob: no two parts share content.
        blobs = list((home.store / "sha256").glob("*/*/*"))
        assert len(blobs) == 10
        harness = [sys.executable, str(BENCH / "sql_counts.py"), "--db", str(home.db)]
        counted = subprocess.run(
            [*harness, "--store", str(home.store), "part", "list"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert int(counted.stdout.split()[-1]) > 0
    finally:
        work.remove()
    assert not work.root.exists()
