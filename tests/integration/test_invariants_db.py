"""What the SQLite schema itself refuses (raw SQL around the services), and what `db check` reports."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inventory_cli.cli.main import app
from tests.conftest import CliRun, Files, Snapshot, json_out

PART = "ABCD"
KIT = "Synth Voice"
SETTINGS_ENV = ("INVENTORY_DB", "INVENTORY_STORE", "INVENTORY_MAX_IMAGE_BYTES", "INVENTORY_MAX_PDF_BYTES")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Built once through the CLI, copied into each test's home: a part with an image (its cover),
    a PDF and a link, and a kit with an image (its cover)."""
    home = tmp_path_factory.mktemp("template-home")
    inputs = tmp_path_factory.mktemp("template-in")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INVENTORY_HOME", str(home))
        for name in SETTINGS_ENV:
            patch.delenv(name, raising=False)
        patch.setenv("XDG_CONFIG_HOME", str(inputs / "xdg-config"))
        patch.setenv("XDG_CACHE_HOME", str(inputs / "xdg-cache"))
        patch.setenv("XDG_DATA_HOME", str(inputs / "xdg-data"))
        runner = CliRunner()

        def run(*args: str) -> Any:
            return json_out(runner.invoke(app, list(args)))

        def attach(noun: str, owner: str, source: str) -> dict[str, Any]:
            return run(noun, "attach", owner, source, "--json")

        files = Files(inputs)
        run("part", "add", "8-bit shift register", "--key", PART, "--json")
        run("kit", "add", KIT, "--json")
        part_image = attach("part", PART, str(files.png("part.png")))
        part_pdf = attach("part", PART, str(files.pdf("part.pdf")))
        part_url = attach("part", PART, "https://example.com/sn74hc595")
        kit_image = attach("kit", KIT, str(files.jpeg("kit.jpg")))
    assert part_image["is_cover"] and kit_image["is_cover"]
    assert part_image["set_id"] != kit_image["set_id"]
    return home, {
        "part_set": part_image["set_id"],
        "kit_set": kit_image["set_id"],
        "part_image": part_image["id"],
        "part_pdf": part_pdf["id"],
        "part_url": part_url["id"],
        "kit_image": kit_image["id"],
        "part_digests": [part_image["blob_digest"], part_pdf["blob_digest"]],
        "kit_digest": kit_image["blob_digest"],
    }


@pytest.fixture
def ids(template: tuple[Path, dict[str, Any]], isolated_home: Path) -> dict[str, Any]:
    """A copy of the template inventory as this test's inventory; the ids of its rows."""
    home, template_ids = template
    shutil.copytree(home, isolated_home, dirs_exist_ok=True)
    return dict(template_ids)


@pytest.fixture
def raw(db_path: Path, ids: dict[str, Any]) -> Iterator[sqlite3.Connection]:
    """A raw autocommit connection to the populated database, foreign keys on (as every connection)."""
    with closing(sqlite3.connect(db_path, isolation_level=None)) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
        yield connection


def blob_file(store_root: Path, digest: str) -> Path:
    """Where the local store keeps a blob."""
    return store_root / "sha256" / digest[:2] / digest[2:4] / digest


REFUSED = {
    "part without a set": (
        "INSERT INTO parts (key, description) VALUES ('WXYZ', 'no set')",
        "NOT NULL constraint failed: parts.attachment_set_id",
    ),
    "kit without a set": (
        "INSERT INTO kits (name, build_target, status) VALUES ('Other', 1, 'active')",
        "NOT NULL constraint failed: kits.attachment_set_id",
    ),
    "part set cleared": (
        "UPDATE parts SET attachment_set_id = NULL",
        "NOT NULL constraint failed: parts.attachment_set_id",
    ),
    "two parts share a set": (
        "INSERT INTO parts (key, description, attachment_set_id) VALUES ('WXYZ', 'twin', {part_set})",
        "UNIQUE constraint failed: parts.attachment_set_id",
    ),
    "two kits share a set": (
        "INSERT INTO kits (name, build_target, status, attachment_set_id) "
        "VALUES ('Twin', 1, 'active', {kit_set})",
        "UNIQUE constraint failed: kits.attachment_set_id",
    ),
    "new part takes a kit's set": (
        "INSERT INTO parts (key, description, attachment_set_id) VALUES ('WXYZ', 'thief', {kit_set})",
        "already owned by a kit",
    ),
    "new kit takes a part's set": (
        "INSERT INTO kits (name, build_target, status, attachment_set_id) "
        "VALUES ('Thief', 1, 'active', {part_set})",
        "already owned by a part",
    ),
    "part moved onto a kit's set": (
        "UPDATE parts SET attachment_set_id = {kit_set} WHERE attachment_set_id = {part_set}",
        "already owned by a kit",
    ),
    "kit moved onto a part's set": (
        "UPDATE kits SET attachment_set_id = {part_set} WHERE attachment_set_id = {kit_set}",
        "already owned by a part",
    ),
    "delete a part's set": (
        "DELETE FROM attachment_sets WHERE id = {part_set}",
        "FOREIGN KEY constraint failed",
    ),
    "delete a kit's set": (
        "DELETE FROM attachment_sets WHERE id = {kit_set}",
        "FOREIGN KEY constraint failed",
    ),
    "attachment in a missing set": (
        "INSERT INTO attachments (attachment_set_id, kind, title, url) "
        "VALUES (9999, 'url', 'lost', 'https://example.com')",
        "FOREIGN KEY constraint failed",
    ),
    "cover from another set": (
        "UPDATE attachment_sets SET cover_attachment_id = {kit_image} WHERE id = {part_set}",
        "cover must be an image of the same set",
    ),
    "PDF cover": (
        "UPDATE attachment_sets SET cover_attachment_id = {part_pdf} WHERE id = {part_set}",
        "cover must be an image of the same set",
    ),
    "link cover": (
        "UPDATE attachment_sets SET cover_attachment_id = {part_url} WHERE id = {part_set}",
        "cover must be an image of the same set",
    ),
    "new set with another set's cover": (
        "INSERT INTO attachment_sets (cover_attachment_id) VALUES ({part_image})",
        "cover must be an image of the same set",
    ),
    "cover changes kind": (
        "UPDATE attachments SET kind = 'pdf' WHERE id = {part_image}",
        "attachment is a cover",
    ),
    "cover moves to another set": (
        "UPDATE attachments SET attachment_set_id = {kit_set} WHERE id = {part_image}",
        "attachment is a cover",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_database_refuses(
    case: str, raw: sqlite3.Connection, ids: dict[str, Any], state: Callable[[], Snapshot]
) -> None:
    sql, message = REFUSED[case]
    before = state()

    with pytest.raises(sqlite3.IntegrityError, match=message):
        raw.execute(sql.format(**ids))

    assert state() == before


def test_database_accepts_what_the_invariants_allow(
    raw: sqlite3.Connection, ids: dict[str, Any], cli: CliRun, files: Files
) -> None:
    """The triggers are targeted: a second image of the same set may become the cover, and an
    attachment that is not a cover may change kind."""
    second = json_out(cli("part", "attach", PART, str(files.png("second.png", (9, 9, 9))), "--json"))
    raw.execute(
        "UPDATE attachment_sets SET cover_attachment_id = ? WHERE id = ?", (second["id"], ids["part_set"])
    )
    raw.execute("UPDATE attachments SET kind = 'pdf' WHERE id = ?", (ids["part_image"],))
    raw.execute("UPDATE attachment_sets SET cover_attachment_id = NULL WHERE id = ?", (ids["kit_set"],))
    assert raw.execute(
        "SELECT id, cover_attachment_id FROM attachment_sets ORDER BY id"
    ).fetchall() == sorted([(ids["part_set"], second["id"]), (ids["kit_set"], None)])


@pytest.mark.parametrize("owner", ["part", "kit"])
def test_deleting_an_owner_row_removes_its_set_and_attachments_but_not_blobs(
    owner: str,
    raw: sqlite3.Connection,
    ids: dict[str, Any],
    store_root: Path,
    cli: CliRun,
) -> None:
    gone, kept = ("part_set", "kit_set") if owner == "part" else ("kit_set", "part_set")
    digests = ids["part_digests"] if owner == "part" else [ids["kit_digest"]]
    kept_count = raw.execute(
        "SELECT COUNT(*) FROM attachments WHERE attachment_set_id = ?", (ids[kept],)
    ).fetchone()
    assert all(blob_file(store_root, digest).is_file() for digest in digests)

    if owner == "part":
        raw.execute("DELETE FROM parts WHERE key = ?", (PART,))
    else:
        raw.execute("DELETE FROM kits WHERE name = ?", (KIT,))

    assert raw.execute("SELECT COUNT(*) FROM attachment_sets WHERE id = ?", (ids[gone],)).fetchone() == (0,)
    assert raw.execute(
        "SELECT COUNT(*) FROM attachments WHERE attachment_set_id = ?", (ids[gone],)
    ).fetchone() == (0,)
    # The other owner's set is untouched.
    assert (
        raw.execute("SELECT COUNT(*) FROM attachments WHERE attachment_set_id = ?", (ids[kept],)).fetchone()
        == kept_count
    )
    assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    # Blobs stay until `store gc`; unreferenced blobs are not a problem for `db check`.
    assert all(blob_file(store_root, digest).is_file() for digest in digests)
    result = cli("db", "check")
    assert result.exit_code == 0, (result.stdout, result.stderr)


# --------------------------------------------------------------------------- db check


def test_db_check_is_ok_on_a_clean_database(ids: dict[str, Any], cli: CliRun) -> None:
    text = cli("db", "check")
    assert text.exit_code == 0, (text.stdout, text.stderr)
    assert text.stdout.startswith("ok")
    assert text.stderr == ""

    report = json_out(cli("db", "check", "--json"))
    assert report["ok"] is True
    assert report["problems"] == []
    for name in ("integrity", "I3 set has an owner", "I4 cover is an image of its set", "I6 blob exists"):
        assert name in report["checks"]


def _orphan_set(raw: sqlite3.Connection, ids: dict[str, Any], store_root: Path) -> tuple[str, str]:
    set_id = raw.execute("INSERT INTO attachment_sets DEFAULT VALUES").lastrowid
    return "I3 set has an owner", f"set {set_id} has no owner"


def _missing_blob(raw: sqlite3.Connection, ids: dict[str, Any], store_root: Path) -> tuple[str, str]:
    digest = ids["part_digests"][1]
    blob_file(store_root, digest).unlink()
    return "I6 blob exists", f"blob {digest} is missing (attachment {ids['part_pdf']})"


BROKEN = {"orphan set": _orphan_set, "missing blob": _missing_blob}


@pytest.mark.parametrize("case", list(BROKEN))
def test_db_check_reports_what_sqlite_cannot_refuse(
    case: str, raw: sqlite3.Connection, ids: dict[str, Any], store_root: Path, cli: CliRun
) -> None:
    check, detail = BROKEN[case](raw, ids, store_root)

    text = cli("db", "check")
    assert text.exit_code == 7, (text.stdout, text.stderr)
    assert check in text.stdout
    assert detail in text.stdout
    assert "1 problem" in text.stdout
    assert text.stderr.startswith("error:") and "db check" in text.stderr

    as_json = cli("db", "check", "--json")
    assert as_json.exit_code == 7
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert report["problems"] == [{"check": check, "detail": detail}]
    assert check in report["checks"]
