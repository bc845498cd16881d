"""``part list``: its filters, the rows they keep, and the JSON form of those rows.

``part list --json`` on 10,000 parts spends its time per row, so its rows go to flat records
(services/json_records.py) without a DTO or a dict per part: each row's values are taken as they
come, in the order of the JSON form (``PartView.to_dict``); tags and times, repeated across parts,
are converted once per distinct stored value. The command imports this module alone of the part
services (no dataclasses to build at start-up).
"""

from __future__ import annotations

from itertools import compress
from operator import is_not
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.part_values import PART_FIELDS
from inventory_cli.errors import InvalidInputError, NotFoundError
from inventory_cli.services.json_records import Layout, Records
from inventory_cli.services.jsontime import iso_utc, stored_time
from inventory_cli.storage import part_rows
from inventory_cli.storage.part_rows import PartFilter
from inventory_cli.storage.plainsql import PlainSql
from inventory_cli.storage.tags import tags_from_db

_HEAD = ("key", *PART_FIELDS, "type")  # columns 1 up to the tags, as they come
_COVER_KEYS = ("id", "title", "filename")
_TAIL = ("attachment_count", "stock_total", "created_at", "updated_at")
_NO_HEAD = (None,) * len(_HEAD)


def type_id_for(sql: PlainSql, type_name: str) -> int:
    """The id of the type called ``type_name`` (any case), or a not-found error with a hint."""
    found = part_rows.type_id_named(sql, type_name)
    if found is not None:
        return found
    import difflib

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


def listed_rows(
    inventory: Inventory,
    *,
    type_name: str | None = None,
    tag: str | None = None,
    low_stock: int | None = None,
    search: str | None = None,
) -> list[tuple[Any, ...]]:
    """The rows of ``part_rows.part_rows`` that the filters of ``part list`` keep, by key."""
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


def list_part_records(
    inventory: Inventory,
    *,
    type_name: str | None = None,
    tag: str | None = None,
    low_stock: int | None = None,
    search: str | None = None,
) -> Records:
    """The parts ``part list`` shows, in their JSON form (each ``PartView.to_dict()``), as flat records."""
    return part_records(
        listed_rows(inventory, type_name=type_name, tag=tag, low_stock=low_stock, search=search)
    )


def _layout(given: tuple[bool, ...], tag_count: int, has_cover: bool) -> Layout:
    """The fields of one part: ``given`` says which of the head columns are not null."""
    head = (name if present else (name, None) for name, present in zip(_HEAD, given, strict=True))
    cover: Any = ("cover", _COVER_KEYS) if has_cover else ("cover", None)
    return (*head, ("tags", tag_count), "set_id", cover, *_TAIL)


def part_records(rows: list[tuple[Any, ...]]) -> Records:
    """The JSON form of each part row, as flat records."""
    r = part_rows
    layouts: list[Layout] = []
    values: list[Any] = []
    add_layout, add, add_all = layouts.append, values.append, values.extend
    known_layouts: dict[tuple[tuple[bool, ...], int, bool], Layout] = {}
    known_tags: dict[Any, list[str]] = {}
    known_times: dict[Any, str | None] = {}
    head, tail = slice(1, r.TAGS), slice(r.TAGS, r.UPDATED + 1)
    for row in rows:
        head_values = row[head]
        raw_tags, set_id, cover_id, cover_title, cover_file, attachments, stock, created, updated = row[tail]
        if isinstance(raw_tags, str):  # hashable: decode each distinct text once
            tags = known_tags.get(raw_tags)
            if tags is None:
                tags = known_tags[raw_tags] = tags_from_db(raw_tags)
        else:
            tags = tags_from_db(raw_tags)
        has_cover = cover_id is not None and cover_title is not None
        # Nulls are written by the layout: fewer values to encode (most optional fields are empty).
        given = tuple(map(is_not, head_values, _NO_HEAD))
        shape = (given, len(tags), has_cover)
        layout = known_layouts.get(shape)
        if layout is None:
            layout = known_layouts[shape] = _layout(*shape)
        add_layout(layout)
        add_all(compress(head_values, given))
        add_all(tags)
        add(set_id)
        if has_cover:
            add(cover_id)
            add(cover_title)
            add(cover_file)
        add(int(attachments))
        add(int(stock))
        stamp = known_times.get(created)
        if stamp is None:
            stamp = known_times[created] = iso_utc(stored_time(created))
        add(stamp)
        stamp = known_times.get(updated)
        if stamp is None:
            stamp = known_times[updated] = iso_utc(stored_time(updated))
        add(stamp)
    return Records(layouts, values)
