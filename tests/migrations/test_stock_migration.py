"""Migration 0003 (stock tables): upgrades keep data, downgrades never drop it silently."""

from __future__ import annotations

import json
from pathlib import Path

from inventory_cli.errors import ExitCode
from inventory_cli.storage.schema import HEAD_REVISION
from tests.conftest import CliRun, Files, State, assert_error, count, json_out, query

NEW_TABLES = ("boxes", "locations", "stock", "stock_history", "kit_contents")


def tables(db_path: Path) -> set[str]:
    """Names of the database's tables."""
    return {name for (name,) in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'")}


def revision(db_path: Path) -> str:
    """The Alembic revision the database is at."""
    return str(query(db_path, "SELECT version_num FROM alembic_version")[0][0])


def downgrade_to_0002(cli: CliRun) -> None:
    """Take the isolated inventory back to revision 0002 (only works without stock data)."""
    json_out(cli("db", "downgrade", "0002", "--yes", "--json"))


def stocked(cli: CliRun, part_key: str, kit_name: str) -> None:
    """One box, stock with history, and a kit line."""
    assert cli("box", "add", "ICs", "--capacity", "4").exit_code == 0
    assert cli("stock", "add", part_key, "1-2", "7").exit_code == 0
    assert cli("stock", "move", part_key, "1-2", "1-3", "2").exit_code == 0
    assert cli("kit", "content", "add", kit_name, part_key, "--per-unit", "2").exit_code == 0


def test_upgrade_from_0002_keeps_every_row_and_adds_the_empty_tables(
    cli: CliRun, db_path: Path, files: Files, part_key: str, kit_name: str
) -> None:
    assert cli("part", "attach", part_key, str(files.png("top.png"))).exit_code == 0
    assert cli("kit", "attach", kit_name, "https://example.com/schematic").exit_code == 0
    downgrade_to_0002(cli)
    assert revision(db_path) == "0002"
    assert not tables(db_path) & set(NEW_TABLES)
    before = {t: query(db_path, f"SELECT * FROM {t} ORDER BY id") for t in ("parts", "kits", "attachments")}

    report = json_out(cli("db", "upgrade", "--json"))

    assert (report["before"], report["after"]) == ("0002", HEAD_REVISION)
    assert report["backup"] and Path(report["backup"]).is_file()
    for table, rows in before.items():
        assert query(db_path, f"SELECT * FROM {table} ORDER BY id") == rows, table
    assert set(NEW_TABLES) <= tables(db_path)
    assert all(count(db_path, t) == 0 for t in NEW_TABLES)
    assert json_out(cli("db", "check", "--json"))["ok"] is True


def test_downgrade_of_empty_stock_tables_needs_no_file_and_round_trips(
    cli: CliRun, db_path: Path, part_key: str
) -> None:
    downgrade_to_0002(cli)
    assert not tables(db_path) & set(NEW_TABLES)
    json_out(cli("db", "upgrade", "--json"))
    assert revision(db_path) == HEAD_REVISION
    assert cli("box", "add", "Box", "-c", "2").exit_code == 0  # the tables work again


def test_downgrade_with_stock_refuses_and_changes_nothing(
    cli: CliRun, state: State, db_path: Path, part_key: str, kit_name: str
) -> None:
    stocked(cli, part_key, kit_name)
    before = state()

    result = cli("db", "downgrade", "0002", "--yes")

    assert_error(result, ExitCode.CONFLICT, "--save-dropped", "stock")
    assert state() == before
    assert revision(db_path) == HEAD_REVISION
    assert not list(db_path.parent.glob(f"{db_path.name}.backup-*")), "a refused downgrade keeps no backup"


def test_downgrade_with_save_dropped_writes_every_dropped_row_first(
    cli: CliRun, db_path: Path, tmp_path: Path, part_key: str, kit_name: str
) -> None:
    stocked(cli, part_key, kit_name)
    expected = {t: count(db_path, t) for t in NEW_TABLES}
    history = query(db_path, "SELECT part_id, location, delta, action FROM stock_history ORDER BY id")
    saved = tmp_path / "dropped.json"

    report = json_out(cli("db", "downgrade", "0002", "--save-dropped", str(saved), "--yes", "--json"))

    assert (report["before"], report["after"]) == (HEAD_REVISION, "0002")
    assert any(str(saved) in notice for notice in report["notices"])
    dropped = json.loads(saved.read_text(encoding="utf-8"))
    assert {table: len(rows) for table, rows in dropped.items()} == expected
    assert expected["locations"] == 4 and expected["stock_history"] == 3
    assert [
        (row["part_id"], row["location"], row["delta"], row["action"]) for row in dropped["stock_history"]
    ] == [tuple(row) for row in history]
    assert dropped["kit_contents"][0]["per_unit"] == 2
    assert not tables(db_path) & set(NEW_TABLES)
    assert query(db_path, "SELECT key FROM parts") == [(part_key,)]
    assert query(db_path, "PRAGMA foreign_key_check") == []


def test_downgrade_to_0001_saves_stock_and_kit_attachments_in_one_file(
    cli: CliRun, db_path: Path, files: Files, tmp_path: Path, part_key: str, kit_name: str
) -> None:
    stocked(cli, part_key, kit_name)
    assert cli("kit", "attach", kit_name, str(files.png("front.png"))).exit_code == 0
    saved = tmp_path / "dropped.json"

    json_out(cli("db", "downgrade", "0001", "--save-dropped", str(saved), "--yes", "--json"))

    dropped = json.loads(saved.read_text(encoding="utf-8"))
    assert set(dropped) == {*NEW_TABLES, "kit_attachments"}
    assert [row["owner"] for row in dropped["kit_attachments"]] == [f"kit:{kit_name}"]
    assert revision(db_path) == "0001"


def test_save_dropped_refuses_to_overwrite_a_file(
    cli: CliRun, state: State, tmp_path: Path, part_key: str, kit_name: str
) -> None:
    stocked(cli, part_key, kit_name)
    saved = tmp_path / "dropped.json"
    saved.write_text("keep me", encoding="utf-8")
    before = state()

    result = cli("db", "downgrade", "0002", "--save-dropped", str(saved), "--yes")

    assert_error(result, ExitCode.CONFLICT, str(saved))
    assert saved.read_text(encoding="utf-8") == "keep me"
    assert state() == before
