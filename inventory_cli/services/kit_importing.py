"""Import kits from a record file: read and check every row first, then write in batches.

The checks, attachment handling, rejects file and result are the parts import's own; only what
is a kit's (name, build target, status, contents) is handled here. Rows are read and written in
plain SQL (storage/kit_rows.py, and import_rows.py for sets and attachments), as parts are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.kinds import KitStatus
from inventory_cli.domain.records import FieldError
from inventory_cli.errors import ConflictError
from inventory_cli.services.import_core import (
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
from inventory_cli.services.kit_records import KIT_COLUMNS, KIT_REQUIRED, KitRecord, parse_kit_record
from inventory_cli.services.record_files import read_records
from inventory_cli.storage import import_rows, kit_rows
from inventory_cli.storage.kit_rows import StoredKit, part_ids, stored_kits
from inventory_cli.storage.plainsql import PlainSql


@dataclass(frozen=True)
class CheckedKit:
    """A kit record that passed every check: part ids of its contents and its checked attachments."""

    record: KitRecord
    contents: dict[int, tuple[str, int]]  # part id -> (key, per-unit quantity)
    attachments: tuple[Content, ...]  # the attach entries, checked exactly as a part's are
    given: frozenset[str]


def _check(
    checks: RecordChecks, record: KitRecord, given: frozenset[str], parts: dict[str, int]
) -> CheckedKit | None:
    """Check what only the inventory can tell: part keys, attachment files and blobs."""
    before = len(checks.errors.get(record.line, []))
    contents: dict[int, tuple[str, int]] = {}
    for key, quantity in record.contents:
        part_id = parts.get(key)
        if part_id is None:
            checks.fail(FieldError(record.line, "contents", f"unknown part {key}"))
        else:
            contents[part_id] = (key, quantity)
    attachments = checks.attachments(record.line, record.attach, record.cover)
    if len(checks.errors.get(record.line, [])) > before:
        return None
    return CheckedKit(record, contents, attachments, given)


def differences(checked: CheckedKit, stored: StoredKit) -> list[str]:
    """The columns in which a record differs from the kit already stored (only columns it gives)."""
    record, given = checked.record, checked.given
    changed = [
        column
        for column, value, held in (
            ("description", record.description, stored.description),
            ("build_target", record.build_target, stored.build_target),
            ("status", record.status, stored.status),
        )
        if column in given and value != held
    ]
    if "contents" in given and dict(record.contents) != stored.contents:
        changed.append("contents")
    return changed + attachment_differences(
        given, checked.attachments, record.cover, stored.attachments, stored.cover_id
    )


def _action(checked: CheckedKit, stored: StoredKit | None, on_conflict: str) -> tuple[str, str | None]:
    """create, skip or update, or why the row is refused (a conflict)."""
    if stored is None:
        return "create", None
    changed = differences(checked, stored)
    action = import_action(changed, on_conflict)
    if action == "conflict":
        return "", f"kit {stored.name!r} exists with different {', '.join(changed)}"
    if action == "skip":
        return "skip", None
    # The kit rule: an archived kit's contents do not change (unarchiving in the same record may).
    if "contents" in changed and stored.status == checked.record.status == "archived":
        return "", f"kit {stored.name!r} is archived; its contents cannot change"
    return "update", None


@collector_paused
def import_kits(inventory: Inventory, request: ImportRequest) -> ImportResult:
    """Import kit records; nothing is written while any row is bad, unless ``keep_going``."""
    checks = RecordChecks(inventory, request)
    result = ImportResult(request.name, request.fmt, dry_run=request.dry_run)
    read = read_records(request.data, request.fmt, KIT_COLUMNS, KIT_REQUIRED)
    records = parse_rows(checks, result, read, parse_kit_record)
    # A name on two lines, without regard to case.
    checks.refuse_duplicates(
        [record for record, _ in records],
        lambda record: record.folded,
        "name",
        lambda record, other: f"duplicate kit name {record.name!r} (also on line {other})",
    )
    records = [(r, given) for r, given in records if r.line not in checks.errors]
    with inventory.plain_sql() as sql:
        existing = stored_kits(sql)
        parts = part_ids(sql)
    plan: list[tuple[CheckedKit, str]] = []
    for record, given in records:
        checked = _check(checks, record, given, parts)
        if checked is None:
            continue
        action, refusal = _action(checked, existing.get(record.folded), request.on_conflict)
        if refusal is not None:
            checks.conflict(result, record.line, "name", refusal)
            continue
        plan.append((checked, action))
        result.planned[action] += 1
    if close_plan(checks, result, read):
        write_plan(
            inventory,
            request,
            result,
            plan,
            lambda checked: checked.attachments,
            lambda batch, published: _write_batch(inventory, batch, request.on_conflict, published),
        )
    return result


def _write_batch(
    inventory: Inventory, batch: list[CheckedKit], on_conflict: str, published: set[str]
) -> tuple[int, int, int]:
    """Create, update or skip each kit of the batch in one transaction; returns the three counts."""
    with inventory.plain_sql(write=True) as sql:
        now = import_rows.timestamp(sql, datetime.now(UTC).replace(tzinfo=None))
        # Another import may have written some of these kits since the plan was made.
        stored = stored_kits(sql)
        creates: list[CheckedKit] = []
        updates: list[tuple[CheckedKit, StoredKit]] = []
        skipped = 0
        for checked in batch:
            found = stored.get(checked.record.folded)
            if found is None:
                creates.append(checked)
                continue
            action, refusal = _action(checked, found, on_conflict)
            if refusal is not None:
                raise ConflictError(
                    f"{refusal} (written by another import meanwhile)",
                    hint="run the import again with --on-conflict skip or update",
                )
            if action == "skip":
                skipped += 1
            else:
                updates.append((checked, found))
        written = [*creates, *(checked for checked, _ in updates)]
        ensure_blobs(inventory, [content for kit in written for content in kit.attachments], published)
        _create(sql, creates, now)
        for checked, found in updates:
            _update(sql, checked, found, now)
    return len(creates), len(updates), skipped


def _create(sql: PlainSql, creates: list[CheckedKit], now: Any) -> None:
    """New kits with their sets, contents, attachments and covers: one statement per table."""
    if not creates:
        return
    files = sum(len(c.attachments) for c in creates)
    set_ids, kit_ids, attachment_ids = new_ids(sql, "kits", len(creates), files)
    kits, contents, attachments, covers = [], [], [], []
    for checked, set_id, kit_id in zip(creates, set_ids, kit_ids, strict=True):
        record = checked.record
        kits.append(
            {
                "id": kit_id,
                "name": record.name,
                "description": record.description,
                "build_target": record.build_target,
                "status": record.status,
                "archived_at": now if record.status == KitStatus.ARCHIVED.value else None,
                "attachment_set_id": set_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        contents += [
            {"kit_id": kit_id, "part_id": part_id, "per_unit": quantity}
            for part_id, (_key, quantity) in checked.contents.items()
        ]
        ids = [next(attachment_ids) for _ in checked.attachments]
        pairs = zip(ids, checked.attachments, strict=True)
        attachments += [attachment_row(i, set_id, c, now) for i, c in pairs]
        cover = new_cover(record.cover, checked.attachments, ids)
        if cover is not None:
            covers.append((set_id, cover))
    import_rows.insert_sets(sql, set_ids, now)
    kit_rows.insert_kits(sql, kits)
    kit_rows.insert_contents(sql, contents, now)
    import_rows.insert_attachments(sql, attachments)
    import_rows.set_covers(sql, covers)


def _update(sql: PlainSql, checked: CheckedKit, stored: StoredKit, now: Any) -> None:
    """Bring one kit to what its record gives; contents are replaced, attachments only added."""
    record, given = checked.record, checked.given
    values: dict[str, Any] = {}
    if "description" in given:
        values["description"] = record.description
    if "build_target" in given:
        values["build_target"] = record.build_target
    if "status" in given and record.status != stored.status:
        values["status"] = record.status
        values["archived_at"] = now if record.status == KitStatus.ARCHIVED.value else None
    values["updated_at"] = now
    kit_rows.update_kit(sql, stored.id, values)
    if "contents" in given:
        wanted = checked.contents
        held = kit_rows.content_lines(sql, stored.id)
        kit_rows.delete_contents(sql, stored.id, [part_id for part_id in held if part_id not in wanted])
        changed = [(p, q) for p, (_key, q) in wanted.items() if p in held and held[p] != q]
        kit_rows.set_per_unit(sql, stored.id, changed, now)
        new = [
            {"kit_id": stored.id, "part_id": p, "per_unit": q}
            for p, (_key, q) in wanted.items()
            if p not in held
        ]
        kit_rows.insert_contents(sql, new, now)
    ids, added = add_attachments(sql, stored.set_id, checked.attachments, stored.attachments, now)
    changes, cover = updated_cover(given, record.cover, ids, stored.cover_id, added)
    if changes:
        import_rows.set_covers(sql, [(stored.set_id, cover)])
