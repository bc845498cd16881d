"""Alembic migrations: schema vs. models, the 0001 -> 0002 data move, round trips, refusals, backups."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import warnings
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import metadata
from inventory_cli.services import database
from inventory_cli.storage import migrator
from inventory_cli.storage.engine import create_sqlite_engine
from inventory_cli.storage.schema import HEAD_REVISION, KNOWN_REVISIONS
from tests.conftest import CliRun, Files, image_bytes, json_out, pdf_bytes, snapshot

EXPECTED_TRIGGERS = {
    "trg_parts_delete_set",
    "trg_kits_delete_set",
    "trg_parts_set_unshared_insert",
    "trg_parts_set_unshared_update",
    "trg_kits_set_unshared_insert",
    "trg_kits_set_unshared_update",
    "trg_sets_cover_insert",
    "trg_sets_cover_update",
    "trg_attachments_cover_stays_valid",
}

DEFERRED_COVER_FK = "fk_attachment_sets_cover_attachment_id_attachments"

# Columns the legacy `part_attachments` table shares with `attachments` (everything but the owner).
ATTACHMENT_DATA = (
    "id, kind, title, blob_digest, url, filename, content_type, size_bytes, created_at, updated_at"
)


def attachment_columns(alias: str, *, with_id: bool = True) -> str:
    """ATTACHMENT_DATA qualified by a table alias, for joins."""
    names = [c.strip() for c in ATTACHMENT_DATA.split(",")]
    return ", ".join(f"{alias}.{c}" for c in (names if with_id else names[1:]))


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    """An engine on the isolated inventory's database file, configured like the program's."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    created = create_sqlite_engine(f"sqlite:///{db_path}", 2000)
    yield created
    created.dispose()


def connect(path: Path) -> sqlite3.Connection:
    """A raw autocommit connection with foreign keys enforced."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def query(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """All rows of one query on a fresh connection."""
    with closing(connect(path)) as connection:
        return connection.execute(sql, params).fetchall()


def revision_of(path: Path) -> str | None:
    """The revision stored in alembic_version."""
    rows = query(path, "SELECT version_num FROM alembic_version")
    return rows[0][0] if rows else None


def put_blob(store_root: Path, data: bytes) -> str:
    """Place ``data`` in the local store layout (sha256/ab/cd/<hex>) and return its digest."""
    digest = hashlib.sha256(data).hexdigest()
    path = store_root / "sha256" / digest[:2] / digest[2:4] / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return digest


@dataclass
class Legacy:
    """What was seeded into a database at revision 0001."""

    part_keys: dict[int, str]
    # attachment id -> (part key, kind, title, digest, url, filename, content type, size, created, updated)
    attachments: dict[int, tuple[Any, ...]]
    covers: dict[str, int | None]
    valid_covers: dict[str, int | None]
    kits: list[str]
    kit_rows: list[tuple[Any, ...]]
    part_rows: list[tuple[Any, ...]]


PART_DATA_COLUMNS = (
    "id, key, description, manufacturer, manufacturer_code, type_id, tags, package, pin_count, "
    "pin_pitch, voltage_rating, input_voltage, output_voltage, mounting_type, series, dimensions, "
    "product_page, seller, seller_link, created_at, updated_at"
)
KIT_DATA_COLUMNS = "id, name, description, build_target, status, archived_at, created_at, updated_at"


def seed_legacy(engine: Engine, db_path: Path, store_root: Path) -> Legacy:
    """Migrate an empty database to 0001 and fill it with raw SQL, gaps in the ids included.

    - AAAA: image + pdf + url, cover = its image (valid)
    - BBBB: image + pdf, cover = its PDF (invalid: not an image)
    - CCCC: image, cover = BBBB's image (invalid: another part's)
    - FFFF: pdf + image + url, cover = its image, which is not its first attachment (valid)
    - DDDD, EEEE: no attachments
    - two kits, one archived
    """
    result = migrator.upgrade(engine, db_path, "0001")
    assert result.after == "0001"

    jpeg = image_bytes("JPEG", color=(10, 20, 30))
    png_b = image_bytes("PNG", color=(40, 50, 60))
    png_c = image_bytes("PNG", color=(70, 80, 90))
    png_f = image_bytes("PNG", color=(100, 110, 120))
    sheet = pdf_bytes("NE555 datasheet")
    sheet_f = pdf_bytes("FFFF datasheet")
    digests = {
        name: put_blob(store_root, data)
        for name, data in {
            "jpeg": jpeg,
            "png_b": png_b,
            "png_c": png_c,
            "png_f": png_f,
            "sheet": sheet,
            "sheet_f": sheet_f,
        }.items()
    }
    sizes = {
        "jpeg": len(jpeg),
        "png_b": len(png_b),
        "png_c": len(png_c),
        "png_f": len(png_f),
        "sheet": len(sheet),
        "sheet_f": len(sheet_f),
    }

    part_keys = {1: "AAAA", 2: "BBBB", 3: "CCCC", 4: "FFFF", 5: "DDDD", 8: "EEEE"}

    def blob(aid: int, part: int, kind: str, title: str, name: str, filename: str, ctype: str) -> tuple:
        stamp = f"2025-01-{aid:02d} 10:00:00.000000"
        return (aid, part, kind, title, digests[name], None, filename, ctype, sizes[name], stamp, stamp)

    def link(aid: int, part: int, title: str, url: str) -> tuple:
        stamp = f"2025-01-{aid:02d} 10:00:00.000000"
        return (aid, part, "url", title, None, url, None, None, None, stamp, stamp)

    attachments = [
        blob(1, 1, "image", "Top view", "jpeg", "ne555.jpg", "image/jpeg"),
        blob(2, 1, "pdf", "Datasheet", "sheet", "ne555.pdf", "application/pdf"),
        link(3, 1, "Product page", "https://www.ti.com/product/NE555"),
        blob(5, 2, "image", "Package", "png_b", "595.png", "image/png"),
        # The same PDF content as attachment 2: one blob shared by two parts.
        blob(7, 2, "pdf", "Datasheet", "sheet", "595.pdf", "application/pdf"),
        blob(10, 3, "image", "Pinout", "png_c", "pinout.png", "image/png"),
        blob(11, 4, "pdf", "Datasheet", "sheet_f", "ffff.pdf", "application/pdf"),
        blob(12, 4, "image", "Board", "png_f", "board.png", "image/png"),
        link(13, 4, "Shop", "https://example.com/ffff"),
    ]
    covers: dict[str, int | None] = {"AAAA": 1, "BBBB": 7, "CCCC": 5, "FFFF": 12, "DDDD": None, "EEEE": None}
    valid_covers = {**covers, "BBBB": None, "CCCC": None}

    with closing(connect(db_path)) as connection:
        opamp = connection.execute("SELECT id FROM types WHERE name = 'Op-Amp'").fetchone()[0]
        connection.execute("BEGIN")
        for pid, key in part_keys.items():
            connection.execute(
                "INSERT INTO parts (id, key, description, manufacturer, type_id, tags, pin_count, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    pid,
                    key,
                    f"part {key}",
                    "ACME" if pid % 2 else None,
                    opamp if pid == 3 else None,
                    json.dumps(["legacy", key.lower()]),
                    8,
                    f"2024-12-{pid:02d} 09:00:00.000000",
                    f"2024-12-{pid:02d} 09:30:00.000000",
                ),
            )
        connection.executemany(
            f"INSERT INTO part_attachments (id, part_id, kind, title, blob_digest, url, filename, "
            f"content_type, size_bytes, created_at, updated_at) VALUES ({', '.join('?' * 11)})",
            attachments,
        )
        for pid, key in part_keys.items():
            connection.execute("UPDATE parts SET cover_attachment_id = ? WHERE id = ?", (covers[key], pid))
        connection.execute(
            "INSERT INTO kits (id, name, description, build_target, status, archived_at) "
            "VALUES (1, 'Synth Voice', 'Analog voice', 2, 'active', NULL)"
        )
        connection.execute(
            "INSERT INTO kits (id, name, description, build_target, status, archived_at) "
            "VALUES (3, 'Clock Divider', NULL, 0, 'archived', '2025-02-01 00:00:00.000000')"
        )
        connection.execute("COMMIT")
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []

    return Legacy(
        part_keys=part_keys,
        attachments={a[0]: (part_keys[a[1]], *a[2:]) for a in attachments},
        covers=covers,
        valid_covers=valid_covers,
        kits=["Synth Voice", "Clock Divider"],
        kit_rows=query(db_path, f"SELECT {KIT_DATA_COLUMNS} FROM kits ORDER BY id"),
        part_rows=query(db_path, f"SELECT {PART_DATA_COLUMNS} FROM parts ORDER BY id"),
    )


def head_attachments(db_path: Path) -> dict[int, tuple[Any, ...]]:
    """Attachments at head, keyed by id, with the owning part's key in place of the set id."""
    rows = query(
        db_path,
        f"SELECT a.id, p.key, {attachment_columns('a', with_id=False)} "
        "FROM attachments a JOIN parts p ON p.attachment_set_id = a.attachment_set_id ORDER BY a.id",
    )
    return {row[0]: row[1:] for row in rows}


def head_covers(db_path: Path) -> dict[str, int | None]:
    """Each part's cover at head, joined through its set."""
    rows = query(
        db_path,
        "SELECT p.key, s.cover_attachment_id FROM parts p "
        "JOIN attachment_sets s ON s.id = p.attachment_set_id ORDER BY p.key",
    )
    return dict(rows)


def legacy_attachments(db_path: Path) -> dict[int, tuple[Any, ...]]:
    """Attachments at 0001, keyed by id, with the owning part's key in place of the part id."""
    rows = query(
        db_path,
        f"SELECT a.id, p.key, {attachment_columns('a', with_id=False)} "
        "FROM part_attachments a JOIN parts p ON p.id = a.part_id ORDER BY a.id",
    )
    return {row[0]: row[1:] for row in rows}


def legacy_covers(db_path: Path) -> dict[str, int | None]:
    """Each part's cover at 0001."""
    return dict(query(db_path, "SELECT key, cover_attachment_id FROM parts ORDER BY key"))


# --------------------------------------------------------------------------- schema vs. models


def assert_schema_matches_the_models(connection: Any) -> None:
    """Alembic's comparison of the migrated schema with the models, plus CHECKs and ON DELETE."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    sqlite = connection.dialect.name == "sqlite"
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    # SQLAlchemy cannot reflect SQLite expression indexes, so Alembic skips `uq_types_name_lower`
    # (the unique index on lower(name)) on both sides with these two warnings; the index is
    # asserted through sqlite_master below instead.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index uq_types_name_lower")
        warnings.filterwarnings("ignore", message=".*expression-based index 'uq_types_name_lower'")
        diff = compare_metadata(context, metadata)
    if not sqlite:
        # The one intended difference: PostgreSQL checks the set -> cover key at commit
        # (DEFERRABLE INITIALLY DEFERRED, asserted by the PostgreSQL test), the models and
        # SQLite at once. Alembic reports it as the key removed and added again.
        diff = [
            item
            for item in diff
            if not (item[0] in ("remove_fk", "add_fk") and item[1].name == DEFERRED_COVER_FK)
        ]
    assert diff == []

    # compare_metadata ignores CHECK constraints and ON DELETE actions; compare those by hand.
    # PostgreSQL reflects a CHECK in its own normalised spelling (and the key format in its own
    # pattern syntax), so there the names are compared.
    inspector = inspect(connection)
    for table in metadata.sorted_tables:
        model_checks = {
            (c.name, " ".join(str(c.sqltext).split()) if sqlite else "")
            for c in table.constraints
            if type(c).__name__ == "CheckConstraint"
        }
        db_checks = {
            (c["name"], " ".join(c["sqltext"].split()) if sqlite else "")
            for c in inspector.get_check_constraints(table.name)
        }
        assert db_checks == model_checks, table.name
        model_fks = {
            (
                fk.name,
                tuple(fk.column_keys),
                fk.referred_table.name,
                tuple(e.column.name for e in fk.elements),
                (fk.ondelete or "").upper() or None,
            )
            for fk in table.foreign_key_constraints
        }
        db_fks = {
            (
                fk["name"],
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                (fk["options"].get("ondelete") or "").upper() or None,
            )
            for fk in inspector.get_foreign_keys(table.name)
        }
        assert db_fks == model_fks, table.name


def test_empty_database_upgraded_to_head_matches_the_models(engine: Engine, db_path: Path) -> None:
    result = migrator.upgrade(engine, db_path)
    assert (result.before, result.after, result.backup) == (None, HEAD_REVISION, None)

    with engine.connect() as connection:
        assert_schema_matches_the_models(connection)

    index_sql = query(
        db_path, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'uq_types_name_lower'"
    )
    assert len(index_sql) == 1
    normalised = " ".join(index_sql[0][0].split()).lower()
    assert normalised.startswith("create unique index uq_types_name_lower on types")
    assert "lower(name)" in normalised
    with closing(connect(db_path)) as connection, pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        connection.execute("INSERT INTO types (name) VALUES ('op-amp')")  # 'Op-Amp' is seeded

    triggers = {name for (name,) in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == EXPECTED_TRIGGERS
    assert query(db_path, "PRAGMA foreign_key_check") == []


def test_known_revisions_match_the_script_directory() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(migrator.migrations_dir()))
    assert scripts.get_heads() == [HEAD_REVISION]
    base_to_head = [script.revision for script in scripts.walk_revisions("base", "heads")][::-1]
    assert tuple(base_to_head) == KNOWN_REVISIONS
    assert KNOWN_REVISIONS[-1] == HEAD_REVISION


# --------------------------------------------------------------------------- 0001 -> 0002 data move


def test_upgrade_moves_legacy_attachments_into_one_set_per_owner(
    engine: Engine, db_path: Path, store_root: Path, inventory: Inventory
) -> None:
    legacy = seed_legacy(engine, db_path, store_root)
    attachment_count = len(query(db_path, "SELECT id FROM part_attachments"))
    assert attachment_count == len(legacy.attachments)
    assert legacy_covers(db_path) == legacy.covers

    result = migrator.upgrade(engine, db_path)

    assert (result.before, result.after) == ("0001", HEAD_REVISION)
    assert revision_of(db_path) == HEAD_REVISION

    # One set per owner, none shared, none left over.
    part_sets = query(
        db_path, "SELECT p.key, s.id FROM parts p JOIN attachment_sets s ON s.id = p.attachment_set_id"
    )
    kit_sets = query(
        db_path, "SELECT k.name, s.id FROM kits k JOIN attachment_sets s ON s.id = k.attachment_set_id"
    )
    assert sorted(key for key, _ in part_sets) == sorted(legacy.part_keys.values())
    assert sorted(name for name, _ in kit_sets) == sorted(legacy.kits)
    set_ids = [set_id for _, set_id in part_sets + kit_sets]
    assert len(set(set_ids)) == len(set_ids)
    assert query(db_path, "SELECT COUNT(*) FROM attachment_sets") == [(len(set_ids),)]

    # Every attachment kept its id and data and sits in its part's set; nothing was lost.
    assert head_attachments(db_path) == legacy.attachments
    assert query(db_path, "SELECT COUNT(*) FROM attachments") == [(attachment_count,)]

    # Valid covers carried, invalid ones dropped and reported by part key.
    assert head_covers(db_path) == legacy.valid_covers
    assert len(result.notices) == 2, result.notices
    bbbb = [n for n in result.notices if "BBBB" in n]
    cccc = [n for n in result.notices if "CCCC" in n]
    assert len(bbbb) == 1 and "7" in bbbb[0] and "pdf" in bbbb[0]
    assert len(cccc) == 1 and "5" in cccc[0]
    assert not any(key in " ".join(result.notices) for key in ("AAAA", "FFFF", "DDDD", "EEEE"))

    # Kits start with empty sets and no cover.
    assert query(
        db_path,
        "SELECT k.name, s.cover_attachment_id, COUNT(a.id) FROM kits k "
        "JOIN attachment_sets s ON s.id = k.attachment_set_id "
        "LEFT JOIN attachments a ON a.attachment_set_id = s.id GROUP BY k.name ORDER BY k.name",
    ) == [("Clock Divider", None, 0), ("Synth Voice", None, 0)]

    # The owners' own columns came through the table rebuilds unchanged.
    assert query(db_path, f"SELECT {PART_DATA_COLUMNS} FROM parts ORDER BY id") == legacy.part_rows
    assert query(db_path, f"SELECT {KIT_DATA_COLUMNS} FROM kits ORDER BY id") == legacy.kit_rows

    assert query(db_path, "SELECT name FROM sqlite_master WHERE name = 'part_attachments'") == []
    assert query(db_path, "PRAGMA foreign_key_check") == []
    report = database.check(inventory)
    assert report.ok, report.problems


def test_upgrade_drops_a_legacy_cover_that_points_at_nothing(
    engine: Engine, db_path: Path, store_root: Path
) -> None:
    seed_legacy(engine, db_path, store_root)
    # An old database written without foreign keys enforced can hold a dangling cover.
    with closing(sqlite3.connect(db_path, isolation_level=None)) as connection:
        connection.execute("UPDATE parts SET cover_attachment_id = 99 WHERE key = 'DDDD'")

    result = migrator.upgrade(engine, db_path)

    assert head_covers(db_path)["DDDD"] is None
    dddd = [n for n in result.notices if "DDDD" in n]
    assert len(dddd) == 1 and "99" in dddd[0]
    assert query(db_path, "PRAGMA foreign_key_check") == []


def test_downgrade_then_upgrade_round_trips_parts_attachments_and_covers(
    engine: Engine, db_path: Path, store_root: Path, cli: CliRun, files: Files
) -> None:
    legacy = seed_legacy(engine, db_path, store_root)
    migrator.upgrade(engine, db_path)
    # A part made at head gets a set id unlike its part id, so the round trip renumbers sets.
    assert cli("part", "add", "Made at head", "--key", "NEWP").exit_code == 0
    added = json_out(cli("part", "attach", "NEWP", str(files.png(color=(1, 2, 3))), "--json"))
    assert added["is_cover"] is True

    parts_before = query(db_path, f"SELECT {PART_DATA_COLUMNS} FROM parts ORDER BY id")
    kits_before = query(db_path, f"SELECT {KIT_DATA_COLUMNS} FROM kits ORDER BY id")
    attachments_before = head_attachments(db_path)
    covers_before = head_covers(db_path)
    blobs_before = snapshot(db_path, store_root).blobs
    assert covers_before["NEWP"] == added["id"]
    assert len(attachments_before) == len(legacy.attachments) + 1

    down = migrator.downgrade(engine, db_path, "0001", {})
    assert (down.before, down.after) == (HEAD_REVISION, "0001")
    assert revision_of(db_path) == "0001"
    assert legacy_attachments(db_path) == attachments_before
    assert legacy_covers(db_path) == covers_before
    assert query(db_path, f"SELECT {PART_DATA_COLUMNS} FROM parts ORDER BY id") == parts_before
    assert query(db_path, f"SELECT {KIT_DATA_COLUMNS} FROM kits ORDER BY id") == kits_before
    assert query(db_path, "SELECT name FROM sqlite_master WHERE type = 'trigger'") == []
    assert query(db_path, "PRAGMA foreign_key_check") == []

    up = migrator.upgrade(engine, db_path)
    assert up.after == HEAD_REVISION
    assert up.notices == []
    assert head_attachments(db_path) == attachments_before
    assert head_covers(db_path) == covers_before
    assert query(db_path, f"SELECT {PART_DATA_COLUMNS} FROM parts ORDER BY id") == parts_before
    assert query(db_path, f"SELECT {KIT_DATA_COLUMNS} FROM kits ORDER BY id") == kits_before
    assert query(db_path, "PRAGMA foreign_key_check") == []
    assert snapshot(db_path, store_root).blobs == blobs_before
    assert cli("db", "check").exit_code == 0


# --------------------------------------------------------------------------- downgrade refusal


@pytest.fixture
def kit_attachment(cli: CliRun, part_key: str, kit_name: str, files: Files) -> dict[str, Any]:
    """A head database with a part holding two attachments and a kit holding one."""
    for path in (files.png("part.png"), files.pdf("part.pdf")):
        assert cli("part", "attach", part_key, str(path)).exit_code == 0
    return json_out(cli("kit", "attach", kit_name, str(files.jpeg("kit.jpg")), "--title", "Front", "--json"))


def test_downgrade_refuses_to_lose_kit_attachments(
    cli: CliRun, db_path: Path, store_root: Path, kit_attachment: dict[str, Any]
) -> None:
    before = snapshot(db_path, store_root)

    result = cli("db", "downgrade", "0001", "--yes")

    assert result.exit_code == 4, (result.stdout, result.stderr)  # a refusal to lose data: conflict
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, lines  # the error, perhaps a hint line
    assert lines[0].startswith("error:")
    assert "kit" in lines[0] and "--save-dropped" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    after = snapshot(db_path, store_root)
    assert after.rows == before.rows
    assert after.blobs == before.blobs
    assert revision_of(db_path) == HEAD_REVISION
    assert json_out(cli("db", "current", "--json"))["revision"] == HEAD_REVISION
    assert not list(db_path.parent.glob(f"{db_path.name}.backup-*")), "a refused downgrade keeps no backup"


def test_db_upgrade_at_head_changes_nothing_and_writes_no_backup(
    cli: CliRun, db_path: Path, part_key: str
) -> None:
    report = json_out(cli("db", "upgrade", "--json"))

    assert report == {"before": HEAD_REVISION, "after": HEAD_REVISION, "backup": None, "notices": []}
    assert not list(db_path.parent.glob(f"{db_path.name}.backup-*"))


def test_downgrade_without_yes_is_refused_off_a_terminal(
    cli: CliRun, db_path: Path, store_root: Path, kit_attachment: dict[str, Any], tmp_path: Path
) -> None:
    before = snapshot(db_path, store_root)
    result = cli("db", "downgrade", "0001", "--drop-kit-attachments", str(tmp_path / "kit.json"))
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert snapshot(db_path, store_root) == before
    assert not (tmp_path / "kit.json").exists()


def test_downgrade_with_drop_kit_attachments_saves_them_and_keeps_part_attachments(
    cli: CliRun, db_path: Path, store_root: Path, kit_attachment: dict[str, Any], tmp_path: Path
) -> None:
    part_attachments = query(
        db_path,
        f"SELECT {attachment_columns('a')} FROM attachments a "
        "JOIN parts p ON p.attachment_set_id = a.attachment_set_id WHERE p.key = 'ABCD' ORDER BY a.id",
    )
    assert len(part_attachments) == 2
    blobs_before = snapshot(db_path, store_root).blobs
    saved = tmp_path / "kit-attachments.json"

    result = cli("db", "downgrade", "0001", "--drop-kit-attachments", str(saved), "--yes", "--json")

    report = json_out(result)
    assert (report["before"], report["after"]) == (HEAD_REVISION, "0001")
    assert report["backup"] and Path(report["backup"]).is_file()
    assert any(str(saved) in notice for notice in report["notices"])
    rows = json.loads(saved.read_text(encoding="utf-8"))["kit_attachments"]
    assert len(rows) == 1
    assert rows[0]["owner"] == "kit:Synth Voice"
    assert rows[0]["id"] == kit_attachment["id"]
    assert rows[0]["kind"] == "image"
    assert rows[0]["title"] == "Front"
    assert rows[0]["blob_digest"] == kit_attachment["blob_digest"]

    assert revision_of(db_path) == "0001"
    assert query(db_path, f"SELECT {ATTACHMENT_DATA} FROM part_attachments ORDER BY id") == part_attachments
    assert query(db_path, "SELECT name FROM kits") == [("Synth Voice",)]
    assert query(db_path, "PRAGMA foreign_key_check") == []
    # Dropping rows never deletes blobs; only `store gc` does.
    assert snapshot(db_path, store_root).blobs == blobs_before


# --------------------------------------------------------------------------- upgrade backup


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_db_upgrade_writes_a_consistent_backup_at_the_old_revision(
    as_json: bool, engine: Engine, db_path: Path, store_root: Path, cli: CliRun
) -> None:
    legacy = seed_legacy(engine, db_path, store_root)
    # Keep a connection open holding freshly committed rows in the WAL, so that the main file on
    # its own is stale: a plain file copy would miss them, a consistent backup must not.
    with closing(sqlite3.connect(db_path, isolation_level=None)) as holder:
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute(
            "INSERT INTO parts (id, key, description) VALUES (20, 'WALL', 'only in the write-ahead log')"
        )
        naive = db_path.with_name("naive-copy.db")
        shutil.copyfile(db_path, naive)
        assert query(naive, "SELECT key FROM parts WHERE key = 'WALL'") == []
        expected_parts = query(
            db_path, f"SELECT {PART_DATA_COLUMNS}, cover_attachment_id FROM parts ORDER BY id"
        )
        expected_attachments = query(db_path, "SELECT * FROM part_attachments ORDER BY id")

        args = ["db", "upgrade", *(["--json"] if as_json else [])]
        result = cli(*args)

        assert result.exit_code == 0, result.stderr
        if as_json:
            report = json.loads(result.stdout)
            assert set(report) == {"before", "after", "backup", "notices"}
            assert (report["before"], report["after"]) == ("0001", HEAD_REVISION)
            assert len(report["notices"]) == 2
            backup = Path(report["backup"])
        else:
            found = re.search(r"^backup written to (.+)$", result.stderr, re.MULTILINE)
            assert found, result.stderr
            backup = Path(found.group(1))
            assert "0001" in result.stdout and HEAD_REVISION in result.stdout
            assert "BBBB" in result.stderr and "CCCC" in result.stderr  # the dropped covers

    assert backup.is_file() and backup != db_path
    assert query(backup, "PRAGMA integrity_check") == [("ok",)]
    assert revision_of(backup) == "0001"
    assert query(backup, f"SELECT {PART_DATA_COLUMNS}, cover_attachment_id FROM parts ORDER BY id") == (
        expected_parts
    )
    assert query(backup, "SELECT * FROM part_attachments ORDER BY id") == expected_attachments
    assert len(expected_parts) == len(legacy.part_keys) + 1
    assert revision_of(db_path) == HEAD_REVISION
    assert query(db_path, "SELECT key FROM parts WHERE key = 'WALL'") == [("WALL",)]


# --------------------------------------------------------------------------- other commands refuse


def _make_outdated(engine: Engine, db_path: Path) -> None:
    migrator.upgrade(engine, db_path, "0001")


def _make_newer(engine: Engine, db_path: Path) -> None:
    migrator.upgrade(engine, db_path)
    with closing(connect(db_path)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")


def _make_foreign(engine: Engine, db_path: Path) -> None:
    with closing(connect(db_path)) as connection:
        connection.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO recipes (name) VALUES ('bread')")


DATABASES = {
    "outdated": (_make_outdated, "inventory db upgrade"),
    "newer": (_make_newer, "newer"),
    "foreign": (_make_foreign, "not an inventory database"),
}


@pytest.mark.parametrize("command", [("part", "list"), ("kit", "add", "New Kit"), ("db", "check")])
@pytest.mark.parametrize("kind", sorted(DATABASES))
def test_commands_refuse_a_database_at_another_revision(
    kind: str, command: tuple[str, ...], engine: Engine, db_path: Path, store_root: Path, cli: CliRun
) -> None:
    make, expected = DATABASES[kind]
    make(engine, db_path)
    before = snapshot(db_path, store_root)

    result = cli(*command)

    assert result.exit_code == 5, (result.stdout, result.stderr)
    assert expected in result.stderr
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr
    assert snapshot(db_path, store_root) == before


@pytest.mark.parametrize("kind", ["newer", "foreign"])
def test_db_upgrade_refuses_a_newer_or_foreign_database(
    kind: str, engine: Engine, db_path: Path, store_root: Path, cli: CliRun
) -> None:
    make, expected = DATABASES[kind]
    make(engine, db_path)
    before = snapshot(db_path, store_root)

    result = cli("db", "upgrade")

    assert result.exit_code == 5, (result.stdout, result.stderr)
    assert expected in result.stderr
    assert snapshot(db_path, store_root) == before
    assert not list(db_path.parent.glob(f"{db_path.name}.backup-*"))


# --------------------------------------------------------------------------- db current


def test_db_current_json_before_and_after_upgrade(engine: Engine, db_path: Path, cli: CliRun) -> None:
    url = f"sqlite:///{db_path}"
    keys = {"database", "revision", "head", "state"}

    empty = json_out(cli("db", "current", "--json"))
    assert empty == {"database": url, "revision": None, "head": HEAD_REVISION, "state": "empty"}

    migrator.upgrade(engine, db_path, "0001")
    before = json_out(cli("db", "current", "--json"))
    assert set(before) == keys
    assert before == {"database": url, "revision": "0001", "head": HEAD_REVISION, "state": "outdated"}
    text = cli("db", "current")
    assert text.exit_code == 0 and "0001" in text.stdout and "outdated" in text.stdout

    assert cli("db", "upgrade").exit_code == 0
    after = json_out(cli("db", "current", "--json"))
    assert after == {"database": url, "revision": HEAD_REVISION, "head": HEAD_REVISION, "state": "current"}
    assert cli("part", "list", "--json").exit_code == 0
