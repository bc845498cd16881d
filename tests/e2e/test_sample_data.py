"""``inventory sample-data load`` end to end, and the README quick start run line by line against it."""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import (
    REPO_ROOT,
    SAMPLE_DATA,
    CliRun,
    State,
    count,
    fails,
    json_out,
    query,
)

DESCRIPTION = json.loads((SAMPLE_DATA / "inventory.json").read_text(encoding="utf-8"))


def expected_counts() -> dict[str, Any]:
    """What loading ``inventory.json`` must create, counted from the file itself."""
    kinds: Counter[str] = Counter()
    for owner in DESCRIPTION["parts"] + DESCRIPTION["kits"]:
        for attachment in owner.get("attachments", []):
            if "url" in attachment:
                kinds["url"] += 1
            else:
                kinds["pdf" if attachment["file"].endswith(".pdf") else "image"] += 1
    stock = [line for part in DESCRIPTION["parts"] for line in part.get("stock", [])]
    return {
        "boxes": len(DESCRIPTION["boxes"]),
        "parts": len(DESCRIPTION["parts"]),
        "stock_lines": len(stock),
        "units": sum(line["quantity"] for line in stock),
        "kits": len(DESCRIPTION["kits"]),
        "archived_kits": sum(1 for kit in DESCRIPTION["kits"] if kit.get("archived")),
        "kit_lines": sum(len(kit.get("contents", [])) for kit in DESCRIPTION["kits"]),
        "attachments": dict(kinds),
    }


def test_the_description_is_a_realistic_demo_under_two_megabytes() -> None:
    expected = expected_counts()
    assert 30 <= expected["parts"] <= 45
    assert expected["archived_kits"] >= 1 and expected["kits"] >= 3
    assert expected["attachments"]["pdf"] >= 2 and expected["attachments"]["url"] >= 2
    assert len({part["type"] for part in DESCRIPTION["parts"]}) >= 8
    assert any(not part.get("attachments") for part in DESCRIPTION["parts"])
    assert any(len(kit.get("attachments", [])) for kit in DESCRIPTION["kits"])
    images_per_owner = [
        sum(1 for a in owner.get("attachments", []) if a.get("file", "").endswith((".png", ".jpg")))
        for owner in DESCRIPTION["parts"]
    ]
    assert max(images_per_owner) >= 3  # a set where the cover can be moved around
    assert sum(path.stat().st_size for path in SAMPLE_DATA.iterdir()) < 2 * 1024 * 1024
    owners = DESCRIPTION["parts"] + DESCRIPTION["kits"]
    named = {a["file"] for owner in owners for a in owner.get("attachments", []) if "file" in a}
    on_disk = {path.name for path in SAMPLE_DATA.iterdir()} - {"inventory.json"}
    assert named == on_disk  # every shipped file is used, none is missing


def test_load_into_an_empty_inventory_creates_what_the_description_says(cli: CliRun, db_path: Path) -> None:
    report = json_out(cli("sample-data", "load", "--json"))
    expected = expected_counts()
    assert {name: report[name] for name in expected if name != "boxes"} == {
        name: value for name, value in expected.items() if name != "boxes"
    }
    assert report["boxes"] == [1, 2, 3] and report["removed"] is None
    assert report["types_added"] == ["Crystal"]
    assert Path(report["folder"]) == SAMPLE_DATA

    # Counted around the services, in the database itself.
    assert count(db_path, "parts") == expected["parts"]
    assert count(db_path, "stock") == expected["stock_lines"]
    assert query(db_path, "SELECT SUM(quantity) FROM stock")[0][0] == expected["units"]
    assert count(db_path, "kit_contents") == expected["kit_lines"]
    assert query(db_path, "SELECT COUNT(*) FROM kits WHERE status = 'archived'")[0][0] == 1
    kinds = dict(query(db_path, "SELECT kind, COUNT(*) FROM attachments GROUP BY kind"))
    assert kinds == expected["attachments"]
    # The NE555 datasheet is in two sets and stored once.
    assert query(db_path, "SELECT COUNT(DISTINCT blob_digest) FROM attachments")[0][0] == (
        kinds["image"] + kinds["pdf"] - 1
    )

    assert cli("db", "check").exit_code == 0
    assert json_out(cli("store", "fsck", "--json"))["ok"] is True

    covers = {s["owner"]: s["cover"] for s in json_out(cli("set", "list", "--json"))}
    assert covers["part:SHFT"]["title"] == "Top view"  # the first image added
    assert covers["kit:Synth Voice"]["title"] == "Front"
    assert covers["part:VREG"] is None  # a PDF and a link: no image, no cover
    assert covers["part:RONE"] is None  # no attachments at all
    shift = json_out(cli("part", "show", "SHFT", "--json"))
    assert shift["pin_count"] == 16 and shift["type"] == "Logic IC"
    assert [line["location"] for line in shift["stock"]] == ["2-5"]
    assert [a["kind"] for a in shift["attachments"]] == ["image", "pdf", "url", "image", "image"]
    nixie = json_out(cli("kit", "show", "Nixie Clock", "--json"))
    assert nixie["status"] == "archived" and len(nixie["contents"]) == 5


Bars = list[tuple[str, int, list[str]]]


@pytest.fixture
def terminal_bars(monkeypatch: pytest.MonkeyPatch) -> Bars:
    """Make the command believe stderr is a terminal; record the progress bars it would draw."""
    from inventory_cli.cli import progress, sample_data

    bars: Bars = []

    @contextmanager
    def recording(label: str, total: int) -> Iterator[Callable[[str], None]]:
        bars.append((label, total, []))
        yield bars[-1][2].append

    monkeypatch.setattr(sample_data, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(progress, "terminal_steps", recording)
    return bars


def test_a_terminal_gets_a_progress_bar_counting_every_step_and_a_summary(
    cli: CliRun, terminal_bars: Bars
) -> None:
    from inventory_cli.services.sample_description import read_description

    result = cli("sample-data", "load")
    assert (result.exit_code, result.stderr) == (0, "")
    [(label, total, steps)] = terminal_bars
    assert label == "Loading sample data" and total == read_description().steps == len(steps)
    assert (steps[0], steps[20], steps[-1]) == ("type Crystal", "box passives", "kit Nixie Clock archived")
    summary = result.stdout.splitlines()
    assert summary[0] == f"loaded the sample data from {SAMPLE_DATA}:"
    assert summary[1] == "  3 boxes (numbers 1, 2, 3), 40 parts with 1308 units in 40 stock lines"
    assert summary[-1] == "checked: db check ok (9 checks), store fsck ok (16 blobs)"


def test_a_non_empty_inventory_is_refused_and_left_alone(cli: CliRun, state: State) -> None:
    assert cli("part", "add", "555 timer", "--key", "NEFF").exit_code == 0
    assert cli("box", "add", "Drawer", "--capacity", "4").exit_code == 0
    fails(cli, state, ExitCode.CONFLICT, ["sample-data", "load"], "not empty", "1 part and 1 box")
    fails(cli, state, ExitCode.CONFLICT, ["sample-data", "load", "--json"], "1 part and 1 box")
    # --replace asks first; without a terminal only --yes lets it go on.
    fails(cli, state, ExitCode.USAGE, ["sample-data", "load", "--replace"], "refused without --yes")
    fails(cli, state, ExitCode.USAGE, ["sample-data", "load", "--yes"], "--yes only applies")


def test_replace_empties_the_inventory_through_the_services_then_loads(
    cli: CliRun, files: Any, db_path: Path, terminal_bars: Bars
) -> None:
    # Something of everything: a part with stock, history and a photo, held by an archived kit.
    assert cli("part", "add", "Old relay", "--key", "OLDR").exit_code == 0
    assert cli("part", "attach", "OLDR", str(files.png("relay.png"))).exit_code == 0
    assert cli("box", "add", "Shoebox", "--capacity", "5").exit_code == 0
    assert cli("stock", "add", "OLDR", "1-2", "7").exit_code == 0
    assert cli("kit", "add", "Old clock").exit_code == 0
    assert cli("kit", "content", "add", "Old clock", "OLDR").exit_code == 0
    assert cli("kit", "archive", "Old clock").exit_code == 0

    # -q: no progress bar even on a terminal; --json still prints the report.
    result = cli("sample-data", "load", "--replace", "--yes", "-q", "--json")
    assert (result.exit_code, result.stderr, terminal_bars) == (0, "", [])
    report = json.loads(result.stdout)
    assert report["removed"] == {"parts": 1, "kits": 1, "boxes": 1}
    assert report["boxes"] == [2, 3, 4]  # box numbers are never reused
    keys = [p["key"] for p in json_out(cli("part", "list", "--json"))]
    assert "OLDR" not in keys and len(keys) == expected_counts()["parts"]
    # The old part's history went with it: one 'add' per sample stock line is left.
    assert count(db_path, "stock_history") == expected_counts()["stock_lines"]
    assert [k["name"] for k in json_out(cli("kit", "list", "--json"))] == [
        "555 Blinky",
        "Nixie Clock",
        "Synth Voice",
        "Weather Station",
    ]
    assert cli("db", "check").exit_code == 0
    assert cli("store", "fsck").exit_code == 0  # the relay photo is a young orphan: listed, no problem


# --- The README quick start ------------------------------------------------------------------

SHELL_OPERATORS = {"|", "||", "&", "&&", ";", ">", ">>", "<", "(", ")"}
# A few outputs the quick start promises, by command line (without its comment).
PROMISED = {
    "inventory part list --low-stock 3": ["LEDG", "CETN", "BMEP"],
    "inventory set cover part:SHFT 8": ["attachment 8 'Pinout'"],
    "inventory set rm part:SHFT 8 --yes": ["cover is now attachment 4"],
    'inventory kit attach "Weather Station" sample_data/esp32-devkit.jpg': ["(cover)"],
    "inventory stock list CTEN": ["1-7", "2-40"],
    "inventory stock suggest --type Op-Amp": ["2-13"],
    "inventory set cover part:SHFT": ["attachment 4 'Top view'"],
    "inventory export -o parts.csv": ["exported 41 parts"],
    "inventory import parts.csv --dry-run": ["create 0, update 0, skip 41"],
    "inventory export --bundle backup.tar": ["parts 41", "kits 4"],
    "inventory db check": ["ok:"],
    "inventory store fsck": ["0 problems", "orphan (young)"],  # the removed pinout
}


def quick_start_lines() -> list[tuple[str, list[str], int]]:
    """Each command of the README's Quick start: its text, its arguments, its expected exit code."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Quick start") :]
    section = section[: section.index("\n## ", 1)]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for raw in block.splitlines():
            if not raw.strip():
                continue
            lexer = shlex.shlex(raw, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            tokens = list(lexer)
            # The quick start keeps to plain commands, so that this test can run each one in-process.
            assert not SHELL_OPERATORS & set(tokens), f"shell syntax in the quick start: {raw!r}"
            assert tokens[0] == "inventory", f"not an inventory command: {raw!r}"
            comment = raw.partition(" #")[2]
            code = re.search(r"\bexits (\d+)", comment)
            lines.append((raw.partition(" #")[0].strip(), tokens[1:], int(code.group(1)) if code else 0))
    return lines


def test_readme_quick_start_runs_against_the_sample_data(
    cli: CliRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = quick_start_lines()
    assert lines[0][1] == ["sample-data", "load"]  # it starts from the sample data
    work = tmp_path / "work"
    work.mkdir()
    (work / "sample_data").symlink_to(SAMPLE_DATA)
    monkeypatch.chdir(work)
    seen = set()
    for text, args, code in lines:
        result = cli(*args)
        assert result.exit_code == code, (text, result.exit_code, result.stdout, result.stderr)
        for needle in PROMISED.get(text, []):
            assert needle in result.stdout, (text, needle, result.stdout)
        seen.add(text)
    assert set(PROMISED) <= seen, set(PROMISED) - seen
    assert (work / "sn74hc595.pdf").read_bytes() == (SAMPLE_DATA / "sn74hc595.pdf").read_bytes()
    assert json_out(cli("set", "cover", "part:SHFT", "--json"))["id"] == 4
