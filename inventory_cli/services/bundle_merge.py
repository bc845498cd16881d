"""Merges a bundle's rows into an inventory: rows matched by natural keys, equal ones skipped, others refused.

Natural keys: a type by its name (without case), a box by its number, a location by box and slot,
a part by its key, a kit by its name, an attachment set by its owner, an attachment by its set and
blob digest (a link by its set, URL and creation time), stock by part and location, a kit line by
kit and part, a history row by all of its values. Two rows with the same natural key are equal when
every other column is, with the ids they point at compared through the natural keys of those rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from inventory_cli.errors import InvalidInputError
from inventory_cli.storage.copying import set_high_water
from inventory_cli.storage.tables import (
    TABLE_ORDER,
    Row,
    from_json,
    insert_row,
    insert_rows,
    read_typed,
    set_cover,
)
from inventory_cli.storage.tables import table as table_of

Key = tuple[Hashable, ...]


class _Side:
    """The rows of one inventory (the bundle's or the database's) and their natural keys."""

    def __init__(self, rows: dict[str, list[Row]], label: str) -> None:
        self.rows = rows
        self.label = label
        self.type_name = {r["id"]: r["name"] for r in rows["types"]}
        self.location = {r["id"]: (r["box_id"], r["slot"]) for r in rows["locations"]}
        self.part_key = {r["id"]: r["key"] for r in rows["parts"]}
        self.kit_name = {r["id"]: r["name"] for r in rows["kits"]}
        self.set_owner: dict[int, Key] = {r["attachment_set_id"]: ("part", r["key"]) for r in rows["parts"]}
        self.set_owner.update({r["attachment_set_id"]: ("kit", r["name"]) for r in rows["kits"]})
        self.attachment: dict[int, Key] = {r["id"]: self.key("attachments", r) for r in rows["attachments"]}

    def ref(self, mapping: dict[int, Any], value: int | None, table: str) -> Any:
        """The natural key behind an id; a bundle row pointing nowhere is bad input."""
        if value is None:
            return None
        if value not in mapping:
            raise InvalidInputError(f"{self.label}: a row refers to {table} id {value}, which is not there")
        return mapping[value]

    def set_key(self, set_id: int) -> Key:
        return self.set_owner.get(set_id, ("set", set_id))

    def key(self, table: str, row: Row) -> Key:
        """The natural key of a row."""
        if table == "types":
            return (row["name"].lower(),)
        if table == "boxes":
            return (row["id"],)
        if table == "locations":
            return (row["box_id"], row["slot"])
        if table == "attachment_sets":
            return self.set_key(row["id"])
        if table == "attachments":
            owner = self.set_key(row["attachment_set_id"])
            if row["blob_digest"] is not None:
                return (owner, row["blob_digest"])
            return (owner, None, row["url"], row["created_at"])
        if table == "parts":
            return (row["key"],)
        if table == "kits":
            return (row["name"],)
        part = self.ref(self.part_key, row.get("part_id"), "parts")
        if table == "stock":
            return (part, self.ref(self.location, row["location_id"], "locations"))
        if table == "stock_history":
            return (part, row["location"], row["delta"], row["action"], row["created_at"])
        assert table == "kit_contents"
        return (self.ref(self.kit_name, row["kit_id"], "kits"), part)

    def canonical(self, table: str, row: Row) -> Row:
        """The row with its own id dropped and the ids it points at replaced by natural keys."""
        out = {name: value for name, value in row.items() if name != "id"}
        if table == "attachment_sets":
            out["cover_attachment_id"] = self.ref(self.attachment, row["cover_attachment_id"], "attachments")
        elif table == "attachments":
            out["attachment_set_id"] = self.set_key(row["attachment_set_id"])
        elif table in ("parts", "kits"):
            out.pop("attachment_set_id")
            if table == "parts":
                out["type_id"] = self.ref(self.type_name, row["type_id"], "types")
        elif table in ("stock", "stock_history", "kit_contents"):
            out["part_id"] = self.ref(self.part_key, row["part_id"], "parts")
            if table == "stock":
                out["location_id"] = self.ref(self.location, row["location_id"], "locations")
            if table == "kit_contents":
                out["kit_id"] = self.ref(self.kit_name, row["kit_id"], "kits")
        return out


def describe(table: str, key: Key) -> str:
    """A natural key as a user reads it in a conflict list."""

    def owner(value: Any) -> str:
        kind, name = value
        return f"part {name}" if kind == "part" else (f"kit {name!r}" if kind == "kit" else f"set {name}")

    if table == "types":
        return f"type {key[0]!r}"
    if table == "boxes":
        return f"box {key[0]}"
    if table == "locations":
        return f"location {key[0]}-{key[1]}"
    if table == "attachment_sets":
        return f"attachment set of {owner(key)}"
    if table == "attachments":
        what = f"blob {str(key[1])[:12]}" if key[1] is not None else f"link {key[2]}"
        return f"attachment ({what}) of {owner(key[0])}"
    if table == "parts":
        return f"part {key[0]}"
    if table == "kits":
        return f"kit {key[0]!r}"
    if table == "stock":
        place: Any = key[1]
        return f"stock of part {key[0]} at {place[0]}-{place[1]}"
    if table == "stock_history":
        return f"stock history of part {key[0]}"
    return f"kit line {key[0]!r} / part {key[1]}"


# The columns that point at another table's id, and that table.
REFERENCES = {
    "locations": {},
    "attachments": {"attachment_set_id": "attachment_sets"},
    "parts": {"type_id": "types", "attachment_set_id": "attachment_sets"},
    "kits": {"attachment_set_id": "attachment_sets"},
    "stock": {"part_id": "parts", "location_id": "locations"},
    "stock_history": {"part_id": "parts"},
    "kit_contents": {"kit_id": "kits", "part_id": "parts"},
}


@dataclass
class MergePlan:
    """Per table: the bundle rows to insert, the number already present, and the rows that differ."""

    new: dict[str, list[Row]] = field(default_factory=dict)
    matched: dict[str, dict[int, int]] = field(default_factory=dict)  # bundle id -> database id
    conflicts: list[str] = field(default_factory=list)
    taken: dict[str, set[int]] = field(default_factory=dict)  # ids the database already uses

    def created(self) -> dict[str, int]:
        """Rows to create per table."""
        return {table: len(self.new.get(table, [])) for table in TABLE_ORDER}

    def skipped(self) -> dict[str, int]:
        """Rows already present per table (history rows are not keyed by id and count here too)."""
        return {table: len(self.matched.get(table, {})) for table in TABLE_ORDER}


def _typed(bundle_json: dict[str, list[Row]]) -> dict[str, list[Row]]:
    typed: dict[str, list[Row]] = {}
    for table in TABLE_ORDER:
        rows = []
        for number, row in enumerate(bundle_json.get(table, []), start=1):
            rows.append(from_json(table, row, f"data/{table}.json row {number}"))
        typed[table] = rows
    return typed


def plan_merge(session: Session, bundle_json: dict[str, list[Row]]) -> MergePlan:
    """Compare the bundle with the database, row by row, without writing anything."""
    bundle = _Side(_typed(bundle_json), "bundle")
    database = _Side({table: read_typed(session, table) for table in TABLE_ORDER}, "database")
    plan = MergePlan(taken={table: {row["id"] for row in database.rows[table]} for table in TABLE_ORDER})
    existing_parts = {row["key"] for row in database.rows["parts"]}
    for table in TABLE_ORDER:
        present: dict[Key, list[Row]] = {}
        for row in database.rows[table]:
            present.setdefault(database.key(table, row), []).append(row)
        new, matched = plan.new.setdefault(table, []), plan.matched.setdefault(table, {})
        history_left = Counter({key: len(rows) for key, rows in present.items()})
        for row in bundle.rows[table]:
            key = bundle.key(table, row)
            if table == "stock_history":
                # History rows have no identity: match them as a multiset.
                if history_left[key] > 0:
                    history_left[key] -= 1
                    matched[row["id"]] = row["id"]
                elif key[0] in existing_parts:
                    plan.conflicts.append(describe(table, key))
                else:
                    new.append(row)
                continue
            if key not in present:
                new.append(row)
                continue
            other = present[key][0]
            if bundle.canonical(table, row) != database.canonical(table, other):
                plan.conflicts.append(describe(table, key))
            matched[row["id"]] = other["id"]
    plan.conflicts = list(dict.fromkeys(plan.conflicts))
    return plan


def apply_merge(session: Session, plan: MergePlan) -> None:
    """Insert the new rows, keeping their ids where the database has them free, then set new covers."""
    ids: dict[str, dict[int, int]] = {table: dict(plan.matched.get(table, {})) for table in TABLE_ORDER}
    taken = plan.taken
    covers: list[tuple[int, int]] = []
    for table in TABLE_ORDER:
        kept: list[Row] = []
        renumbered: list[tuple[int, Row]] = []
        for row in plan.new.get(table, []):
            values = dict(row)
            for column, target in REFERENCES.get(table, {}).items():
                if values[column] is not None:
                    values[column] = ids[target][values[column]]
            if table == "attachment_sets" and values["cover_attachment_id"] is not None:
                covers.append((row["id"], values["cover_attachment_id"]))
                values["cover_attachment_id"] = None  # its attachment is not there yet
            if row["id"] in taken[table]:
                values.pop("id")
                renumbered.append((row["id"], values))
            else:
                kept.append(values)
                ids[table][row["id"]] = row["id"]
        # Rows keeping their ids go first, so that a new id handed out below can never be one of theirs.
        insert_rows(session, table, kept)
        if kept:
            # Explicit ids do not move a PostgreSQL sequence: move it past them before new ids are drawn.
            set_high_water(session.connection(), table_of(table), 0)
        for old_id, values in renumbered:
            ids[table][old_id] = insert_row(session, table, values)
    for set_id, attachment_id in covers:
        set_cover(session, ids["attachment_sets"][set_id], ids["attachments"][attachment_id])
