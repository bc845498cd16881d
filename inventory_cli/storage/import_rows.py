"""Parts with their stock and attachments in plain SQL: the set-at-a-time reads and writes of an import.

Runs on ``Inventory.plain_sql`` (stdlib sqlite3 on a SQLite file, the engine on PostgreSQL), so an
import into a current SQLite file never loads SQLAlchemy. A batch is a few statements per table,
never one per row; the schema's triggers still check every row (cover must be an image of its set).
Export reads every part through the same ``stored_parts``, on its unit of work's connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from inventory_cli.domain.part_values import PART_FIELDS
from inventory_cli.storage.plainsql import PlainSql
from inventory_cli.storage.tags import tags_from_db

# The tables whose new rows an import numbers itself (AUTOINCREMENT on SQLite, serial on PostgreSQL).
NUMBERED = ("attachment_sets", "parts", "attachments", "kits")
PART_COLUMNS = ("id", "key", *PART_FIELDS, "type_id", "tags", "attachment_set_id", "created_at", "updated_at")
# Tags always: a part without any stores them as JSON null, as the models write them for every
# other command.
_PART_NEEDS = frozenset({"id", "key", "description", "tags", "attachment_set_id", "created_at", "updated_at"})
ATTACHMENT_COLUMNS = (
    "id",
    "attachment_set_id",
    "kind",
    "title",
    "blob_digest",
    "url",
    "filename",
    "content_type",
    "size_bytes",
    "created_at",
    "updated_at",
)


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


def _where(sql: PlainSql, column: str, values: Sequence[Any] | None) -> tuple[str, dict[str, Any]]:
    """`` WHERE column`` is one of ``values``, as one parameter however many; nothing for None (every row).

    One JSON or array parameter rather than one per value: binding thousands of named parameters
    cost more than the query (10,000 keys: 9 ms against 2 ms).
    """
    if values is None:
        return "", {}
    if sql.dialect == "postgresql":
        return f" WHERE {column} = ANY(:values)", {"values": list(values)}
    return f" WHERE {column} IN (SELECT value FROM json_each(:values))", {"values": json.dumps(list(values))}


def types_by_name(sql: PlainSql) -> dict[str, tuple[int, str]]:
    """Every type by its case-folded name: (id, name)."""
    rows = sql.rows("SELECT id, name FROM types")
    return {str(name).casefold(): (int(type_id), str(name)) for type_id, name in rows}


def locations(sql: PlainSql) -> dict[tuple[int, int], int]:
    """Every location's id by (box, slot)."""
    rows = sql.rows("SELECT box_id, slot, id FROM locations")
    return {(int(box), int(slot)): int(location_id) for box, slot, location_id in rows}


def stored_parts(sql: PlainSql, keys: Sequence[str] | None) -> dict[str, StoredPart]:
    """The parts with ``keys`` (every part for None), with stock and attachments.

    At most one query per table, however many keys.
    """
    columns = ", ".join(f"p.{name}" for name in PART_FIELDS)
    base = (
        "SELECT p.id, p.key, p.attachment_set_id, p.type_id, t.name, p.tags, s.cover_attachment_id, "
        f"{columns} "
        "FROM parts p JOIN attachment_sets s ON s.id = p.attachment_set_id "
        "LEFT JOIN types t ON t.id = p.type_id"
    )
    found: dict[str, StoredPart] = {}
    where, params = _where(sql, "p.key", None if keys is None else sorted(set(keys)))
    for row in sql.rows(f"{base}{where}", params):
        found[row[1]] = StoredPart(
            id=row[0],
            key=row[1],
            set_id=row[2],
            type_id=row[3],
            type_name=row[4],
            tags=tags_from_db(row[5]),
            cover_id=row[6],
            values=dict(zip(PART_FIELDS, row[7:], strict=True)),
        )
    if not found:
        return found
    by_id = {part.id: part for part in found.values()}
    by_set = {part.set_id: part for part in found.values()}
    where, params = _where(sql, "st.part_id", None if keys is None else sorted(by_id))
    for part_id, box, slot, quantity in sql.rows(
        "SELECT st.part_id, l.box_id, l.slot, st.quantity FROM stock st "
        f"JOIN locations l ON l.id = st.location_id{where} ORDER BY l.box_id, l.slot",
        params,
    ):
        by_id[part_id].stock[(box, slot)] = quantity
    where, params = _where(sql, "attachment_set_id", None if keys is None else sorted(by_set))
    for set_id, attachment_id, kind, digest, url, filename, content_type in sql.rows(
        "SELECT attachment_set_id, id, kind, blob_digest, url, filename, content_type "
        f"FROM attachments{where} ORDER BY created_at, id",
        params,
    ):
        # Without keys this reads the kits' attachments too: only the parts' are kept.
        if set_id in by_set:
            stored = StoredAttachment(attachment_id, kind, digest, url, filename, content_type)
            by_set[set_id].attachments.append(stored)
    return found


def next_ids(sql: PlainSql, table: str, count: int) -> list[int]:
    """``count`` fresh ids for ``table``, above any ever handed out.

    Only inside a write transaction: on SQLite (BEGIN IMMEDIATE) no other writer can take them
    meanwhile, and inserting them moves the AUTOINCREMENT counter on; on PostgreSQL they are
    drawn from the table's sequence.
    """
    assert table in NUMBERED
    if count == 0:
        return []
    if sql.dialect == "postgresql":
        rows = sql.rows(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)",
            {"table": table, "count": count},
        )
        return sorted(int(row[0]) for row in rows)
    used = sql.scalar(
        f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), "
        "coalesce((SELECT seq FROM sqlite_sequence WHERE name = :name), 0))",
        {"name": table},
    )
    return list(range(int(used) + 1, int(used) + 1 + count))


def timestamp(sql: PlainSql, value: datetime) -> Any:
    """A timestamp as this database stores it: the ORM's text form on SQLite, a datetime elsewhere."""
    if sql.dialect == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def insert_sets(sql: PlainSql, ids: Sequence[int], now: Any) -> None:
    """New empty attachment sets (their covers are set once their attachments exist)."""
    if not ids:
        return
    first, last = ids[0], ids[-1]
    if len(ids) > 1 and last - first == len(ids) - 1 and list(ids) == list(range(first, last + 1)):
        # Numbered one after another (always so on SQLite): the database counts them out itself,
        # a third of the time of binding one row after another (10,000 sets: 6 ms against 16 ms).
        sql.execute(
            "INSERT INTO attachment_sets (id, created_at, updated_at) "
            "WITH RECURSIVE n(i) AS "
            "(SELECT CAST(:first AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < :last) "
            "SELECT i, :now, :now FROM n",
            {"first": first, "last": last, "now": now},
        )
        return
    sql.execute_many(
        "INSERT INTO attachment_sets (id, created_at, updated_at) VALUES (:id, :now, :now)",
        [{"id": set_id, "now": now} for set_id in ids],
    )


def part_columns(given: Iterable[str]) -> list[str]:
    """A new part row's columns in PART_COLUMNS order: those among ``given`` and those every part needs.

    The others stay NULL: binding fewer parameters is most of what the insert costs.
    """
    names = set(given)
    return [name for name in PART_COLUMNS if name in names or name in _PART_NEEDS]


def insert_parts(sql: PlainSql, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """New parts, each row its values for ``columns`` (from ``part_columns``) in that order."""
    if rows:
        sql.insert("parts", columns, rows)


def insert_mappings(sql: PlainSql, table: str, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """New rows of ``table`` given as mappings that hold every name of ``columns`` (bound by position)."""
    if rows:
        sql.insert(table, columns, list(map(itemgetter(*columns), rows)))


def insert_attachments(sql: PlainSql, rows: list[dict[str, Any]]) -> None:
    """New attachment rows; each row has every name of ATTACHMENT_COLUMNS."""
    insert_mappings(sql, "attachments", ATTACHMENT_COLUMNS, rows)


def set_covers(sql: PlainSql, covers: Sequence[tuple[int, int | None]]) -> None:
    """Set the cover of each (set id, attachment id) in one executemany UPDATE."""
    if covers:
        sql.execute_many(
            "UPDATE attachment_sets SET cover_attachment_id = :cover WHERE id = :set_id",
            [{"set_id": set_id, "cover": cover} for set_id, cover in covers],
        )


def insert_stock(sql: PlainSql, rows: list[dict[str, Any]], now: Any) -> None:
    """New stock rows (part_id, location_id, quantity)."""
    if rows:
        sql.execute_many(
            "INSERT INTO stock (part_id, location_id, quantity, created_at, updated_at) "
            "VALUES (:part_id, :location_id, :quantity, :now, :now)",
            [{**row, "now": now} for row in rows],
        )


def insert_history(sql: PlainSql, rows: list[dict[str, Any]], now: Any) -> None:
    """Append stock history rows (part_id, location, delta, action)."""
    if rows:
        sql.execute_many(
            "INSERT INTO stock_history (part_id, location, delta, action, created_at) "
            "VALUES (:part_id, :location, :delta, :action, :now)",
            [{**row, "now": now} for row in rows],
        )


def update_part(sql: PlainSql, part_id: int, values: dict[str, Any]) -> None:
    """Change some columns of one part (names come from PART_COLUMNS, never from the input)."""
    assert set(values) <= set(PART_COLUMNS)
    settings = ", ".join(f"{name} = :{name}" for name in values)
    sql.execute(f"UPDATE parts SET {settings} WHERE id = :part_id", {**values, "part_id": part_id})


def replace_stock(sql: PlainSql, part_id: int, location_id: int, quantity: int, now: Any) -> None:
    """Set a part's quantity at a location (0 removes the row)."""
    sql.execute(
        "DELETE FROM stock WHERE part_id = :part_id AND location_id = :location_id",
        {"part_id": part_id, "location_id": location_id},
    )
    if quantity:
        insert_stock(sql, [{"part_id": part_id, "location_id": location_id, "quantity": quantity}], now)
