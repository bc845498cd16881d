"""`inventory part` end to end: every command's table, JSON, exit codes and error messages."""

from __future__ import annotations

import re

import pytest
import typer

from inventory_cli.cli.main import app
from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, Files, State, fails, json_out

COMMAND = typer.main.get_command(app)  # the tree of commands, for the help tests
GROUP = COMMAND.get_command(typer.Context(COMMAND), "part")  # type: ignore[attr-defined]  # groups load on demand
COMMANDS = sorted(GROUP.commands)


# --- help ------------------------------------------------------------------------------------------


def test_part_group_has_every_command() -> None:
    assert set(COMMANDS) == {"add", "list", "show", "edit", "rm", "attach"}
    assert GROUP.help


@pytest.mark.parametrize("command", COMMANDS)
def test_every_part_command_has_help(cli: CliRun, command: str) -> None:
    spec = GROUP.commands[command]
    assert spec.help and spec.help.strip(), f"part {command} has no docstring"
    for param in spec.params:
        assert getattr(param, "help", None), f"part {command}: {param.name} has no help"

    result = cli("part", command, "--help")

    assert result.exit_code == 0, result.stderr
    assert "Usage:" in result.stdout
    assert spec.help.strip().splitlines()[0] in result.stdout


# --- add -------------------------------------------------------------------------------------------


def test_add_prints_the_given_key_in_upper_case(cli: CliRun) -> None:
    result = cli("part", "add", "Dual op-amp", "--key", "tlop")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "TLOP\n"
    assert result.stderr == ""


def test_add_without_key_prints_a_random_key(cli: CliRun) -> None:
    result = cli("part", "add", "Dual op-amp")

    assert result.exit_code == 0, result.stderr
    assert re.fullmatch(r"[A-Z]{4}\n", result.stdout)
    listed = json_out(cli("part", "list", "--json"))
    assert [p["key"] for p in listed] == [result.stdout.strip()]


def test_add_json_maps_every_option(cli: CliRun) -> None:
    data = json_out(
        cli(
            "part",
            "add",
            "Dual op-amp",
            "--key",
            "TLOP",
            "--mpn",
            "TL072CP",
            "--manufacturer",
            "TI",
            "--type",
            "op-amp",
            "--tag",
            "audio",
            "--tag",
            "dual",
            "--package",
            "DIP-8",
            "--pins",
            "8",
            "--pitch",
            "2.54mm",
            "--voltage-rating",
            "36V",
            "--input-voltage",
            "±15V",
            "--output-voltage",
            "±13V",
            "--mounting",
            "THT",
            "--series",
            "TL07x",
            "--dimensions",
            "10x6mm",
            "--product-page",
            "https://www.ti.com/product/TL072",
            "--seller",
            "Shop",
            "--seller-link",
            "https://shop.example.com/tl072",
            "--json",
        )
    )

    assert data["key"] == "TLOP"
    assert data["description"] == "Dual op-amp"
    assert data["type"] == "Op-Amp"
    assert data["tags"] == ["audio", "dual"]
    assert data["manufacturer_code"] == "TL072CP" and data["manufacturer"] == "TI"
    assert data["pin_count"] == 8 and data["pin_pitch"] == "2.54mm"
    assert (data["voltage_rating"], data["input_voltage"], data["output_voltage"]) == ("36V", "±15V", "±13V")
    assert (data["mounting_type"], data["series"], data["dimensions"]) == ("THT", "TL07x", "10x6mm")
    assert data["product_page"] == "https://www.ti.com/product/TL072"
    assert (data["seller"], data["seller_link"]) == ("Shop", "https://shop.example.com/tl072")
    assert isinstance(data["set_id"], int)
    assert data["cover"] is None and data["attachment_count"] == 0
    assert data["created_at"].endswith("Z") and data["updated_at"].endswith("Z")
    assert "attachments" not in data


def test_add_duplicate_key_is_a_conflict(cli: CliRun, state: State, part_key: str) -> None:
    fails(cli, state, ExitCode.CONFLICT, ["part", "add", "again", "--key", "abcd"], "ABCD", "already taken")


def test_add_unknown_type_hints_at_close_names(cli: CliRun, state: State, part_key: str) -> None:
    result = fails(
        cli, state, ExitCode.NOT_FOUND, ["part", "add", "gate", "--type", "Logik IC"], "'Logik IC'"
    )

    assert result.stderr.splitlines()[1].startswith("hint: did you mean 'Logic IC'")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["x", "--key", "ab"], "'ab'"),
        (["x", "--pins", "0"], "pin count 0"),
        (["  "], "description is blank"),
        (["x", "--product-page", "ftp://example.com/x"], "ftp:"),
        (["x", "--tag", " "], "tag is blank"),
        (["x", "--manufacturer", "M" * 300], "300 characters"),
    ],
)
def test_add_bad_input_is_invalid(
    cli: CliRun, state: State, part_key: str, args: list[str], needle: str
) -> None:
    fails(cli, state, ExitCode.INVALID_INPUT, ["part", "add", *args], needle)


# --- list ------------------------------------------------------------------------------------------


def test_list_table(cli: CliRun, files: Files, part_key: str) -> None:
    assert cli("part", "add", "Zener 5V1", "--key", "ZENR", "--type", "Diode", "--tag", "ref").exit_code == 0
    assert cli("part", "attach", part_key, str(files.png()), "--title", "Top view").exit_code == 0
    assert cli("part", "attach", part_key, "https://www.ti.com/").exit_code == 0

    result = cli("part", "list")

    assert result.exit_code == 0, result.stderr
    assert "2 parts" in result.stdout
    for text in ("ABCD", "8-bit shift register", "Logic IC", "SN74HC595N", "#1 Top view"):
        assert text in result.stdout
    for text in ("ZENR", "Zener 5V1", "Diode", "ref"):
        assert text in result.stdout
    assert result.stdout.index("ABCD") < result.stdout.index("ZENR")
    abcd_line = next(line for line in result.stdout.splitlines() if "ABCD" in line)
    assert re.search(r"\b2\b", abcd_line.split("Top view")[1])


def test_list_empty(cli: CliRun) -> None:
    result = cli("part", "list")

    assert result.exit_code == 0
    assert "0 parts" in result.stdout
    assert json_out(cli("part", "list", "--json")) == []


def test_list_json(cli: CliRun, files: Files, part_key: str) -> None:
    assert cli("part", "add", "Another", "--key", "AAAA").exit_code == 0
    photo = json_out(cli("part", "attach", part_key, str(files.png()), "--json"))

    data = json_out(cli("part", "list", "--json"))

    assert [p["key"] for p in data] == ["AAAA", "ABCD"]
    assert data[0]["cover"] is None and data[0]["attachment_count"] == 0
    assert data[1]["cover"] == {"id": photo["id"], "title": "photo.png", "filename": "photo.png"}
    assert data[1]["attachment_count"] == 1
    assert data[1]["type"] == "Logic IC" and data[1]["manufacturer_code"] == "SN74HC595N"
    assert all("attachments" not in p for p in data)


# --- show ------------------------------------------------------------------------------------------


def test_show_table_with_attachments(cli: CliRun, files: Files, part_key: str) -> None:
    assert cli("part", "attach", part_key, str(files.png()), "-t", "Top view").exit_code == 0
    assert cli("part", "attach", part_key, str(files.pdf()), "-t", "Datasheet").exit_code == 0

    result = cli("part", "show", "abcd")

    assert result.exit_code == 0, result.stderr
    for text in ("Part ABCD", "8-bit shift register", "Logic IC", "SN74HC595N", "Top view", "Datasheet"):
        assert text in result.stdout
    assert "#1 Top view" in result.stdout
    assert "(2 attachments)" in result.stdout
    star_line = next(line for line in result.stdout.splitlines() if "★" in line)
    assert "Top view" in star_line
    assert "datasheet.pdf" in result.stdout


def test_show_json(cli: CliRun, files: Files, part_key: str) -> None:
    photo = json_out(cli("part", "attach", part_key, str(files.png()), "--json"))
    link = json_out(cli("part", "attach", part_key, "https://www.ti.com/", "--json"))

    data = json_out(cli("part", "show", part_key, "--json"))

    assert data["key"] == "ABCD"
    assert [a["id"] for a in data["attachments"]] == [photo["id"], link["id"]]
    assert [a["is_cover"] for a in data["attachments"]] == [True, False]
    assert data["cover"]["id"] == photo["id"]
    assert data["attachment_count"] == 2


def test_show_unknown_part(cli: CliRun, state: State, part_key: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["part", "show", "QQQQ"], "'QQQQ'")


# --- edit ------------------------------------------------------------------------------------------


def test_edit_table_shows_the_changed_part(cli: CliRun, part_key: str) -> None:
    result = cli("part", "edit", part_key, "--manufacturer", "Texas Instruments", "-d", "Shift register")

    assert result.exit_code == 0, result.stderr
    assert "Texas Instruments" in result.stdout and "Shift register" in result.stdout
    assert "Part ABCD" in result.stdout


def test_edit_json_clears_with_empty_strings_and_replaces_tags(cli: CliRun, part_key: str) -> None:
    data = json_out(
        cli("part", "edit", part_key, "--mpn", "", "--type", "", "--tag", "a", "--tag", "b", "--json")
    )

    assert data["manufacturer_code"] is None
    assert data["type"] is None
    assert data["tags"] == ["a", "b"]
    assert data["description"] == "8-bit shift register"

    data = json_out(cli("part", "edit", part_key, "--tag", "c", "--json"))
    assert data["tags"] == ["c"]

    data = json_out(cli("part", "edit", part_key, "--clear-tags", "--json"))
    assert data["tags"] == []
    assert json_out(cli("part", "show", part_key, "--json"))["tags"] == []


def test_edit_nothing_to_change_is_a_usage_error(cli: CliRun, state: State, part_key: str) -> None:
    result = fails(cli, state, ExitCode.USAGE, ["part", "edit", part_key], "nothing to change")

    assert len(result.stderr.splitlines()) == 2


def test_edit_unknown_part(cli: CliRun, state: State, part_key: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["part", "edit", "QQQQ", "--seller", "x"], "'QQQQ'")


def test_edit_unknown_type_changes_nothing(cli: CliRun, state: State, part_key: str) -> None:
    fails(
        cli,
        state,
        ExitCode.NOT_FOUND,
        ["part", "edit", part_key, "--seller", "Shop", "--type", "Logik IC"],
        "'Logik IC'",
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-d", ""], "description is blank"),
        (["--pins", "-1"], "pin count -1"),
        (["--seller-link", "mailto:x@example.com"], "mailto:"),
        (["--tag", ""], "tag is blank"),
    ],
)
def test_edit_bad_input_changes_nothing(
    cli: CliRun, state: State, part_key: str, args: list[str], needle: str
) -> None:
    fails(cli, state, ExitCode.INVALID_INPUT, ["part", "edit", part_key, "--seller", "Shop", *args], needle)


# --- rm --------------------------------------------------------------------------------------------


def test_rm_without_yes_is_refused_and_changes_nothing(
    cli: CliRun, state: State, files: Files, part_key: str
) -> None:
    assert cli("part", "attach", part_key, str(files.png())).exit_code == 0

    result = fails(cli, state, ExitCode.USAGE, ["part", "rm", part_key], "ABCD", "--yes")

    assert result.stderr.splitlines()[1] == "hint: pass --yes to confirm"


def test_rm_with_yes_removes_part_set_and_attachments_but_not_blobs(
    cli: CliRun, state: State, files: Files, part_key: str
) -> None:
    assert cli("part", "attach", part_key, str(files.png())).exit_code == 0
    assert cli("part", "attach", part_key, str(files.pdf())).exit_code == 0
    before = state()

    result = cli("part", "rm", "abcd", "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "removed part ABCD and its 2 attachments\n"
    after = state()
    assert after.rows["parts"] == [] and after.rows["attachment_sets"] == []
    assert after.rows["attachments"] == []
    assert after.blobs == before.blobs and len(after.blobs) == 2
    assert json_out(cli("set", "list", "--json")) == []


def test_rm_json(cli: CliRun, part_key: str) -> None:
    data = json_out(cli("part", "rm", part_key, "-y", "--json"))

    assert data == {
        "what": "part ABCD",
        "attachments_removed": 0,
        "new_cover_id": None,
        "cover_changed": False,
        "units_removed": 0,
        "kit_lines_removed": 0,
    }


def test_rm_unknown_part(cli: CliRun, state: State, part_key: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["part", "rm", "QQQQ", "--yes"], "'QQQQ'")


# --- attach ----------------------------------------------------------------------------------------


def test_attach_file_and_link(cli: CliRun, files: Files, part_key: str) -> None:
    photo = cli("part", "attach", part_key, str(files.png()))
    sheet = cli("part", "attach", part_key.lower(), str(files.pdf()), "--title", "Datasheet")
    link = cli("part", "attach", part_key, "https://www.ti.com/product/SN74HC595", "-t", "Product page")

    assert photo.exit_code == sheet.exit_code == link.exit_code == 0
    assert photo.stdout == "added attachment 1 to set 1: image 'photo.png' (cover)\n"
    assert sheet.stdout == "added attachment 2 to set 1: pdf 'Datasheet'\n"
    assert link.stdout == "added attachment 3 to set 1: url 'Product page'\n"


def test_attach_json(cli: CliRun, files: Files, part_key: str) -> None:
    data = json_out(cli("part", "attach", part_key, str(files.jpeg("board.jpg")), "--json"))

    assert data["kind"] == "image" and data["content_type"] == "image/jpeg"
    assert data["filename"] == "board.jpg" and data["title"] == "board.jpg"
    assert data["is_cover"] is True
    assert len(data["blob_digest"]) == 64
    assert data["size_bytes"] == files.jpeg("again.jpg").stat().st_size


def test_attach_to_unknown_part(cli: CliRun, state: State, files: Files, part_key: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["part", "attach", "QQQQ", str(files.png())], "'QQQQ'")


def test_attach_missing_file(cli: CliRun, state: State, files: Files, part_key: str) -> None:
    missing = files.folder / "missing.png"

    fails(cli, state, ExitCode.NOT_FOUND, ["part", "attach", part_key, str(missing)], str(missing))


def test_attach_bad_link(cli: CliRun, state: State, part_key: str) -> None:
    fails(cli, state, ExitCode.INVALID_INPUT, ["part", "attach", part_key, "ftp://example.com/x"], "ftp:")


def test_attach_duplicate_content_names_the_existing_attachment(
    cli: CliRun, state: State, files: Files, part_key: str
) -> None:
    assert cli("part", "attach", part_key, str(files.png()), "-t", "Top").exit_code == 0

    fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["part", "attach", part_key, str(files.png("copy.png"))],
        "copy.png",
        "attachment 1 ('Top')",
    )
