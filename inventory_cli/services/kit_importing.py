"""Import kits from a record file: read and check every row first, then write in batches.

The checks, attachment handling, rejects file and result are the parts import's own; only what
is a kit's (name, build target, status, contents) is handled here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import Attachment, AttachmentSet, Kit, KitContent, utcnow
from inventory_cli.domain.records import FieldError
from inventory_cli.errors import ConflictError
from inventory_cli.services.import_core import (
    Content,
    ImportRequest,
    ImportResult,
    RecordChecks,
    attachment_differences,
    close_plan,
    ensure_blobs,
    import_action,
    new_cover,
    parse_rows,
    updated_cover,
    write_plan,
)
from inventory_cli.services.kit_records import KIT_COLUMNS, KIT_REQUIRED, KitRecord, parse_kit_record
from inventory_cli.services.record_files import read_records
from inventory_cli.storage.kit_rows import StoredKit, part_ids, stored_kits
from inventory_cli.storage.uow import UnitOfWork


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
    with inventory.uow(read_only=True) as uow:
        existing = stored_kits(uow.session)
        parts = part_ids(uow.session)
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
    with inventory.uow() as uow:
        # Another import may have written some of these kits since the plan was made.
        stored = stored_kits(uow.session)
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
        for checked in creates:
            _create(uow, checked)
        for checked, found in updates:
            _update(uow, checked, found)
        uow.commit()
    return len(creates), len(updates), skipped


def _attachment(set_id: int, content: Content) -> Attachment:
    return Attachment(
        attachment_set_id=set_id,
        kind=content.kind,
        title=content.title,
        blob_digest=content.digest,
        url=content.url,
        filename=content.filename,
        content_type=content.content_type,
        size_bytes=content.size,
    )


def _flushed_id(row: Attachment) -> int:
    """The id of an attachment row after the session's flush."""
    assert row.id is not None
    return row.id


def _set_status(kit: Kit, status: str) -> None:
    if kit.status != status:
        kit.status = status
        kit.archived_at = utcnow() if status == "archived" else None


def _create(uow: UnitOfWork, checked: CheckedKit) -> None:
    """A new kit with its set, contents, attachments and cover."""
    session, record = uow.session, checked.record
    attachment_set = AttachmentSet()
    session.add(attachment_set)
    session.flush()
    assert attachment_set.id is not None
    kit = Kit(
        name=record.name,
        description=record.description,
        build_target=record.build_target,
        attachment_set_id=attachment_set.id,
    )
    _set_status(kit, record.status)
    session.add(kit)
    session.flush()
    assert kit.id is not None
    for part_id, (_key, quantity) in checked.contents.items():
        session.add(KitContent(kit_id=kit.id, part_id=part_id, per_unit=quantity))
    rows = [_attachment(attachment_set.id, content) for content in checked.attachments]
    session.add_all(rows)
    session.flush()
    ids = [_flushed_id(row) for row in rows]
    attachment_set.cover_attachment_id = new_cover(record.cover, checked.attachments, ids)
    session.flush()


def _update(uow: UnitOfWork, checked: CheckedKit, stored: StoredKit) -> None:
    """Bring one kit to what its record gives; contents are replaced, attachments only added."""
    session, record, given = uow.session, checked.record, checked.given
    kit = session.get(Kit, stored.id)
    attachment_set = session.get(AttachmentSet, stored.set_id)
    assert kit is not None and kit.id is not None and attachment_set is not None
    if "description" in given:
        kit.description = record.description
    if "build_target" in given:
        kit.build_target = record.build_target
    if "contents" in given:
        wanted = checked.contents
        for line in _lines(uow, kit.id):
            if line.part_id not in wanted:
                session.delete(line)
            elif line.per_unit != wanted[line.part_id][1]:
                line.per_unit = wanted[line.part_id][1]
                line.updated_at = utcnow()
        held = {line.part_id for line in _lines(uow, kit.id)}
        for part_id, (_key, quantity) in wanted.items():
            if part_id not in held:
                session.add(KitContent(kit_id=kit.id, part_id=part_id, per_unit=quantity))
    if "status" in given:
        _set_status(kit, record.status)
    kit.updated_at = utcnow()
    ids: list[int | None] = []
    new: list[Attachment] = []
    for content in checked.attachments:
        found = [s.id for s in stored.attachments if content.matches(s)]
        if found:
            ids.append(found[0])
        else:
            row = _attachment(stored.set_id, content)
            session.add(row)
            new.append(row)
            ids.append(None)
    session.flush()
    added = [(_flushed_id(row), row.kind) for row in new]
    new_ids = iter(attachment_id for attachment_id, _kind in added)
    all_ids = [i if i is not None else next(new_ids) for i in ids]
    changes, cover = updated_cover(given, record.cover, all_ids, stored.cover_id, added)
    if changes:
        attachment_set.cover_attachment_id = cover
    session.flush()


def _lines(uow: UnitOfWork, kit_id: int) -> list[KitContent]:
    """A kit's content lines as ORM rows."""
    return list(uow.session.exec(select(KitContent).where(KitContent.kit_id == kit_id)).all())
