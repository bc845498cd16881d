"""The light SQL path: the same portable statements on plain sqlite3 and on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from inventory_cli.errors import BusyError, ConflictError, StorageError
from tests.conftest import CliRun, DbBackend

INSERT_TYPE = "INSERT INTO types (name) VALUES (:name) RETURNING id"


def test_a_write_commits_and_a_failure_rolls_back(db_backend: DbBackend) -> None:
    inventory = Inventory(load_settings())
    with inventory.plain_sql(write=True) as sql:
        new_id = sql.scalar(INSERT_TYPE, {"name": "Kept"})
    with pytest.raises(RuntimeError), inventory.plain_sql(write=True) as sql:
        sql.execute_many("INSERT INTO types (name) VALUES (:name)", [{"name": "Gone 1"}, {"name": "Gone 2"}])
        raise RuntimeError("stop")
    with inventory.plain_sql() as sql:
        names = {row[0] for row in sql.rows("SELECT name FROM types WHERE name LIKE :p", {"p": "%e%"})}
        assert sql.first("SELECT id FROM types WHERE name = :n", {"n": "Kept"}) == (new_id,)
    inventory.close()
    assert "Kept" in names
    assert not {"Gone 1", "Gone 2"} & names
    assert db_backend.query("SELECT count(*) FROM types WHERE name LIKE 'Gone%'") == [(0,)]


def test_rows_inserted_by_position_and_sets_counted_out_arrive_whole(db_backend: DbBackend) -> None:
    from inventory_cli.storage import import_rows

    inventory = Inventory(load_settings())
    with inventory.plain_sql(write=True) as sql:
        sql.insert("types", ["name"], [("Thing one",), ("Thing two",)])
        now = import_rows.timestamp(sql, datetime(2026, 1, 2, 3, 4, 5))
        first = import_rows.next_ids(sql, "attachment_sets", 3)
        import_rows.insert_sets(sql, first, now)  # one after another: counted out in SQL
        gaps = [first[-1] + 5, first[-1] + 7]
        import_rows.insert_sets(sql, gaps, now)  # with gaps (concurrent importers): row by row
        found = import_rows.stored_parts(sql, ["ABCD", "WXYZ"])
    inventory.close()
    assert found == {}
    assert db_backend.query("SELECT name FROM types WHERE name LIKE 'Thing %' ORDER BY name") == [
        ("Thing one",),
        ("Thing two",),
    ]
    sets = db_backend.query(
        "SELECT id, created_at, updated_at, cover_attachment_id FROM attachment_sets ORDER BY id"
    )
    assert [row[0] for row in sets] == [*first, *gaps]
    stamps = {str(value)[:19] for row in sets for value in row[1:3]}
    assert stamps == {"2026-01-02 03:04:05"}
    assert {row[3] for row in sets} == {None}


def test_a_constraint_violation_is_a_storage_error_and_leaves_nothing(db_backend: DbBackend) -> None:
    inventory = Inventory(load_settings())
    with inventory.plain_sql() as sql:  # creates the schema
        sql.scalar("SELECT 1")
    before = db_backend.query("SELECT count(*) FROM types")
    with pytest.raises(ConflictError) as caught, inventory.plain_sql(write=True) as sql:
        sql.execute("INSERT INTO types (name) VALUES (:name)", {"name": "Unique one"})
        sql.execute("INSERT INTO types (name) VALUES (:name)", {"name": "Unique one"})
    inventory.close()
    assert "unique" in str(caught.value).lower()
    assert db_backend.query("SELECT count(*) FROM types") == before


def test_reading_a_current_sqlite_file_never_imports_sqlalchemy(inventory: Inventory, db_path: Path) -> None:
    with inventory.plain_sql() as sql:  # the first use creates the schema (the full path)
        assert sql.scalar("SELECT count(*) FROM parts") == 0
    inventory.close()
    program = (
        "import sys\n"
        "from inventory_cli.bootstrap import Inventory\n"
        "from inventory_cli.config import load_settings\n"
        "inv = Inventory(load_settings())\n"
        "with inv.plain_sql() as sql:\n"
        "    print(sql.scalar('SELECT count(*) FROM types'))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'sqlmodel', 'alembic'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    count, modules = done.stdout.splitlines()
    assert int(count) > 0
    assert modules == "[]"


def test_a_sqlite_file_at_an_older_revision_is_refused(inventory: Inventory, db_path: Path) -> None:
    with inventory.plain_sql() as sql:
        sql.scalar("SELECT 1")
    inventory.close()
    import sqlite3

    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '0002'")
    raw.close()
    with pytest.raises(StorageError, match="revision 0002"), Inventory(load_settings()).plain_sql() as sql:
        sql.scalar("SELECT 1")


def test_a_held_write_lock_is_a_busy_error(
    inventory: Inventory, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with inventory.plain_sql() as sql:
        sql.scalar("SELECT 1")
    monkeypatch.setenv("INVENTORY_BUSY_TIMEOUT_MS", "50")
    other = Inventory(load_settings())
    with (
        inventory.plain_sql(write=True),
        pytest.raises(BusyError, match="locked"),
        other.plain_sql(write=True),
    ):
        pass
    inventory.close()
    other.close()


def test_a_refused_commit_is_rolled_back_and_the_connection_stays_usable(inventory: Inventory) -> None:
    with inventory.plain_sql() as sql:
        sql.scalar("SELECT 1")
    with pytest.raises(ConflictError, match="FOREIGN KEY"), inventory.plain_sql(write=True) as sql:
        # Checked only at COMMIT: the commit itself is what fails.
        sql.execute("PRAGMA defer_foreign_keys = ON")
        sql.execute("INSERT INTO parts (key, description, attachment_set_id) VALUES ('ZZZZ', 'x', 999999)")
    with inventory.plain_sql(write=True) as sql:
        assert sql.scalar("SELECT count(*) FROM parts") == 0
    inventory.close()


def test_a_command_closes_its_plain_connection(cli: CliRun, db_path: Path) -> None:
    assert cli("part", "add", "Op amp", "--key", "OPAM").exit_code == 0

    def open_database_files() -> int:
        fds = Path("/proc/self/fd")
        names = []
        for fd in fds.iterdir():
            with contextlib.suppress(OSError):
                names.append(os.readlink(fd))
        return sum(name.startswith(str(db_path)) for name in names)

    before = open_database_files()
    for _ in range(3):
        assert cli("part", "list", "--json").exit_code == 0
        assert cli("part", "show", "OPAM", "--json").exit_code == 0
    assert open_database_files() == before
