"""Kits in plain SQL: what kit import and export read (all a kit record describes), and what import writes.

Runs on a ``PlainSql`` transaction (``Inventory.plain_sql``, or a unit of work's connection for
export). New kits' sets and attachments are written with the part import's statements (import_rows.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from inventory_cli.storage.import_rows import StoredAttachment, insert_mappings
from inventory_cli.storage.plainsql import PlainSql

KIT_COLUMNS = (
    "id",
    "name",
    "description",
    "build_target",
    "status",
    "archived_at",
    "attachment_set_id",
    "created_at",
    "updated_at",
)


@dataclass
class StoredKit:
    """A kit as the kit import compares it and the kit export writes it."""

    id: int
    name: str
    description: str | None
    build_target: int
    status: str
    set_id: int
    cover_id: int | None
    contents: dict[str, int] = field(default_factory=dict)  # part key -> per-unit quantity
    attachments: list[StoredAttachment] = field(default_factory=list)


def stored_kits(sql: PlainSql) -> dict[str, StoredKit]:
    """Every kit by its case-folded name, with contents (by part key) and attachments in order."""
    rows = sql.rows(
        "SELECT k.id, k.name, k.description, k.build_target, k.status, k.attachment_set_id, "
        "s.cover_attachment_id FROM kits k JOIN attachment_sets s ON s.id = k.attachment_set_id "
        "ORDER BY k.name"
    )
    kits = {
        str(row[1]).casefold(): StoredKit(
            int(row[0]), row[1], row[2], int(row[3]), row[4], int(row[5]), row[6]
        )
        for row in rows
    }
    by_id = {kit.id: kit for kit in kits.values()}
    by_set = {kit.set_id: kit for kit in kits.values()}
    for kit_id, key, per_unit in sql.rows(
        "SELECT c.kit_id, p.key, c.per_unit FROM kit_contents c JOIN parts p ON p.id = c.part_id "
        "ORDER BY p.key"
    ):
        by_id[kit_id].contents[key] = int(per_unit)
    if by_set:
        for set_id, attachment_id, kind, digest, url, filename, content_type in sql.rows(
            "SELECT a.attachment_set_id, a.id, a.kind, a.blob_digest, a.url, a.filename, a.content_type "
            "FROM attachments a JOIN kits k ON k.attachment_set_id = a.attachment_set_id "
            "ORDER BY a.created_at, a.id"
        ):
            by_set[set_id].attachments.append(
                StoredAttachment(attachment_id, kind, digest, url, filename, content_type)
            )
    return kits


def part_ids(sql: PlainSql) -> dict[str, int]:
    """Every part's id by key."""
    return {str(key): int(part_id) for part_id, key in sql.rows("SELECT id, key FROM parts")}


def insert_kits(sql: PlainSql, rows: list[dict[str, Any]]) -> None:
    """New kits; each row has every name of KIT_COLUMNS."""
    insert_mappings(sql, "kits", KIT_COLUMNS, rows)


def update_kit(sql: PlainSql, kit_id: int, values: dict[str, Any]) -> None:
    """Change some columns of one kit (names come from KIT_COLUMNS, never from the input)."""
    assert set(values) <= set(KIT_COLUMNS)
    settings = ", ".join(f"{name} = :{name}" for name in values)
    sql.execute(f"UPDATE kits SET {settings} WHERE id = :kit_id", {**values, "kit_id": kit_id})


def content_lines(sql: PlainSql, kit_id: int) -> dict[int, int]:
    """A kit's content lines: per-unit quantity by part id."""
    rows = sql.rows("SELECT part_id, per_unit FROM kit_contents WHERE kit_id = :kit_id", {"kit_id": kit_id})
    return {int(part_id): int(per_unit) for part_id, per_unit in rows}


def insert_contents(sql: PlainSql, rows: list[dict[str, Any]], now: Any) -> None:
    """New content lines (kit_id, part_id, per_unit)."""
    if rows:
        sql.execute_many(
            "INSERT INTO kit_contents (kit_id, part_id, per_unit, created_at, updated_at) "
            "VALUES (:kit_id, :part_id, :per_unit, :now, :now)",
            [{**row, "now": now} for row in rows],
        )


def set_per_unit(sql: PlainSql, kit_id: int, quantities: Sequence[tuple[int, int]], now: Any) -> None:
    """Change the per-unit quantity of some of a kit's lines: (part id, quantity)."""
    if quantities:
        sql.execute_many(
            "UPDATE kit_contents SET per_unit = :per_unit, updated_at = :now "
            "WHERE kit_id = :kit_id AND part_id = :part_id",
            [{"kit_id": kit_id, "part_id": p, "per_unit": q, "now": now} for p, q in quantities],
        )


def delete_contents(sql: PlainSql, kit_id: int, part_ids: Sequence[int]) -> None:
    """Remove some of a kit's lines, by part id."""
    if part_ids:
        sql.execute_many(
            "DELETE FROM kit_contents WHERE kit_id = :kit_id AND part_id = :part_id",
            [{"kit_id": kit_id, "part_id": part_id} for part_id in part_ids],
        )
