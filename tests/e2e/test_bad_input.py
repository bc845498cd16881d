"""Bad input through the CLI: a one-line error naming the value, its exit code, nothing changed."""

from __future__ import annotations

import io
import os
import random
import shutil
import signal
import sqlite3
import stat
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner, Result

from inventory_cli.cli.main import app
from tests.conftest import CliRun, Files, Snapshot, image_bytes, json_out, pdf_bytes

KIT = "Synth Voice"
State = Callable[[], Snapshot]

# The three commands that take a file or a link for a set, as argument prefixes.
ATTACH_COMMANDS = {
    "part-attach": ("part", "attach", "ABCD"),
    "kit-attach": ("kit", "attach", KIT),
    "set-add": ("set", "add", "part:ABCD"),
}


# --- helpers -------------------------------------------------------------------------------------


def assert_refused(result: Result, code: int, *names: str) -> str:
    """The command failed with ``code``: empty stdout, one ``error:`` line naming ``names``."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines, "no error message on stderr"
    assert lines[0].startswith("error: "), lines
    # One error line, plus at most one hint line.
    assert len(lines) <= 2, lines
    if len(lines) == 2:
        assert lines[1].startswith("hint: "), lines
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def assert_unchanged(state: State, before: Snapshot, store_root: Path) -> None:
    """Database rows and blob files are exactly as before, and no staged file is left behind."""
    after = state()
    assert after.rows == before.rows
    assert after.blobs == before.blobs
    tmp = store_root / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == []


def noisy_image(fmt: str, seed: int, size: tuple[int, int] = (96, 96)) -> bytes:
    """An image of random pixels: large enough that half of it is missing real data."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, fmt)
    return buffer.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A 1-bit greyscale PNG of blank rows, written chunk by chunk: tiny file, huge image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    block = row * 500
    parts = [compressor.compress(block) for _ in range(height // 500)]
    parts.append(compressor.compress(row * (height % 500)))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")
    )


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A part and a kit that hold attachments, built once and copied into each test's home."""
    root = tmp_path_factory.mktemp("template")
    inputs = Files(root / "in")
    inputs.folder.mkdir()
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INVENTORY_HOME", str(root / "home"))
        for name in (
            "INVENTORY_DB",
            "INVENTORY_STORE",
            "INVENTORY_MAX_IMAGE_BYTES",
            "INVENTORY_MAX_PDF_BYTES",
        ):
            patch.delenv(name, raising=False)

        def run(*args: str) -> Any:
            return json_out(runner.invoke(app, [*args, "--json"]))

        run("part", "add", "8-bit shift register", "--key", "ABCD")
        run("kit", "add", KIT, "--description", "Analog voice board")
        part_photo = run("part", "attach", "ABCD", str(inputs.png("top.png")))
        part_sheet = run("part", "attach", "ABCD", str(inputs.pdf("sheet.pdf")))
        kit_photo = run("kit", "attach", KIT, str(inputs.png("front.png", color=(1, 2, 3))))
    ids = {
        "part_photo": part_photo["id"],
        "part_sheet": part_sheet["id"],
        "part_set": part_photo["set_id"],
        "kit_photo": kit_photo["id"],
        "kit_set": kit_photo["set_id"],
    }
    return root / "home", ids


@pytest.fixture
def seeded(template: tuple[Path, dict[str, int]], isolated_home: Path, files: Files) -> dict[str, int]:
    """This test's inventory: a copy of the template, plus its image files in ``files``."""
    home, ids = template
    shutil.copytree(home, isolated_home, dirs_exist_ok=True)
    files.png("top.png")
    files.png("front.png", color=(1, 2, 3))
    return dict(ids)


@pytest.fixture
def before(seeded: dict[str, int], state: State) -> Snapshot:
    """The state of the seeded inventory before the bad command."""
    snap = state()
    assert snap.rows["attachments"] and snap.blobs  # a comparison against nothing proves nothing
    return snap


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail (instead of hanging the run) when a command blocks for more than 10 seconds."""

    def _timeout(_signum: int, _frame: Any) -> None:
        raise TimeoutError("the command blocked for more than 10 s")

    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """PNGs beyond Pillow's pixel limit: one past twice the limit, one between 1x and 2x."""
    folder = tmp_path_factory.mktemp("bombs")
    limit = Image.MAX_IMAGE_PIXELS or 89_478_485
    side_between = int((limit * 1.5) ** 0.5)
    paths = {"huge": folder / "bomb.png", "between": folder / "almost.png"}
    paths["huge"].write_bytes(bomb_png(20_000, 20_000))
    paths["between"].write_bytes(bomb_png(side_between, side_between))
    for path in paths.values():
        assert path.stat().st_size < 200_000
    return paths


# --- files that are not what they should be ------------------------------------------------------


def _missing(files: Files) -> Path:
    return files.folder / "missing.png"


def _directory(files: Files) -> Path:
    path = files.folder / "photos.png"
    path.mkdir()
    return path


def _fifo(files: Files) -> Path:
    path = files.folder / "pipe.png"
    os.mkfifo(path)
    return path


def _device(_files: Files) -> Path:
    return Path("/dev/null")


BAD_FILES: dict[str, tuple[Callable[[Files], Path], int, tuple[str, ...]]] = {
    "missing": (_missing, 3, ("missing.png", "not found")),
    "directory": (_directory, 6, ("photos.png", "directory")),
    "fifo": (_fifo, 6, ("pipe.png", "FIFO")),
    "device": (_device, 6, ("/dev/null", "character device")),
    "empty": (lambda f: f.write("empty.png", b""), 6, ("empty.png", "empty")),
    "plain-text": (
        lambda f: f.write("notes.png", b"just some notes\n"),
        6,
        ("notes.png", "content type not allowed", "plain text"),
    ),
    "html": (
        lambda f: f.write("page.pdf", b"<!doctype html><html><body>hi</body></html>\n"),
        6,
        ("page.pdf", "content type not allowed", "HTML"),
    ),
    "zip": (
        lambda f: f.write("bundle.pdf", zip_bytes()),
        6,
        ("bundle.pdf", "content type not allowed", "ZIP"),
    ),
    "html-named-jpg": (
        lambda f: f.write("evil.jpg", b"<html><script>alert(1)</script></html>"),
        6,
        ("evil.jpg", "content type not allowed", "HTML"),
    ),
    "truncated-png": (
        lambda f: f.write("cut.png", (data := noisy_image("PNG", 1))[: len(data) // 2]),
        6,
        ("cut.png", "corrupt or truncated"),
    ),
    "truncated-jpeg": (
        lambda f: f.write("cut.jpg", (data := noisy_image("JPEG", 2))[: len(data) // 2]),
        6,
        ("cut.jpg", "corrupt or truncated"),
    ),
    "corrupt-png": (
        lambda f: f.write("garbage.png", b"\x89PNG\r\n\x1a\n" + random.Random(3).randbytes(3000)),
        6,
        ("garbage.png", "corrupt or truncated"),
    ),
    "corrupt-jpeg": (
        lambda f: f.write("garbage.jpg", b"\xff\xd8\xff\xe0" + random.Random(4).randbytes(3000)),
        6,
        ("garbage.jpg", "corrupt or truncated"),
    ),
    "truncated-pdf": (
        lambda f: f.write("cut.pdf", (data := pdf_bytes("cut"))[: len(data) // 2]),
        6,
        ("cut.pdf", "truncated PDF"),
    ),
}


@pytest.mark.usefixtures("no_hang")
@pytest.mark.parametrize("command", ATTACH_COMMANDS.values(), ids=ATTACH_COMMANDS.keys())
@pytest.mark.parametrize("case", BAD_FILES.keys())
def test_bad_file_is_refused(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    command: tuple[str, ...],
    case: str,
) -> None:
    make, code, names = BAD_FILES[case]
    path = make(files)
    result = cli(*command, str(path))
    assert_refused(result, code, *names)
    assert_unchanged(state, before, store_root)


@pytest.mark.parametrize("which", ["huge", "between"])
def test_decompression_bomb_is_refused(
    cli: CliRun, bombs: dict[str, Path], state: State, before: Snapshot, store_root: Path, which: str
) -> None:
    result = cli("part", "attach", "ABCD", str(bombs[which]))
    assert_refused(result, 6, bombs[which].name, "too many pixels")
    assert_unchanged(state, before, store_root)


def test_image_over_the_size_limit_is_refused(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = files.write("big.png", noisy_image("PNG", 5))
    size = path.stat().st_size
    monkeypatch.setenv("INVENTORY_MAX_IMAGE_BYTES", str(size - 1))
    assert_refused(cli("part", "attach", "ABCD", str(path)), 6, "big.png", str(size), str(size - 1))
    assert_refused(cli("set", "add", f"kit:{KIT}", str(path)), 6, "big.png", str(size))
    assert_unchanged(state, before, store_root)

    # Exactly at the limit is allowed.
    monkeypatch.setenv("INVENTORY_MAX_IMAGE_BYTES", str(size))
    added = json_out(cli("part", "attach", "ABCD", str(path), "--json"))
    assert added["size_bytes"] == size


def test_pdf_over_the_size_limit_is_refused(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = files.pdf("manual.pdf", text="a longer manual")
    size = path.stat().st_size
    monkeypatch.setenv("INVENTORY_MAX_PDF_BYTES", str(size - 1))
    # The image limit does not apply to PDFs, and the other way round.
    monkeypatch.setenv("INVENTORY_MAX_IMAGE_BYTES", str(10 * size))
    assert_refused(cli("kit", "attach", KIT, str(path)), 6, "manual.pdf", str(size), str(size - 1))
    assert_unchanged(state, before, store_root)

    monkeypatch.setenv("INVENTORY_MAX_PDF_BYTES", str(10 * size))
    monkeypatch.setenv("INVENTORY_MAX_IMAGE_BYTES", "16")
    added = json_out(cli("kit", "attach", KIT, str(path), "--json"))
    assert added["kind"] == "pdf"


@pytest.mark.parametrize("value", ["lots", "0", "-5"])
def test_bad_size_limit_setting_is_refused(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    monkeypatch.setenv("INVENTORY_MAX_IMAGE_BYTES", value)
    result = cli("part", "attach", "ABCD", str(files.png("new.png", color=(9, 9, 9))))
    assert_refused(result, 6, "max_image_bytes", repr(value))
    assert_unchanged(state, before, store_root)


# --- the content decides, not the name -----------------------------------------------------------


def test_png_named_pdf_is_stored_as_an_image(cli: CliRun, files: Files, seeded: dict[str, int]) -> None:
    data = image_bytes("PNG", color=(10, 20, 30))
    path = files.write("photo.pdf", data)
    added = json_out(cli("kit", "attach", KIT, str(path), "--json"))
    assert added["kind"] == "image"
    assert added["content_type"] == "image/png"
    assert added["filename"] == "photo.pdf"
    assert added["size_bytes"] == len(data)
    # Only images can be covers: this one can.
    cover = json_out(cli("set", "cover", f"kit:{KIT}", str(added["id"]), "--json"))
    assert cover["id"] == added["id"]


def test_pdf_named_png_is_stored_as_a_pdf(cli: CliRun, files: Files, seeded: dict[str, int]) -> None:
    path = files.write("scan.png", pdf_bytes("scan"))
    added = json_out(cli("part", "attach", "ABCD", str(path), "--json"))
    assert added["kind"] == "pdf"
    assert added["content_type"] == "application/pdf"
    assert added["is_cover"] is False
    result = cli("set", "cover", "part:ABCD", str(added["id"]))
    assert_refused(result, 4, f"attachment {added['id']}", "only an image")


# --- titles and links ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ATTACH_COMMANDS.values(), ids=ATTACH_COMMANDS.keys())
@pytest.mark.parametrize(
    ("title", "words"),
    [("   ", ("title is blank",)), ("T" * 256, ("title", "256", "255")), ("bad\x07bell", ("control",))],
    ids=["blank", "256-chars", "control-char"],
)
def test_bad_title_on_attach_is_refused(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    command: tuple[str, ...],
    title: str,
    words: tuple[str, ...],
) -> None:
    path = files.png("fresh.png", color=(7, 7, 7))
    assert_refused(cli(*command, str(path), "--title", title), 6, *words)
    assert_refused(cli(*command, "https://example.com/x", "--title", title), 6, *words)
    assert_unchanged(state, before, store_root)


def test_title_of_255_characters_is_accepted(cli: CliRun, files: Files, seeded: dict[str, int]) -> None:
    added = json_out(
        cli("part", "attach", "ABCD", str(files.png("ok.png", color=(4, 4, 4))), "-t", "T" * 255, "--json")
    )
    assert added["title"] == "T" * 255


@pytest.mark.parametrize(
    ("title", "words"),
    [("", ("title is blank",)), ("  \t ", ("title is blank",)), ("x" * 256, ("256", "255"))],
    ids=["empty", "blank", "256-chars"],
)
def test_bad_title_on_rename_is_refused(
    cli: CliRun,
    state: State,
    before: Snapshot,
    store_root: Path,
    seeded: dict[str, int],
    title: str,
    words: tuple[str, ...],
) -> None:
    result = cli("set", "rename", "part:ABCD", str(seeded["part_photo"]), title)
    assert_refused(result, 6, *words)
    assert_unchanged(state, before, store_root)


LONG_URL = "https://example.com/" + "a" * 1981  # 2001 characters


@pytest.mark.parametrize("command", ATTACH_COMMANDS.values(), ids=ATTACH_COMMANDS.keys())
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("javascript:alert(1)", ("javascript:", "not allowed")),
        ("ftp://example.com/sheet.pdf", ("ftp:", "ftp://example.com/sheet.pdf")),
        ("file:///etc/passwd", ("file:", "not allowed")),
        ("data:text/html,<script>alert(1)</script>", ("data:", "not allowed")),
        (LONG_URL, ("2001", "2000")),
        ("https:///no-host", ("no host", "https:///no-host")),
    ],
    ids=["javascript", "ftp", "file", "data", "2001-chars", "no-host"],
)
def test_bad_url_is_refused(
    cli: CliRun,
    state: State,
    before: Snapshot,
    store_root: Path,
    command: tuple[str, ...],
    url: str,
    words: tuple[str, ...],
) -> None:
    assert_refused(cli(*command, url), 6, *words)
    assert_unchanged(state, before, store_root)


def test_url_of_2000_characters_is_accepted(cli: CliRun, seeded: dict[str, int]) -> None:
    url = LONG_URL[:-1]
    assert len(url) == 2000
    added = json_out(cli("part", "attach", "ABCD", url, "--json"))
    assert added["kind"] == "url" and added["url"] == url


# --- things that do not exist, or belong elsewhere -----------------------------------------------


UNKNOWN = [
    ("part-attach", ("part", "attach", "ZZZZ", "{png}"), "'ZZZZ'"),
    ("part-attach-link", ("part", "attach", "ZZZZ", "https://example.com/"), "'ZZZZ'"),
    ("kit-attach", ("kit", "attach", "No Such Kit", "{png}"), "'No Such Kit'"),
    ("set-add-by-number", ("set", "add", "999", "{png}"), "set 999"),
    ("set-add-part", ("set", "add", "part:ZZZZ", "{png}"), "'ZZZZ'"),
    ("set-add-kit-link", ("set", "add", "kit:Nope", "https://example.com/"), "'Nope'"),
    ("set-rename-attachment", ("set", "rename", "part:ABCD", "999", "New"), "attachment 999"),
    ("set-rename-set", ("set", "rename", "999", "1", "New"), "set 999"),
    ("set-rm", ("set", "rm", "part:ABCD", "999", "--yes"), "attachment 999"),
    ("set-cover", ("set", "cover", "part:ABCD", "999"), "attachment 999"),
    ("set-export", ("set", "export", "part:ABCD", "999", "-o", "-"), "attachment 999"),
    ("set-list", ("set", "list", "part:ZZZZ"), "'ZZZZ'"),
    ("part-show", ("part", "show", "ZZZZ"), "'ZZZZ'"),
    ("kit-show", ("kit", "show", "Nope"), "'Nope'"),
    ("part-rm", ("part", "rm", "ZZZZ", "--yes"), "ZZZZ"),
]


@pytest.mark.parametrize(("args", "name"), [pytest.param(a, n, id=i) for i, a, n in UNKNOWN])
def test_unknown_names_are_not_found(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    args: tuple[str, ...],
    name: str,
) -> None:
    png = str(files.png("new.png", color=(50, 60, 70)))
    result = cli(*(png if a == "{png}" else a for a in args))
    assert_refused(result, 3, name)
    assert_unchanged(state, before, store_root)


@pytest.mark.parametrize(
    "verb",
    [("rename", "{id}", "Stolen"), ("rm", "{id}", "--yes"), ("cover", "{id}"), ("export", "{id}", "-o", "-")],
    ids=["rename", "rm", "cover", "export"],
)
def test_attachment_of_another_set_is_a_conflict(
    cli: CliRun,
    state: State,
    before: Snapshot,
    store_root: Path,
    seeded: dict[str, int],
    verb: tuple[str, ...],
) -> None:
    kit_photo = str(seeded["kit_photo"])
    args = [kit_photo if a == "{id}" else a for a in verb]
    result = cli("set", args[0], "part:ABCD", *args[1:])
    line = assert_refused(
        result, 4, f"attachment {kit_photo}", f"does not belong to set {seeded['part_set']}"
    )
    assert "not found" not in line
    assert_unchanged(state, before, store_root)


def test_attachment_addressed_by_set_number_is_checked_too(
    cli: CliRun, state: State, before: Snapshot, store_root: Path, seeded: dict[str, int]
) -> None:
    result = cli("set", "rename", str(seeded["kit_set"]), str(seeded["part_sheet"]), "Stolen")
    assert_refused(
        result, 4, f"attachment {seeded['part_sheet']}", f"does not belong to set {seeded['kit_set']}"
    )
    assert_unchanged(state, before, store_root)


@pytest.mark.parametrize("command", ATTACH_COMMANDS.values(), ids=ATTACH_COMMANDS.keys())
def test_duplicate_content_in_a_set_is_a_conflict(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    seeded: dict[str, int],
    command: tuple[str, ...],
) -> None:
    existing = seeded["kit_photo"] if command[0] == "kit" else seeded["part_photo"]
    title = "front.png" if command[0] == "kit" else "top.png"
    source = files.folder / title
    copy = files.write("same-bytes-other-name.png", source.read_bytes())
    line = assert_refused(cli(*command, str(copy)), 4, "same-bytes-other-name.png", f"attachment {existing}")
    assert repr(title) in line
    assert_unchanged(state, before, store_root)


def test_same_content_in_another_set_is_stored_once(
    cli: CliRun, files: Files, state: State, seeded: dict[str, int]
) -> None:
    blobs_before = state().blobs
    added = json_out(cli("kit", "attach", KIT, str(files.folder / "top.png"), "--json"))
    assert added["set_id"] == seeded["kit_set"]
    assert state().blobs == blobs_before


def test_duplicate_part_key_and_kit_name_are_conflicts(
    cli: CliRun, state: State, before: Snapshot, store_root: Path
) -> None:
    assert_refused(cli("part", "add", "Another part", "--key", "abcd"), 4, "ABCD")
    assert_refused(cli("kit", "add", KIT), 4, KIT)
    assert_unchanged(state, before, store_root)


@pytest.mark.parametrize(
    "args",
    [
        ("set", "add", "box:1", "{png}"),
        ("set", "add", "part:", "{png}"),
        ("set", "list", "box:1"),
        ("set", "rename", "box:1", "1", "New"),
        ("set", "rm", "box:1", "1", "--yes"),
    ],
    ids=["add", "add-empty-key", "list", "rename", "rm"],
)
def test_malformed_set_reference_is_a_usage_error(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    args: tuple[str, ...],
) -> None:
    png = str(files.png("new.png", color=(80, 80, 80)))
    result = cli(*(png if a == "{png}" else a for a in args))
    assert_refused(result, 2, repr(args[2]), "not a set reference")
    assert_unchanged(state, before, store_root)


def test_rm_without_yes_on_a_pipe_is_refused(
    cli: CliRun, state: State, before: Snapshot, store_root: Path, seeded: dict[str, int]
) -> None:
    result = cli("set", "rm", "part:ABCD", str(seeded["part_photo"]), input="y\n")
    assert_refused(result, 2, "--yes")
    assert_unchanged(state, before, store_root)


# --- the database and the store themselves -------------------------------------------------------


def test_locked_database_is_busy_retry(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    db_path: Path,
    seeded: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INVENTORY_BUSY_TIMEOUT_MS", "200")
    photo = files.png("while-locked.png", color=(90, 91, 92))
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        for args in (
            ("part", "attach", "ABCD", str(photo)),
            ("set", "add", f"kit:{KIT}", "https://example.com/locked"),
            ("set", "rename", "part:ABCD", str(seeded["part_photo"]), "Renamed"),
            ("part", "add", "Locked out"),
        ):
            line = assert_refused(cli(*args), 75, "database busy", str(db_path))
            assert "locked" in line
        assert_unchanged(state, before, store_root)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Once the lock is gone, the same command goes through.
    added = json_out(cli("part", "attach", "ABCD", str(photo), "--json"))
    assert added["filename"] == "while-locked.png"


def test_garbage_database_file_is_a_storage_error(
    cli: CliRun, files: Files, db_path: Path, store_root: Path, seeded: dict[str, int]
) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    garbage = b"this is not a database, just some bytes\n" * 200
    db_path.write_bytes(garbage)
    blobs_before = sorted(p for p in store_root.rglob("*") if p.is_file())
    for args in (
        ("part", "attach", "ABCD", str(files.png("new.png", color=(3, 3, 3)))),
        ("part", "list"),
        ("set", "rename", "part:ABCD", "1", "New"),
    ):
        assert_refused(cli(*args), 5, str(db_path), "not an inventory database")
    assert db_path.read_bytes() == garbage
    assert sorted(p for p in store_root.rglob("*") if p.is_file()) == blobs_before


def test_database_of_an_unknown_revision_is_refused(
    cli: CliRun, files: Files, state: State, store_root: Path, db_path: Path, seeded: dict[str, int]
) -> None:
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    before = state()
    result = cli("part", "attach", "ABCD", str(files.png("new.png", color=(5, 5, 5))))
    assert_refused(result, 5, "9999", "newer")
    assert_unchanged(state, before, store_root)


def _set_immutable(path: Path, on: bool) -> bool:
    """chattr +i / -i: the one way to make a file read-only for root; False when unavailable."""
    if shutil.which("chattr") is None:
        return False
    done = subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True, check=False)
    return done.returncode == 0


def _writable(path: Path) -> bool:
    try:
        with path.open("r+b"):
            return True
    except PermissionError:
        return False


@pytest.fixture
def read_only_db(db_path: Path, seeded: dict[str, int]) -> Iterator[Path]:
    """The inventory file made read-only: chmod 0o444, and chattr +i when running as root."""
    mode = stat.S_IMODE(db_path.stat().st_mode)
    db_path.chmod(0o444)
    immutable = False
    try:
        if _writable(db_path):  # root (CAP_DAC_OVERRIDE) ignores the mode bits
            immutable = _set_immutable(db_path, True)
            if not immutable or _writable(db_path):
                pytest.skip(
                    "running with the privilege to write read-only files, and chattr +i is unavailable"
                )
        yield db_path
    finally:
        if immutable:
            _set_immutable(db_path, False)
        db_path.chmod(mode)


def test_read_only_database_is_a_storage_error(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    read_only_db: Path,
    seeded: dict[str, int],
) -> None:
    for args in (
        ("part", "attach", "ABCD", str(files.png("new.png", color=(6, 6, 6)))),
        ("set", "rename", "part:ABCD", str(seeded["part_photo"]), "Renamed"),
        ("part", "add", "Cannot be written"),
    ):
        assert_refused(cli(*args), 5, str(read_only_db), "read-only")
    assert_unchanged(state, before, store_root)
    # Reading still works.
    assert [p["key"] for p in json_out(cli("part", "list", "--json"))] == ["ABCD"]


def test_invalid_toml_config_is_refused(
    cli: CliRun, files: Files, state: State, before: Snapshot, store_root: Path, isolated_home: Path
) -> None:
    config = isolated_home / "config.toml"
    config.write_text('max_image_bytes = [1, 2\nstore = "unterminated\n')
    for args in (
        ("part", "attach", "ABCD", str(files.png("new.png", color=(8, 8, 8)))),
        ("part", "list"),
    ):
        assert_refused(cli(*args), 6, str(config), "not valid TOML")
    assert_unchanged(state, before, store_root)


@pytest.mark.parametrize("how", ["env", "option"])
def test_s3_store_without_credentials_is_refused(
    cli: CliRun,
    files: Files,
    state: State,
    before: Snapshot,
    store_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    url = "s3://inventory-bucket/blobs"
    photo = str(files.png("new.png", color=(11, 12, 13)))
    if how == "env":
        monkeypatch.setenv("INVENTORY_STORE", url)
        result = cli("part", "attach", "ABCD", photo)
    else:
        result = cli("--store", url, "part", "attach", "ABCD", photo)
    # No AWS credentials in the test environment: refused before any request is made.
    assert_refused(result, 5, "no usable AWS credentials", "'inventory-bucket'")
    assert_unchanged(state, before, store_root)
    # Nothing was written to a local folder that happens to be named like the URL.
    assert list(workdir.iterdir()) == []
