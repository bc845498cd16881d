"""inventory import checks every attachment file, whether it is kept in memory or read again to store it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from inventory_cli.services import import_core as importing
from tests.conftest import CliRun, Files, State, image_bytes, pdf_bytes, query

HEADER = "key,description,attach"


@pytest.fixture(params=["in memory", "read again"], autouse=True)
def file_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small files are kept in memory between check and write; larger ones are read again."""
    if request.param == "read again":
        monkeypatch.setattr(importing, "INLINE_BYTES", 0)
    return str(request.param)


@pytest.fixture(autouse=True)
def created(cli: CliRun) -> None:
    """The inventory exists before the import, so that a refused import can be seen to change nothing."""
    assert cli("type", "list", "--json").exit_code == 0


def csv_file(files: Files, *rows: str) -> Path:
    return files.write("parts.csv", ("\n".join([HEADER, *rows]) + "\n").encode())


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cut.png", image_bytes("PNG")[:-30], "cut.png: corrupt or truncated image"),
        ("cut.jpg", image_bytes("JPEG")[:40], "cut.jpg: corrupt or truncated image"),
        ("cut.pdf", pdf_bytes()[:-40], "cut.pdf: truncated PDF (no end-of-file marker)"),
        ("notes.png", b"just some text\n", "notes.png: content type not allowed"),
        ("empty.png", b"", "empty.png is empty"),
    ],
    ids=["truncated-png", "truncated-jpeg", "truncated-pdf", "text", "empty"],
)
def test_a_bad_attachment_file_is_refused_with_its_line(
    cli: CliRun, files: Files, state: State, name: str, data: bytes, message: str
) -> None:
    files.png("good.png")
    files.write(name, data)
    path = csv_file(files, "AAAA,one,good.png", f"BBBB,two,{name}")
    before = state()
    result = cli("import", str(path))
    assert result.exit_code == ExitCode.INVALID_INPUT, result.stderr
    assert any(line.startswith(f"{path}:3: attach: {message}") for line in result.stderr.splitlines())
    assert f"{path}:2:" not in result.stderr
    assert state() == before


def test_stored_blobs_hold_the_files_bytes(
    cli: CliRun, files: Files, db_path: Path, store_root: Path
) -> None:
    png, pdf = files.png("a.png"), files.pdf("b.pdf")
    path = csv_file(files, "AAAA,one,a.png", "BBBB,two,b.pdf", "CCCC,three,a.png")
    assert cli("import", str(path)).exit_code == 0
    rows = query(db_path, "SELECT filename, blob_digest, size_bytes FROM attachments ORDER BY id")
    expected = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size) for p in (png, pdf)}
    assert [(name, (digest, size)) for name, digest, size in rows] == [
        ("a.png", expected["a.png"]),
        ("b.pdf", expected["b.pdf"]),
        ("a.png", expected["a.png"]),
    ]
    for source in (png, pdf):
        digest = expected[source.name][0]
        assert (store_root / "sha256" / digest[:2] / digest[2:4] / digest).read_bytes() == source.read_bytes()


def test_many_files_in_one_batch_are_all_stored(
    cli: CliRun, files: Files, db_path: Path, store_root: Path
) -> None:
    rows = []
    for number in range(12):  # one batch of twelve files
        files.png(f"p{number}.png", color=(number, 10, 10))
        rows.append(f"{chr(65 + number)}AAA,part {number},p{number}.png")
    assert cli("import", str(csv_file(files, *rows))).exit_code == 0
    assert cli("store", "fsck").exit_code == 0
    assert list((store_root / "tmp").iterdir()) == []  # every staged file became a blob
    assert len(query(db_path, "SELECT DISTINCT blob_digest FROM attachments")) == len(rows)


def test_the_batch_size_help_names_the_number_of_files_that_ends_a_batch(cli: CliRun) -> None:
    from inventory_cli.services.import_core import BATCH_FILES

    result = cli("import", "--help")
    assert f"ends at {BATCH_FILES} files" in " ".join(result.stdout.split())
