"""The SQL of the part reads (list with filters, one part, its attachments and stock), as portable text.

Runs on a ``PlainSql`` transaction: plain sqlite3 on a SQLite file, so that ``part list`` and ``part show``
import neither SQLAlchemy nor the models, or the engine's connection on PostgreSQL and inside a unit of
work. Every user value is a bound ``:name`` parameter; only fixed SQL text is put together here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inventory_cli.domain.part_values import PART_FIELDS
from inventory_cli.storage import import_rows
from inventory_cli.storage.plainsql import PlainSql
from inventory_cli.storage.sqlite_settings import CASEFOLD

# The columns a part search looks in.
SEARCHED_COLUMNS = ("key", "description", "manufacturer", "manufacturer_code", "package", "series")

_STOCK_TOTAL = "COALESCE((SELECT SUM(s.quantity) FROM stock s WHERE s.part_id = p.id), 0)"
# Columns in the order of a part's JSON form (after the id), so that a listing takes them as they come.
_PART_SELECT = (
    "SELECT p.id, p.key, "
    + ", ".join(f"p.{name}" for name in PART_FIELDS)
    + ", t.name, p.tags, p.attachment_set_id, c.id, c.title, c.filename, "
    "(SELECT COUNT(a.id) FROM attachments a WHERE a.attachment_set_id = p.attachment_set_id), "
    f"{_STOCK_TOTAL}, p.created_at, p.updated_at "
    "FROM parts p "
    "LEFT JOIN types t ON t.id = p.type_id "
    "JOIN attachment_sets st ON st.id = p.attachment_set_id "
    "LEFT JOIN attachments c ON c.id = st.cover_attachment_id"
)
# Positions in a part row: the id, the key and the fields, then these.
FIELDS_START = 2
TYPE_NAME = FIELDS_START + len(PART_FIELDS)
TAGS, SET_ID, COVER_ID, COVER_TITLE, COVER_FILE, ATTACHMENTS, STOCK, CREATED, UPDATED = range(
    TYPE_NAME + 1, TYPE_NAME + 10
)


def _fold(dialect: str, expression: str) -> str:
    """``expression`` case-folded: all of Unicode on SQLite (a registered function), lower() elsewhere."""
    return f"{CASEFOLD}({expression})" if dialect == "sqlite" else f"lower({expression})"


def _position(dialect: str, haystack: str, needle: str) -> str:
    """1-based position of ``needle`` in ``haystack``, 0 when absent; no wildcards in either."""
    return f"{'instr' if dialect == 'sqlite' else 'strpos'}({haystack}, {needle})"


def _tag_values(dialect: str) -> str:
    """The part's tags as rows of one column, ``tag.value``."""
    if dialect == "sqlite":
        return "json_each(p.tags) AS tag"
    # A part without tags holds JSON null, and PostgreSQL refuses to take elements of a scalar.
    return "json_array_elements_text(CASE WHEN json_typeof(p.tags) = 'array' THEN p.tags END) AS tag(value)"


@dataclass(frozen=True)
class PartFilter:
    """What ``part list`` narrows to; every value reaches SQL as a bound parameter."""

    type_id: int | None = None
    tag: str | None = None
    max_stock: int | None = None
    search: str | None = None

    def sql(self, dialect: str) -> tuple[list[str], dict[str, Any]]:
        """The WHERE conditions for the parts query and their parameters."""
        conditions: list[str] = []
        params: dict[str, Any] = {}
        if self.type_id is not None:
            conditions.append("p.type_id = :type_id")
            params["type_id"] = self.type_id
        if self.tag is not None:
            conditions.append(
                f"EXISTS (SELECT 1 FROM {_tag_values(dialect)} "
                f"WHERE {_fold(dialect, 'tag.value')} = {_fold(dialect, ':tag')})"
            )
            params["tag"] = self.tag
        if self.max_stock is not None:
            conditions.append(f"{_STOCK_TOTAL} <= :max_stock")
            params["max_stock"] = self.max_stock
        if self.search is not None:
            # A position search matches the text literally (no LIKE wildcards), after folding both
            # sides; the term is folded by the database too, so both sides fold alike on every dialect.
            term = _fold(dialect, ":search")
            found = (
                f"{_position(dialect, _fold(dialect, 'p.' + name), term)} > 0" for name in SEARCHED_COLUMNS
            )
            conditions.append("(" + " OR ".join(found) + ")")
            params["search"] = self.search
        return conditions, params


def part_rows(
    sql: PlainSql, *, key: str | None = None, where: PartFilter | None = None
) -> list[tuple[Any, ...]]:
    """Parts with type name, cover, attachment count and stock total, by key, in one statement."""
    conditions, params = where.sql(sql.dialect) if where is not None else ([], {})
    if key is not None:
        conditions.append("p.key = :key")
        params["key"] = key
    statement = _PART_SELECT
    if conditions:
        statement += " WHERE " + " AND ".join(conditions)
    return sql.rows(statement + " ORDER BY p.key", params)


def type_named(sql: PlainSql, name: str) -> tuple[int, str] | None:
    """The id and name of the type whose name matches ``name`` without regard to case, or None."""
    # The import's table of types, keyed by the folded name, is the one folding rule (all of
    # Unicode; SQLite's lower() folds ASCII only). Types are few, so reading them all is cheap.
    return import_rows.types_by_name(sql).get(name.strip().casefold())


def type_id_named(sql: PlainSql, name: str) -> int | None:
    """The id of the type whose name matches ``name`` without regard to case, or None."""
    found = type_named(sql, name)
    return None if found is None else found[0]


def type_names(sql: PlainSql) -> list[str]:
    """Every type name, sorted without regard to case."""
    return [str(row[0]) for row in sql.rows("SELECT name FROM types ORDER BY lower(name)")]


ATTACHMENT_COLUMNS = (
    "id, attachment_set_id, kind, title, filename, url, content_type, size_bytes, blob_digest, created_at"
)


def set_attachments(sql: PlainSql, set_id: int) -> list[tuple[Any, ...]]:
    """The set's attachments (columns as ``ATTACHMENT_COLUMNS``), oldest first, ties by id."""
    return sql.rows(
        f"SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE attachment_set_id = :set_id "
        "ORDER BY created_at, id",
        {"set_id": set_id},
    )


def stock_rows(sql: PlainSql, part_id: int) -> list[tuple[Any, ...]]:
    """Where the part is stored: key, description, box, slot and quantity, by box then slot."""
    return sql.rows(
        "SELECT p.key, p.description, l.box_id, l.slot, s.quantity FROM stock s "
        "JOIN parts p ON p.id = s.part_id JOIN locations l ON l.id = s.location_id "
        "WHERE s.part_id = :part_id ORDER BY p.key, l.box_id, l.slot",
        {"part_id": part_id},
    )
