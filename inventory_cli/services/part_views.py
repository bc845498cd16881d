"""Reading parts as DTOs: ``part list`` (drawn as a table) and ``part show``, on the light SQL path.

Nothing here imports SQLAlchemy or the models: on a SQLite file these reads run on plain sqlite3,
so the commands start fast. Rows become the DTOs of services/part_dto.py; the filters, and the JSON
form of ``part list``, are in services/part_listing.py.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.part_values import PART_FIELDS
from inventory_cli.errors import NotFoundError
from inventory_cli.services.jsontime import stored_time
from inventory_cli.services.part_dto import AttachmentView, CoverView, PartView, StockLine
from inventory_cli.services.part_listing import listed_rows
from inventory_cli.storage import part_rows
from inventory_cli.storage.plainsql import PlainSql
from inventory_cli.storage.tags import tags_from_db

_FIELD_ROWS = slice(part_rows.FIELDS_START, part_rows.TYPE_NAME)


def part_view(row: tuple[Any, ...]) -> PartView:
    """The DTO of one row of ``part_rows.part_rows``."""
    r = part_rows
    cover_id, cover_title = row[r.COVER_ID], row[r.COVER_TITLE]
    cover = (
        None
        if cover_id is None or cover_title is None
        else CoverView(cover_id, cover_title, row[r.COVER_FILE])
    )
    return PartView(
        key=row[1],
        fields=dict(zip(PART_FIELDS, row[_FIELD_ROWS], strict=True)),
        type=row[r.TYPE_NAME],
        tags=tags_from_db(row[r.TAGS]),
        set_id=row[r.SET_ID],
        cover=cover,
        attachment_count=int(row[r.ATTACHMENTS]),
        stock_total=int(row[r.STOCK]),
        created_at=stored_time(row[r.CREATED]),
        updated_at=stored_time(row[r.UPDATED]),
    )


def read_part(sql: PlainSql, key: str) -> PartView:
    """The part stored under ``key`` exactly (no attachments), in an open transaction."""
    rows = part_rows.part_rows(sql, key=key)
    if not rows:
        raise NotFoundError(f"no part with key {key!r}")
    return part_view(rows[0])


def list_parts(
    inventory: Inventory,
    *,
    type_name: str | None = None,
    tag: str | None = None,
    low_stock: int | None = None,
    search: str | None = None,
) -> list[PartView]:
    """Parts with type, cover and stock total, by key, in one query; the filters narrow it."""
    rows = listed_rows(inventory, type_name=type_name, tag=tag, low_stock=low_stock, search=search)
    return [part_view(row) for row in rows]


def _attachment_view(row: tuple[Any, ...], cover_id: int | None) -> AttachmentView:
    attachment_id, set_id, kind, title, filename, url, content_type, size, digest, created = row
    return AttachmentView(
        attachment_id,
        set_id,
        kind,
        title,
        filename,
        url,
        content_type,
        size,
        digest,
        stored_time(created),
        is_cover=attachment_id == cover_id,
    )


def show_part(inventory: Inventory, key: str) -> PartView:
    """One part with its attachments (the cover marked) and where it is stored."""
    with inventory.plain_sql() as sql:
        rows = part_rows.part_rows(sql, key=key.strip().upper())
        if not rows:
            raise NotFoundError(f"no part with key {key!r}")
        row = rows[0]
        view = part_view(row)
        attachments = [
            _attachment_view(a, row[part_rows.COVER_ID]) for a in part_rows.set_attachments(sql, view.set_id)
        ]
        stock = [
            StockLine(line_key, description, f"{box_id}-{slot}", quantity)
            for line_key, description, box_id, slot, quantity in part_rows.stock_rows(sql, row[0])
        ]
    return replace(view, attachments=attachments, stock=stock)
