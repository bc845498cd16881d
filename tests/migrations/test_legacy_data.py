"""Migration 0002 on legacy rows the old schema allowed: unbounded titles, rows without content."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from inventory_cli.storage import migrator
from inventory_cli.storage.engine import create_sqlite_engine
from inventory_cli.storage.schema import HEAD_REVISION
from tests.conftest import CliRun, json_out, snapshot


def _legacy_db(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_sqlite_engine(f"sqlite:///{db_path}", 2000)
    migrator.upgrade(engine, db_path, "0001")
    engine.dispose()
    connection = sqlite3.connect(db_path)
    connection.execute("INSERT INTO parts (key, description) VALUES ('ABCD', 'shift register')")
    connection.commit()
    connection.close()


def _insert_attachments(db_path: Path, rows: list[tuple[str, str | None, str | None, str | None]]) -> None:
    connection = sqlite3.connect(db_path)
    connection.executemany(
        "INSERT INTO part_attachments (part_id, kind, title, blob_digest, url, filename) "
        "VALUES (1, ?, ?, ?, ?, 'sheet.pdf')",
        rows,
    )
    connection.commit()
    connection.close()


def test_blank_and_overlong_legacy_titles_are_repaired_and_reported(cli: CliRun, db_path: Path) -> None:
    _legacy_db(db_path)
    _insert_attachments(
        db_path,
        [
            ("pdf", "   ", "a" * 64, None),
            ("url", "x" * 300, None, "https://example.com/ds"),
            ("pdf", "Datasheet", "b" * 64, None),
        ],
    )

    report = json_out(cli("db", "upgrade", "--json"))

    assert report["after"] == HEAD_REVISION
    assert any("attachment 1" in n and "'sheet.pdf'" in n for n in report["notices"])
    assert any("attachment 2" in n for n in report["notices"])
    assert not any("attachment 3" in n for n in report["notices"])
    connection = sqlite3.connect(db_path)
    titles = connection.execute("SELECT id, title FROM attachments ORDER BY id").fetchall()
    connection.close()
    assert titles == [(1, "sheet.pdf"), (2, "x" * 255), (3, "Datasheet")]


def test_legacy_rows_without_content_refuse_the_upgrade_and_change_nothing(
    cli: CliRun, db_path: Path, store_root: Path
) -> None:
    _legacy_db(db_path)
    _insert_attachments(db_path, [("pdf", "Lost", None, None), ("pdf", "Fine", "c" * 64, None)])
    before = snapshot(db_path, store_root)

    result = cli("db", "upgrade")

    assert result.exit_code == 4, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: 1 legacy attachments have neither") and "1 (part ABCD)" in first
    assert snapshot(db_path, store_root).rows == before.rows
    assert not list(db_path.parent.glob("inventory.db.backup-*")), "a refused upgrade keeps no backup"


def test_ids_are_never_reused_after_a_delete(cli: CliRun, part_key: str) -> None:
    first = json_out(cli("part", "attach", part_key, "https://example.com/a", "--json"))
    assert cli("set", "rm", f"part:{part_key}", str(first["id"]), "--yes").exit_code == 0
    second = json_out(cli("part", "attach", part_key, "https://example.com/b", "--json"))
    assert second["id"] > first["id"]

    old_set = json_out(cli("part", "show", part_key, "--json"))["set_id"]
    assert cli("part", "rm", part_key, "--yes").exit_code == 0
    again = json_out(cli("part", "add", "again", "--key", part_key, "--json"))
    assert again["set_id"] > old_set
