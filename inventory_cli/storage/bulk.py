"""Set-at-a-time queries for import and export: a few statements per batch, never one per row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, text
from sqlmodel import Session

from inventory_cli.domain.models import Part, Stock
from inventory_cli.domain.part_values import PART_FIELDS

CHUNK = 500  # keys per IN (...) list, well under SQLite's variable limit


@dataclass
class StoredAttachment:
    """An attachment as the importer compares it: id, kind, content digest and link."""

    id: int
    kind: str
    digest: str | None
    url: str | None
    filename: str | None
    content_type: str | None


@dataclass
class StoredPart:
    """A part with everything a record describes, read in bulk."""

    id: int
    key: str
    set_id: int
    values: dict[str, Any]
    type_id: int | None
    type_name: str | None
    tags: list[str]
    cover_id: int | None
    stock: dict[tuple[int, int], int] = field(default_factory=dict)
    attachments: list[StoredAttachment] = field(default_factory=list)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def types_by_name(session: Session) -> dict[str, tuple[int, str]]:
    """Every type by its case-folded name: (id, name)."""
    rows = session.execute(text("SELECT id, name FROM types")).all()
    return {str(name).casefold(): (int(type_id), str(name)) for type_id, name in rows}


def locations(session: Session) -> dict[tuple[int, int], int]:
    """Every location's id by (box, slot)."""
    rows = session.execute(text("SELECT box_id, slot, id FROM locations")).all()
    return {(int(box), int(slot)): int(location_id) for box, slot, location_id in rows}


def stored_parts(session: Session, keys: Sequence[str] | None = None) -> dict[str, StoredPart]:
    """The parts with ``keys`` (all parts for None), with stock and attachments, in a few queries."""
    columns = ", ".join(f"p.{name}" for name in PART_FIELDS)
    base = (
        "SELECT p.id, p.key, p.attachment_set_id, p.type_id, t.name, p.tags, s.cover_attachment_id, "
        f"{columns} "
        "FROM parts p JOIN attachment_sets s ON s.id = p.attachment_set_id "
        "LEFT JOIN types t ON t.id = p.type_id"
    )
    found: dict[str, StoredPart] = {}
    groups: Iterable[Sequence[str] | None] = [None] if keys is None else _chunks(sorted(set(keys)))
    tags_type = _table(Part).c.tags.type
    tags_from_db = tags_type.result_processor(session.get_bind().dialect, None)
    for group in groups:
        if group is None:
            rows = session.connection().exec_driver_sql(base + " ORDER BY p.key").all()
        else:
            marks = ", ".join("?" for _ in group)
            rows = (
                session.connection().exec_driver_sql(f"{base} WHERE p.key IN ({marks})", tuple(group)).all()
            )
        for row in rows:
            tags = tags_from_db(row[5]) if tags_from_db else row[5]
            found[row[1]] = StoredPart(
                id=row[0],
                key=row[1],
                set_id=row[2],
                type_id=row[3],
                type_name=row[4],
                tags=list(tags or []),
                cover_id=row[6],
                values=dict(zip(PART_FIELDS, row[7:], strict=True)),
            )
    if not found:
        return found
    by_id = {part.id: part for part in found.values()}
    by_set = {part.set_id: part for part in found.values()}
    ids = sorted(by_id) if keys is not None else None
    for group in [None] if ids is None else _chunks(ids):
        where, params = _in("st.part_id", group)
        for part_id, box, slot, quantity in session.execute(
            text(
                "SELECT st.part_id, l.box_id, l.slot, st.quantity FROM stock st "
                f"JOIN locations l ON l.id = st.location_id {where} ORDER BY l.box_id, l.slot"
            ),
            params,
        ):
            if part_id in by_id:
                by_id[part_id].stock[(box, slot)] = quantity
    set_ids = sorted(by_set) if keys is not None else None
    for group in [None] if set_ids is None else _chunks(set_ids):
        where, params = _in("attachment_set_id", group)
        for set_id, attachment_id, kind, digest, url, filename, content_type in session.execute(
            text(
                "SELECT attachment_set_id, id, kind, blob_digest, url, filename, content_type "
                f"FROM attachments {where} ORDER BY created_at, id"
            ),
            params,
        ):
            if set_id in by_set:
                stored = StoredAttachment(attachment_id, kind, digest, url, filename, content_type)
                by_set[set_id].attachments.append(stored)
    return found


def _in(column: str, values: Sequence[Any] | None) -> tuple[str, dict[str, Any]]:
    if values is None:
        return "", {}
    marks = ", ".join(f":v{i}" for i in range(len(values)))
    return f"WHERE {column} IN ({marks})", {f"v{i}": value for i, value in enumerate(values)}


def next_ids(session: Session, model: Any, count: int) -> list[int]:
    """``count`` fresh ids for ``model``'s table, above any ever handed out (AUTOINCREMENT).

    Only safe inside a write transaction (BEGIN IMMEDIATE): no other writer can take them meanwhile.
    """
    name = _table(model).name
    used = session.execute(
        text(
            f"SELECT max(coalesce((SELECT max(id) FROM {name}), 0), "
            "coalesce((SELECT seq FROM sqlite_sequence WHERE name = :name), 0))"
        ),
        {"name": name},
    ).scalar_one()
    return list(range(int(used) + 1, int(used) + 1 + count))


def timestamp(value: datetime) -> str:
    """A datetime in the text form SQLAlchemy stores in SQLite (so ORM reads see the same value)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _db_value(value: Any) -> Any:
    """A value as the ORM would store it: datetimes as text, lists as JSON."""
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, list):
        return json.dumps(value)
    return value


def insert_many(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """One executemany INSERT of ``rows`` (all with the same columns) straight to the driver."""
    if not rows:
        return
    columns = list(rows[0])
    sql = (
        f"INSERT INTO {_table(model).name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    )
    # Only the JSON column and datetimes need converting (callers pass timestamps as text already).
    convert = [i for i, c in enumerate(columns) if c == "tags" or isinstance(rows[0][c], datetime)]
    values: list[tuple[Any, ...]] = []
    for row in rows:
        items = list(row.values())  # every row is built with the same keys in the same order
        for index in convert:
            items[index] = _db_value(items[index])
        values.append(tuple(items))
    session.connection().exec_driver_sql(sql, values)


def set_covers(session: Session, covers: Sequence[tuple[int, int | None]]) -> None:
    """Set the cover of each (set id, attachment id) in one executemany UPDATE."""
    if covers:
        session.execute(
            text("UPDATE attachment_sets SET cover_attachment_id = :cover WHERE id = :set_id"),
            [{"set_id": set_id, "cover": cover} for set_id, cover in covers],
        )


def update_part(session: Session, part_id: int, values: dict[str, Any]) -> None:
    """Change some columns of one part."""
    part = session.get(Part, part_id)
    assert part is not None
    for name, value in values.items():
        setattr(part, name, value)


def replace_stock(session: Session, part_id: int, location_id: int, quantity: int) -> None:
    """Set a part's quantity at a location (0 removes the row)."""
    session.execute(
        text("DELETE FROM stock WHERE part_id = :p AND location_id = :l"), {"p": part_id, "l": location_id}
    )
    if quantity:
        insert_many(session, Stock, [{"part_id": part_id, "location_id": location_id, "quantity": quantity}])
