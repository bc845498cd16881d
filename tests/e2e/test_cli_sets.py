"""`inventory set` end to end: every command's table, JSON, exit codes and error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from inventory_cli.cli.main import app
from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, Files, State, fails, json_out, overwrite

COMMAND = typer.main.get_command(app)  # the tree of commands, for the help tests
GROUP = COMMAND.get_command(typer.Context(COMMAND), "set")  # type: ignore[attr-defined]  # groups load on demand
COMMANDS = sorted(GROUP.commands)


REF = "part:ABCD"


@pytest.fixture
def filled(cli: CliRun, files: Files, part_key: str, kit_name: str) -> dict[str, Any]:
    """Part ABCD (set 1) with a photo (the cover), a datasheet and a link; kit Synth Voice (set 2) empty."""
    photo = json_out(cli("set", "add", REF, str(files.png("top.png")), "-t", "Top view", "--json"))
    sheet = json_out(cli("set", "add", REF, str(files.pdf()), "-t", "Datasheet", "--json"))
    link = json_out(cli("set", "add", REF, "https://www.ti.com/product/SN74HC595", "--json"))
    return {"photo": photo, "sheet": sheet, "link": link, "photo_path": files.folder / "top.png"}


def ids(filled: dict[str, Any], *names: str) -> list[str]:
    """The attachment ids of the named fixtures, as command-line arguments."""
    return [str(filled[name]["id"]) for name in names]


# --- help ------------------------------------------------------------------------------------------


def test_set_group_has_every_command() -> None:
    assert set(COMMANDS) == {"list", "show", "add", "rename", "rm", "cover", "export", "open", "thumb"}
    assert GROUP.help


@pytest.mark.parametrize("command", COMMANDS)
def test_every_set_command_has_help(cli: CliRun, command: str) -> None:
    spec = GROUP.commands[command]
    assert spec.help and spec.help.strip(), f"set {command} has no docstring"
    for param in spec.params:
        assert getattr(param, "help", None), f"set {command}: {param.name} has no help"

    result = cli("set", command, "--help")

    assert result.exit_code == 0, result.stderr
    assert "Usage:" in result.stdout
    assert spec.help.strip().splitlines()[0] in result.stdout


# --- list and show ---------------------------------------------------------------------------------


def test_list_every_set_table(cli: CliRun, filled: dict[str, Any]) -> None:
    result = cli("set", "list")

    assert result.exit_code == 0, result.stderr
    assert "2 sets" in result.stdout
    lines = result.stdout.splitlines()
    part_line = next(line for line in lines if "part:ABCD" in line)
    kit_line = next(line for line in lines if "kit:Synth Voice" in line)
    assert "#1 Top view" in part_line and " 3 " in part_line
    assert " 0 " in kit_line and "#" not in kit_line
    assert lines.index(part_line) < lines.index(kit_line)


def test_list_every_set_json(cli: CliRun, filled: dict[str, Any]) -> None:
    data = json_out(cli("set", "list", "--json"))

    assert data == [
        {
            "id": 1,
            "owner": "part:ABCD",
            "attachment_count": 3,
            "cover": {"id": filled["photo"]["id"], "title": "Top view", "filename": "top.png"},
        },
        {"id": 2, "owner": "kit:Synth Voice", "attachment_count": 0, "cover": None},
    ]


def test_list_empty(cli: CliRun) -> None:
    result = cli("set", "list")

    assert result.exit_code == 0
    assert "0 sets" in result.stdout
    assert json_out(cli("set", "list", "--json")) == []


def test_list_one_set_is_the_same_as_show(cli: CliRun, filled: dict[str, Any]) -> None:
    listed = json_out(cli("set", "list", REF, "--json"))
    shown = json_out(cli("set", "show", "1", "--json"))

    assert listed == shown
    table = cli("set", "list", "part:abcd")
    assert table.exit_code == 0
    assert table.stdout == cli("set", "show", REF).stdout


@pytest.mark.parametrize("ref", [REF, "part:abcd", "1"])
def test_show_table(cli: CliRun, filled: dict[str, Any], ref: str) -> None:
    result = cli("set", "show", ref)

    assert result.exit_code == 0, result.stderr
    assert "Set 1 (part:ABCD): 3 attachments" in result.stdout
    lines = result.stdout.splitlines()
    rows = [
        next(line for line in lines if title in line) for title in ("Top view", "Datasheet", "www.ti.com")
    ]
    assert [lines.index(row) for row in rows] == sorted(lines.index(row) for row in rows)
    assert "★" in rows[0] and "★" not in rows[1] and "★" not in rows[2]
    assert "top.png" in rows[0] and "datasheet.pdf" in rows[1]
    assert "https://www.ti.com/product/SN74HC595" in rows[2]


def test_show_json(cli: CliRun, filled: dict[str, Any]) -> None:
    data = json_out(cli("set", "show", "kit:synth voice", "--json"))
    assert data == {"id": 2, "owner": "kit:Synth Voice", "cover_id": None, "attachments": []}

    data = json_out(cli("set", "show", REF, "--json"))
    assert data["id"] == 1 and data["owner"] == "part:ABCD"
    assert data["cover_id"] == filled["photo"]["id"]
    assert [a["id"] for a in data["attachments"]] == [int(i) for i in ids(filled, "photo", "sheet", "link")]
    assert [a["kind"] for a in data["attachments"]] == ["image", "pdf", "url"]
    assert [a["is_cover"] for a in data["attachments"]] == [True, False, False]


@pytest.mark.parametrize(
    ("ref", "code", "needle"),
    [
        ("99", ExitCode.NOT_FOUND, "no attachment set 99"),
        ("part:QQQQ", ExitCode.NOT_FOUND, "'QQQQ'"),
        ("kit:Nope", ExitCode.NOT_FOUND, "'Nope'"),
        ("bogus", ExitCode.USAGE, "'bogus'"),
        ("box:7", ExitCode.USAGE, "'box:7'"),
    ],
)
@pytest.mark.parametrize("command", ["show", "list"])
def test_show_unknown_or_malformed_set(
    cli: CliRun, state: State, part_key: str, command: str, ref: str, code: ExitCode, needle: str
) -> None:
    fails(cli, state, code, ["set", command, ref], needle)


# --- add -------------------------------------------------------------------------------------------


def test_add_file_and_link_table(cli: CliRun, files: Files, part_key: str, kit_name: str) -> None:
    sheet = cli("set", "add", "kit:Synth Voice", str(files.pdf()))
    photo = cli("set", "add", "2", str(files.jpeg("front.jpg")), "--title", "Front")
    link = cli("set", "add", "kit:synth voice", "http://example.com/guide")

    assert sheet.exit_code == photo.exit_code == link.exit_code == 0
    assert sheet.stdout == "added attachment 1 to set 2: pdf 'datasheet.pdf'\n"
    assert photo.stdout == "added attachment 2 to set 2: image 'Front' (cover)\n"
    assert link.stdout == "added attachment 3 to set 2: url 'example.com/guide'\n"


def test_add_json(cli: CliRun, files: Files, part_key: str) -> None:
    data = json_out(cli("set", "add", REF, str(files.pdf()), "--json"))

    assert data["set_id"] == 1 and data["kind"] == "pdf"
    assert data["content_type"] == "application/pdf" and data["is_cover"] is False
    assert data["size_bytes"] == files.pdf("again.pdf").stat().st_size


def test_same_content_in_two_sets_is_one_blob(
    cli: CliRun, state: State, files: Files, part_key: str, kit_name: str
) -> None:
    photo = files.png()
    first = json_out(cli("set", "add", REF, str(photo), "--json"))
    second = json_out(cli("set", "add", "kit:Synth Voice", str(photo), "--json"))

    assert first["blob_digest"] == second["blob_digest"]
    assert first["is_cover"] is second["is_cover"] is True
    assert len([b for b in state().blobs if b.startswith("sha256/")]) == 1


def test_add_duplicate_content_names_the_existing_attachment(
    cli: CliRun, state: State, files: Files, filled: dict[str, Any]
) -> None:
    copy = files.write("copy.png", filled["photo_path"].read_bytes())

    fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["set", "add", REF, str(copy)],
        str(copy),
        f"already in set 1 as attachment {filled['photo']['id']} ('Top view')",
    )


@pytest.mark.parametrize(
    ("source", "title", "code", "needle"),
    [
        ("missing.png", None, ExitCode.NOT_FOUND, "missing.png"),
        ("empty.png", None, ExitCode.INVALID_INPUT, "empty.png"),
        ("ftp://example.com/x.pdf", None, ExitCode.INVALID_INPUT, "ftp:"),
        ("ok.png", "   ", ExitCode.INVALID_INPUT, "title is blank"),
    ],
)
def test_add_bad_input(
    cli: CliRun,
    state: State,
    files: Files,
    part_key: str,
    source: str,
    title: str | None,
    code: ExitCode,
    needle: str,
) -> None:
    files.write("empty.png", b"")
    files.png("ok.png")
    argument = source if "://" in source else str(files.folder / source)
    extra = ["--title", title] if title is not None else []

    fails(cli, state, code, ["set", "add", REF, argument, *extra], needle)


def test_add_to_unknown_set(cli: CliRun, state: State, files: Files, part_key: str) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["set", "add", "42", str(files.png())], "42")


# --- rename ----------------------------------------------------------------------------------------


def test_rename(cli: CliRun, filled: dict[str, Any]) -> None:
    result = cli("set", "rename", REF, *ids(filled, "sheet"), "SN74HC595 datasheet")

    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout == f"renamed attachment {filled['sheet']['id']} to set 1: pdf 'SN74HC595 datasheet'\n"
    )
    data = json_out(cli("set", "rename", "1", *ids(filled, "photo"), "Top", "--json"))
    assert (data["title"], data["is_cover"]) == ("Top", True)
    titles = [a["title"] for a in json_out(cli("set", "show", REF, "--json"))["attachments"]]
    assert titles[:2] == ["Top", "SN74HC595 datasheet"]


def test_rename_blank_title(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    fails(cli, state, ExitCode.INVALID_INPUT, ["set", "rename", REF, *ids(filled, "sheet"), "  "], "title")


def test_rename_attachment_of_another_set(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    attachment = filled["sheet"]["id"]

    result = fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["set", "rename", "kit:Synth Voice", str(attachment), "Mine"],
        f"attachment {attachment} does not belong to set 2",
    )

    assert result.stderr.splitlines()[1] == "hint: it belongs to set 1"


def test_rename_unknown_attachment(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["set", "rename", REF, "999", "x"], "no attachment 999")


# --- rm --------------------------------------------------------------------------------------------


def test_rm_without_yes_is_refused(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    result = fails(
        cli, state, ExitCode.USAGE, ["set", "rm", REF, *ids(filled, "photo")], "part:ABCD", "--yes"
    )

    assert result.stderr.splitlines()[1] == "hint: pass --yes to confirm"


def test_rm_non_cover(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    before = state()

    result = cli("set", "rm", REF, *ids(filled, "sheet"), "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"removed attachment {filled['sheet']['id']}\n"
    assert state().blobs == before.blobs
    assert [a["id"] for a in json_out(cli("set", "show", REF, "--json"))["attachments"]] == [
        filled["photo"]["id"],
        filled["link"]["id"],
    ]


def test_rm_cover_promotes_the_next_image(cli: CliRun, files: Files, filled: dict[str, Any]) -> None:
    second = json_out(cli("set", "add", REF, str(files.jpeg()), "--json"))
    assert second["is_cover"] is False

    result = cli("set", "rm", REF, *ids(filled, "photo"), "-y")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"removed attachment {filled['photo']['id']}; cover is now attachment {second['id']}\n"
    )
    assert json_out(cli("set", "show", REF, "--json"))["cover_id"] == second["id"]


def test_rm_last_image_json(cli: CliRun, filled: dict[str, Any]) -> None:
    data = json_out(cli("set", "rm", REF, *ids(filled, "photo"), "--yes", "--json"))

    assert data == {
        "what": f"attachment {filled['photo']['id']}",
        "attachments_removed": 1,
        "new_cover_id": None,
        "cover_changed": True,
    }
    assert json_out(cli("set", "show", REF, "--json"))["cover_id"] is None


def test_rm_last_image_table(cli: CliRun, filled: dict[str, Any]) -> None:
    result = cli("set", "rm", REF, *ids(filled, "photo"), "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"removed attachment {filled['photo']['id']}; the set has no cover now\n"


def test_rm_attachment_of_another_set(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["set", "rm", "kit:Synth Voice", *ids(filled, "photo"), "--yes"],
        "does not belong to set 2",
    )


def test_rm_unknown_attachment(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["set", "rm", REF, "999", "--yes"], "no attachment 999")


# --- cover -----------------------------------------------------------------------------------------


def test_cover_without_id_shows_the_cover(cli: CliRun, filled: dict[str, Any]) -> None:
    result = cli("set", "cover", REF)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"cover of part:ABCD: attachment {filled['photo']['id']} 'Top view' (top.png)\n"
    data = json_out(cli("set", "cover", "1", "--json"))
    assert (data["id"], data["kind"], data["is_cover"]) == (filled["photo"]["id"], "image", True)


def test_cover_of_a_set_without_one(cli: CliRun, filled: dict[str, Any]) -> None:
    result = cli("set", "cover", "kit:Synth Voice")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "kit:Synth Voice has no cover\n"
    assert cli("set", "cover", "kit:Synth Voice", "--json").stdout.strip() == "null"


def test_cover_sets_another_image(cli: CliRun, files: Files, filled: dict[str, Any]) -> None:
    second = json_out(cli("set", "add", REF, str(files.jpeg("side.jpg")), "--json"))

    result = cli("set", "cover", REF, str(second["id"]))

    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"cover of part:ABCD: attachment {second['id']} 'side.jpg' (side.jpg)\n"
    assert json_out(cli("set", "show", REF, "--json"))["cover_id"] == second["id"]
    data = json_out(cli("set", "cover", REF, *ids(filled, "photo"), "--json"))
    assert data["id"] == filled["photo"]["id"] and data["is_cover"] is True


def test_cover_clear(cli: CliRun, filled: dict[str, Any]) -> None:
    result = cli("set", "cover", REF, "--clear")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "part:ABCD has no cover now\n"
    assert json_out(cli("set", "show", REF, "--json"))["cover_id"] is None
    assert cli("set", "cover", REF).stdout == "part:ABCD has no cover\n"
    assert json_out(cli("set", "list", "--json"))[0]["cover"] is None


def test_cover_clear_json(cli: CliRun, filled: dict[str, Any]) -> None:
    result = cli("set", "cover", REF, "--clear", "--json")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "null"
    assert json_out(cli("set", "cover", REF, "--json")) is None


def test_cover_clear_with_an_id_is_a_usage_error(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    fails(cli, state, ExitCode.USAGE, ["set", "cover", REF, *ids(filled, "photo"), "--clear"], "--clear")


@pytest.mark.parametrize(("name", "kind"), [("sheet", "pdf"), ("link", "url")])
def test_cover_refuses_pdf_and_link(
    cli: CliRun, state: State, filled: dict[str, Any], name: str, kind: str
) -> None:
    attachment = filled[name]["id"]

    fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["set", "cover", REF, str(attachment)],
        f"attachment {attachment} is a {kind}",
        "only an image",
    )


def test_cover_from_another_set(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["set", "cover", "kit:Synth Voice", *ids(filled, "photo")],
        f"attachment {filled['photo']['id']} does not belong to set 2",
    )


def test_cover_unknown_attachment(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["set", "cover", REF, "999"], "no attachment 999")


def test_cover_unknown_set(cli: CliRun, state: State, filled: dict[str, Any]) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["set", "cover", "part:QQQQ"], "'QQQQ'")


# --- export ----------------------------------------------------------------------------------------


def test_export_to_stdout_writes_the_exact_bytes(cli: CliRun, filled: dict[str, Any]) -> None:
    result = cli("set", "export", REF, *ids(filled, "photo"), "-o", "-")

    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == filled["photo_path"].read_bytes()
    assert result.stderr == ""


def test_export_to_a_file(cli: CliRun, filled: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "copy.png"

    result = cli("set", "export", REF, *ids(filled, "photo"), "--output", str(target))

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert str(target) in result.stderr and result.stderr.startswith("wrote ")
    assert target.read_bytes() == filled["photo_path"].read_bytes()


def test_export_defaults_to_the_original_name_in_the_current_folder(
    cli: CliRun, files: Files, filled: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)

    data = json_out(cli("set", "export", REF, *ids(filled, "sheet"), "--json"))

    assert Path(data["written_to"]) == out / "datasheet.pdf"
    assert data["id"] == filled["sheet"]["id"] and data["kind"] == "pdf"
    assert (out / "datasheet.pdf").read_bytes() == (files.folder / "datasheet.pdf").read_bytes()


def test_export_refuses_to_overwrite_without_force(
    cli: CliRun, state: State, filled: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "existing.png"
    target.write_bytes(b"precious")

    result = fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["set", "export", REF, *ids(filled, "photo"), "-o", str(target)],
        str(target),
    )
    assert "--force" in result.stderr.splitlines()[1]
    assert target.read_bytes() == b"precious"

    forced = cli("set", "export", REF, *ids(filled, "photo"), "-o", str(target), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert target.read_bytes() == filled["photo_path"].read_bytes()


def test_export_of_a_link_is_refused(
    cli: CliRun, state: State, filled: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "link.txt"

    result = fails(
        cli,
        state,
        ExitCode.INVALID_INPUT,
        ["set", "export", REF, *ids(filled, "link"), "-o", str(target)],
        f"attachment {filled['link']['id']} is a link",
    )

    assert "https://www.ti.com/product/SN74HC595" in result.stderr.splitlines()[1]
    assert not target.exists()
    fails(cli, state, ExitCode.INVALID_INPUT, ["set", "export", REF, *ids(filled, "link"), "-o", "-"], "link")


def test_export_of_a_corrupted_blob_fails_and_writes_no_file(
    cli: CliRun, state: State, filled: dict[str, Any], store_root: Path, tmp_path: Path
) -> None:
    digest = filled["photo"]["blob_digest"]
    blob = store_root / "sha256" / digest[:2] / digest[2:4] / digest
    overwrite(blob, blob.read_bytes()[:-4] + b"oops")
    out = tmp_path / "out"
    out.mkdir()

    fails(
        cli,
        state,
        ExitCode.STORAGE,
        ["set", "export", REF, *ids(filled, "photo"), "-o", str(out / "copy.png")],
        digest,
        "corrupt",
    )

    assert list(out.iterdir()) == []


def test_export_of_a_corrupted_blob_to_stdout_fails(
    cli: CliRun, filled: dict[str, Any], store_root: Path
) -> None:
    digest = filled["photo"]["blob_digest"]
    blob = store_root / "sha256" / digest[:2] / digest[2:4] / digest
    overwrite(blob, blob.read_bytes()[:-4] + b"oops")

    result = cli("set", "export", REF, *ids(filled, "photo"), "-o", "-")

    assert result.exit_code == ExitCode.STORAGE
    assert result.stderr.startswith(f"error: blob {digest} is corrupt")
    assert result.stdout_bytes == b"", "not one wrong byte may reach the reader"


@pytest.mark.parametrize(
    ("ref", "attachment", "code", "needle"),
    [
        (REF, "999", ExitCode.NOT_FOUND, "no attachment 999"),
        ("kit:Synth Voice", "1", ExitCode.CONFLICT, "does not belong to set 2"),
        ("part:QQQQ", "1", ExitCode.NOT_FOUND, "'QQQQ'"),
    ],
)
def test_export_unknown_or_foreign_attachment(
    cli: CliRun,
    state: State,
    filled: dict[str, Any],
    tmp_path: Path,
    ref: str,
    attachment: str,
    code: ExitCode,
    needle: str,
) -> None:
    fails(cli, state, code, ["set", "export", ref, attachment, "-o", str(tmp_path / "x.png")], needle)
    assert not (tmp_path / "x.png").exists()
