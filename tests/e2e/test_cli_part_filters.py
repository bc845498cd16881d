"""`inventory part list` filters, stock on `part show`, and `part rm` against stock and kit lines."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, State, count, fails, json_out, query
from tests.e2e.seeded import restore, rows_of_table, seeded_home

# Stock totals: ABCD 25, NAND 0, PCNT 5, FIVE 6, UNDS 0, UNDX 0 (had 1, all taken out again).
# Kit lines: Synth Voice lists ABCD and NAND, Drum lists ABCD.
parts_home = seeded_home(
    shlex.split(
        "part add '8-bit shift register' --key ABCD --type 'Logic IC' --tag DIP-16 --mpn SN74HC595N "
        "--manufacturer 'Texas Instruments'"
    ),
    shlex.split("part add 'Quad NAND gate' --key NAND --type 'Logic IC' --tag dip-16 --tag Logic"),
    ("part", "add", "Resistor 50% tolerance", "--key", "PCNT", "--type", "Resistor", "--series", "CF-14"),
    ("part", "add", "Resistor 500 ohm", "--key", "FIVE", "--type", "Resistor", "--package", "0805"),
    ("part", "add", "a_b jumper wire", "--key", "UNDS"),
    ("part", "add", "axb jumper wire", "--key", "UNDX"),
    ("box", "add", "Drawer", "--capacity", "6"),
    ("stock", "add", "ABCD", "1-1", "25"),
    ("stock", "add", "PCNT", "1-2", "5"),
    ("stock", "add", "FIVE", "1-3", "6"),
    ("stock", "add", "UNDX", "1-4", "1"),
    ("stock", "remove", "UNDX", "1-4", "1"),
    ("kit", "add", "Synth Voice", "--build-target", "2"),
    ("kit", "add", "Drum"),
    ("kit", "content", "add", "Synth Voice", "ABCD", "--per-unit", "2"),
    ("kit", "content", "add", "Synth Voice", "NAND"),
    ("kit", "content", "add", "Drum", "ABCD"),
)


@pytest.fixture
def parts(parts_home: Path, isolated_home: Path) -> None:
    """The seeded inventory in this test's home."""
    restore(parts_home, isolated_home)


def keys(cli: CliRun, *options: str) -> list[str]:
    """The keys ``part list OPTIONS --json`` gives, in its order."""
    return [p["key"] for p in json_out(cli("part", "list", *options, "--json"))]


# --- search ----------------------------------------------------------------------------------------


def test_search_percent_matches_literally(cli: CliRun, parts: None) -> None:
    assert keys(cli, "--search", "50") == ["FIVE", "PCNT"]
    assert keys(cli, "--search", "50%") == ["PCNT"]
    assert keys(cli, "--search", "%") == ["PCNT"]
    assert keys(cli, "--search", "5%0") == []


def test_search_underscore_matches_literally(cli: CliRun, parts: None) -> None:
    assert keys(cli, "--search", "jumper") == ["UNDS", "UNDX"]
    assert keys(cli, "--search", "a_b") == ["UNDS"]
    assert keys(cli, "-s", "_") == ["UNDS"]
    assert keys(cli, "--search", "a__") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hc595", ["ABCD"]),  # MPN, any case
        ("TEXAS", ["ABCD"]),  # manufacturer
        ("0805", ["FIVE"]),  # package
        ("cf-1", ["PCNT"]),  # series
        ("nand", ["NAND"]),  # key and description
        ("abcd", ["ABCD"]),  # key
        ("resistor", ["FIVE", "PCNT"]),
        ("no such thing", []),
    ],
)
def test_search_looks_in_several_fields_in_any_case(
    cli: CliRun, parts: None, text: str, expected: list[str]
) -> None:
    assert keys(cli, "--search", text) == expected


def test_search_folds_non_ascii_case(cli: CliRun, parts: None) -> None:
    assert cli("part", "add", "Ärger box", "--key", "UMLA").exit_code == 0

    assert keys(cli, "--search", "ÄRGER") == ["UMLA"]
    assert keys(cli, "--search", "ärger") == ["UMLA"]


# --- type, tag, low stock --------------------------------------------------------------------------


def test_type_filter_in_any_case(cli: CliRun, parts: None) -> None:
    assert keys(cli, "--type", "logic ic") == ["ABCD", "NAND"]
    assert keys(cli, "--type", "RESISTOR") == ["FIVE", "PCNT"]
    assert keys(cli, "--type", "Capacitor") == []


def test_unknown_type_filter_is_not_found(cli: CliRun, state: State, parts: None) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["part", "list", "--type", "Flux capacitor"], "'Flux capacitor'")


@pytest.mark.parametrize("tag", ["DIP-16", "dip-16", "Dip-16", " DIP-16 "])
def test_tag_filter_ignores_case(cli: CliRun, parts: None, tag: str) -> None:
    assert keys(cli, "--tag", tag) == ["ABCD", "NAND"]


def test_tag_filter_matches_whole_tags(cli: CliRun, parts: None) -> None:
    assert keys(cli, "--tag", "LOGIC") == ["NAND"]
    assert keys(cli, "--tag", "DIP") == []


def test_tag_filter_folds_non_ascii_case(cli: CliRun, parts: None) -> None:
    assert cli("part", "add", "Stress ball", "--key", "UMLA", "--tag", "ÄRGER").exit_code == 0

    assert keys(cli, "--tag", "ÄRGER") == ["UMLA"]
    assert keys(cli, "--tag", "ärger") == ["UMLA"]


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        ("0", ["NAND", "UNDS", "UNDX"]),
        ("4", ["NAND", "UNDS", "UNDX"]),
        ("5", ["NAND", "PCNT", "UNDS", "UNDX"]),
        ("6", ["FIVE", "NAND", "PCNT", "UNDS", "UNDX"]),
        ("24", ["FIVE", "NAND", "PCNT", "UNDS", "UNDX"]),
        ("25", ["ABCD", "FIVE", "NAND", "PCNT", "UNDS", "UNDX"]),
    ],
)
def test_low_stock_includes_the_threshold(
    cli: CliRun, parts: None, threshold: str, expected: list[str]
) -> None:
    assert keys(cli, "--low-stock", threshold) == expected


def test_negative_low_stock_is_invalid(cli: CliRun, state: State, parts: None) -> None:
    fails(cli, state, ExitCode.INVALID_INPUT, ["part", "list", "--low-stock", "-1"], "low-stock threshold -1")


def test_filters_combine(cli: CliRun, parts: None) -> None:
    every = ["--type", "Logic IC", "--tag", "DIP-16", "--low-stock", "30", "--search", "595"]
    assert keys(cli, *every) == ["ABCD"]
    assert keys(cli, *every[:-2]) == ["ABCD", "NAND"]
    assert keys(cli, "--type", "Logic IC", "--tag", "DIP-16", "--low-stock", "24") == ["NAND"]
    assert keys(cli, "--type", "Resistor", "--tag", "DIP-16") == []


def test_list_shows_stock_totals(cli: CliRun, parts: None) -> None:
    data = json_out(cli("part", "list", "--json"))
    table = cli("part", "list", "--type", "Resistor")

    assert {p["key"]: p["stock_total"] for p in data} == {
        "ABCD": 25,
        "NAND": 0,
        "PCNT": 5,
        "FIVE": 6,
        "UNDS": 0,
        "UNDX": 0,
    }
    assert table.stdout.splitlines()[0].strip() == "2 parts"
    assert [(row[0], row[5]) for row in rows_of_table(table.stdout)] == [("FIVE", "6"), ("PCNT", "5")]


# --- show ------------------------------------------------------------------------------------------


def test_show_lists_the_stock(cli: CliRun, parts: None) -> None:
    assert cli("stock", "add", "ABCD", "1-6", "4").exit_code == 0

    data = json_out(cli("part", "show", "abcd", "--json"))
    table = cli("part", "show", "ABCD")

    assert data["stock_total"] == 29
    assert data["stock"] == [
        {"key": "ABCD", "description": "8-bit shift register", "location": "1-1", "quantity": 25},
        {"key": "ABCD", "description": "8-bit shift register", "location": "1-6", "quantity": 4},
    ]
    lines = [" ".join(line.split()) for line in table.stdout.splitlines()]
    assert "In stock 29" in lines
    assert "Stock" in lines
    assert rows_of_table(table.stdout) == [["1-1", "25"], ["1-6", "4"]]


def test_show_a_part_without_stock(cli: CliRun, parts: None) -> None:
    data = json_out(cli("part", "show", "UNDX", "--json"))
    table = cli("part", "show", "UNDX")

    assert (data["stock_total"], data["stock"]) == (0, [])
    lines = [" ".join(line.split()) for line in table.stdout.splitlines()]
    assert "In stock 0" in lines
    assert "Stock" not in lines


# --- rm --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("ABCD", "part ABCD has 25 in stock and is used in kits 'Drum', 'Synth Voice'"),
        ("NAND", "part NAND is used in kit 'Synth Voice'"),
        ("PCNT", "part PCNT has 5 in stock"),
    ],
)
def test_rm_is_refused_while_the_part_has_stock_or_kit_lines(
    cli: CliRun, state: State, parts: None, key: str, message: str
) -> None:
    result = fails(cli, state, ExitCode.CONFLICT, ["part", "rm", key, "--yes"], message)

    assert result.stderr.splitlines() == [
        f"error: {message}",
        "hint: --force removes its stock and kit lines with it",
    ]


def test_rm_force_still_needs_yes(cli: CliRun, state: State, parts: None) -> None:
    fails(cli, state, ExitCode.USAGE, ["part", "rm", "ABCD", "--force"], "refused without --yes")


def test_rm_force_removes_stock_history_and_kit_lines(cli: CliRun, db_path: Path, parts: None) -> None:
    result = cli("part", "rm", "abcd", "--force", "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "removed part ABCD, 25 units of stock, 2 kit lines\n"
    assert query(db_path, "SELECT COUNT(*) FROM parts WHERE key = 'ABCD'") == [(0,)]
    assert count(db_path, "kit_contents") == 1  # NAND in Synth Voice stays
    assert [p["key"] for p in json_out(cli("kit", "content", "list", "Synth Voice", "--json"))] == ["NAND"]
    assert {s["key"] for s in json_out(cli("stock", "list", "--json"))} == {"FIVE", "PCNT"}
    assert {c["key"] for c in json_out(cli("stock", "history", "--json"))} == {"FIVE", "PCNT", "UNDX"}
    assert json_out(cli("stock", "suggest", "--json"))["location"] == "1-1"
    assert cli("db", "check").exit_code == 0


def test_rm_force_json(cli: CliRun, parts: None) -> None:
    data = json_out(cli("part", "rm", "PCNT", "--force", "--yes", "--json"))

    assert (data["what"], data["units_removed"], data["kit_lines_removed"]) == ("part PCNT", 5, 0)
    assert "PCNT" not in [p["key"] for p in json_out(cli("part", "list", "--json"))]


def test_rm_a_part_whose_stock_was_all_taken_out(cli: CliRun, parts: None) -> None:
    result = cli("part", "rm", "UNDX", "--yes")

    assert result.exit_code == 0, result.stderr
    assert "UNDX" not in [p["key"] for p in json_out(cli("part", "list", "--json"))]
    assert "UNDX" not in {c["key"] for c in json_out(cli("stock", "history", "--json"))}
    assert cli("db", "check").exit_code == 0


def test_rm_once_the_stock_and_lines_are_gone(cli: CliRun, state: State, parts: None) -> None:
    assert cli("stock", "remove", "ABCD", "1-1", "25").exit_code == 0
    fails(cli, state, ExitCode.CONFLICT, ["part", "rm", "ABCD", "--yes"], "part ABCD is used in kits")
    assert cli("kit", "content", "rm", "Drum", "ABCD").exit_code == 0
    assert cli("kit", "content", "rm", "Synth Voice", "ABCD").exit_code == 0

    assert cli("part", "rm", "ABCD", "--yes").exit_code == 0


@pytest.mark.parametrize("option", ["--type", "--tag"])
def test_a_blank_filter_is_refused_rather_than_matching_everything(
    cli: CliRun, state: State, parts: None, option: str
) -> None:
    fails(cli, state, ExitCode.INVALID_INPUT, ["part", "list", option, "  "], f"{option} is blank")


def test_force_leaves_archived_kits_alone(cli: CliRun, state: State, parts: None) -> None:
    assert cli("kit", "add", "Old").exit_code == 0
    key = keys(cli)[0]
    assert cli("kit", "content", "add", "Old", key).exit_code == 0
    assert cli("kit", "archive", "Old").exit_code == 0

    fails(cli, state, ExitCode.CONFLICT, ["part", "rm", key, "--force", "--yes"], "archived kit 'Old'")


def test_rm_says_why_it_is_refused_before_asking_for_confirmation(
    cli: CliRun, state: State, parts: None
) -> None:
    stocked = next(p["key"] for p in json_out(cli("part", "list", "--json")) if p["stock_total"])
    # Without --yes and without a terminal the question alone would be a usage error (2); the
    # refusal comes first because answering "yes" could not help.
    fails(cli, state, ExitCode.CONFLICT, ["part", "rm", stocked], "in stock")
