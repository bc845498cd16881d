"""`inventory box` end to end: add, list, show, edit (grow, shrink) and rm, with their refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, Files, State, count, fails, json_out, query
from tests.e2e.seeded import restore, rows_of_table, seeded_home

# Box 1 "SMD resistors" (slots 1-5) holds ABCD x 25 at 1-3; box 2 "Spare" (slots 1-2) is empty.
box_home = seeded_home(
    ("part", "add", "8-bit shift register", "--key", "ABCD", "--type", "Logic IC"),
    ("box", "add", "SMD resistors", "--capacity", "5"),
    ("box", "add", "Spare", "--capacity", "2"),
    ("stock", "add", "ABCD", "1-3", "25"),
)


@pytest.fixture
def boxes(box_home: Path, isolated_home: Path) -> None:
    """The seeded inventory in this test's home."""
    restore(box_home, isolated_home)


def slots(db_path: Path, box: int) -> list[int]:
    """The slot numbers of a box, read from the locations table."""
    return [
        row[0] for row in query(db_path, "SELECT slot FROM locations WHERE box_id = ? ORDER BY slot", box)
    ]


# --- add -------------------------------------------------------------------------------------------


def test_add_creates_numbered_locations(cli: CliRun, db_path: Path) -> None:
    result = cli("box", "add", "SMD resistors", "--capacity", "60")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "added box 1 'SMD resistors': locations 1-1 … 1-60, 0 in use\n"
    assert result.stderr == ""
    assert slots(db_path, 1) == list(range(1, 61))


def test_add_json_and_numbers_are_never_reused(cli: CliRun, db_path: Path) -> None:
    first = json_out(cli("box", "add", "  Through-hole  ", "-c", "2", "--json"))
    second = json_out(cli("box", "add", "Spare", "-c", "1", "--json"))
    assert cli("box", "rm", "2", "--yes").exit_code == 0

    third = json_out(cli("box", "add", "Later", "-c", "1", "--json"))

    assert set(first) == {"number", "description", "capacity", "occupied", "units", "created_at"}
    assert (first["number"], first["description"], first["capacity"]) == (1, "Through-hole", 2)
    assert (first["occupied"], first["units"]) == (0, 0)
    assert first["created_at"].endswith("Z")
    assert (second["number"], third["number"]) == (2, 3)
    assert slots(db_path, 2) == [] and slots(db_path, 3) == [1]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["Drawer", "--capacity", "0"], ExitCode.INVALID_INPUT, "capacity 0 must be between 1 and 1000"),
        (["Drawer", "--capacity", "-1"], ExitCode.INVALID_INPUT, "capacity -1"),
        (["Drawer", "--capacity", "1001"], ExitCode.INVALID_INPUT, "capacity 1001"),
        (["   ", "--capacity", "3"], ExitCode.INVALID_INPUT, "box description is blank"),
        (["x" * 256, "--capacity", "3"], ExitCode.INVALID_INPUT, "256 characters"),
        (["Drawer"], ExitCode.USAGE, "--capacity"),
    ],
)
def test_add_bad_input_changes_nothing(
    cli: CliRun, state: State, boxes: None, args: list[str], code: ExitCode, needle: str
) -> None:
    fails(cli, state, code, ["box", "add", *args], needle)


# --- list ------------------------------------------------------------------------------------------


def test_list_shows_usage_per_box(cli: CliRun, boxes: None) -> None:
    assert cli("part", "add", "Op-amp", "--key", "OPAM").exit_code == 0
    assert cli("stock", "add", "OPAM", "1-3", "4").exit_code == 0  # same slot: still one in use
    assert cli("stock", "add", "OPAM", "1-5", "6").exit_code == 0

    table = cli("box", "list")
    data = json_out(cli("box", "list", "--json"))

    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines()[0].strip() == "2 boxes"
    assert rows_of_table(table.stdout) == [["1", "SMD resistors", "2/5", "35"], ["2", "Spare", "0/2", "0"]]
    assert [(b["number"], b["occupied"], b["capacity"], b["units"]) for b in data] == [
        (1, 2, 5, 35),
        (2, 0, 2, 0),
    ]


def test_list_without_boxes(cli: CliRun) -> None:
    assert json_out(cli("box", "list", "--json")) == []
    assert cli("box", "list").stdout.splitlines()[0].strip() == "0 boxes"


# --- show ------------------------------------------------------------------------------------------


def test_show_lists_every_location_with_its_part(cli: CliRun, boxes: None) -> None:
    result = cli("box", "show", "1")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].strip() == "Box 1: SMD resistors (1/5 used)"
    assert rows_of_table(result.stdout) == [
        ["1-1", "", "", "", ""],
        ["1-2", "", "", "", ""],
        ["1-3", "ABCD", "8-bit shift register", "25", ""],
        ["1-4", "", "", "", ""],
        ["1-5", "", "", "", ""],
    ]
    occupied = cli("box", "show", "1", "--no-empty")
    assert rows_of_table(occupied.stdout) == [["1-3", "ABCD", "8-bit shift register", "25", ""]]
    occupied_json = json_out(cli("box", "show", "1", "--no-empty", "--json"))
    assert [slot["location"] for slot in occupied_json["slots"]] == ["1-3"]
    assert occupied_json["occupied"] == 1 and occupied_json["capacity"] == 5


def test_show_json_with_the_part_cover(cli: CliRun, files: Files, boxes: None) -> None:
    photo = json_out(cli("part", "attach", "ABCD", str(files.png()), "--title", "Top view", "--json"))

    data = json_out(cli("box", "show", "1", "--json"))
    table = cli("box", "show", "1", "--no-empty")

    assert (data["number"], data["description"], data["capacity"], data["occupied"], data["units"]) == (
        1,
        "SMD resistors",
        5,
        1,
        25,
    )
    assert [s["location"] for s in data["slots"]] == ["1-1", "1-2", "1-3", "1-4", "1-5"]
    held = data["slots"][2]
    assert held == {
        "location": "1-3",
        "slot": 3,
        "key": "ABCD",
        "description": "8-bit shift register",
        "quantity": 25,
        "cover": {"id": photo["id"], "title": "Top view", "filename": photo["filename"]},
    }
    assert data["slots"][0] == {
        "location": "1-1",
        "slot": 1,
        "key": None,
        "description": None,
        "quantity": None,
        "cover": None,
    }
    assert rows_of_table(table.stdout)[0][4] == f"#{photo['id']} Top view"


@pytest.mark.parametrize("number", ["7", "0"])
def test_show_unknown_box_is_not_found(cli: CliRun, state: State, boxes: None, number: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["box", "show", number], f"no box {number}")


# --- edit ------------------------------------------------------------------------------------------


def test_edit_description(cli: CliRun, boxes: None) -> None:
    result = cli("box", "edit", "2", "--description", "Crystals")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "changed box 2 'Crystals': locations 2-1 … 2-2, 0 in use\n"
    assert json_out(cli("box", "list", "--json"))[1]["description"] == "Crystals"


def test_growing_a_box_adds_locations(cli: CliRun, db_path: Path, state: State, boxes: None) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["stock", "add", "ABCD", "2-4", "1"], "no location 2-4")

    data = json_out(cli("box", "edit", "2", "--capacity", "4", "--json"))

    assert (data["capacity"], data["occupied"]) == (4, 0)
    assert slots(db_path, 2) == [1, 2, 3, 4]
    assert cli("stock", "add", "ABCD", "2-4", "1").exit_code == 0
    assert [s["location"] for s in json_out(cli("box", "show", "2", "--json"))["slots"]] == [
        "2-1",
        "2-2",
        "2-3",
        "2-4",
    ]


def test_shrinking_a_box_drops_free_locations(cli: CliRun, db_path: Path, state: State, boxes: None) -> None:
    result = cli("box", "edit", "1", "--capacity", "3")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "changed box 1 'SMD resistors': locations 1-1 … 1-3, 1 in use\n"
    assert slots(db_path, 1) == [1, 2, 3]
    assert query(db_path, "SELECT quantity FROM stock") == [(25,)]
    fails(cli, state, ExitCode.NOT_FOUND, ["stock", "add", "ABCD", "1-4", "1"], "no location 1-4")


def test_shrinking_below_an_occupied_slot_is_refused(cli: CliRun, state: State, boxes: None) -> None:
    fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["box", "edit", "1", "--capacity", "2"],
        "cannot shrink box 1 to 2",
        "slot 3 holds stock",
    )
    assert cli("stock", "add", "ABCD", "1-5", "1").exit_code == 0
    fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["box", "edit", "1", "-c", "1", "-d", "Renamed"],
        "slots 3, 5 hold stock",
    )
    assert cli("stock", "move", "ABCD", "1-3", "2-1", "25").exit_code == 0
    assert cli("stock", "remove", "ABCD", "1-5", "1").exit_code == 0
    assert json_out(cli("box", "edit", "1", "-c", "2", "--json"))["capacity"] == 2


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["1"], ExitCode.USAGE, "nothing to change"),
        (["1", "--capacity", "0"], ExitCode.INVALID_INPUT, "capacity 0"),
        (["1", "--capacity", "1001"], ExitCode.INVALID_INPUT, "capacity 1001"),
        (["1", "--description", "  "], ExitCode.INVALID_INPUT, "box description is blank"),
        (["9", "--capacity", "3"], ExitCode.NOT_FOUND, "no box 9"),
    ],
)
def test_edit_bad_input_changes_nothing(
    cli: CliRun, state: State, boxes: None, args: list[str], code: ExitCode, needle: str
) -> None:
    fails(cli, state, code, ["box", "edit", *args], needle)


# --- rm --------------------------------------------------------------------------------------------


def test_rm_an_empty_box_removes_its_locations(cli: CliRun, db_path: Path, boxes: None) -> None:
    result = cli("box", "rm", "2", "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "removed box 2 'Spare': locations 2-1 … 2-2, 0 in use\n"
    assert slots(db_path, 2) == []
    assert count(db_path, "boxes") == 1
    assert [b["number"] for b in json_out(cli("box", "list", "--json"))] == [1]


def test_rm_json(cli: CliRun, boxes: None) -> None:
    data = json_out(cli("box", "rm", "2", "--yes", "--json"))

    assert (data["number"], data["description"], data["capacity"]) == (2, "Spare", 2)


def test_rm_a_box_holding_stock_is_refused(cli: CliRun, db_path: Path, state: State, boxes: None) -> None:
    fails(
        cli, state, ExitCode.CONFLICT, ["box", "rm", "1", "--yes"], "box 1 is not empty", "slot 3 holds stock"
    )

    assert cli("stock", "move", "ABCD", "1-3", "2-2", "25").exit_code == 0
    assert cli("box", "rm", "1", "--yes").exit_code == 0
    assert slots(db_path, 1) == []
    assert json_out(cli("stock", "list", "ABCD", "--json"))["locations"] == [
        {"location": "2-2", "quantity": 25}
    ]


def test_rm_needs_yes_without_a_terminal(cli: CliRun, state: State, boxes: None) -> None:
    fails(cli, state, ExitCode.USAGE, ["box", "rm", "2"], "refused without --yes")


def test_rm_unknown_box_is_not_found(cli: CliRun, state: State, boxes: None) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["box", "rm", "9", "--yes"], "no box 9")


def test_brackets_in_user_text_are_shown_as_typed_not_as_markup(cli: CliRun) -> None:
    added = json_out(cli("box", "add", "tray [/] [bold]x[/bold]", "-c", "1", "--json"))

    result = cli("box", "show", str(added["number"]))

    assert result.exit_code == 0, result.stderr
    assert "tray [/] [bold]x[/bold]" in result.stdout
