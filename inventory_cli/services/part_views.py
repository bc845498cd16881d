"""Reading parts: ``part list`` with its filters and ``part show``, on the light SQL path.

Nothing here imports SQLAlchemy or the models: on a SQLite file these reads run on plain sqlite3,
so the commands start fast. Rows become the DTOs of services/part_dto.py, or for ``part list --json``
the flat records of services/part_listing.py.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.errors import InvalidInputError, NotFoundError
from inventory_cli.services.json_records import Records
from inventory_cli.services.part_dto import AttachmentView, CoverView, PartView, StockLine
from inventory_cli.services.part_listing import part_records, stored_tags, stored_time
from inventory_cli.storage import part_rows
from inventory_cli.storage.part_rows import PartFilter
from inventory_cli.storage.plainsql import PlainSql

_FIELD_NAMES = part_rows.FIELD_COLUMNS
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
        fields=dict(zip(_FIELD_NAMES, row[_FIELD_ROWS], strict=True)),
        type=row[r.TYPE_NAME],
        tags=stored_tags(row[r.TAGS]),
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


def type_id_for(sql: PlainSql, type_name: str) -> int:
    """The id of the type called ``type_name`` (any case), or a not-found error with a hint."""
    found = part_rows.type_id_named(sql, type_name)
    if found is not None:
        return found
    names = part_rows.type_names(sql)
    close = difflib.get_close_matches(type_name, names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else None
    raise NotFoundError(f"unknown part type {type_name!r}", hint=hint or "known types: " + ", ".join(names))


def _required_filter(name: str, value: str | None) -> str | None:
    """A filter value, stripped; a blank one is refused rather than silently matching everything."""
    if value is None:
        return None
    if not value.strip():
        raise InvalidInputError(f"--{name} is blank", hint=f"leave out --{name} to list every part")
    return value.strip()


def _listed_rows(
    inventory: Inventory, type_name: str | None, tag: str | None, low_stock: int | None, search: str | None
) -> list[tuple[Any, ...]]:
    """The rows of ``part_rows.part_rows`` that the filters of ``part list`` keep."""
    if low_stock is not None and low_stock < 0:
        raise InvalidInputError(f"low-stock threshold {low_stock} must be 0 or more")
    wanted_type = _required_filter("type", type_name)
    wanted_tag = _required_filter("tag", tag)
    with inventory.plain_sql() as sql:
        where = PartFilter(
            type_id=type_id_for(sql, wanted_type) if wanted_type is not None else None,
            tag=wanted_tag,
            max_stock=low_stock,
            search=search if search else None,
        )
        return part_rows.part_rows(sql, where=where)


def list_parts(
    inventory: Inventory,
    *,
    type_name: str | None = None,
    tag: str | None = None,
    low_stock: int | None = None,
    search: str | None = None,
) -> list[PartView]:
    """Parts with type, cover and stock total, by key, in one query; the filters narrow it."""
    return [part_view(row) for row in _listed_rows(inventory, type_name, tag, low_stock, search)]


def list_part_records(
    inventory: Inventory,
    *,
    type_name: str | None = None,
    tag: str | None = None,
    low_stock: int | None = None,
    search: str | None = None,
) -> Records:
    """The parts of ``list_parts`` in their JSON form (each ``PartView.to_dict()``), as flat records."""
    return part_records(_listed_rows(inventory, type_name, tag, low_stock, search))


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
