"""Migrations on PostgreSQL: the schema matches the models, triggers and deferred keys are there,
and a downgrade to the first revision and back keeps the data (run on SQLite too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from inventory_cli.storage import migrator
from inventory_cli.storage.engine import create_engine_for
from inventory_cli.storage.schema import HEAD_REVISION
from tests.conftest import CliRun, DbBackend, Files, json_out
from tests.migrations.test_migrations import EXPECTED_TRIGGERS, assert_schema_matches_the_models


@pytest.fixture
def pg_engine(postgres_empty_url: str) -> Iterator[Engine]:
    """An engine on an empty PostgreSQL database, configured like the program's."""
    engine = create_engine_for(postgres_empty_url, 2000)
    yield engine
    engine.dispose()


def test_empty_postgres_database_upgraded_to_head_matches_the_models(pg_engine: Engine) -> None:
    result = migrator.upgrade(pg_engine, None)
    assert (result.before, result.after, result.backup) == (None, HEAD_REVISION, None)

    with pg_engine.connect() as connection:
        assert_schema_matches_the_models(connection)
        triggers = {
            row[0]
            for row in connection.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        }
        assert triggers == EXPECTED_TRIGGERS
        # The set -> cover key closes the set <-> attachment cycle: checked at commit.
        deferred = connection.exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable AND condeferred"
        ).fetchall()
        assert deferred == [("fk_attachment_sets_cover_attachment_id_attachments",)]
        # The unique index on lower(name) holds on PostgreSQL too.
        names = {row[0] for row in connection.exec_driver_sql("SELECT indexname FROM pg_indexes")}
        assert "uq_types_name_lower" in names


def test_every_migration_down_and_up_again_on_an_empty_postgres_database(pg_engine: Engine) -> None:
    for target in ("0001", "0002", HEAD_REVISION):
        assert migrator.upgrade(pg_engine, None, target).after == target
    assert migrator.downgrade(pg_engine, None, "base", {}).after is None
    with pg_engine.connect() as connection:
        left = connection.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        functions = connection.exec_driver_sql(
            "SELECT proname FROM pg_proc WHERE left(proname, 10) = 'inventory_'"
        ).fetchall()
    assert left == [("alembic_version",)]
    assert functions == []


def _fill(cli: CliRun, files: Files) -> dict[str, Any]:
    json_out(cli("part", "add", "Timer", "--key", "TIME", "--json"))
    json_out(cli("part", "add", "Shift register", "--key", "SHFT", "--json"))
    json_out(cli("kit", "add", "Synth Voice", "--json"))
    image = json_out(cli("part", "attach", "TIME", str(files.png("t.png", (1, 1, 1))), "--json"))
    sheet = json_out(cli("part", "attach", "TIME", str(files.pdf("t.pdf")), "--json"))
    other = json_out(cli("part", "attach", "SHFT", "https://example.com/595", "--json"))
    json_out(cli("kit", "attach", "Synth Voice", str(files.png("k.png", (2, 2, 2))), "--json"))
    assert cli("box", "add", "Drawer", "--capacity", "2").exit_code == 0
    assert cli("stock", "add", "TIME", "1-1", "3").exit_code == 0
    return {"image": image["id"], "sheet": sheet["id"], "other": other["id"]}


def test_downgrade_to_the_first_revision_and_back_keeps_parts_and_their_attachments(
    db_backend: DbBackend, cli: CliRun, files: Files, tmp_path: Path
) -> None:
    ids = _fill(cli, files)
    parts_before = db_backend.query("SELECT id, key, description FROM parts ORDER BY id")
    part_files = db_backend.query(
        "SELECT a.id, p.key, a.kind, a.title, a.blob_digest, a.url FROM attachments a "
        "JOIN parts p ON p.attachment_set_id = a.attachment_set_id ORDER BY a.id"
    )

    down = cli("db", "downgrade", "0001", "--yes", "--save-dropped", str(tmp_path / "dropped.json"))
    assert down.exit_code == 0, down.stderr
    assert (tmp_path / "dropped.json").is_file()  # the kit attachment, the box and the stock
    assert ("pg_dump" in down.stderr) == (db_backend.name == "postgresql")
    assert db_backend.query("SELECT version_num FROM alembic_version") == [("0001",)]
    assert db_backend.query("SELECT id, key, description FROM parts ORDER BY id") == parts_before
    assert (
        db_backend.query(
            "SELECT a.id, p.key, a.kind, a.title, a.blob_digest, a.url FROM part_attachments a "
            "JOIN parts p ON p.id = a.part_id ORDER BY a.id"
        )
        == part_files
    )
    assert db_backend.query("SELECT cover_attachment_id FROM parts WHERE key = 'TIME'") == [(ids["image"],)]

    up = cli("db", "upgrade")
    assert up.exit_code == 0, up.stderr
    assert db_backend.query("SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]
    assert db_backend.query("SELECT id, key, description FROM parts ORDER BY id") == parts_before
    listing = json_out(cli("set", "list", "part:TIME", "--json"))
    assert [a["id"] for a in listing["attachments"]] == [ids["image"], ids["sheet"]]
    assert listing["cover_id"] == ids["image"]
    # New rows get new ids after rows were copied with their own (PostgreSQL's sequences follow).
    added = json_out(cli("part", "attach", "SHFT", str(files.png("n.png", (3, 3, 3))), "--json"))
    assert added["id"] > max(ids.values())
    json_out(cli("part", "add", "Another", "--key", "ANTH", "--json"))
    json_out(cli("kit", "add", "Another kit", "--json"))
    assert json_out(cli("db", "check", "--json"))["ok"] is True
