"""The SQL of adding to an attachment set, as portable text: find the set, spot a duplicate, claim the cover.

Runs on a ``PlainSql`` transaction, so that attaching a file to a current SQLite file imports neither
SQLAlchemy nor the models. Parts are found with the part reads' own query (storage/part_rows.py) and
rows are inserted with the import's (storage/import_rows.py); only what those lack is written here.
"""

from __future__ import annotations

from typing import Any

from inventory_cli.storage.plainsql import PlainSql


def set_by_id(sql: PlainSql, set_id: int) -> tuple[int, int | None] | None:
    """The set's id and cover id, or None when there is no such set."""
    row = sql.first("SELECT id, cover_attachment_id FROM attachment_sets WHERE id = :id", {"id": set_id})
    return None if row is None else (int(row[0]), row[1])


def kit_set(sql: PlainSql, name: str) -> tuple[int | None, int | None] | None:
    """The set id and cover id of the kit called ``name`` (exactly, else in any case); None for no kit.

    The set id is None only on a database that 'db check' would flag (a kit whose set is gone).
    """
    select = (
        "SELECT k.name, s.id, s.cover_attachment_id FROM kits k "
        "LEFT JOIN attachment_sets s ON s.id = k.attachment_set_id"
    )
    row = sql.first(f"{select} WHERE k.name = :name", {"name": name})
    if row is None:
        # SQLite's lower() folds ASCII only; kits are few, so fold in Python.
        wanted = name.casefold()
        row = next((r for r in sql.rows(f"{select} ORDER BY k.id") if str(r[0]).casefold() == wanted), None)
    return None if row is None else (row[1], row[2])


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
