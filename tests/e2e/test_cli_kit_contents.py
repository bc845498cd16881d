"""`inventory kit content` and `inventory kit check` end to end, on a hand-computed example."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, State, fails, json_out, query
from tests.e2e.seeded import restore, rows_of_table, seeded_home

# Stock: AAAA 30 (20 at 1-1, 10 at 1-2), BBBB 7 at 1-3, CCCC none, DDDD none (in no kit).
# Kits (build target; per-unit contents):
#   Synth Voice  2  AAAA x3, BBBB x1, CCCC x2   reserves AAAA 6, BBBB 2, CCCC 4
#   Drum         4  AAAA x2, BBBB x1            reserves AAAA 8, BBBB 4
#   Lamp         1  AAAA x5, CCCC x1            reserves AAAA 5, CCCC 1
#   Old         10  AAAA x1, BBBB x5            archived: reserves nothing
#   Idea         0  AAAA x7, BBBB x9            build target 0: reserves nothing
KITS = {
    "Synth Voice": ("2", {"AAAA": 3, "BBBB": 1, "CCCC": 2}),
    "Drum": ("4", {"AAAA": 2, "BBBB": 1}),
    "Lamp": ("1", {"AAAA": 5, "CCCC": 1}),
    "Old": ("10", {"AAAA": 1, "BBBB": 5}),
    "Idea": ("0", {"AAAA": 7, "BBBB": 9}),
}
DESCRIPTIONS = {"AAAA": "Shift register", "BBBB": "Dual op-amp", "CCCC": "Crystal 16 MHz", "DDDD": "Trimmer"}

kit_home = seeded_home(
    *[("part", "add", text, "--key", key) for key, text in DESCRIPTIONS.items()],
    ("box", "add", "Main", "--capacity", "5"),
    ("stock", "add", "AAAA", "1-1", "20"),
    ("stock", "add", "AAAA", "1-2", "10"),
    ("stock", "add", "BBBB", "1-3", "7"),
    *[("kit", "add", name, "--build-target", target) for name, (target, _) in KITS.items()],
    *[
        ("kit", "content", "add", name, key, "--per-unit", str(n))
        for name, (_, lines) in KITS.items()
        for key, n in lines.items()
    ],
    ("kit", "archive", "Old"),
)


@pytest.fixture
def kits(kit_home: Path, isolated_home: Path) -> None:
    """The seeded inventory in this test's home."""
    restore(kit_home, isolated_home)


def line(
    key: str, per_unit: int, needed: int, in_stock: int, reserved: int, available: int, short: int
) -> Any:
    """One expected line of ``kit check --json``."""
    return {
        "key": key,
        "description": DESCRIPTIONS[key],
        "per_unit": per_unit,
        "needed": needed,
        "in_stock": in_stock,
        "reserved": reserved,
        "available": available,
        "short": short,
    }


def check_json(cli: CliRun, *args: str) -> tuple[int, Any]:
    """Exit code and parsed stdout of ``kit check ... --json``."""
    result = cli("kit", "check", *args, "--json")
    assert result.exit_code in (0, ExitCode.CHECK_FAILED), (result.exit_code, result.stderr)
    return result.exit_code, json_out_any(result.stdout)


def json_out_any(stdout: str) -> Any:
    """Parse stdout as one JSON document whatever the exit code."""
    return json.loads(stdout)


def contents_rows(db_path: Path, kit: str) -> list[tuple[Any, ...]]:
    """(key, per_unit, note) of a kit's lines, from the tables."""
    return query(
        db_path,
        "SELECT p.key, c.per_unit, c.note FROM kit_contents c JOIN parts p ON p.id = c.part_id "
        "JOIN kits k ON k.id = c.kit_id WHERE k.name = ? ORDER BY p.key",
        kit,
    )


# --- content add / list / edit / rm ----------------------------------------------------------------


def test_content_add_reports_the_line(cli: CliRun, db_path: Path, kits: None) -> None:
    result = cli("kit", "content", "add", "Synth Voice", "DDDD", "--per-unit", "2", "--note", " U3, U4 ")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "added 2 x DDDD per unit in kit 'Synth Voice' (U3, U4)\n"
    assert result.stderr == ""
    assert ("DDDD", 2, "U3, U4") in contents_rows(db_path, "Synth Voice")


def test_content_add_json_defaults_to_one_per_unit(cli: CliRun, db_path: Path, kits: None) -> None:
    data = json_out(cli("kit", "content", "add", "synth voice", "dddd", "--json"))

    assert data == {
        "kit": "Synth Voice",
        "key": "DDDD",
        "description": "Trimmer",
        "per_unit": 1,
        "note": None,
    }
    assert ("DDDD", 1, None) in contents_rows(db_path, "Synth Voice")


def test_content_list(cli: CliRun, kits: None) -> None:
    assert cli("kit", "content", "edit", "Drum", "BBBB", "--note", "IC2").exit_code == 0

    table = cli("kit", "content", "list", "Drum")
    data = json_out(cli("kit", "content", "list", "drum", "--json"))

    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines()[0].strip() == "2 lines in kit 'Drum'"
    assert rows_of_table(table.stdout) == [
        ["AAAA", "Shift register", "2", ""],
        ["BBBB", "Dual op-amp", "1", "IC2"],
    ]
    assert data == [
        {"kit": "Drum", "key": "AAAA", "description": "Shift register", "per_unit": 2, "note": None},
        {"kit": "Drum", "key": "BBBB", "description": "Dual op-amp", "per_unit": 1, "note": "IC2"},
    ]


def test_content_list_of_an_empty_kit(cli: CliRun, kits: None) -> None:
    assert cli("kit", "add", "Blinky").exit_code == 0

    assert json_out(cli("kit", "content", "list", "Blinky", "--json")) == []
    assert cli("kit", "content", "list", "Blinky").stdout.splitlines()[0].strip() == "0 lines in kit 'Blinky'"


def test_content_edit_per_unit_and_note(cli: CliRun, db_path: Path, kits: None) -> None:
    result = cli("kit", "content", "edit", "Synth Voice", "aaaa", "--per-unit", "4", "--note", "U1-U4")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "changed 4 x AAAA per unit in kit 'Synth Voice' (U1-U4)\n"
    assert ("AAAA", 4, "U1-U4") in contents_rows(db_path, "Synth Voice")
    cleared = json_out(cli("kit", "content", "edit", "Synth Voice", "AAAA", "--note", "", "--json"))
    assert cleared == {
        "kit": "Synth Voice",
        "key": "AAAA",
        "description": "Shift register",
        "per_unit": 4,
        "note": None,
    }
    assert ("AAAA", 4, None) in contents_rows(db_path, "Synth Voice")


def test_content_rm(cli: CliRun, db_path: Path, kits: None) -> None:
    result = cli("kit", "content", "rm", "Synth Voice", "BBBB")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "removed 1 x BBBB per unit in kit 'Synth Voice'\n"
    assert [row[0] for row in contents_rows(db_path, "Synth Voice")] == ["AAAA", "CCCC"]
    data = json_out(cli("kit", "content", "rm", "Synth Voice", "CCCC", "--json"))
    assert data == {
        "kit": "Synth Voice",
        "key": "CCCC",
        "description": "Crystal 16 MHz",
        "per_unit": 2,
        "note": None,
    }


def test_kit_show_includes_contents(cli: CliRun, kits: None) -> None:
    data = json_out(cli("kit", "show", "Lamp", "--json"))

    assert [(c["key"], c["per_unit"]) for c in data["contents"]] == [("AAAA", 5), ("CCCC", 1)]


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        (["add", "Synth Voice", "AAAA"], ExitCode.CONFLICT, ["'Synth Voice' already lists part AAAA"]),
        (["add", "synth voice", "aaaa", "-q", "5"], ExitCode.CONFLICT, ["already lists part AAAA"]),
        (["add", "Synth Voice", "DDDD", "--per-unit", "0"], ExitCode.INVALID_INPUT, ["per-unit quantity 0"]),
        (
            ["add", "Synth Voice", "DDDD", "--per-unit", "-2"],
            ExitCode.INVALID_INPUT,
            ["per-unit quantity -2"],
        ),
        (["add", "Synth Voice", "DDDD", "--note", "n" * 1001], ExitCode.INVALID_INPUT, ["1001 characters"]),
        (["add", "Synth Voice", "ZZZZ"], ExitCode.NOT_FOUND, ["'ZZZZ'"]),
        (["add", "Nope", "DDDD"], ExitCode.NOT_FOUND, ["'Nope'"]),
        (["add", "Old", "DDDD"], ExitCode.CONFLICT, ["'Old' is archived"]),
        (["edit", "Old", "AAAA", "--per-unit", "2"], ExitCode.CONFLICT, ["'Old' is archived"]),
        (["rm", "Old", "AAAA"], ExitCode.CONFLICT, ["'Old' is archived"]),
        (["edit", "Synth Voice", "AAAA", "--per-unit", "0"], ExitCode.INVALID_INPUT, ["per-unit quantity 0"]),
        (["edit", "Synth Voice", "AAAA"], ExitCode.USAGE, ["nothing to change"]),
        (["edit", "Synth Voice", "DDDD", "-q", "2"], ExitCode.NOT_FOUND, ["has no line for part DDDD"]),
        (["edit", "Synth Voice", "ZZZZ", "-q", "2"], ExitCode.NOT_FOUND, ["'ZZZZ'"]),
        (["edit", "Nope", "AAAA", "-q", "2"], ExitCode.NOT_FOUND, ["'Nope'"]),
        (["rm", "Synth Voice", "DDDD"], ExitCode.NOT_FOUND, ["has no line for part DDDD"]),
        (["rm", "Nope", "AAAA"], ExitCode.NOT_FOUND, ["'Nope'"]),
        (["list", "Nope"], ExitCode.NOT_FOUND, ["'Nope'"]),
    ],
)
def test_content_bad_input_changes_nothing(
    cli: CliRun, state: State, kits: None, args: list[str], code: ExitCode, needles: list[str]
) -> None:
    fails(cli, state, code, ["kit", "content", *args], *needles)


def test_an_unarchived_kit_accepts_changes_again(cli: CliRun, db_path: Path, kits: None) -> None:
    assert cli("kit", "unarchive", "Old").exit_code == 0

    assert cli("kit", "content", "add", "Old", "DDDD").exit_code == 0
    assert cli("kit", "content", "rm", "Old", "BBBB").exit_code == 0
    assert contents_rows(db_path, "Old") == [("AAAA", 1, None), ("DDDD", 1, None)]


def test_removing_a_kit_removes_its_lines_and_reservations(cli: CliRun, db_path: Path, kits: None) -> None:
    assert cli("kit", "rm", "Drum", "--yes").exit_code == 0

    assert contents_rows(db_path, "Drum") == []
    _, data = check_json(cli, "Synth Voice")
    assert [(entry["key"], entry["reserved"]) for entry in data["lines"]] == [
        ("AAAA", 5),
        ("BBBB", 0),
        ("CCCC", 1),
    ]


# --- check -----------------------------------------------------------------------------------------

SYNTH_VOICE = {
    "kit": "Synth Voice",
    "status": "active",
    "units": 2,
    "ok": False,
    "buildable": 0,
    "lines": [
        # reserved: AAAA 8 (Drum) + 5 (Lamp); BBBB 4 (Drum); CCCC 1 (Lamp). Old and Idea count for nothing.
        line("AAAA", 3, 6, 30, 13, 17, 0),
        line("BBBB", 1, 2, 7, 4, 3, 0),
        line("CCCC", 2, 4, 0, 1, 0, 4),
    ],
}


def test_check_hand_computed_numbers(cli: CliRun, state: State, kits: None) -> None:
    before = state()

    result = cli("kit", "check", "Synth Voice", "--json")

    assert result.exit_code == ExitCode.CHECK_FAILED
    assert json_out_any(result.stdout) == SYNTH_VOICE
    assert result.stderr == "error: short of 1 part: CCCC\n"
    assert state() == before


def test_check_table_shows_the_same_data_as_json(cli: CliRun, kits: None) -> None:
    result = cli("kit", "check", "synth voice")

    assert result.exit_code == ExitCode.CHECK_FAILED
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "Kit 'Synth Voice': 2 units"
    assert lines[-1] == "can build 0 now"
    expected = [
        [
            entry["key"],
            entry["description"],
            *(str(entry[k]) for k in ("per_unit", "needed", "in_stock", "reserved", "available")),
            str(entry["short"] or ""),
        ]
        for entry in SYNTH_VOICE["lines"]  # type: ignore[attr-defined]
    ]
    assert rows_of_table(result.stdout) == expected
    assert result.stderr == "error: short of 1 part: CCCC\n"


def test_check_units_overrides_the_build_target(cli: CliRun, kits: None) -> None:
    code, data = check_json(cli, "Synth Voice", "--units", "1")

    assert code == ExitCode.CHECK_FAILED
    assert (data["units"], data["ok"], data["buildable"]) == (1, False, 0)
    assert data["lines"] == [
        line("AAAA", 3, 3, 30, 13, 17, 0),
        line("BBBB", 1, 1, 7, 4, 3, 0),
        line("CCCC", 2, 2, 0, 1, 0, 2),
    ]


def test_check_passes_with_exit_0_when_nothing_is_short(cli: CliRun, kits: None) -> None:
    # Drum, 4 units; reserved: AAAA 6 (Synth Voice) + 5 (Lamp); BBBB 2 (Synth Voice).
    result = cli("kit", "check", "Drum", "--json")
    table = cli("kit", "check", "Drum")

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert json_out(result) == {
        "kit": "Drum",
        "status": "active",
        "units": 4,
        "ok": True,
        "buildable": 5,
        "lines": [line("AAAA", 2, 8, 30, 11, 19, 0), line("BBBB", 1, 4, 7, 2, 5, 0)],
    }
    assert table.exit_code == 0 and table.stdout.splitlines()[-1] == "can build 5 now"
    more = cli("kit", "check", "Drum", "-u", "6")
    assert more.exit_code == ExitCode.CHECK_FAILED
    assert rows_of_table(more.stdout)[1][-1] == "1"
    assert more.stderr == "error: short of 1 part: BBBB\n"


def test_check_a_kit_with_build_target_0_checks_one_unit(cli: CliRun, kits: None) -> None:
    code, data = check_json(cli, "Idea")

    assert code == ExitCode.CHECK_FAILED
    assert (data["units"], data["buildable"]) == (1, 0)
    assert data["lines"] == [line("AAAA", 7, 7, 30, 19, 11, 0), line("BBBB", 9, 9, 7, 6, 1, 8)]


def test_check_an_archived_kit(cli: CliRun, kits: None) -> None:
    code, data = check_json(cli, "Old")

    assert code == ExitCode.CHECK_FAILED
    assert (data["status"], data["units"]) == ("archived", 10)
    assert data["lines"] == [line("AAAA", 1, 10, 30, 19, 11, 0), line("BBBB", 5, 50, 7, 6, 1, 49)]


def test_reservations_follow_status_and_build_target(cli: CliRun, kits: None) -> None:
    assert cli("kit", "unarchive", "Old").exit_code == 0
    _, unarchived = check_json(cli, "Synth Voice")
    assert cli("kit", "edit", "Idea", "--build-target", "1").exit_code == 0
    _, targeted = check_json(cli, "Synth Voice")
    assert cli("kit", "archive", "Drum").exit_code == 0
    _, archived = check_json(cli, "Synth Voice")

    def reserved(data: Any) -> list[tuple[str, int, int]]:
        return [(entry["key"], entry["reserved"], entry["available"]) for entry in data["lines"]]

    assert reserved(unarchived) == [("AAAA", 23, 7), ("BBBB", 54, 0), ("CCCC", 1, 0)]
    assert reserved(targeted) == [("AAAA", 30, 0), ("BBBB", 63, 0), ("CCCC", 1, 0)]
    assert reserved(archived) == [("AAAA", 22, 8), ("BBBB", 59, 0), ("CCCC", 1, 0)]
    assert [entry["short"] for entry in targeted["lines"]] == [6, 2, 4]


def test_check_follows_the_stock(cli: CliRun, kits: None) -> None:
    assert cli("stock", "add", "CCCC", "1-4", "4").exit_code == 0
    code, data = check_json(cli, "Synth Voice")
    assert (code, data["lines"][2]) == (ExitCode.CHECK_FAILED, line("CCCC", 2, 4, 4, 1, 3, 1))

    assert cli("stock", "add", "CCCC", "1-5", "1").exit_code == 0

    code, data = check_json(cli, "Synth Voice")
    assert (code, data["ok"], data["buildable"]) == (0, True, 2)
    assert data["lines"][2] == line("CCCC", 2, 4, 5, 1, 4, 0)


def test_check_an_empty_kit_passes(cli: CliRun, kits: None) -> None:
    assert cli("kit", "add", "Blinky").exit_code == 0

    result = cli("kit", "check", "Blinky")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "the kit has no contents yet"
    assert json_out(cli("kit", "check", "Blinky", "--json")) == {
        "kit": "Blinky",
        "status": "active",
        "units": 1,
        "ok": True,
        "buildable": None,
        "lines": [],
    }


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["Synth Voice", "--units", "0"], ExitCode.INVALID_INPUT, "units 0 must be at least 1"),
        (["Synth Voice", "-u", "-2"], ExitCode.INVALID_INPUT, "units -2"),
        (["Nope"], ExitCode.NOT_FOUND, "'Nope'"),
    ],
)
def test_check_bad_input(
    cli: CliRun, state: State, kits: None, args: list[str], code: ExitCode, needle: str
) -> None:
    fails(cli, state, code, ["kit", "check", *args], needle)


def test_a_build_target_too_large_to_reserve_is_invalid(cli: CliRun, state: State, kits: None) -> None:
    fails(
        cli,
        state,
        ExitCode.INVALID_INPUT,
        ["kit", "edit", "Drum", "--build-target", "99999999999999999999"],
        "99999999999999999999",
    )


def test_a_note_with_control_characters_is_invalid(cli: CliRun, state: State, kits: None) -> None:
    fails(
        cli,
        state,
        ExitCode.INVALID_INPUT,
        ["kit", "content", "add", "Synth Voice", "DDDD", "--note", "a\x1b[31mred"],
        "control characters",
    )
