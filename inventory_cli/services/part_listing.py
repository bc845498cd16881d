"""The part listing in its JSON form (``PartView.to_dict`` of every part), built straight from the rows.

``part list --json`` on 10,000 parts spends its time per row, so the rows of ``part_rows.part_rows`` go
to flat records (services/json_records.py) without a DTO or a dict per part: each row's values are
taken as they come, in the order of the JSON form; tags and times, repeated across parts, are
converted once per distinct stored value.
"""

from __future__ import annotations

import json
from datetime import datetime
from itertools import compress
from operator import is_not
from typing import Any

from inventory_cli.services.json_records import Layout, Records
from inventory_cli.services.part_dto import iso_utc
from inventory_cli.storage import part_rows

_HEAD = ("key", *part_rows.FIELD_COLUMNS, "type")  # columns 1 up to the tags, as they come
_COVER_KEYS = ("id", "title", "filename")
_TAIL = ("attachment_count", "stock_total", "created_at", "updated_at")
_NO_HEAD = (None,) * len(_HEAD)


def stored_time(value: Any) -> Any:
    """A time column as a datetime: plain sqlite3 hands back the stored text, PostgreSQL a datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def stored_tags(value: Any) -> list[str]:
    """The tags column as a list: JSON text on SQLite (NULL or 'null' for none), decoded on PostgreSQL."""
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return list(value or [])


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
    head = slice(1, r.TAGS)
    cover_columns = slice(r.COVER_ID, r.COVER_FILE + 1)
    for row in rows:
        raw_tags = row[r.TAGS]
        if isinstance(raw_tags, str):  # hashable: decode each distinct text once
            tags = known_tags.get(raw_tags)
            if tags is None:
                tags = known_tags[raw_tags] = stored_tags(raw_tags)
        else:
            tags = stored_tags(raw_tags)
        has_cover = row[r.COVER_ID] is not None and row[r.COVER_TITLE] is not None
        # Nulls are written by the layout: fewer values to encode (most optional fields are empty).
        head_values = row[head]
        given = tuple(map(is_not, head_values, _NO_HEAD))
        shape = (given, len(tags), has_cover)
        layout = known_layouts.get(shape)
        if layout is None:
            layout = known_layouts[shape] = _layout(*shape)
        add_layout(layout)
        add_all(compress(head_values, given))
        add_all(tags)
        add(row[r.SET_ID])
        if has_cover:
            add_all(row[cover_columns])
        add(int(row[r.ATTACHMENTS]))
        add(int(row[r.STOCK]))
        for raw_time in (row[r.CREATED], row[r.UPDATED]):
            stamp = known_times.get(raw_time)
            if stamp is None:
                stamp = known_times[raw_time] = iso_utc(stored_time(raw_time))
            add(stamp)
    return Records(layouts, values)
