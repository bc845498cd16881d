"""`inventory db copy`: the inventory into another, empty database, verified; failures change nothing."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from inventory_cli.cli.progress import FEWEST_ROWS_SHOWN, row_progress
from inventory_cli.errors import ExitCode
from inventory_cli.storage.copying import all_rows, copy_order, copy_rows, count_rows
from inventory_cli.storage.engine import create_sqlite_engine
from tests.conftest import SAMPLE_DATA, CliRun, assert_error, count, json_out, query, snapshot
from tests.e2e.seeded import restore, seeded_home

# Part ABCD: a PNG, a JPEG (made the cover), a PDF and a link; stock moved between two locations.
# Part RESA: a JPEG cover, stock added then partly removed. Part TEMP was added and removed, so its
# ids are handed out but unused. Kit "Synth Voice" (active) has a picture and a line for ABCD;
# kit "Old Kit" is archived with a line for RESA. Type "Crystal oscillator" was added and the
# seeded type "Relay" removed, so the types differ from what a migration seeds.
copy_home = seeded_home(
    ("part", "add", "Temporary", "--key", "TEMP"),
    ("part", "attach", "TEMP", str(SAMPLE_DATA / "ne555.pdf")),
    ("part", "rm", "TEMP", "--yes"),
    ("part", "add", "8-bit shift register", "--key", "ABCD", "--type", "Logic IC", "--tag", "DIP-16"),
    ("part", "add", "Carbon resistor 10k", "--key", "RESA", "--type", "Resistor", "--pins", "2"),
    ("part", "attach", "ABCD", str(SAMPLE_DATA / "sn74hc595-top.png")),
    ("part", "attach", "ABCD", str(SAMPLE_DATA / "sn74hc595-side.jpg")),
    ("part", "attach", "ABCD", str(SAMPLE_DATA / "sn74hc595.pdf"), "--title", "Datasheet"),
    ("part", "attach", "ABCD", "https://www.ti.com/product/SN74HC595N", "--title", "Product page"),
    ("set", "cover", "part:ABCD", "3"),
    ("part", "attach", "RESA", str(SAMPLE_DATA / "ne555.jpg")),
    ("box", "add", "ICs", "--capacity", "5"),
    ("box", "add", "Passives", "--capacity", "3"),
    ("stock", "add", "ABCD", "1-3", "25"),
    ("stock", "move", "ABCD", "1-3", "1-4", "10"),
    ("stock", "add", "RESA", "2-1", "100"),
    ("stock", "remove", "RESA", "2-1", "5"),
    ("kit", "add", "Synth Voice", "--description", "Analog voice board", "--build-target", "2"),
    ("kit", "attach", "Synth Voice", str(SAMPLE_DATA / "synth-voice-front.png")),
    ("kit", "content", "add", "Synth Voice", "ABCD", "--per-unit", "2", "--note", "U3, U4"),
    ("kit", "add", "Old Kit"),
    ("kit", "content", "add", "Old Kit", "RESA", "--per-unit", "4"),
    ("kit", "archive", "Old Kit"),
    ("type", "add", "Crystal oscillator"),
    ("type", "rm", "Relay"),
)


@pytest.fixture
def source(copy_home: Path, isolated_home: Path, db_path: Path) -> Path:
    """The populated inventory, as this test's own database."""
    restore(copy_home, isolated_home)
    return db_path


def typed_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every inventory table, read as typed values (what any dialect must keep)."""
    engine = create_sqlite_engine(url, 2000) if url.startswith("sqlite") else _engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: all_rows(connection, table) for table in copy_order()}
    finally:
        engine.dispose()


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(url)


def sequences(path: Path) -> list[tuple[Any, ...]]:
    """SQLite's id counters of the AUTOINCREMENT tables."""
    return query(path, "SELECT name, seq FROM sqlite_sequence ORDER BY name")


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def change_target(path: Path, sql: str) -> None:
    """Change the target database around the program, as a conflicting schema would."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(sql)
        connection.commit()
    finally:
        connection.close()


@pytest.fixture
def migrated_target(cli: CliRun, tmp_path: Path) -> Path:
    """An empty database at the current revision (with the seeded types)."""
    target = tmp_path / "target.db"
    assert cli("--db", str(target), "db", "upgrade").exit_code == 0
    return target


# --- copying -----------------------------------------------------------------------------------------


def test_copy_gives_identical_rows_and_a_clean_check(
    cli: CliRun, source: Path, store_root: Path, tmp_path: Path
) -> None:
    target = tmp_path / "copy" / "inventory.db"
    target.parent.mkdir()

    data = json_out(cli("db", "copy", "--to", str(target), "--json"))

    assert set(data) == {"source", "target", "tables", "rows"}
    assert data["source"] == f"sqlite:///{source}" and data["target"] == f"sqlite:///{target}"
    assert data["tables"] == {table.name: count(source, table.name) for table in copy_order()}
    assert data["rows"] == sum(data["tables"].values())
    assert data["tables"]["attachments"] == 6 and data["tables"]["kits"] == 2
    # Every row of every table, raw as stored, alembic_version included; and the id counters.
    assert snapshot(target, store_root).rows == snapshot(source, store_root).rows
    assert typed_rows(f"sqlite:///{target}") == typed_rows(f"sqlite:///{source}")
    assert sequences(target) == sequences(source)
    assert query(target, "SELECT name FROM types WHERE name IN ('Relay', 'Crystal oscillator')") == [
        ("Crystal oscillator",)
    ]
    check = cli("--db", str(target), "db", "check")
    assert check.exit_code == 0, check.stdout + check.stderr


def test_new_rows_on_the_target_get_new_ids(cli: CliRun, source: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.db"
    assert cli("db", "copy", "--to", str(target), "-q").exit_code == 0
    highest_set = query(source, "SELECT seq FROM sqlite_sequence WHERE name = 'attachment_sets'")[0][0]
    highest_part = query(source, "SELECT seq FROM sqlite_sequence WHERE name = 'parts'")[0][0]

    on_target = ("--db", str(target))
    added = json_out(
        cli(*on_target, "part", "add", "Op amp", "--key", "OPAM", "--type", "Crystal oscillator", "--json")
    )
    assert cli(*on_target, "part", "attach", "OPAM", str(SAMPLE_DATA / "ne555.jpg")).exit_code == 0
    assert cli(*on_target, "stock", "add", "OPAM", "2-2", "3").exit_code == 0
    assert cli(*on_target, "kit", "add", "Amp").exit_code == 0
    assert cli(*on_target, "kit", "content", "add", "Synth Voice", "OPAM").exit_code == 0
    assert cli(*on_target, "box", "add", "More", "--capacity", "2").exit_code == 0
    assert cli(*on_target, "type", "add", "Relay").exit_code == 0

    # Ids the source handed out and then deleted (part TEMP and its set) are not handed out again.
    new_part = query(target, "SELECT id, attachment_set_id FROM parts WHERE key = 'OPAM'")[0]
    assert new_part == (highest_part + 1, highest_set + 1)
    assert added["key"] == "OPAM"
    assert cli(*on_target, "db", "check").exit_code == 0


def test_a_target_counter_that_is_already_further_is_kept(
    cli: CliRun, source: Path, migrated_target: Path
) -> None:
    # The target once handed out part ids up to 50 (rows since deleted): they are not handed out again.
    change_target(migrated_target, "UPDATE sqlite_sequence SET seq = 50 WHERE name = 'parts'")

    assert cli("db", "copy", "--to", str(migrated_target)).exit_code == 0

    expected = {name: seq for name, seq in sequences(source)}
    assert {name: seq for name, seq in sequences(migrated_target)} == {**expected, "parts": 50}


def test_human_output_says_blobs_are_not_copied(cli: CliRun, source: Path, tmp_path: Path) -> None:
    result = cli("db", "copy", "--to", f"sqlite:///{tmp_path / 'target.db'}")

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    rows = sum(count(source, table.name) for table in copy_order())
    assert result.stdout.startswith(f"copied {rows} rows in 10 tables from sqlite:///{source} to ")
    assert "blobs are not copied" in result.stdout


def test_help_says_what_is_not_copied(cli: CliRun) -> None:
    result = cli("db", "copy", "--help")

    assert result.exit_code == 0
    assert "blobs" in result.stdout and "store copy" in result.stdout


def test_an_empty_target_at_an_older_revision_is_migrated_first(
    cli: CliRun, source: Path, tmp_path: Path
) -> None:
    target = tmp_path / "old.db"
    assert cli("--db", str(target), "db", "upgrade", "0002").exit_code == 0

    assert cli("db", "copy", "--to", str(target)).exit_code == 0

    assert query(target, "SELECT version_num FROM alembic_version") == [("0003",)]
    assert typed_rows(f"sqlite:///{target}") == typed_rows(f"sqlite:///{source}")


def test_an_empty_source_copies_its_seeded_types(cli: CliRun, migrated_target: Path) -> None:
    data = json_out(cli("db", "copy", "--to", str(migrated_target), "--json"))

    assert data["rows"] == data["tables"]["types"] == 29
    assert (
        typed_rows(f"sqlite:///{migrated_target}")["types"]
        == typed_rows(f"sqlite:///{os.environ['INVENTORY_HOME']}/inventory.db")["types"]
    )


def test_rows_go_in_batches_and_covers_after_the_attachments(
    cli: CliRun, source: Path, tmp_path: Path
) -> None:
    target_path = tmp_path / "batched.db"
    assert cli("--db", str(target_path), "db", "upgrade").exit_code == 0
    reader_engine = create_sqlite_engine(f"sqlite:///{source}", 2000)
    writer_engine = create_sqlite_engine(f"sqlite:///{target_path}", 2000)
    statements: list[tuple[str, bool]] = []

    @event.listens_for(writer_engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, sql: str, _params: Any, _context: Any, many: bool) -> None:
        statements.append((sql.split()[0].upper(), many))

    tables = copy_order()
    with writer_engine.begin() as writer, reader_engine.connect() as reader:
        expected = count_rows(reader, tables)
        copied = copy_rows(reader, writer, tables, ["types"], lambda _n: None, batch=2)
    reader_engine.dispose()
    writer_engine.dispose()

    assert copied == expected
    inserts = [many for verb, many in statements if verb == "INSERT"]
    assert len(inserts) == sum(-(-number // 2) for number in expected.values())
    assert any(inserts)  # batches of two go in as one executemany each
    # One UPDATE batch sets the three covers once their attachments are in.
    assert [verb for verb, _many in statements][-2:] == ["UPDATE", "UPDATE"]
    assert query(
        target_path,
        "SELECT id, cover_attachment_id FROM attachment_sets WHERE cover_attachment_id IS NOT NULL",
    ) == query(
        source, "SELECT id, cover_attachment_id FROM attachment_sets WHERE cover_attachment_id IS NOT NULL"
    )


def test_the_row_progress_bar_draws_on_stderr_for_large_copies_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # draw as on a terminal (only used when stderr is one)
    with row_progress("copying rows", FEWEST_ROWS_SHOWN) as advance:
        advance(FEWEST_ROWS_SHOWN)
    assert capsys.readouterr().err.count("copying rows") >= 1
    with row_progress("copying rows", FEWEST_ROWS_SHOWN - 1) as advance:
        advance(FEWEST_ROWS_SHOWN - 1)
    assert capsys.readouterr() == ("", "")


# --- refusals: the target stays as it was -----------------------------------------------------------


def refused(cli: CliRun, target: Path, store_root: Path, code: ExitCode, *needles: str) -> None:
    """A copy to ``target`` that must fail and leave ``target`` as it was."""
    before = snapshot(target, store_root)
    result = cli("db", "copy", "--to", str(target))
    assert_error(result, code, *needles)
    assert "Traceback" not in result.output
    assert snapshot(target, store_root) == before


def test_a_target_with_rows_is_refused(
    cli: CliRun, source: Path, store_root: Path, migrated_target: Path
) -> None:
    assert cli("--db", str(migrated_target), "part", "add", "Mine", "--key", "MINE").exit_code == 0

    refused(cli, migrated_target, store_root, ExitCode.CONFLICT, f"sqlite:///{migrated_target}", "not empty")


def test_a_target_with_only_a_type_of_its_own_is_refused(
    cli: CliRun, source: Path, store_root: Path, migrated_target: Path
) -> None:
    assert cli("--db", str(migrated_target), "type", "add", "Valve").exit_code == 0

    refused(cli, migrated_target, store_root, ExitCode.CONFLICT, "not empty", "types")


def test_the_same_database_is_refused(
    cli: CliRun, source: Path, store_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = tmp_path / "link.db"
    link.symlink_to(source)
    monkeypatch.chdir(source.parent)

    for spelling in (str(source), "inventory.db", f"sqlite:///{link}"):
        before = snapshot(source, store_root)
        result = cli("db", "copy", "--to", spelling)
        assert_error(result, ExitCode.INVALID_INPUT, "is the database being copied")
        assert snapshot(source, store_root) == before


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("nosuchdb://host/inventory", "unsupported database URL"),
        ("postgresql+pg8000://inv:s3cret-pw@127.0.0.1/inventory", "unsupported database URL"),
        ("postgresql+psycopg://inv@db.local:port/inventory", "not a database URL"),
        ("sqlite://", "in-memory database"),
    ],
)
def test_a_bad_url_is_invalid_input(cli: CliRun, source: Path, url: str, needle: str) -> None:
    result = cli("db", "copy", "--to", url)

    assert_error(result, ExitCode.INVALID_INPUT, needle)


def test_an_unreachable_postgresql_server_is_a_storage_error(cli: CliRun, source: Path) -> None:
    url = f"postgresql+psycopg://inv:s3cret-pw@127.0.0.1:{closed_port()}/inventory"

    result = cli("db", "copy", "--to", url)

    assert_error(result, ExitCode.STORAGE, "inv:***@127.0.0.1")
    assert "s3cret-pw" not in result.output
    assert "Traceback" not in result.output


def test_a_foreign_database_is_refused(cli: CliRun, source: Path, store_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "other.db"
    change_target(target, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")

    refused(cli, target, store_root, ExitCode.STORAGE, "not an inventory database")


def test_a_target_folder_that_does_not_exist_is_a_storage_error(
    cli: CliRun, source: Path, tmp_path: Path
) -> None:
    result = cli("db", "copy", "--to", str(tmp_path / "missing" / "inventory.db"))

    assert_error(result, ExitCode.STORAGE, "missing")
    assert not (tmp_path / "missing").exists()


# --- failures in the middle roll back everything ----------------------------------------------------


def test_a_row_the_target_refuses_rolls_back_everything(
    cli: CliRun, source: Path, store_root: Path, migrated_target: Path
) -> None:
    # Stock history is among the last tables copied: by then every other table is in.
    change_target(
        migrated_target,
        "CREATE TRIGGER no_history BEFORE INSERT ON stock_history "
        "BEGIN SELECT RAISE(ABORT, 'history is read-only here'); END",
    )

    refused(cli, migrated_target, store_root, ExitCode.CONFLICT, "stock_history", "history is read-only here")
    assert count(migrated_target, "parts") == 0 and count(migrated_target, "types") == 29


def test_a_count_mismatch_fails_verification_and_rolls_back(
    cli: CliRun, source: Path, store_root: Path, migrated_target: Path
) -> None:
    change_target(
        migrated_target,
        "CREATE TRIGGER lose_lines AFTER INSERT ON kit_contents "
        "BEGIN DELETE FROM kit_contents WHERE id = NEW.id; END",
    )

    refused(
        cli,
        migrated_target,
        store_root,
        ExitCode.CHECK_FAILED,
        "table kit_contents has 0 rows",
        "the source 2",
    )


def test_a_broken_invariant_fails_verification_and_rolls_back(
    cli: CliRun, source: Path, store_root: Path, migrated_target: Path
) -> None:
    change_target(
        migrated_target,
        "CREATE TRIGGER inflate AFTER INSERT ON stock BEGIN "
        "UPDATE stock SET quantity = quantity + 1 WHERE id = NEW.id; END",
    )

    refused(
        cli, migrated_target, store_root, ExitCode.CHECK_FAILED, "stock matches its history", "not verified"
    )


# --- SQLite -> PostgreSQL -> SQLite --------------------------------------------------------------------


def test_round_trip_through_postgresql_keeps_every_row(
    cli: CliRun, source: Path, tmp_path: Path, postgres_empty_url: str
) -> None:
    postgres_url = postgres_empty_url
    back = tmp_path / "back.db"

    there = json_out(cli("db", "copy", "--to", postgres_url, "--json"))
    again = json_out(cli("--db", postgres_url, "db", "copy", "--to", str(back), "--json"))

    assert there["tables"] == again["tables"]
    password = make_url(postgres_url).password
    assert there["target"] == make_url(postgres_url).render_as_string(hide_password=True)
    assert not password or password not in json.dumps([there, again])
    assert typed_rows(postgres_url) == typed_rows(f"sqlite:///{source}")
    assert typed_rows(f"sqlite:///{back}") == typed_rows(f"sqlite:///{source}")
    assert cli("--db", postgres_url, "db", "check").exit_code == 0
    assert cli("--db", str(back), "db", "check").exit_code == 0
    # New rows on PostgreSQL get ids after the copied ones (its sequences were moved on).
    assert cli("--db", postgres_url, "part", "add", "Op amp", "--key", "OPAM").exit_code == 0
    assert cli("--db", postgres_url, "kit", "add", "Amp").exit_code == 0
