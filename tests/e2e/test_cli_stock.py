"""`inventory stock` end to end: add, remove, move, list, history, suggest; bad input changes nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, State, count, fails, json_out, query
from tests.e2e.seeded import restore, rows_of_table, seeded_home

# Part ABCD (Logic IC) holds 25 at 1-3; part RESA (Resistor) has no stock.
# Box 1 "ICs" has slots 1-5, box 2 "Spare" has slots 1-3.
stock_home = seeded_home(
    ("part", "add", "8-bit shift register", "--key", "ABCD", "--type", "Logic IC"),
    ("part", "add", "Carbon resistor 10k", "--key", "RESA", "--type", "Resistor"),
    ("box", "add", "ICs", "--capacity", "5"),
    ("box", "add", "Spare", "--capacity", "3"),
    ("stock", "add", "ABCD", "1-3", "25"),
)


@pytest.fixture
def stocked(stock_home: Path, isolated_home: Path) -> str:
    """The seeded inventory in this test's home; the key of the stocked part."""
    restore(stock_home, isolated_home)
    return "ABCD"


def held(db_path: Path, key: str) -> dict[str, int]:
    """Quantity per location of a part, read from the tables."""
    rows = query(
        db_path,
        "SELECT l.box_id || '-' || l.slot, s.quantity FROM stock s JOIN parts p ON p.id = s.part_id "
        "JOIN locations l ON l.id = s.location_id WHERE p.key = ?",
        key,
    )
    return dict(rows)


# --- add -------------------------------------------------------------------------------------------


def test_add_reports_change_and_total(cli: CliRun, db_path: Path, stocked: str) -> None:
    result = cli("stock", "add", "ABCD", "1-3", "5")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ABCD +5 at 1-3; total 30 (1-3: 30)\n"
    assert result.stderr == ""
    assert held(db_path, "ABCD") == {"1-3": 30}


def test_add_json(cli: CliRun, db_path: Path, stocked: str) -> None:
    data = json_out(cli("stock", "add", "abcd", " 2 - 1 ", "7", "--json"))

    assert set(data) == {"key", "changes", "total", "locations"}
    assert data["key"] == "ABCD" and data["total"] == 32
    [change] = data["changes"]
    assert set(change) == {"id", "key", "location", "delta", "action", "created_at"}
    assert (change["key"], change["location"], change["delta"], change["action"]) == ("ABCD", "2-1", 7, "add")
    assert change["created_at"].endswith("Z")
    assert data["locations"] == [
        {"key": "ABCD", "description": "8-bit shift register", "location": "1-3", "quantity": 25},
        {"key": "ABCD", "description": "8-bit shift register", "location": "2-1", "quantity": 7},
    ]
    assert held(db_path, "ABCD") == {"1-3": 25, "2-1": 7}
    assert query(db_path, "SELECT MAX(id) FROM stock_history")[0][0] == change["id"]


def test_two_parts_can_share_a_location(cli: CliRun, db_path: Path, stocked: str) -> None:
    assert cli("stock", "add", "RESA", "1-3", "100").exit_code == 0

    assert held(db_path, "ABCD") == {"1-3": 25}
    assert held(db_path, "RESA") == {"1-3": 100}
    box = json_out(cli("box", "list", "--json"))[0]
    assert (box["occupied"], box["units"]) == (1, 125)


# --- remove ----------------------------------------------------------------------------------------


def test_remove_part_of_the_stock(cli: CliRun, db_path: Path, stocked: str) -> None:
    result = cli("stock", "remove", "ABCD", "1-3", "5")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ABCD -5 at 1-3; total 20 (1-3: 20)\n"
    assert held(db_path, "ABCD") == {"1-3": 20}


def test_removing_everything_frees_the_location(cli: CliRun, db_path: Path, stocked: str) -> None:
    data = json_out(cli("stock", "remove", "ABCD", "1-3", "25", "--json"))

    assert data["total"] == 0 and data["locations"] == []
    assert [(c["delta"], c["action"]) for c in data["changes"]] == [(-25, "remove")]
    assert count(db_path, "stock") == 0
    assert cli("stock", "add", "ABCD", "2-2", "1").stdout.endswith("; total 1 (2-2: 1)\n")
    assert cli("stock", "remove", "ABCD", "2-2", "1").stdout == "ABCD -1 at 2-2; total 0 (nowhere)\n"


def test_an_emptied_location_is_suggested_again(cli: CliRun) -> None:
    assert cli("part", "add", "Crystal 16 MHz", "--key", "XTAL").exit_code == 0
    assert cli("box", "add", "Tiny", "--capacity", "1").exit_code == 0
    assert cli("stock", "add", "XTAL", "1-1", "4").exit_code == 0
    full = cli("stock", "suggest")
    assert full.exit_code == ExitCode.NOT_FOUND and "no free location" in full.stderr

    assert cli("stock", "remove", "XTAL", "1-1", "4").exit_code == 0

    assert json_out(cli("stock", "suggest", "--json"))["location"] == "1-1"


# --- move ------------------------------------------------------------------------------------------


def test_move_reports_both_sides(cli: CliRun, db_path: Path, stocked: str) -> None:
    result = cli("stock", "move", "ABCD", "1-3", "2-1", "10")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ABCD -10 at 1-3, +10 at 2-1; total 25 (1-3: 15, 2-1: 10)\n"
    assert held(db_path, "ABCD") == {"1-3": 15, "2-1": 10}


def test_move_json_and_merge_into_a_held_location(cli: CliRun, db_path: Path, stocked: str) -> None:
    assert cli("stock", "add", "ABCD", "2-1", "3").exit_code == 0

    data = json_out(cli("stock", "move", "ABCD", "1-3", "2-1", "25", "--json"))

    assert [(c["location"], c["delta"], c["action"]) for c in data["changes"]] == [
        ("1-3", -25, "move-out"),
        ("2-1", 25, "move-in"),
    ]
    assert data["total"] == 28
    assert [(line["location"], line["quantity"]) for line in data["locations"]] == [("2-1", 28)]
    assert held(db_path, "ABCD") == {"2-1": 28}


def test_a_move_that_would_overflow_the_target_changes_nothing(
    cli: CliRun, state: State, stocked: str
) -> None:
    assert cli("stock", "add", "ABCD", "2-1", "1000000000").exit_code == 0

    fails(cli, state, ExitCode.INVALID_INPUT, ["stock", "move", "ABCD", "1-3", "2-1", "1"], "1000000001")


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        (
            ["remove", "ABCD", "1-3", "26"],
            ExitCode.CONFLICT,
            ["location 1-3 holds 25 of part ABCD", "take 26"],
        ),
        (["remove", "ABCD", "1-1", "1"], ExitCode.CONFLICT, ["location 1-1 holds 0 of part ABCD"]),
        (["remove", "RESA", "1-3", "1"], ExitCode.CONFLICT, ["location 1-3 holds 0 of part RESA"]),
        (["move", "ABCD", "1-1", "1-2", "1"], ExitCode.CONFLICT, ["location 1-1 holds 0"]),
        (["move", "ABCD", "1-3", "2-1", "26"], ExitCode.CONFLICT, ["holds 25", "take 26"]),
        (["add", "ABCD", "9-1", "1"], ExitCode.NOT_FOUND, ["no location 9-1"]),
        (["add", "ABCD", "1-6", "1"], ExitCode.NOT_FOUND, ["no location 1-6"]),
        (["remove", "ABCD", "3-1", "1"], ExitCode.NOT_FOUND, ["no location 3-1"]),
        (["move", "ABCD", "1-3", "9-9", "1"], ExitCode.NOT_FOUND, ["no location 9-9"]),
        (["move", "ABCD", "9-9", "1-3", "1"], ExitCode.NOT_FOUND, ["no location 9-9"]),
        (["add", "ABCD", "1x3", "1"], ExitCode.USAGE, ["not a location: '1x3'"]),
        (["add", "ABCD", "0-1", "1"], ExitCode.USAGE, ["'0-1'"]),
        (["add", "ABCD", "1-0", "1"], ExitCode.USAGE, ["'1-0'"]),
        (["add", "ABCD", "1-2-3", "1"], ExitCode.USAGE, ["'1-2-3'"]),
        (["add", "ABCD", "-1-3", "1"], ExitCode.USAGE, ["'-1-3'"]),
        (["add", "ABCD", "", "1"], ExitCode.USAGE, ["not a location: ''"]),
        (["add", "ABCD", "1234567890-1", "1"], ExitCode.USAGE, ["'1234567890-1'"]),
        (["move", "ABCD", "1-3", "two-one", "1"], ExitCode.USAGE, ["'two-one'"]),
        (["add", "ABCD", "1-3", "-5"], ExitCode.INVALID_INPUT, ["quantity -5 must be at least 1"]),
        (["add", "ABCD", "1-3", "0"], ExitCode.INVALID_INPUT, ["quantity 0 must be at least 1"]),
        (["add", "ABCD", "1-3", "1000000001"], ExitCode.INVALID_INPUT, ["quantity 1000000001"]),
        (["remove", "ABCD", "1-3", "0"], ExitCode.INVALID_INPUT, ["quantity 0"]),
        (["remove", "ABCD", "1-3", "-1"], ExitCode.INVALID_INPUT, ["quantity -1"]),
        (["move", "ABCD", "1-3", "2-1", "0"], ExitCode.INVALID_INPUT, ["quantity 0"]),
        (["move", "ABCD", "1-3", "2-1", "-3"], ExitCode.INVALID_INPUT, ["quantity -3"]),
        (["move", "ABCD", "1-3", "1-3", "1"], ExitCode.USAGE, ["source and target are both 1-3"]),
        (["move", "ABCD", "1-3", "01-03", "1"], ExitCode.USAGE, ["both 1-3"]),
        (["add", "ZZZZ", "1-3", "1"], ExitCode.NOT_FOUND, ["'ZZZZ'"]),
        (["remove", "ZZZZ", "1-3", "1"], ExitCode.NOT_FOUND, ["'ZZZZ'"]),
        (["move", "ZZZZ", "1-3", "2-1", "1"], ExitCode.NOT_FOUND, ["'ZZZZ'"]),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    cli: CliRun, state: State, stocked: str, args: list[str], code: ExitCode, needles: list[str]
) -> None:
    fails(cli, state, code, ["stock", *args], *needles)


def test_an_unknown_location_hint_names_the_slots(cli: CliRun, stocked: str) -> None:
    result = cli("stock", "add", "ABCD", "2-4", "1")

    assert result.exit_code == ExitCode.NOT_FOUND
    assert result.stderr.splitlines()[1] == "hint: box 2 has slots 1-3"


def test_a_quantity_that_is_not_a_number_is_a_usage_error(cli: CliRun, state: State, stocked: str) -> None:
    before = state()

    result = cli("stock", "add", "ABCD", "1-3", "many")

    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == "" and "quantity" in result.stderr
    assert state() == before


# --- list ------------------------------------------------------------------------------------------


def test_list_every_part_with_totals(cli: CliRun, stocked: str) -> None:
    assert cli("stock", "add", "RESA", "2-3", "100").exit_code == 0
    assert cli("stock", "add", "ABCD", "1-1", "5").exit_code == 0

    table = cli("stock", "list")
    data = json_out(cli("stock", "list", "--json"))

    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines()[0].strip() == "2 parts in stock, 130 units"
    assert rows_of_table(table.stdout) == [
        ["ABCD", "8-bit shift register", "1-1", "5"],
        ["ABCD", "8-bit shift register", "1-3", "25"],
        ["RESA", "Carbon resistor 10k", "2-3", "100"],
    ]
    assert data == [
        {
            "key": "ABCD",
            "total": 30,
            "locations": [{"location": "1-1", "quantity": 5}, {"location": "1-3", "quantity": 25}],
        },
        {"key": "RESA", "total": 100, "locations": [{"location": "2-3", "quantity": 100}]},
    ]


def test_list_one_part(cli: CliRun, stocked: str) -> None:
    assert cli("stock", "add", "RESA", "2-3", "100").exit_code == 0

    table = cli("stock", "list", "abcd")

    assert table.stdout.splitlines()[0].strip() == "ABCD: 25 in stock"
    assert rows_of_table(table.stdout) == [["ABCD", "8-bit shift register", "1-3", "25"]]
    assert json_out(cli("stock", "list", "ABCD", "--json")) == {
        "key": "ABCD",
        "total": 25,
        "locations": [{"location": "1-3", "quantity": 25}],
    }


def test_list_a_part_without_stock(cli: CliRun, stocked: str) -> None:
    assert json_out(cli("stock", "list", "resa", "--json")) == {"key": "RESA", "total": 0, "locations": []}
    assert cli("stock", "list", "RESA").stdout.splitlines()[0].strip() == "RESA: 0 in stock"


def test_list_an_unknown_part_is_not_found(cli: CliRun, state: State, stocked: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["stock", "list", "ZZZZ"], "'ZZZZ'")


# --- history ---------------------------------------------------------------------------------------


def test_history_is_newest_first_and_a_move_writes_both_sides(cli: CliRun, stocked: str) -> None:
    assert cli("stock", "remove", "ABCD", "1-3", "5").exit_code == 0
    assert cli("stock", "add", "RESA", "2-2", "9").exit_code == 0
    assert cli("stock", "move", "ABCD", "1-3", "2-1", "10").exit_code == 0

    data = json_out(cli("stock", "history", "ABCD", "--json"))
    table = cli("stock", "history", "ABCD")

    assert [(c["location"], c["delta"], c["action"]) for c in data] == [
        ("2-1", 10, "move-in"),
        ("1-3", -10, "move-out"),
        ("1-3", -5, "remove"),
        ("1-3", 25, "add"),
    ]
    ids = [c["id"] for c in data]
    assert ids == sorted(ids, reverse=True)
    assert {c["key"] for c in data} == {"ABCD"}
    assert set(data[0]) == {"id", "key", "location", "delta", "action", "created_at"}
    assert table.stdout.splitlines()[0].strip() == "4 changes"
    assert [row[1:] for row in rows_of_table(table.stdout)] == [
        ["ABCD", "2-1", "+10", "move-in"],
        ["ABCD", "1-3", "-10", "move-out"],
        ["ABCD", "1-3", "-5", "remove"],
        ["ABCD", "1-3", "+25", "add"],
    ]


def test_history_of_every_part_and_limit(cli: CliRun, stocked: str) -> None:
    assert cli("stock", "add", "RESA", "2-2", "9").exit_code == 0
    assert cli("stock", "remove", "ABCD", "1-3", "1").exit_code == 0

    every = json_out(cli("stock", "history", "--json"))
    limited = json_out(cli("stock", "history", "--limit", "2", "--json"))

    assert [(c["key"], c["delta"]) for c in every] == [("ABCD", -1), ("RESA", 9), ("ABCD", 25)]
    assert limited == every[:2]
    assert len(json_out(cli("stock", "history", "RESA", "-n", "5", "--json"))) == 1


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["history", "-n", "0"], ExitCode.USAGE, "limit 0"),
        (["history", "ABCD", "--limit", "10001"], ExitCode.USAGE, "limit 10001"),
        (["history", "ZZZZ"], ExitCode.NOT_FOUND, "'ZZZZ'"),
    ],
)
def test_history_bad_input(
    cli: CliRun, state: State, stocked: str, args: list[str], code: ExitCode, needle: str
) -> None:
    fails(cli, state, code, ["stock", *args], needle)


# --- suggest ---------------------------------------------------------------------------------------


def test_suggest_the_first_free_location(cli: CliRun, stocked: str) -> None:
    result = cli("stock", "suggest")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "1-1  (box 1: ICs)\n"
    assert json_out(cli("stock", "suggest", "--json")) == {
        "location": "1-1",
        "box": 1,
        "slot": 1,
        "box_description": "ICs",
        "same_type_in_box": None,
    }


def test_suggest_skips_held_locations(cli: CliRun, stocked: str) -> None:
    assert cli("stock", "add", "RESA", "1-1", "1").exit_code == 0
    assert cli("stock", "add", "RESA", "1-2", "1").exit_code == 0

    assert json_out(cli("stock", "suggest", "--json"))["location"] == "1-4"


def test_suggest_type_prefers_a_box_holding_that_type(cli: CliRun, stocked: str) -> None:
    assert cli("stock", "add", "RESA", "2-2", "50").exit_code == 0

    resistor = json_out(cli("stock", "suggest", "--type", "resistor", "--json"))
    logic = json_out(cli("stock", "suggest", "--type", "Logic IC", "--json"))
    other = json_out(cli("stock", "suggest", "--type", "Capacitor", "--json"))

    assert (resistor["location"], resistor["same_type_in_box"]) == ("2-1", 1)
    assert (logic["location"], logic["same_type_in_box"]) == ("1-1", 1)
    assert (other["location"], other["same_type_in_box"]) == ("1-1", 0)
    assert cli("stock", "suggest", "--type", "Resistor").stdout == "2-1  (box 2: Spare)\n"


def test_suggest_type_prefers_the_box_with_most_of_that_type(cli: CliRun, stocked: str) -> None:
    for key in ("RESB", "RESC"):
        assert cli("part", "add", f"resistor {key}", "--key", key, "--type", "Resistor").exit_code == 0
    assert cli("box", "add", "More resistors", "--capacity", "4").exit_code == 0
    assert cli("stock", "add", "RESA", "2-1", "1").exit_code == 0
    assert cli("stock", "add", "RESB", "3-1", "1").exit_code == 0
    assert cli("stock", "add", "RESC", "3-2", "1").exit_code == 0

    found = json_out(cli("stock", "suggest", "--type", "Resistor", "--json"))

    assert (found["location"], found["same_type_in_box"]) == ("3-3", 2)


def test_suggest_with_no_free_location_is_not_found(cli: CliRun, state: State) -> None:
    assert cli("box", "list").exit_code == 0  # creates the database
    fails(cli, state, ExitCode.NOT_FOUND, ["stock", "suggest"], "no free location")


def test_suggest_unknown_type_is_not_found(cli: CliRun, state: State, stocked: str) -> None:
    fails(
        cli, state, ExitCode.NOT_FOUND, ["stock", "suggest", "--type", "Flux capacitor"], "'Flux capacitor'"
    )


# --- stock against its history ---------------------------------------------------------------------


def test_db_check_stays_clean_after_a_sequence_of_changes(cli: CliRun, db_path: Path, stocked: str) -> None:
    steps = [
        ("add", "RESA", "2-1", "40"),
        ("move", "ABCD", "1-3", "1-1", "5"),
        ("remove", "RESA", "2-1", "15"),
        ("move", "RESA", "2-1", "1-1", "25"),
        ("add", "ABCD", "1-1", "3"),
        ("remove", "ABCD", "1-3", "20"),
        ("move", "ABCD", "1-1", "2-3", "8"),
    ]
    for step in steps:
        assert cli("stock", *step).exit_code == 0, step
    assert cli("stock", "remove", "ABCD", "2-3", "9").exit_code == ExitCode.CONFLICT

    result = cli("db", "check")

    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert held(db_path, "ABCD") == {"2-3": 8}
    assert held(db_path, "RESA") == {"1-1": 25}
    logged = dict(
        query(
            db_path,
            "SELECT p.key, SUM(h.delta) FROM stock_history h JOIN parts p ON p.id = h.part_id GROUP BY p.key",
        )
    )
    assert logged == {"ABCD": 8, "RESA": 25}
    assert count(db_path, "stock_history") == 1 + 1 + 2 + 1 + 2 + 1 + 1 + 2


def test_db_check_reports_a_history_row_without_stock(cli: CliRun, db_path: Path, stocked: str) -> None:
    assert cli("db", "check").exit_code == 0
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute(
            "INSERT INTO stock_history (part_id, location, delta, action) "
            "SELECT id, '1-3', 3, 'add' FROM parts WHERE key = 'ABCD'"
        )
    connection.close()

    result = cli("db", "check")
    report = cli("db", "check", "--json")

    assert result.exit_code == ExitCode.CHECK_FAILED
    assert "part ABCD: 25 in stock but the history adds up to 28" in result.stdout
    assert report.exit_code == ExitCode.CHECK_FAILED
    assert report.stdout.startswith("{")
    problems = json.loads(report.stdout)["problems"]
    assert problems == [
        {
            "check": "stock matches its history",
            "detail": "part ABCD: 25 in stock but the history adds up to 28",
        }
    ]


def test_db_check_counts_one_problem_in_the_singular(cli: CliRun, db_path: Path, stocked: str) -> None:
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("DELETE FROM stock_history")
    connection.close()

    result = cli("db", "check")

    assert result.exit_code == ExitCode.CHECK_FAILED
    assert result.stderr.splitlines()[0] == "error: db check found 1 problem"
