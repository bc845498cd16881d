"""The SQL of finding a set (by id, part or kit) and of adding to it, as portable text.

Runs on a ``PlainSql`` transaction, so that attaching a file to a current SQLite file imports neither
SQLAlchemy nor the models; the ORM commands run the same lookups on their unit of work's transaction.
Rows are inserted with the import's statements (storage/import_rows.py); only what those lack is here.
"""

from __future__ import annotations

from typing import Any

from inventory_cli.storage.plainsql import PlainSql


def set_by_id(sql: PlainSql, set_id: int) -> tuple[int, int | None] | None:
    """The set's id and cover id, or None when there is no such set."""
    row = sql.first("SELECT id, cover_attachment_id FROM attachment_sets WHERE id = :id", {"id": set_id})
    return None if row is None else (int(row[0]), row[1])


def part_set(sql: PlainSql, key: str) -> tuple[int | None, int | None] | None:
    """The set id and cover id of the part with ``key``; None for no part.

    The set id is None only on a database that 'db check' would flag (a part whose set is gone).
    """
    row = sql.first(
        "SELECT s.id, s.cover_attachment_id FROM parts p "
        "LEFT JOIN attachment_sets s ON s.id = p.attachment_set_id WHERE p.key = :key",
        {"key": key},
    )
    return None if row is None else (row[0], row[1])


def kit_named(sql: PlainSql, name: str) -> tuple[int, str, int | None, int | None] | None:
    """Id, name, set id and cover id of the kit called ``name`` (exactly, else in any case); None for no kit.

    The one rule every command finds a kit by. The set id is None only on a database that
    'db check' would flag (a kit whose set is gone).
    """
    select = (
        "SELECT k.id, k.name, s.id, s.cover_attachment_id FROM kits k "
        "LEFT JOIN attachment_sets s ON s.id = k.attachment_set_id"
    )
    row = sql.first(f"{select} WHERE k.name = :name", {"name": name})
    if row is None:
        # SQLite's lower() folds ASCII only; kits are few, so fold in Python.
        wanted = name.casefold()
        row = next((r for r in sql.rows(f"{select} ORDER BY k.id") if str(r[1]).casefold() == wanted), None)
    return None if row is None else (int(row[0]), str(row[1]), row[2], row[3])


def with_digest(sql: PlainSql, set_id: int, digest: str) -> tuple[int, str] | None:
    """Id and title of an attachment of the set that holds the content ``digest``."""
    row = sql.first(
        "SELECT id, title FROM attachments WHERE attachment_set_id = :set_id AND blob_digest = :digest "
        "ORDER BY id LIMIT 1",
        {"set_id": set_id, "digest": digest},
    )
    return None if row is None else (int(row[0]), str(row[1]))


def with_url(sql: PlainSql, set_id: int, url: str) -> tuple[int, str] | None:
    """Id and title of a bare link of the set that points at ``url``."""
    row = sql.first(
        "SELECT id, title FROM attachments WHERE attachment_set_id = :set_id AND blob_digest IS NULL "
        "AND url = :url ORDER BY id LIMIT 1",
        {"set_id": set_id, "url": url},
    )
    return None if row is None else (int(row[0]), str(row[1]))


def claim_cover(sql: PlainSql, set_id: int, attachment_id: int, now: Any) -> None:
    """Make the attachment the set's cover (the schema's trigger checks it is an image of the set)."""
    sql.execute(
        "UPDATE attachment_sets SET cover_attachment_id = :cover, updated_at = :now WHERE id = :set_id",
        {"cover": attachment_id, "now": now, "set_id": set_id},
    )
