"""Import parts from a record file: read and check every row first, then write in batches.

The rows are written with plain SQL (storage/import_rows.py): on a SQLite file at the current schema
an import loads neither SQLAlchemy nor the models, which was most of its time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.kinds import StockAction
from inventory_cli.domain.part_values import PART_FIELDS
from inventory_cli.domain.records import FieldError, PartRecord, parse_record
from inventory_cli.errors import ConflictError
from inventory_cli.services.import_core import (
    BATCH_SIZE,
    CONFLICT_MODES,
    Content,
    ImportRequest,
    ImportResult,
    RecordChecks,
    add_attachments,
    attachment_differences,
    attachment_row,
    close_plan,
    collector_paused,
    ensure_blobs,
    import_action,
    new_cover,
    new_ids,
    parse_rows,
    updated_cover,
    write_plan,
)
from inventory_cli.services.record_files import read_records
from inventory_cli.storage import import_rows
from inventory_cli.storage.import_rows import StoredPart
from inventory_cli.storage.plainsql import PlainSql
from inventory_cli.storage.tags import tags_to_db


@dataclass(slots=True)  # one per row: not frozen, which costs five times as much to make
class Checked:
    """A record that passed every check, with the ids and contents its write needs."""

    record: PartRecord
    type_id: int | None
    stock: dict[tuple[int, int], tuple[int, int]]  # (box, slot) -> (location id, quantity)
    contents: tuple[Content, ...]
    given: frozenset[str]


@dataclass
class Context:
    """What the checks and the plan need from the inventory, read once before them."""

    types: dict[str, tuple[int, str]]
    locations: dict[tuple[int, int], int]
    existing: dict[str, StoredPart]


def check(
    checks: RecordChecks, record: PartRecord, given: frozenset[str], context: Context
) -> Checked | None:
    """Check what only the inventory can tell: types, locations, attachment files and blobs."""
    line = record.line
    before = len(checks.errors.get(line, ()))
    type_id = None
    if record.type_name is not None:
        found = context.types.get(record.type_name.casefold())
        if found is None:
            checks.fail(FieldError(line, "type", f"unknown part type {record.type_name!r}"))
        else:
            type_id = found[0]
    stock: dict[tuple[int, int], tuple[int, int]] = {}
    for ref, quantity in record.stock:
        location_id = context.locations.get((ref.box, ref.slot))
        if location_id is None:
            checks.fail(FieldError(line, "stock", f"no location {ref}"))
        else:
            stock[(ref.box, ref.slot)] = (location_id, quantity)
    contents = checks.attachments(line, record.attach, record.cover) if record.attach else ()
    if len(checks.errors.get(line, ())) > before:
        return None
    return Checked(record, type_id, stock, contents, given)


def differences(checked: Checked, stored: StoredPart) -> list[str]:
    """The columns in which a record differs from the part already stored (only columns it gives)."""
    record, given = checked.record, checked.given
    changed = [name for name in PART_FIELDS if name in given and record.values[name] != stored.values[name]]
    if "type" in given and checked.type_id != stored.type_id:
        changed.append("type")
    if "tags" in given and list(record.tags) != stored.tags:
        changed.append("tags")
    if "stock" in given and {where: q for where, (_, q) in checked.stock.items()} != stored.stock:
        changed.append("stock")
    return changed + attachment_differences(
        given, checked.contents, record.cover, stored.attachments, stored.cover_id
    )


@collector_paused
def import_parts(inventory: Inventory, request: ImportRequest) -> ImportResult:
    """Import part records; nothing is written while any row is bad, unless ``keep_going``."""
    checks = RecordChecks(inventory, request)
    result = ImportResult(request.name, request.fmt, dry_run=request.dry_run)
    read = read_records(request.data, request.fmt)
    records = parse_rows(checks, result, read, parse_record)
    checks.refuse_duplicates(
        [record for record, _ in records],
        lambda record: record.key,
        "key",
        lambda record, other: f"duplicate key {record.key} (also on line {other})",
    )
    records = [(r, given) for r, given in records if r.line not in checks.errors]
    with inventory.plain_sql() as sql:
        context = Context(
            import_rows.types_by_name(sql),
            import_rows.locations(sql),
            import_rows.stored_parts(sql, [record.key for record, _ in records]),
        )
    plan: list[tuple[Checked, str]] = []
    for record, given in records:
        stop = request.should_stop()
        if stop:
            result.interrupted = stop
            return result
        checked = check(checks, record, given, context)
        if checked is None:
            continue
        action = _action(checked, context.existing.get(record.key), request.on_conflict)
        if action.startswith("differs"):
            columns = action.split(":", 1)[1]
            checks.conflict(result, record.line, "key", f"part {record.key} exists with different {columns}")
            continue
        plan.append((checked, action))
        result.planned[action] += 1
    if close_plan(checks, result, read):
        write_plan(
            inventory,
            request,
            result,
            plan,
            lambda checked: checked.contents,
            lambda batch, published: write_batch(inventory, batch, request.on_conflict, published),
        )
    return result


def _action(checked: Checked, stored: StoredPart | None, on_conflict: str) -> str:
    """create, skip or update; ``differs:<columns>`` when the mode is error and the part differs."""
    changed = None if stored is None else differences(checked, stored)
    action = import_action(changed, on_conflict)
    return "differs:" + ", ".join(changed or []) if action == "conflict" else action


def write_batch(
    inventory: Inventory, batch: list[Checked], on_conflict: str, published: set[str]
) -> tuple[int, int, int]:
    """Create, update or skip each row of the batch in one transaction; returns the three counts."""
    with inventory.plain_sql(write=True) as sql:
        now = import_rows.timestamp(sql, datetime.now(UTC).replace(tzinfo=None))
        # Another import may have written some of these keys since the plan was made.
        stored = import_rows.stored_parts(sql, [c.record.key for c in batch])
        creates: list[Checked] = []
        updates: list[tuple[Checked, StoredPart]] = []
        skipped = 0
        for checked in batch:
            found = stored.get(checked.record.key)
            changed = None if found is None else differences(checked, found)
            action = import_action(changed, on_conflict)
            if found is None:
                creates.append(checked)
            elif action == "skip":
                skipped += 1
            elif action == "update":
                updates.append((checked, found))
            else:
                raise ConflictError(
                    f"{checked.record.key}: another import wrote this part meanwhile with different "
                    + ", ".join(changed or []),
                    hint="run the import again with --on-conflict skip or update",
                )
        written = [*creates, *(checked for checked, _ in updates)]
        ensure_blobs(inventory, [content for checked in written for content in checked.contents], published)
        _create(sql, creates, now)
        # The ids of the locations updated parts leave (their records no longer name them): one read.
        leaves = any("stock" in c.given and set(found.stock) - set(c.stock) for c, found in updates)
        locations = import_rows.locations(sql) if leaves else {}
        for checked, found in updates:
            _update(sql, checked, found, locations, now)
    return len(creates), len(updates), skipped


def _create(sql: PlainSql, creates: list[Checked], now: Any) -> None:
    """Insert new parts with their sets, attachments, covers, stock and history: one statement per table."""
    if not creates:
        return
    files = sum(len(c.contents) for c in creates)
    set_ids, part_ids, attachment_ids = new_ids(sql, "parts", len(creates), files)
    # The columns the records give (one header for a CSV file: a few distinct sets at most).
    given = frozenset().union(*{id(c.given): c.given for c in creates}.values())
    columns = import_rows.part_columns({*given, *(["type_id"] if "type" in given else [])})
    fields = [name for name in columns if name in PART_FIELDS]
    field_values = itemgetter(*fields) if len(fields) > 1 else lambda values: (values[fields[0]],)
    with_type = "type_id" in columns
    parts: list[tuple[Any, ...]] = []
    attachments, covers, stock, history = [], [], [], []
    for checked, set_id, part_id in zip(creates, set_ids, part_ids, strict=True):
        record = checked.record
        # In the order of ``columns`` (PART_COLUMNS): a tuple per row, bound by position.
        parts.append(
            (
                part_id,
                record.key,
                *field_values(record.values),
                *((checked.type_id,) if with_type else ()),
                tags_to_db(record.tags),
                set_id,
                now,
                now,
            )
        )
        if checked.contents:
            ids = [next(attachment_ids) for _ in checked.contents]
            pairs = zip(ids, checked.contents, strict=True)
            attachments += [attachment_row(i, set_id, c, now) for i, c in pairs]
            cover = new_cover(record.cover, checked.contents, ids)
            if cover is not None:
                covers.append((set_id, cover))
        for (box, slot), (location_id, quantity) in checked.stock.items():
            stock.append({"part_id": part_id, "location_id": location_id, "quantity": quantity})
            history.append(
                {
                    "part_id": part_id,
                    "location": f"{box}-{slot}",
                    "delta": quantity,
                    "action": StockAction.ADD.value,
                }
            )
    # The rows are bound by position: one that does not match the columns must not reach SQLite.
    assert len(parts[0]) == len(columns), (columns, parts[0])
    import_rows.insert_sets(sql, set_ids, now)
    import_rows.insert_parts(sql, columns, parts)
    import_rows.insert_attachments(sql, attachments)
    import_rows.set_covers(sql, covers)
    import_rows.insert_stock(sql, stock, now)
    import_rows.insert_history(sql, history, now)


def _update(
    sql: PlainSql, checked: Checked, stored: StoredPart, locations: dict[tuple[int, int], int], now: Any
) -> None:
    """Bring one existing part to what its record gives; attachments are added, never removed.

    ``locations`` has the id of every location the part leaves.
    """
    record, given = checked.record, checked.given
    values: dict[str, Any] = {name: record.values[name] for name in PART_FIELDS if name in given}
    if "type" in given:
        values["type_id"] = checked.type_id
    if "tags" in given:
        values["tags"] = tags_to_db(record.tags)
    values["updated_at"] = now
    import_rows.update_part(sql, stored.id, values)
    if "stock" in given:
        wanted = checked.stock
        history = []
        for where in sorted(set(wanted) | set(stored.stock)):
            held = stored.stock.get(where, 0)
            location_id, quantity = wanted.get(where, (None, 0))
            if quantity == held:
                continue
            if location_id is None:
                location_id = locations[where]
            import_rows.replace_stock(sql, stored.id, location_id, quantity, now)
            action = StockAction.ADD if quantity > held else StockAction.REMOVE
            history.append(
                {
                    "part_id": stored.id,
                    "location": f"{where[0]}-{where[1]}",
                    "delta": quantity - held,
                    "action": action.value,
                }
            )
        import_rows.insert_history(sql, history, now)
    ids, added = add_attachments(sql, stored.set_id, checked.contents, stored.attachments, now)
    changes, cover = updated_cover(given, record.cover, ids, stored.cover_id, added)
    if changes:
        import_rows.set_covers(sql, [(stored.set_id, cover)])


__all__ = [
    "BATCH_SIZE",
    "CONFLICT_MODES",
    "ImportRequest",
    "ImportResult",
    "import_parts",
]
