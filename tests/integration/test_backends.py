"""The same inventory on SQLite and on PostgreSQL: what the database refuses, db check, the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, DbBackend, Files, assert_error, json_out

PART = "ABCD"
KIT = "Synth Voice"


@pytest.fixture
def ids(db_backend: DbBackend, cli: CliRun, files: Files) -> dict[str, Any]:
    """A part with an image (its cover), a PDF and a link; a kit with an image (its cover)."""

    def attach(noun: str, owner: str, source: str) -> dict[str, Any]:
        return dict(json_out(cli(noun, "attach", owner, source, "--json")))

    json_out(cli("part", "add", "8-bit shift register", "--key", PART, "--json"))
    json_out(cli("kit", "add", KIT, "--json"))
    part_image = attach("part", PART, str(files.png("part.png")))
    part_pdf = attach("part", PART, str(files.pdf("part.pdf")))
    part_url = attach("part", PART, "https://example.com/sn74hc595")
    kit_image = attach("kit", KIT, str(files.jpeg("kit.jpg")))
    return {
        "part_set": part_image["set_id"],
        "kit_set": kit_image["set_id"],
        "part_image": part_image["id"],
        "part_pdf": part_pdf["id"],
        "part_url": part_url["id"],
        "kit_image": kit_image["id"],
    }


# Statements that break an invariant of DESIGN.md section 1, with what a trigger's refusal says
# (constraint refusals are worded by each database in its own way, so only the refusal counts).
REFUSED: dict[str, tuple[str, str | None]] = {
    "part without a set": ("INSERT INTO parts (key, description) VALUES ('WXYZ', 'no set')", None),
    "kit without a set": (
        "INSERT INTO kits (name, build_target, status) VALUES ('Other', 1, 'active')",
        None,
    ),
    "two parts share a set": (
        "INSERT INTO parts (key, description, attachment_set_id) VALUES ('WXYZ', 'twin', {part_set})",
        None,
    ),
    "bad key": (
        "INSERT INTO parts (key, description, attachment_set_id) VALUES ('abcd', 'lower', {kit_set})",
        None,
    ),
    "new part takes a kit's set": (
        "INSERT INTO parts (key, description, attachment_set_id) VALUES ('WXYZ', 'thief', {kit_set})",
        "already owned by a kit",
    ),
    "kit moved onto a part's set": (
        "UPDATE kits SET attachment_set_id = {part_set} WHERE attachment_set_id = {kit_set}",
        "already owned by a part",
    ),
    "delete a part's set": ("DELETE FROM attachment_sets WHERE id = {part_set}", None),
    "attachment in a missing set": (
        "INSERT INTO attachments (attachment_set_id, kind, title, url) "
        "VALUES (9999, 'url', 'lost', 'https://example.com')",
        None,
    ),
    "cover from another set": (
        "UPDATE attachment_sets SET cover_attachment_id = {kit_image} WHERE id = {part_set}",
        "cover must be an image of the same set",
    ),
    "PDF cover": (
        "UPDATE attachment_sets SET cover_attachment_id = {part_pdf} WHERE id = {part_set}",
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


def test_the_database_refuses_what_breaks_an_invariant(db_backend: DbBackend, ids: dict[str, Any]) -> None:
    before = db_backend.rows()
    for case, (sql, message) in REFUSED.items():
        with pytest.raises(DBAPIError) as refused:
            db_backend.execute(sql.format(**ids))
        if message is not None:
            assert message in str(refused.value), case
    assert db_backend.rows() == before


def test_the_database_accepts_a_cover_set_before_its_attachment_in_one_transaction(
    db_backend: DbBackend, ids: dict[str, Any], cli: CliRun, files: Files
) -> None:
    """The cover checks look at the state a transaction ends with (on PostgreSQL at its commit)."""
    second = json_out(cli("part", "attach", PART, str(files.png("second.png", (9, 9, 9))), "--json"))
    db_backend.execute(
        f"UPDATE attachment_sets SET cover_attachment_id = {second['id']} WHERE id = {ids['part_set']}"
    )
    db_backend.execute(f"UPDATE attachments SET kind = 'pdf' WHERE id = {ids['part_image']}")
    assert db_backend.query(
        "SELECT cover_attachment_id FROM attachment_sets WHERE id = :id", id=ids["part_set"]
    ) == [(second["id"],)]


@pytest.mark.parametrize("owner", ["part", "kit"])
def test_deleting_an_owner_row_removes_its_set_and_attachments(
    owner: str, db_backend: DbBackend, ids: dict[str, Any], cli: CliRun
) -> None:
    gone, kept = ("part_set", "kit_set") if owner == "part" else ("kit_set", "part_set")
    kept_rows = db_backend.query("SELECT id FROM attachments WHERE attachment_set_id = :s", s=ids[kept])
    if owner == "part":
        db_backend.execute("DELETE FROM parts WHERE key = :key", key=PART)
    else:
        db_backend.execute("DELETE FROM kits WHERE name = :name", name=KIT)
    assert db_backend.query("SELECT id FROM attachment_sets WHERE id = :s", s=ids[gone]) == []
    assert db_backend.query("SELECT id FROM attachments WHERE attachment_set_id = :s", s=ids[gone]) == []
    assert (
        db_backend.query("SELECT id FROM attachments WHERE attachment_set_id = :s", s=ids[kept]) == kept_rows
    )
    assert json_out(cli("db", "check", "--json"))["ok"] is True


def test_db_check_reports_an_orphan_set(db_backend: DbBackend, ids: dict[str, Any], cli: CliRun) -> None:
    report = json_out(cli("db", "check", "--json"))
    assert report["ok"] is True
    assert "I3 set has an owner" in report["checks"]
    db_backend.execute("INSERT INTO attachment_sets (cover_attachment_id) VALUES (NULL)")
    orphan = max(row[0] for row in db_backend.query("SELECT id FROM attachment_sets"))

    result = cli("db", "check", "--json")

    assert result.exit_code == ExitCode.CHECK_FAILED, result.stderr
    import json

    problems = json.loads(result.stdout)["problems"]
    assert {"check": "I3 set has an owner", "detail": f"set {orphan} has no owner"} in problems


def test_cli_smoke(db_backend: DbBackend, cli: CliRun, files: Files) -> None:
    """part add / attach / list, set cover, stock, part rm on both databases."""
    json_out(cli("part", "add", "Timer", "--key", "TIME", "--tag", "Analog", "--json"))
    json_out(cli("part", "add", "Untagged", "--key", "NTAG", "--json"))  # tags stored as JSON null
    first = json_out(cli("part", "attach", "TIME", str(files.png("a.png", (1, 2, 3))), "--json"))
    second = json_out(cli("part", "attach", "TIME", str(files.png("b.png", (4, 5, 6))), "--json"))
    assert first["is_cover"] and not second["is_cover"]
    assert [p["key"] for p in json_out(cli("part", "list", "--tag", "analog", "--json"))] == ["TIME"]
    assert [p["key"] for p in json_out(cli("part", "list", "--search", "TIM", "--json"))] == ["TIME"]
    assert cli("set", "cover", "part:TIME", str(second["id"])).exit_code == 0
    assert json_out(cli("set", "list", "part:TIME", "--json"))["cover_id"] == second["id"]
    assert cli("box", "add", "Drawer", "--capacity", "4").exit_code == 0
    assert cli("stock", "add", "TIME", "1-1", "5").exit_code == 0
    assert cli("stock", "move", "TIME", "1-1", "1-2", "2").exit_code == 0
    held = json_out(cli("stock", "list", "TIME", "--json"))
    assert {line["location"]: line["quantity"] for line in held["locations"]} == {"1-1": 3, "1-2": 2}
    assert_error(cli("set", "cover", "part:TIME", "999"), ExitCode.NOT_FOUND)
    assert cli("part", "rm", "TIME", "--force", "--yes").exit_code == 0
    assert db_backend.query("SELECT COUNT(*) FROM attachments") == [(0,)]
    assert json_out(cli("db", "check", "--json"))["ok"] is True


def test_a_bundle_restores_into_either_database_and_new_rows_follow(
    db_backend: DbBackend, cli: CliRun, files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bundle written from SQLite restores every row with its id; new rows then get fresh ids."""
    monkeypatch.setenv("INVENTORY_DB", f"sqlite:///{tmp_path / 'source.db'}")
    json_out(cli("part", "add", "Timer", "--key", "TIME", "--json"))
    json_out(cli("part", "add", "Relay", "--key", "RELY", "--json"))
    json_out(cli("part", "attach", "TIME", str(files.png("a.png", (1, 2, 3))), "--json"))
    json_out(cli("kit", "add", "Clock", "--json"))
    bundle = tmp_path / "b.tar"
    assert cli("export", "--bundle", str(bundle)).exit_code == 0
    source = {p["key"]: p for p in json_out(cli("part", "list", "--json"))}
    monkeypatch.setenv("INVENTORY_DB", db_backend.url)

    restored = json_out(cli("import", "--bundle", str(bundle), "--json"))

    assert restored["created"]["parts"] == 2
    assert {p["key"]: p for p in json_out(cli("part", "list", "--json"))} == source
    # A sequence left behind the restored ids would hand out a taken id here (duplicate key).
    assert cli("part", "add", "Buzzer", "--key", "BUZZ").exit_code == 0
    ((new_id, restored_max),) = db_backend.query(
        "SELECT MAX(CASE WHEN key = 'BUZZ' THEN id END), MAX(CASE WHEN key <> 'BUZZ' THEN id END) FROM parts"
    )
    assert new_id > restored_max
    assert cli("kit", "add", "Radio").exit_code == 0
    assert cli("box", "add", "Drawer", "--capacity", "2").exit_code == 0
    assert json_out(cli("db", "check", "--json"))["ok"] is True


def test_a_held_writer_lock_makes_writes_and_gc_busy_but_not_reads(
    db_backend: DbBackend, cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another command inside a write transaction: writes (gc too) wait, then exit 75."""
    json_out(cli("part", "add", "Timer", "--key", "TIME", "--json"))
    monkeypatch.setenv("INVENTORY_BUSY_TIMEOUT_MS", "200")
    engine = db_backend.engine()
    try:
        # A write transaction as the program begins one: BEGIN IMMEDIATE, or the advisory lock.
        with engine.begin():
            assert_error(cli("part", "add", "Other", "--key", "OTHR"), ExitCode.RETRY, "database busy")
            assert_error(cli("store", "gc", "--yes"), ExitCode.RETRY, "database busy")
            assert [p["key"] for p in json_out(cli("part", "list", "--json"))] == ["TIME"]
    finally:
        engine.dispose()
    assert json_out(cli("part", "add", "Other", "--key", "OTHR", "--json"))["key"] == "OTHR"


@pytest.mark.parametrize(
    ("url", "code", "shown"),
    [
        (
            "postgresql+psycopg://bob:s3cret@127.0.0.1:1/inventory",
            ExitCode.STORAGE,
            "cannot connect to database postgresql+psycopg://bob:***@127.0.0.1:1/inventory",
        ),
        ("mysql://bob:s3cret@db.local/inventory", ExitCode.INVALID_INPUT, "unsupported database URL"),
        ("postgresql+psycopg://bob:s3cret@db.local:port/x", ExitCode.INVALID_INPUT, "malformed database URL"),
        ("postgresql+psycopg://bob:s3cret@db.local:5432", ExitCode.INVALID_INPUT, "unsupported database URL"),
    ],
)
def test_a_database_url_that_cannot_be_used_is_named_without_its_password(
    url: str, code: ExitCode, shown: str, cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_DB", url)
    result = cli("part", "list")
    assert_error(result, code, shown)
    assert "s3cret" not in result.stderr


def test_a_wrong_user_or_missing_database_is_a_storage_error(
    postgres_url: str, cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    wrong_user = url.set(username="nobody_here", password="s3cret").render_as_string(hide_password=False)
    monkeypatch.setenv("INVENTORY_DB", wrong_user)
    result = cli("part", "list")
    assert_error(result, ExitCode.STORAGE, "cannot connect to database", "nobody_here:***@")
    assert "s3cret" not in result.stderr

    missing = url.set(database="no_such_inventory").render_as_string(hide_password=False)
    monkeypatch.setenv("INVENTORY_DB", missing)
    assert_error(cli("part", "list"), ExitCode.STORAGE, "no_such_inventory")

    # Trust authentication takes any password: it is still never shown.
    monkeypatch.setenv("INVENTORY_DB", url.set(password="s3cret").render_as_string(hide_password=False))
    current = json_out(cli("db", "current", "--json"))
    assert current["database"].endswith(f":***@{url.host}:{url.port}/{url.database}")
    assert current["state"] == "current"
