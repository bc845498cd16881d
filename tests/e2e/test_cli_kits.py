"""`inventory kit` end to end: every command's table, JSON, exit codes and error messages."""

from __future__ import annotations

import pytest
import typer

from inventory_cli.cli.main import app
from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, Files, State, fails, json_out

COMMAND = typer.main.get_command(app)  # the tree of commands, for the help tests
GROUP = COMMAND.get_command(typer.Context(COMMAND), "kit")  # type: ignore[attr-defined]  # groups load on demand
COMMANDS = sorted(GROUP.commands)


# --- help ------------------------------------------------------------------------------------------


def test_kit_group_has_every_command() -> None:
    assert set(COMMANDS) == {
        "add",
        "list",
        "show",
        "edit",
        "archive",
        "unarchive",
        "rm",
        "attach",
        "content",
        "check",
    }
    assert GROUP.help


@pytest.mark.parametrize("command", COMMANDS)
def test_every_kit_command_has_help(cli: CliRun, command: str) -> None:
    spec = GROUP.commands[command]
    assert spec.help and spec.help.strip(), f"kit {command} has no docstring"
    for param in spec.params:
        assert getattr(param, "help", None), f"kit {command}: {param.name} has no help"

    result = cli("kit", command, "--help")

    assert result.exit_code == 0, result.stderr
    assert "Usage:" in result.stdout
    assert spec.help.strip().splitlines()[0] in result.stdout


# --- add -------------------------------------------------------------------------------------------


def test_add_reports_name_and_set(cli: CliRun) -> None:
    result = cli("kit", "add", "Synth Voice")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "added kit 'Synth Voice' (set 1)\n"
    assert result.stderr == ""


def test_add_json(cli: CliRun) -> None:
    data = json_out(cli("kit", "add", "Drum Machine", "-d", "808 clone", "--build-target", "0", "--json"))

    assert data["name"] == "Drum Machine"
    assert data["description"] == "808 clone"
    assert data["build_target"] == 0
    assert data["status"] == "active" and data["archived_at"] is None
    assert isinstance(data["set_id"], int)
    assert data["cover"] is None and data["attachment_count"] == 0
    assert data["created_at"].endswith("Z")
    assert "attachments" not in data


@pytest.mark.parametrize("name", ["Synth Voice", "synth voice", "SYNTH VOICE"])
def test_add_duplicate_name_is_a_conflict(cli: CliRun, state: State, kit_name: str, name: str) -> None:
    fails(cli, state, ExitCode.CONFLICT, ["kit", "add", name], "'Synth Voice'", "already exists")


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["Blinky", "--build-target", "-1"], "build target -1"), (["   "], "kit name is blank")],
)
def test_add_bad_input_is_invalid(
    cli: CliRun, state: State, kit_name: str, args: list[str], needle: str
) -> None:
    fails(cli, state, ExitCode.INVALID_INPUT, ["kit", "add", *args], needle)


# --- list ------------------------------------------------------------------------------------------


def test_list_table(cli: CliRun, files: Files, kit_name: str) -> None:
    assert cli("kit", "add", "Blinky", "--build-target", "5").exit_code == 0
    assert cli("kit", "attach", kit_name, str(files.png()), "-t", "Front panel").exit_code == 0
    assert cli("kit", "archive", "Blinky").exit_code == 0

    result = cli("kit", "list")

    assert result.exit_code == 0, result.stderr
    assert "2 kits" in result.stdout
    for text in ("Synth Voice", "Analog voice board", "active", "#1 Front panel", "Blinky", "archived"):
        assert text in result.stdout
    assert result.stdout.index("Blinky") < result.stdout.index("Synth Voice")
    blinky = next(line for line in result.stdout.splitlines() if "Blinky" in line)
    assert " 5 " in blinky


def test_list_status_filter(cli: CliRun, kit_name: str) -> None:
    assert cli("kit", "add", "Blinky").exit_code == 0
    assert cli("kit", "archive", "Blinky").exit_code == 0

    assert [k["name"] for k in json_out(cli("kit", "list", "--json"))] == ["Blinky", "Synth Voice"]
    active = json_out(cli("kit", "list", "--status", "active", "--json"))
    archived = json_out(cli("kit", "list", "--status", "archived", "--json"))
    assert [(k["name"], k["status"]) for k in active] == [("Synth Voice", "active")]
    assert [(k["name"], k["status"]) for k in archived] == [("Blinky", "archived")]
    table = cli("kit", "list", "--status", "archived")
    assert table.stdout.split()[:2] == ["1", "kit"]
    assert "Blinky" in table.stdout and "Synth Voice" not in table.stdout


def test_list_unknown_status_is_a_usage_error(cli: CliRun, state: State, kit_name: str) -> None:
    before = state()

    result = cli("kit", "list", "--status", "broken")

    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == ""
    assert "broken" in result.stderr
    assert state() == before


def test_list_json(cli: CliRun, files: Files, kit_name: str) -> None:
    photo = json_out(cli("kit", "attach", kit_name, str(files.png()), "--json"))
    json_out(cli("kit", "attach", kit_name, "https://example.com/synth", "--json"))

    data = json_out(cli("kit", "list", "--json"))

    assert len(data) == 1
    assert data[0]["name"] == "Synth Voice" and data[0]["build_target"] == 2
    assert data[0]["cover"] == {"id": photo["id"], "title": "photo.png", "filename": "photo.png"}
    assert data[0]["attachment_count"] == 2


def test_list_empty(cli: CliRun) -> None:
    result = cli("kit", "list")

    assert result.exit_code == 0
    assert "0 kits" in result.stdout
    assert json_out(cli("kit", "list", "--json")) == []


# --- show ------------------------------------------------------------------------------------------


def test_show_table(cli: CliRun, files: Files, kit_name: str) -> None:
    assert cli("kit", "attach", kit_name, str(files.png()), "-t", "Front panel").exit_code == 0
    assert cli("kit", "attach", kit_name, str(files.pdf()), "-t", "Schematic").exit_code == 0

    result = cli("kit", "show", "synth voice")

    assert result.exit_code == 0, result.stderr
    for text in (
        "Kit Synth Voice",
        "Analog voice board",
        "Build target",
        "active",
        "Front panel",
        "Schematic",
    ):
        assert text in result.stdout
    assert "(2 attachments)" in result.stdout
    star_line = next(line for line in result.stdout.splitlines() if "★" in line)
    assert "Front panel" in star_line


def test_show_json(cli: CliRun, files: Files, kit_name: str) -> None:
    sheet = json_out(cli("kit", "attach", kit_name, str(files.pdf()), "--json"))
    photo = json_out(cli("kit", "attach", kit_name, str(files.png()), "--json"))

    data = json_out(cli("kit", "show", kit_name, "--json"))

    assert data["name"] == "Synth Voice" and data["description"] == "Analog voice board"
    assert [(a["id"], a["is_cover"]) for a in data["attachments"]] == [
        (sheet["id"], False),
        (photo["id"], True),
    ]
    assert data["cover"]["id"] == photo["id"]


def test_show_unknown_kit(cli: CliRun, state: State, kit_name: str) -> None:
    result = fails(cli, state, ExitCode.NOT_FOUND, ["kit", "show", "Nope"], "'Nope'")

    assert "kit list" in result.stderr.splitlines()[1]


# --- edit ------------------------------------------------------------------------------------------


def test_edit_rename_and_fields(cli: CliRun, kit_name: str) -> None:
    result = cli("kit", "edit", kit_name, "--name", "Synth Voice II", "-d", "Second revision")

    assert result.exit_code == 0, result.stderr
    assert "Kit Synth Voice II" in result.stdout and "Second revision" in result.stdout
    assert [k["name"] for k in json_out(cli("kit", "list", "--json"))] == ["Synth Voice II"]
    assert json_out(cli("set", "list", "--json"))[0]["owner"] == "kit:Synth Voice II"


def test_edit_json_clears_description_and_sets_target(cli: CliRun, kit_name: str) -> None:
    data = json_out(cli("kit", "edit", kit_name, "--description", "", "--build-target", "0", "--json"))

    assert data["description"] is None
    assert data["build_target"] == 0
    assert data["name"] == "Synth Voice"


def test_edit_rename_conflict(cli: CliRun, state: State, kit_name: str) -> None:
    assert cli("kit", "add", "Drum Machine").exit_code == 0

    fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["kit", "edit", "Drum Machine", "--name", "synth voice", "-d", "changed"],
        "'Synth Voice'",
        "already exists",
    )


def test_edit_nothing_to_change(cli: CliRun, state: State, kit_name: str) -> None:
    result = fails(cli, state, ExitCode.USAGE, ["kit", "edit", kit_name], "nothing to change")

    assert "--name" in result.stderr.splitlines()[1]


def test_edit_negative_build_target(cli: CliRun, state: State, kit_name: str) -> None:
    fails(
        cli, state, ExitCode.INVALID_INPUT, ["kit", "edit", kit_name, "-d", "x", "--build-target", "-2"], "-2"
    )


def test_edit_unknown_kit(cli: CliRun, state: State, kit_name: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["kit", "edit", "Nope", "-d", "x"], "'Nope'")


# --- archive / unarchive ---------------------------------------------------------------------------


def test_archive_and_unarchive(cli: CliRun, kit_name: str) -> None:
    table = cli("kit", "archive", kit_name)
    assert table.exit_code == 0, table.stderr
    assert "archived" in table.stdout and "Archived" in table.stdout

    data = json_out(cli("kit", "show", kit_name, "--json"))
    assert data["status"] == "archived" and data["archived_at"].endswith("Z")

    data = json_out(cli("kit", "unarchive", "SYNTH VOICE", "--json"))
    assert data["status"] == "active" and data["archived_at"] is None


def test_archive_twice_is_a_conflict(cli: CliRun, state: State, kit_name: str) -> None:
    assert json_out(cli("kit", "archive", kit_name, "--json"))["status"] == "archived"

    fails(cli, state, ExitCode.CONFLICT, ["kit", "archive", kit_name], "'Synth Voice'", "already archived")


def test_unarchive_active_kit_is_a_conflict(cli: CliRun, state: State, kit_name: str) -> None:
    fails(cli, state, ExitCode.CONFLICT, ["kit", "unarchive", kit_name], "'Synth Voice'", "already active")


@pytest.mark.parametrize("command", ["archive", "unarchive"])
def test_archive_unknown_kit(cli: CliRun, state: State, kit_name: str, command: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["kit", command, "Nope"], "'Nope'")


# --- rm --------------------------------------------------------------------------------------------


def test_rm_without_yes_is_refused_and_changes_nothing(
    cli: CliRun, state: State, files: Files, kit_name: str
) -> None:
    assert cli("kit", "attach", kit_name, str(files.png())).exit_code == 0

    result = fails(cli, state, ExitCode.USAGE, ["kit", "rm", kit_name], "'Synth Voice'", "--yes")

    assert result.stderr.splitlines()[1] == "hint: pass --yes to confirm"


def test_rm_with_yes_removes_kit_set_and_attachments_but_not_blobs(
    cli: CliRun, state: State, files: Files, kit_name: str
) -> None:
    assert cli("kit", "attach", kit_name, str(files.png())).exit_code == 0
    assert cli("kit", "attach", kit_name, "https://example.com/").exit_code == 0
    before = state()

    result = cli("kit", "rm", "synth voice", "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "removed kit 'Synth Voice' and its 2 attachments\n"
    after = state()
    assert (
        after.rows["kits"] == [] and after.rows["attachment_sets"] == [] and after.rows["attachments"] == []
    )
    assert after.blobs == before.blobs and len(after.blobs) == 1


def test_rm_json(cli: CliRun, kit_name: str) -> None:
    data = json_out(cli("kit", "rm", kit_name, "-y", "--json"))

    assert data == {
        "what": "kit 'Synth Voice'",
        "attachments_removed": 0,
        "new_cover_id": None,
        "cover_changed": False,
    }


def test_rm_unknown_kit(cli: CliRun, state: State, kit_name: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["kit", "rm", "Nope", "--yes"], "'Nope'")


# --- attach ----------------------------------------------------------------------------------------


def test_attach_file_and_link(cli: CliRun, files: Files, kit_name: str) -> None:
    sheet = cli("kit", "attach", kit_name, str(files.pdf()), "-t", "Schematic")
    photo = cli("kit", "attach", "synth voice", str(files.png()))
    link = cli("kit", "attach", kit_name, "https://example.com/build-guide")

    assert sheet.exit_code == photo.exit_code == link.exit_code == 0
    assert sheet.stdout == "added attachment 1 to set 1: pdf 'Schematic'\n"
    assert photo.stdout == "added attachment 2 to set 1: image 'photo.png' (cover)\n"
    assert link.stdout == "added attachment 3 to set 1: url 'example.com/build-guide'\n"


def test_attach_json(cli: CliRun, files: Files, kit_name: str) -> None:
    data = json_out(cli("kit", "attach", kit_name, "https://example.com/guide", "--json"))

    assert data["kind"] == "url" and data["url"] == "https://example.com/guide"
    assert data["blob_digest"] is None and data["is_cover"] is False


def test_attach_to_unknown_kit(cli: CliRun, state: State, files: Files, kit_name: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["kit", "attach", "Nope", str(files.png())], "'Nope'")


def test_attach_not_allowed_content(cli: CliRun, state: State, files: Files, kit_name: str) -> None:
    text = files.write("notes.png", b"not an image at all\n")

    fails(cli, state, ExitCode.INVALID_INPUT, ["kit", "attach", kit_name, str(text)], "notes.png")
