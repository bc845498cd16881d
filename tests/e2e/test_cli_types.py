"""`inventory type` end to end: the seeded list, add (unique in any case), rm (refused while used)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, State, fails, json_out
from tests.e2e.seeded import restore, rows_of_table, seeded_home

migrated_home = seeded_home(("type", "list"))


@pytest.fixture(autouse=True)
def migrated(migrated_home: Path, isolated_home: Path) -> None:
    """Start every test from a migrated, empty inventory (the migrations run once per module)."""
    restore(migrated_home, isolated_home)


def names(cli: CliRun) -> list[str]:
    """The type names as ``type list --json`` gives them."""
    return [t["name"] for t in json_out(cli("type", "list", "--json"))]


# --- list ------------------------------------------------------------------------------------------


def test_list_is_seeded_sorted_and_counts_parts(cli: CliRun, part_key: str) -> None:
    assert cli("part", "add", "Quad NAND", "--type", "logic ic").exit_code == 0
    assert cli("part", "add", "10k resistor", "--type", "Resistor").exit_code == 0

    data = json_out(cli("type", "list", "--json"))
    table = cli("type", "list")

    listed = [t["name"] for t in data]
    assert {"Logic IC", "Resistor", "Capacitor", "Microcontroller", "Op-Amp"} <= set(listed)
    assert listed == sorted(listed, key=str.lower)
    assert all(set(t) == {"name", "parts"} for t in data)
    parts = {t["name"]: t["parts"] for t in data}
    assert (parts["Logic IC"], parts["Resistor"], parts["Capacitor"]) == (2, 1, 0)
    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines()[0].strip() == f"{len(data)} types"
    assert ["Logic IC", "2"] in rows_of_table(table.stdout)


# --- add -------------------------------------------------------------------------------------------


def test_add_reports_and_lists_the_type(cli: CliRun) -> None:
    before = names(cli)

    result = cli("type", "add", "  Crystal  ")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "added type 'Crystal'\n"
    assert sorted(names(cli), key=str.lower) == sorted([*before, "Crystal"], key=str.lower)
    assert json_out(cli("type", "add", "Oscillator", "--json")) == {"name": "Oscillator", "parts": 0}
    assert cli("part", "add", "16 MHz", "--type", "crystal").exit_code == 0


@pytest.mark.parametrize("name", ["Logic IC", "logic ic", "LOGIC IC", "  lOGIC iC "])
def test_add_a_name_differing_only_in_case_is_a_conflict(cli: CliRun, state: State, name: str) -> None:
    fails(cli, state, ExitCode.CONFLICT, ["type", "add", name], "'Logic IC'", "already exists")


@pytest.mark.parametrize("name", ["ärger", "ÄRGER", "Ärger"])
def test_add_a_non_ascii_case_pair_is_a_conflict(cli: CliRun, state: State, name: str) -> None:
    assert cli("type", "add", "Ärger").exit_code == 0

    fails(cli, state, ExitCode.CONFLICT, ["type", "add", name], "'Ärger'", "already exists")


def test_a_non_ascii_type_is_found_in_any_case(cli: CliRun, state: State) -> None:
    assert cli("type", "add", "Ärger").exit_code == 0
    added = json_out(cli("part", "add", "Stress ball", "--type", "ÄRGER", "--json"))

    assert added["type"] == "Ärger"
    fails(cli, state, ExitCode.CONFLICT, ["type", "rm", "ärger"], "'Ärger'", "used by 1 part")


@pytest.mark.parametrize(
    ("name", "needle"),
    [("   ", "type name is blank"), ("x" * 101, "101 characters"), ("Bad\tname", "control characters")],
)
def test_add_bad_name_is_invalid(cli: CliRun, state: State, name: str, needle: str) -> None:
    fails(cli, state, ExitCode.INVALID_INPUT, ["type", "add", name], needle)


# --- rm --------------------------------------------------------------------------------------------


def test_rm_an_unused_type_in_any_case(cli: CliRun) -> None:
    assert cli("type", "add", "Crystal").exit_code == 0

    result = cli("type", "rm", "CRYSTAL")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "removed type 'Crystal'\n"
    assert "Crystal" not in names(cli)
    assert json_out(cli("type", "rm", "relay", "--json")) == {"name": "Relay", "parts": 0}
    assert "Relay" not in names(cli)


def test_rm_a_used_type_is_refused_until_no_part_uses_it(cli: CliRun, state: State, part_key: str) -> None:
    assert cli("part", "add", "Quad NAND", "--key", "NAND", "--type", "Logic IC").exit_code == 0

    fails(cli, state, ExitCode.CONFLICT, ["type", "rm", "logic ic"], "'Logic IC'", "used by 2 parts")
    assert cli("part", "edit", "NAND", "--type", "Other").exit_code == 0
    fails(cli, state, ExitCode.CONFLICT, ["type", "rm", "Logic IC"], "used by 1 part")
    assert cli("part", "edit", part_key, "--type", "").exit_code == 0

    assert cli("type", "rm", "Logic IC").exit_code == 0
    assert "Logic IC" not in names(cli)


def test_rm_unknown_type_is_not_found(cli: CliRun, state: State) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["type", "rm", "Flux capacitor"], "'Flux capacitor'")
