"""Set-at-a-time reads for export on a session: a few statements for the whole inventory, never one per row.

The import reads and writes the same rows in plain SQL (import_rows.py, which defines the row types).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, text
from sqlmodel import Session

from inventory_cli.domain.models import Part
from inventory_cli.domain.part_values import PART_FIELDS
from inventory_cli.storage.import_rows import StoredAttachment as StoredAttachment
from inventory_cli.storage.import_rows import StoredPart

CHUNK = 500  # keys per IN (...) list, well under SQLite's variable limit


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
