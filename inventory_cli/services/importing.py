"""Import parts from a record file: read and check every row first, then write in batches."""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import Attachment as AttachmentRow
from inventory_cli.domain.models import (
    AttachmentKind,
    AttachmentSet,
    Part,
    Stock,
    StockAction,
    StockChange,
    utcnow,
)
from inventory_cli.domain.part_values import PART_FIELDS
from inventory_cli.domain.records import FieldError, PartRecord, Source, parse_record
from inventory_cli.domain.rules import sniff, title_for_url, validate_title
from inventory_cli.errors import BusyError, ConflictError, InvalidInputError, InventoryError, StorageError
from inventory_cli.services.intake import expand_home, max_bytes_for, open_input, verify_data, verify_file
from inventory_cli.services.outfiles import write_atomically
from inventory_cli.services.record_files import RawRow, ReadResult, read_records, write_records
from inventory_cli.storage import bulk
from inventory_cli.storage.blobs import CHUNK, HEAD_BYTES
from inventory_cli.storage.uow import UnitOfWork

BATCH_SIZE = 500
# Test-only: seconds to wait after each committed batch, so that a test can signal a running import.
DELAY_VARIABLE = "INVENTORY_TEST_IMPORT_BATCH_DELAY"
BUSY_RETRIES = 5
# Attachment files up to this size are read once, checked and hashed in memory, and kept for the
# write (no second open and read); the budget bounds what one import keeps. Larger files are read
# again when written, and refused if their content changed in between.
INLINE_BYTES = 1024 * 1024
INLINE_BUDGET = 64 * 1024 * 1024
PUBLISH_THREADS = 4
CONFLICT_MODES = ("error", "skip", "update")

Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
StopCheck = Callable[[], str | None]


@dataclass(frozen=True)
class Content:
    """One attachment a record asks for, checked: what it is and where its bytes come from."""

    kind: str
    title: str
    digest: str | None = None
    url: str | None = None
    path: Path | None = None
    filename: str | None = None
    content_type: str | None = None
    size: int | None = None
    # A small file's bytes, read once when it was checked: exactly these go into the blob store.
    data: bytes | None = field(default=None, repr=False, compare=False)

    def matches(self, stored: bulk.StoredAttachment) -> bool:
        """Whether a stored attachment is this one: same content, or the same bare link."""
        if self.digest is not None:
            return stored.digest == self.digest
        return stored.digest is None and stored.url == self.url


@dataclass(frozen=True)
class Checked:
    """A record that passed every check, with the ids and contents its write needs."""

    record: PartRecord
    type_id: int | None
    stock: dict[tuple[int, int], tuple[int, int]]  # (box, slot) -> (location id, quantity)
    contents: tuple[Content, ...]
    given: frozenset[str]


@dataclass
class ImportResult:
    """What an import found and did: the plan, the counts written, every error."""

    file: str
    format: str
    rows: int = 0
    planned: dict[str, int] = field(default_factory=lambda: {"create": 0, "update": 0, "skip": 0})
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    committed: int = 0
    errors: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    fatal: bool = False
    dry_run: bool = False
    interrupted: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "file": self.file,
            "format": self.format,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "planned": self.planned,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "committed": self.committed,
            "interrupted": self.interrupted,
            "errors": self.errors + self.conflicts,
        }


def _never_stop() -> str | None:
    return None


@contextmanager
def _no_progress(_label: str, _total: int) -> Iterator[Callable[[int], None]]:
    yield lambda _done: None


class _Importer:
    """One import run: checks, plan, batches."""

    def __init__(self, inventory: Inventory, name: str, base_dir: Path, should_stop: StopCheck) -> None:
        self.inventory = inventory
        self.name = name
        self.base_dir = base_dir
        self.should_stop = should_stop
        self.errors: dict[int, list[FieldError]] = {}
        self.file_cache: dict[Path, Content | str] = {}
        self.conflicts: list[FieldError] = []
        self.inline_left = INLINE_BUDGET

    def fail(self, error: FieldError) -> None:
        self.errors.setdefault(error.line, []).append(error)

    def line_text(self, error: FieldError) -> str:
        column = f" {error.column}:" if error.column else ""
        return f"{self.name}:{error.line}:{column} {error.message}"

    # -- checks against the inventory -------------------------------------------------------

    def check(self, record: PartRecord, given: frozenset[str], context: Any) -> Checked | None:
        """Check what only the inventory can tell: types, locations, attachment files and blobs."""
        before = len(self.errors.get(record.line, []))
        type_id = None
        if record.type_name is not None:
            found = context.types.get(record.type_name.casefold())
            if found is None:
                self.fail(FieldError(record.line, "type", f"unknown part type {record.type_name!r}"))
            else:
                type_id = found[0]
        stock: dict[tuple[int, int], tuple[int, int]] = {}
        for ref, quantity in record.stock:
            location_id = context.locations.get((ref.box, ref.slot))
            if location_id is None:
                self.fail(FieldError(record.line, "stock", f"no location {ref}"))
            else:
                stock[(ref.box, ref.slot)] = (location_id, quantity)
        contents: list[Content] = []
        for source in record.attach:
            content = self.content(source, record.line)
            if content is None:
                continue
            if content.digest is not None and any(c.digest == content.digest for c in contents):
                message = f"{source.text!r} has the same content as another entry"
                self.fail(FieldError(record.line, "attach", message))
            contents.append(content)
        if record.cover is not None and record.cover >= 0 and len(contents) == len(record.attach):
            cover = contents[record.cover]
            if cover.kind != AttachmentKind.IMAGE.value:
                message = f"{record.attach[record.cover].text!r} is a {cover.kind}, not an image"
                self.fail(FieldError(record.line, "cover", message))
        if len(self.errors.get(record.line, [])) > before:
            return None
        return Checked(record, type_id, stock, tuple(contents), given)

    def content(self, source: Source, line: int) -> Content | None:
        """The checked content of one attach entry, or None after recording why it is refused."""
        if source.kind == "url":
            return Content(AttachmentKind.URL.value, title_for_url(source.value), url=source.value)
        if source.kind == "digest":
            return self.stored_blob(source, line)
        path = expand_home(source.value)
        if not path.is_absolute():
            path = self.base_dir / path
        cached = self.file_cache.get(path)
        if cached is None:
            cached = self.file_cache[path] = self.read_file(path, source.text)
        if isinstance(cached, str):
            self.fail(FieldError(line, "attach", cached))
            return None
        return cached

    def read_file(self, path: Path, text: str) -> Content | str:
        """Open, check and hash one attachment file; the reason as text when it is refused."""
        settings = self.inventory.settings
        try:
            with open_input(str(path), settings) as item:
                data = None
                if item.size <= min(INLINE_BYTES, self.inline_left):
                    limit = max_bytes_for(item, settings)
                    data = item.handle.read(limit + 1)
                    if len(data) > limit:
                        raise InvalidInputError(f"{path} is larger than the limit of {limit} bytes")
                    verify_data(data, item)
                    self.inline_left -= len(data)
                    digest, size = hashlib.sha256(data).hexdigest(), len(data)
                else:
                    verify_file(path, item)
                    hasher = hashlib.sha256()
                    while chunk := item.handle.read(CHUNK):
                        hasher.update(chunk)
                    digest, size = hasher.hexdigest(), item.size
                return Content(
                    kind=item.sniffed.kind.value,
                    title=validate_title(item.name),
                    digest=digest,
                    path=path,
                    filename=item.name[:255],
                    content_type=item.sniffed.content_type,
                    size=size,
                    data=data,
                )
        except InventoryError as exc:
            return exc.message.replace(str(path), text)

    def stored_blob(self, source: Source, line: int) -> Content | None:
        """A ``digest:`` entry: the blob must already be in the store and be an allowed type."""
        blobs = self.inventory.blobs
        info = blobs.stat(source.value)
        if info is None:
            self.fail(FieldError(line, "attach", f"no blob {source.value} in the store"))
            return None
        with blobs.open(source.value) as handle:
            sniffed = sniff(handle.read(HEAD_BYTES))
        if sniffed is None:
            self.fail(FieldError(line, "attach", f"blob {source.value} is not an image or PDF"))
            return None
        return Content(
            kind=sniffed.kind.value,
            title=source.value[:12],
            digest=source.value,
            filename=None,
            content_type=sniffed.content_type,
            size=info.size,
        )


@dataclass
class _Context:
    types: dict[str, tuple[int, str]]
    locations: dict[tuple[int, int], int]
    existing: dict[str, bulk.StoredPart]


def differences(checked: Checked, stored: bulk.StoredPart) -> list[str]:
    """The columns in which a record differs from the part already stored (only columns it gives)."""
    record, given = checked.record, checked.given
    changed = [name for name in PART_FIELDS if name in given and record.values[name] != stored.values[name]]
    if "type" in given and checked.type_id != stored.type_id:
        changed.append("type")
    if "tags" in given and list(record.tags) != stored.tags:
        changed.append("tags")
    if "stock" in given and {where: q for where, (_, q) in checked.stock.items()} != stored.stock:
        changed.append("stock")
    if "attach" in given and not all(any(c.matches(s) for s in stored.attachments) for c in checked.contents):
        changed.append("attach")
    if "cover" in given and record.cover is not None:
        if record.cover < 0:
            wanted = None
        else:
            found = [s.id for s in stored.attachments if checked.contents[record.cover].matches(s)]
            wanted = found[0] if found else -1
        if wanted != stored.cover_id:
            changed.append("cover")
    return changed


def import_parts(
    inventory: Inventory,
    data: bytes,
    *,
    name: str,
    fmt: str,
    base_dir: Path,
    on_conflict: str = "error",
    dry_run: bool = False,
    keep_going: bool = False,
    rejects: Path | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    should_stop: StopCheck = _never_stop,
) -> ImportResult:
    """Import part records; nothing is written while any row is bad, unless ``keep_going``."""
    importer = _Importer(inventory, name, base_dir, should_stop)
    result = ImportResult(name, fmt, dry_run=dry_run)
    read = read_records(data, fmt)
    result.rows = len(read.rows)
    row_lines = {row.line for row in read.rows}
    for error in read.errors:
        importer.fail(error)
        result.fatal = result.fatal or error.line not in row_lines
    records: list[tuple[PartRecord, frozenset[str]]] = []
    for row in read.rows:
        if row.line in importer.errors:
            continue
        record, errors = parse_record(row.values, row.line)
        for error in errors:
            importer.fail(error)
        if record is not None:
            records.append((record, frozenset(row.values)))
    _refuse_duplicates(importer, [record for record, _ in records])
    records = [(r, given) for r, given in records if r.line not in importer.errors]
    with inventory.uow(read_only=True) as uow:
        context = _Context(
            bulk.types_by_name(uow.session),
            bulk.locations(uow.session),
            bulk.stored_parts(uow.session, [record.key for record, _ in records]),
        )
    plan: list[tuple[Checked, str]] = []
    for record, given in records:
        if should_stop():
            result.interrupted = should_stop()
            return result
        checked = importer.check(record, given, context)
        if checked is None:
            continue
        action = _action(checked, context.existing.get(record.key), on_conflict)
        if action.startswith("differs"):
            columns = action.split(":", 1)[1]
            conflict = FieldError(record.line, "key", f"part {record.key} exists with different {columns}")
            importer.conflicts.append(conflict)
            result.conflicts.append(importer.line_text(conflict))
            importer.errors.setdefault(record.line, [])
            continue
        plan.append((checked, action))
        result.planned[action] += 1
    result.errors = [importer.line_text(e) for line in sorted(importer.errors) for e in importer.errors[line]]
    bad_lines = set(importer.errors)
    result.rejected = len(bad_lines & row_lines)
    if result.fatal or ((result.errors or result.conflicts) and not keep_going):
        return result
    if rejects is not None and keep_going and not dry_run:
        _write_rejects(rejects, read, fmt, importer)
    if dry_run:
        return result
    _write(importer, plan, result, on_conflict, batch_size, progress or _no_progress)
    return result


def _refuse_duplicates(importer: _Importer, records: list[PartRecord]) -> None:
    """A key on two lines: both lines are refused, each naming the other."""
    first: dict[str, int] = {}
    for record in records:
        if record.key in first:
            other, key = first[record.key], record.key
            importer.fail(FieldError(record.line, "key", f"duplicate key {key} (also on line {other})"))
            importer.fail(FieldError(other, "key", f"duplicate key {key} (also on line {record.line})"))
        else:
            first[record.key] = record.line


def _action(checked: Checked, stored: bulk.StoredPart | None, on_conflict: str) -> str:
    """create, skip or update; ``differs:<columns>`` when the mode is error and the part differs."""
    if stored is None:
        return "create"
    changed = differences(checked, stored)
    if not changed:
        return "skip"
    if on_conflict == "error":
        return "differs:" + ", ".join(changed)
    return "skip" if on_conflict == "skip" else "update"


def _write_rejects(target: Path, read: ReadResult, fmt: str, importer: _Importer) -> None:
    """The refused rows in the input's format, each with an ``error`` column saying why."""
    reasons: dict[int, list[str]] = {}
    for error in [*(e for errors in importer.errors.values() for e in errors), *importer.conflicts]:
        reason = f"{error.column}: {error.message}" if error.column else error.message
        reasons.setdefault(error.line, []).append(reason)
    rows: list[dict[str, Any]] = []
    for row in read.rows:
        if row.line in reasons:
            rows.append({**row.values, "error": "; ".join(reasons[row.line])})
    header = [*read.header, *([] if "error" in read.header else ["error"])]
    content = write_records(rows, fmt, header).encode("utf-8")
    write_atomically(target, lambda handle: handle.write(content))


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get(DELAY_VARIABLE, "0")))
    except ValueError:
        return 0.0


def _write(
    importer: _Importer,
    plan: list[tuple[Checked, str]],
    result: ImportResult,
    on_conflict: str,
    batch_size: int,
    progress: Progress,
) -> None:
    """Write the plan batch by batch: blobs first, then one short transaction per batch."""
    delay = _delay()
    inventory = importer.inventory
    with progress("importing", len(plan)) as advance:
        for start in range(0, len(plan), batch_size):
            stop = importer.should_stop()
            if stop:
                result.interrupted = stop
                return
            batch = [checked for checked, action in plan[start : start + batch_size] if action != "skip"]
            result.skipped += len(plan[start : start + batch_size]) - len(batch)
            published = _publish(inventory, batch)
            counts = _retry_busy(lambda b=batch, p=published: _write_batch(inventory, b, on_conflict, p))  # type: ignore[misc]
            result.created += counts[0]
            result.updated += counts[1]
            result.skipped += counts[2]
            result.committed = start + len(plan[start : start + batch_size])
            advance(len(plan[start : start + batch_size]))
            waited = 0.0
            while waited < delay and not importer.should_stop():
                time.sleep(0.05)
                waited += 0.05


def _retry_busy(action: Callable[[], tuple[int, int, int]]) -> tuple[int, int, int]:
    """Run one batch, retrying a few times while another writer holds the database."""
    for attempt in range(BUSY_RETRIES):
        try:
            return action()
        except BusyError:
            if attempt == BUSY_RETRIES - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _publish(inventory: Inventory, batch: list[Checked]) -> set[str]:
    """Put every file of the batch into the blob store (each distinct content once), before the commit."""
    published: set[str] = set()
    files = [c for checked in batch for c in checked.contents if c.path is not None]
    if not files:
        return published
    # A local store syncs the whole batch once at the end of the block, before the rows commit.
    together = getattr(inventory.blobs, "batch", None)
    distinct: dict[str, Content] = {}
    for content in files:
        distinct.setdefault(content.digest or "", content)
    with together() if together else nullcontext():
        if together is None or len(distinct) < 2 * PUBLISH_THREADS:
            for content in distinct.values():
                _publish_file(inventory, content)
        else:
            # Creating files and folders is mostly waiting on the filesystem, outside the GIL:
            # a few threads overlap those waits. Each blob is still written atomically, and the
            # batch's one sync still comes after all of them, before any row commits.
            with ThreadPoolExecutor(PUBLISH_THREADS) as pool:
                for _ in pool.map(lambda content: _publish_file(inventory, content), distinct.values()):
                    pass
    published.update(distinct)
    return published


def _publish_file(inventory: Inventory, content: Content) -> None:
    assert content.path is not None
    if content.data is not None:
        with inventory.blobs.stage(io.BytesIO(content.data), len(content.data)) as staged:
            assert staged.digest == content.digest
            inventory.blobs.publish(staged)
        return
    settings = inventory.settings
    with (
        open_input(str(content.path), settings) as item,
        inventory.blobs.stage(item.handle, max_bytes_for(item, settings)) as staged,
    ):
        if staged.digest != content.digest:
            raise ConflictError(f"{content.path} changed while it was being imported", hint="import it again")
        inventory.blobs.publish(staged)


def _write_batch(
    inventory: Inventory, batch: list[Checked], on_conflict: str, published: set[str]
) -> tuple[int, int, int]:
    """Create, update or skip each row of the batch in one transaction; returns the three counts."""
    now = bulk.timestamp(utcnow())
    with inventory.uow() as uow:
        session = uow.session
        # Another import may have written some of these keys since the plan was made.
        stored = bulk.stored_parts(session, [c.record.key for c in batch])
        creates: list[Checked] = []
        updates: list[tuple[Checked, bulk.StoredPart]] = []
        skipped = 0
        for checked in batch:
            found = stored.get(checked.record.key)
            if found is None:
                creates.append(checked)
                continue
            changed = differences(checked, found)
            if not changed:
                skipped += 1
            elif on_conflict == "update":
                updates.append((checked, found))
            elif on_conflict == "skip":
                skipped += 1
            else:
                raise ConflictError(
                    f"{checked.record.key}: another import wrote this part meanwhile with different "
                    + ", ".join(changed),
                    hint="run the import again with --on-conflict skip or update",
                )
        # Holding the write lock now, as 'store gc' does while it deletes: a blob seen here stays
        # until this commit. One published before the lock but collected since is put back.
        checked_now: set[str] = set()
        for checked in [*creates, *(c for c, _ in updates)]:
            for content in checked.contents:
                digest = content.digest
                if digest is None or digest in checked_now:
                    continue
                checked_now.add(digest)
                if digest in published and inventory.blobs.exists(digest):
                    continue
                if content.path is None:
                    if not inventory.blobs.exists(digest):
                        raise StorageError(f"blob {digest} left the store during the import")
                    continue
                _publish_file(inventory, content)
                published.add(digest)
        _create(uow, creates, now)
        for checked, found in updates:
            _update(uow, checked, found, now)
        uow.commit()
    return len(creates), len(updates), skipped


def _attachment_row(attachment_id: int, set_id: int, content: Content, now: Any) -> dict[str, Any]:
    return {
        "id": attachment_id,
        "attachment_set_id": set_id,
        "kind": content.kind,
        "title": content.title,
        "blob_digest": content.digest,
        "url": content.url,
        "filename": content.filename,
        "content_type": content.content_type,
        "size_bytes": content.size,
        "created_at": now,
        "updated_at": now,
    }


def _cover(record: PartRecord, contents: tuple[Content, ...], ids: list[int]) -> int | None:
    """The attachment id that becomes the cover: the one named, else the first image."""
    if record.cover is not None:
        return None if record.cover < 0 else ids[record.cover]
    for content, attachment_id in zip(contents, ids, strict=True):
        if content.kind == AttachmentKind.IMAGE.value:
            return attachment_id
    return None


def _create(uow: UnitOfWork, creates: list[Checked], now: Any) -> None:
    """Insert new parts with their sets, attachments, covers, stock and history: one statement per table."""
    if not creates:
        return
    session = uow.session
    set_ids = bulk.next_ids(session, AttachmentSet, len(creates))
    part_ids = bulk.next_ids(session, Part, len(creates))
    attachment_ids = iter(bulk.next_ids(session, AttachmentRow, sum(len(c.contents) for c in creates)))
    sets, parts, attachments, covers, stock, history = [], [], [], [], [], []
    for checked, set_id, part_id in zip(creates, set_ids, part_ids, strict=True):
        record = checked.record
        sets.append({"id": set_id, "cover_attachment_id": None, "created_at": now, "updated_at": now})
        parts.append(
            {
                "id": part_id,
                "key": record.key,
                **record.values,
                "type_id": checked.type_id,
                "tags": list(record.tags) or None,
                "attachment_set_id": set_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        ids = [next(attachment_ids) for _ in checked.contents]
        pairs = zip(ids, checked.contents, strict=True)
        attachments += [_attachment_row(i, set_id, c, now) for i, c in pairs]
        cover = _cover(record, checked.contents, ids)
        if cover is not None:
            covers.append((set_id, cover))
        for (box, slot), (location_id, quantity) in checked.stock.items():
            stock.append(
                {
                    "part_id": part_id,
                    "location_id": location_id,
                    "quantity": quantity,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            history.append(
                {
                    "part_id": part_id,
                    "location": f"{box}-{slot}",
                    "delta": quantity,
                    "action": StockAction.ADD.value,
                    "created_at": now,
                }
            )
    bulk.insert_many(session, AttachmentSet, sets)
    bulk.insert_many(session, Part, parts)
    bulk.insert_many(session, AttachmentRow, attachments)
    bulk.set_covers(session, covers)
    bulk.insert_many(session, Stock, stock)
    bulk.insert_many(session, StockChange, history)


def _update(uow: UnitOfWork, checked: Checked, stored: bulk.StoredPart, now: Any) -> None:
    """Bring one existing part to what its record gives; attachments are added, never removed."""
    session = uow.session
    record, given = checked.record, checked.given
    values: dict[str, Any] = {name: record.values[name] for name in PART_FIELDS if name in given}
    if "type" in given:
        values["type_id"] = checked.type_id
    if "tags" in given:
        values["tags"] = list(record.tags) or None
    values["updated_at"] = utcnow()  # through the ORM, which wants a datetime
    bulk.update_part(session, stored.id, values)
    session.flush()
    if "stock" in given:
        wanted = checked.stock
        for where in sorted(set(wanted) | set(stored.stock)):
            held = stored.stock.get(where, 0)
            location_id, quantity = wanted.get(where, (None, 0))
            if quantity == held:
                continue
            if location_id is None:
                location_id = bulk.locations(session)[where]
            bulk.replace_stock(session, stored.id, location_id, quantity)
            action = StockAction.ADD if quantity > held else StockAction.REMOVE
            bulk.insert_many(
                session,
                StockChange,
                [
                    {
                        "part_id": stored.id,
                        "location": f"{where[0]}-{where[1]}",
                        "delta": quantity - held,
                        "action": action.value,
                        "created_at": now,
                    }
                ],
            )
    ids: list[int] = []
    new: list[tuple[int, Content]] = []
    for content in checked.contents:
        found = [s.id for s in stored.attachments if content.matches(s)]
        if found:
            ids.append(found[0])
        else:
            attachment_id = bulk.next_ids(session, AttachmentRow, 1)[0]
            row = _attachment_row(attachment_id, stored.set_id, content, now)
            bulk.insert_many(session, AttachmentRow, [row])
            ids.append(attachment_id)
            new.append((attachment_id, content))
    if "cover" in given and record.cover is not None:
        bulk.set_covers(session, [(stored.set_id, None if record.cover < 0 else ids[record.cover])])
    elif stored.cover_id is None:
        first_image = next((i for i, c in new if c.kind == AttachmentKind.IMAGE.value), None)
        if first_image is not None:
            bulk.set_covers(session, [(stored.set_id, first_image)])


__all__ = ["CONFLICT_MODES", "ImportResult", "RawRow", "import_parts"]
