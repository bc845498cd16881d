"""Covers, galleries, thumbnails and ``set open`` through the command line."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import typer
from PIL import Image
from rich.console import Console

from inventory_cli.bootstrap import Inventory
from inventory_cli.cli import images
from inventory_cli.domain.rules import SetRef
from inventory_cli.errors import ExitCode
from inventory_cli.services import sets
from inventory_cli.storage.blobs import current_umask
from tests.conftest import REPO_ROOT, CliRun, Files, State, fails, json_out, overwrite

REF = "part:ABCD"


@pytest.fixture
def filled(cli: CliRun, files: Files, part_key: str) -> dict[str, dict]:
    """Part ABCD with a photo (the cover), a datasheet and a bare link."""
    return {
        "photo": json_out(cli("set", "add", REF, str(files.png("top.png")), "-t", "Top view", "--json")),
        "sheet": json_out(cli("set", "add", REF, str(files.pdf()), "-t", "Datasheet", "--json")),
        "link": json_out(cli("set", "add", REF, "https://www.ti.com/lit/ds/sn74hc595.pdf", "--json")),
    }


def _spoil(inventory: Inventory, digest: str, data: bytes) -> None:
    overwrite(inventory.blobs.blob_path(digest), data)


# --- plain output ----------------------------------------------------------------------------------


def test_show_commands_are_plain_text_when_not_a_terminal(
    cli: CliRun, filled: dict[str, dict], kit_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("INVENTORY_IMAGES", "blocks")

    outputs = [
        cli("part", "show", "ABCD"),
        cli("kit", "show", kit_name),
        cli("set", "show", REF),
        cli("part", "list", "--covers"),
    ]

    for result in outputs:
        assert result.exit_code == 0, result.stderr
        assert "▀" not in result.stdout and "\x1b" not in result.stdout
    assert "Part ABCD" in outputs[0].stdout
    assert outputs[3].stdout == cli("part", "list").stdout


def test_set_show_gives_the_page_count_of_pdfs(cli: CliRun, filled: dict[str, dict]) -> None:
    text = cli("set", "show", REF)
    data = json_out(cli("set", "show", REF, "--json"))

    sheet_line = next(line for line in text.stdout.splitlines() if "Datasheet" in line)
    assert "pdf, 1 page" in sheet_line
    assert [a["pages"] for a in data["attachments"]] == [None, 1, None]


def test_unpreviewable_content_never_fails_a_showing_command(
    cli: CliRun, filled: dict[str, dict], inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _spoil(inventory, filled["photo"]["blob_digest"], b"\x89PNG\r\n\x1a\nbroken")
    _spoil(inventory, filled["sheet"]["blob_digest"], b"%PDF-1.4 not really\n%%EOF")

    for args in (("part", "show", "ABCD"), ("set", "show", REF), ("part", "list", "--covers")):
        assert cli(*args).exit_code == 0, args
    data = json_out(cli("set", "show", REF, "--json"))
    assert data["attachments"][1]["pages"] is None


# --- the gallery and the cover as drawn on a terminal ----------------------------------------------


def _draw(renderable: object) -> str:
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=True, color_system="truecolor", width=100).print(renderable)
    return buffer.getvalue()


def test_gallery_has_a_card_per_attachment_with_placeholders(
    filled: dict[str, dict], inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_IMAGES", "blocks")
    monkeypatch.delenv("NO_COLOR")
    _spoil(inventory, filled["photo"]["blob_digest"], b"\x89PNG\r\n\x1a\nbroken")
    view = sets.show_set(inventory, SetRef("part", "ABCD"))

    text = _draw(images.gallery(inventory, view.attachments))

    assert "★ #1" in text and "#2" in text and "#3" in text
    assert "[no preview:" in text and "truncated image]" in text  # wrapped inside its card
    assert "pdf, 1 page" in text and "▀" in text  # the datasheet's first page is drawn
    assert "www.ti.com" in text


def test_cover_picture_only_when_wanted_and_present(
    filled: dict[str, dict], inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_IMAGES", "blocks")
    monkeypatch.delenv("NO_COLOR")
    attachments = sets.show_set(inventory, SetRef("part", "ABCD")).attachments

    assert images.cover_picture(inventory, attachments, wanted=False) is None
    assert images.cover_picture(inventory, attachments[1:], wanted=True) is None
    drawn = _draw(images.cover_picture(inventory, attachments, wanted=True))
    assert drawn.count("\n") == 9  # a 32x24 photo at 24 columns: 9 rows of half blocks
    assert "\x1b[38;2;200;30;30;48;2;200;30;30m▀" in drawn  # the photo's colour, top and bottom


# --- set thumb -------------------------------------------------------------------------------------


def test_thumb_writes_a_png(cli: CliRun, filled: dict[str, dict], tmp_path: Path) -> None:
    target = tmp_path / "thumb.png"

    data = json_out(
        cli("set", "thumb", REF, str(filled["sheet"]["id"]), "--size", "40", "-o", str(target), "--json")
    )

    with Image.open(target) as thumb:
        assert thumb.format == "PNG" and max(thumb.size) == 40
    assert data["pages"] == 1 and data["written_to"] == str(target)
    # A new file's usual mode, not the private mode of the temp file it was written as.
    assert target.stat().st_mode & 0o777 == 0o666 & ~current_umask()


def test_thumb_refuses_what_it_cannot_make(
    cli: CliRun, state: State, filled: dict[str, dict], tmp_path: Path
) -> None:
    target = tmp_path / "exists.png"
    target.write_bytes(b"keep")
    photo, link = str(filled["photo"]["id"]), str(filled["link"]["id"])

    fails(cli, state, ExitCode.CONFLICT, ["set", "thumb", REF, photo, "-o", str(target)], "already exists")
    fails(
        cli, state, ExitCode.INVALID_INPUT, ["set", "thumb", REF, link, "-o", str(tmp_path / "l.png")], "link"
    )
    fails(cli, state, ExitCode.INVALID_INPUT, ["set", "thumb", REF, photo, "--size", "9000"], "9000")
    assert target.read_bytes() == b"keep"
    assert cli("set", "thumb", REF, photo, "-o", str(target), "--force").exit_code == 0
    assert target.read_bytes().startswith(b"\x89PNG")


# --- set open --------------------------------------------------------------------------------------


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What ``typer.launch`` was asked to open (the system viewer is not started in tests)."""
    calls: list[str] = []
    monkeypatch.setattr(typer, "launch", lambda target, wait=False, locate=False: calls.append(target) or 0)
    return calls


def test_open_hands_a_copy_with_the_original_extension(
    cli: CliRun, filled: dict[str, dict], files: Files, launched: list[str]
) -> None:
    result = cli("set", "open", REF, str(filled["sheet"]["id"]))

    assert result.exit_code == 0, result.stderr
    [opened] = launched
    assert Path(opened).suffix == ".pdf" and Path(opened).name == "datasheet.pdf"
    assert Path(opened).read_bytes() == (files.folder / "datasheet.pdf").read_bytes()
    assert opened in result.stderr


def test_open_a_link_hands_over_the_url(cli: CliRun, filled: dict[str, dict], launched: list[str]) -> None:
    data = json_out(cli("set", "open", REF, str(filled["link"]["id"]), "--json"))

    assert launched == ["https://www.ti.com/lit/ds/sn74hc595.pdf"] and data["opened"] == launched[0]


def test_open_without_a_system_opener_says_where_the_copy_is(
    cli: CliRun, filled: dict[str, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(typer, "launch", lambda target, wait=False, locate=False: 1)

    result = cli("set", "open", REF, str(filled["sheet"]["id"]))

    assert result.exit_code == ExitCode.NOT_FOUND
    assert "no program to open it" in result.stderr and "datasheet.pdf" in result.stderr


def test_open_an_unknown_attachment_fails(
    cli: CliRun, state: State, filled: dict, launched: list[str]
) -> None:
    fails(cli, state, ExitCode.NOT_FOUND, ["set", "open", REF, "99"], "99")
    assert launched == []


# --- startup and a real terminal -------------------------------------------------------------------


@pytest.mark.slow
def test_help_does_not_import_the_picture_libraries(tmp_path: Path) -> None:
    code = (
        "import sys, json\n"
        "from inventory_cli.cli.main import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('PIL', 'pypdfium2', 'textual_image', 'http.client', 'sqlalchemy')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy)))\n"
    )
    env = {**os.environ, "INVENTORY_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)

    assert json.loads(done.stdout.splitlines()[-1]) == []


@pytest.mark.tmux
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: no real terminal to draw in")
def test_part_show_draws_the_cover_in_a_real_terminal(
    cli: CliRun, filled: dict[str, dict], isolated_home: Path, tmp_path: Path
) -> None:
    session = f"inventory-test-{os.getpid()}"
    done_marker = tmp_path / "done"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TMUX")}
    env.update(INVENTORY_HOME=str(isolated_home), INVENTORY_IMAGES="blocks", TERM="xterm-256color")
    command = f"{sys.executable} -m inventory_cli part show ABCD; touch {done_marker}; sleep 60"
    # A private server socket in a short temporary folder (socket paths have a length limit).
    socket_dir = Path(tempfile.mkdtemp(prefix="inv-tmux-"))
    socket = ["tmux", "-S", str(socket_dir / "s")]
    subprocess.run(
        [*socket, "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command],
        env=env,
        check=True,
        cwd=REPO_ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while not done_marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        screen = subprocess.run(
            [*socket, "capture-pane", "-p", "-e", "-t", session], capture_output=True, text=True, check=True
        ).stdout
    finally:
        subprocess.run([*socket, "kill-server"], capture_output=True, check=False)
        shutil.rmtree(socket_dir, ignore_errors=True)
    print(screen)  # shown with -s: what a person would see
    first = screen.splitlines()[0]
    assert "▀" in first and "Part ABCD" in first  # the cover is beside the details
    # Drawn in the photo's colour: as 24-bit RGB, or its nearest of the 256 colours.
    assert "200;30;30" in screen or "38;5;160" in screen
