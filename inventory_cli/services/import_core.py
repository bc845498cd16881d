"""What importing parts and importing kits share: the request, the result, attachment checks, covers, blobs.

Each record kind (parts in importing.py, kits in kit_importing.py) reads its own columns and
writes its own rows; the run around them is the same: read and check every row first, then
store the batch's files and commit the batch's rows in one short transaction.
"""

from __future__ import annotations

import functools
import gc
import io
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.kinds import AttachmentKind
from inventory_cli.domain.records import FieldError, Source
from inventory_cli.domain.rules import sniff, title_for_url, validate_title
from inventory_cli.errors import BusyError, ConflictError, InvalidInputError, InventoryError, StorageError
from inventory_cli.services.record_files import ReadResult, write_records
from inventory_cli.storage import import_rows
from inventory_cli.storage.import_rows import StoredAttachment
from inventory_cli.storage.plainsql import PlainSql

BATCH_SIZE = 2000
# A batch also ends once it holds this many files to store: storing them (above all to S3) is
# what takes time, and a stop request or a progress step waits for the batch.
BATCH_FILES = 500
BUSY_RETRIES = 5
# Attachment files up to this size are read once, checked and hashed in memory, and kept for the
# write (no second open and read); the budget bounds what one import keeps. Larger files are read
# again when written, and refused if their content changed in between.
INLINE_BYTES = 1024 * 1024
INLINE_BUDGET = 64 * 1024 * 1024
CONFLICT_MODES = ("error", "skip", "update")
# Test-only: seconds to wait after each committed batch, so that a test can signal a running import.
DELAY_VARIABLE = "INVENTORY_TEST_IMPORT_BATCH_DELAY"
R = TypeVar("R")  # a record kind's checked row
P = ParamSpec("P")
T = TypeVar("T")


def collector_paused(function: Callable[P, T]) -> Callable[P, T]:
    """Run ``function`` with Python's cycle collector paused (put back as it was afterwards).

    An import makes a few objects per row and no cycles among them, yet each pass of the
    collector walks every record made so far: 10,000 rows spent 20 ms of 175 in it.
    """

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return run


Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
StopCheck = Callable[[], str | None]


def never_stop() -> str | None:
    """The stop check of an import nobody can interrupt."""
    return None


@contextmanager
def no_progress(_label: str, _total: int) -> Iterator[Callable[[int], None]]:
    """A progress display that shows nothing."""
    yield lambda _done: None


@dataclass(frozen=True)
class ImportRequest:
    """One import as asked for: the input, how conflicts and bad rows are handled, and the run's hooks."""

    data: bytes
    name: str  # as error lines name the input (a path, or <stdin>)
    fmt: str
    base_dir: Path  # attachment paths are relative to this folder
    on_conflict: str = "error"
    dry_run: bool = False
    keep_going: bool = False
    rejects: Path | None = None
    batch_size: int = BATCH_SIZE
    progress: Progress | None = None
    should_stop: StopCheck = never_stop


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

    def matches(self, stored: StoredAttachment) -> bool:
        """Whether a stored attachment is this one: same content, or the same bare link."""
        if self.digest is not None:
            return stored.digest == self.digest
        return stored.digest is None and stored.url == self.url


def attachment_differences(
    given: frozenset[str],
    contents: tuple[Content, ...],
    cover: int | None,
    stored: list[StoredAttachment],
    stored_cover: int | None,
) -> list[str]:
    """``attach`` if a record names an attachment its stored set lacks; ``cover`` if it names another cover.

    Only the columns the record gives count; ``cover`` is the index into ``contents`` (below 0: none).
    """
    changed = []
    if "attach" in given and not all(any(c.matches(s) for s in stored) for c in contents):
        changed.append("attach")
    if "cover" in given and cover is not None:
        if cover < 0:
            wanted = None
        else:
            found = [s.id for s in stored if contents[cover].matches(s)]
            wanted = found[0] if found else -1
        if wanted != stored_cover:
            changed.append("cover")
    return changed


def import_action(changed: list[str] | None, on_conflict: str) -> str:
    """What a planned row does: create (nothing stored: ``changed`` is None), skip, update or conflict.

    A row that differs from the stored one in ``changed`` is a conflict in the mode error.
    """
    if changed is None:
        return "create"
    if not changed or on_conflict == "skip":
        return "skip"
    return "conflict" if on_conflict == "error" else "update"


def new_cover(cover: int | None, contents: tuple[Content, ...], ids: list[int]) -> int | None:
    """The cover of a new set whose ``contents`` got ``ids``: the one named, else the first image."""
    if cover is not None:
        return None if cover < 0 else ids[cover]
    for content, attachment_id in zip(contents, ids, strict=True):
        if content.kind == AttachmentKind.IMAGE.value:
            return attachment_id
    return None


def updated_cover(
    given: frozenset[str],
    cover: int | None,
    ids: list[int],
    stored_cover: int | None,
    added: list[tuple[int, str]],
) -> tuple[bool, int | None]:
    """Whether an update changes a set's cover, and to what.

    The cover the record names (``ids`` are its contents' attachment ids), else, as when attaching,
    the first image ``added`` (id, kind) to a set without a cover.
    """
    if "cover" in given and cover is not None:
        return True, None if cover < 0 else ids[cover]
    if stored_cover is None:
        first = next((i for i, kind in added if kind == AttachmentKind.IMAGE.value), None)
        if first is not None:
            return True, first
    return False, None


def attachment_row(attachment_id: int, set_id: int, content: Content, now: Any) -> dict[str, Any]:
    """The attachments row of one checked content in a set."""
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


def new_ids(
    sql: PlainSql, table: str, owners: int, attachments: int
) -> tuple[list[int], list[int], Iterator[int]]:
    """Ids for ``owners`` new rows of ``table`` (parts or kits), their sets, and their new attachments."""
    set_ids = import_rows.next_ids(sql, "attachment_sets", owners)
    owner_ids = import_rows.next_ids(sql, table, owners)
    return set_ids, owner_ids, iter(import_rows.next_ids(sql, "attachments", attachments))


def add_attachments(
    sql: PlainSql, set_id: int, contents: tuple[Content, ...], stored: list[StoredAttachment], now: Any
) -> tuple[list[int], list[tuple[int, str]]]:
    """Add to a stored set the ``contents`` it lacks.

    Returns the attachment id of each content, and (id, kind) of each one added.
    """
    ids: list[int] = []
    added: list[tuple[int, str]] = []
    for content in contents:
        found = [s.id for s in stored if content.matches(s)]
        if found:
            ids.append(found[0])
        else:
            attachment_id = import_rows.next_ids(sql, "attachments", 1)[0]
            import_rows.insert_attachments(sql, [attachment_row(attachment_id, set_id, content, now)])
            ids.append(attachment_id)
            added.append((attachment_id, content.kind))
    return ids, added


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


class RecordChecks:
    """The errors of one import run by line, and the checks of attachment entries against disk and store."""

    def __init__(self, inventory: Inventory, request: ImportRequest) -> None:
        self.inventory = inventory
        self.request = request
        self.errors: dict[int, list[FieldError]] = {}
        self.conflicts: list[FieldError] = []
        self.file_cache: dict[str, Content | str] = {}
        self.inline_left = INLINE_BUDGET

    def fail(self, error: FieldError) -> None:
        """Record one error of one line."""
        self.errors.setdefault(error.line, []).append(error)

    def conflict(self, result: ImportResult, line: int, column: str, message: str) -> None:
        """Refuse a row that exists with other values: a conflict, reported apart from the errors."""
        error = FieldError(line, column, message)
        self.conflicts.append(error)
        result.conflicts.append(self.line_text(error))
        self.errors.setdefault(line, [])

    def line_text(self, error: FieldError) -> str:
        """``file:line: column: message``."""
        column = f" {error.column}:" if error.column else ""
        return f"{self.request.name}:{error.line}:{column} {error.message}"

    def sorted_errors(self) -> list[str]:
        """Every error as a line of text, by line number."""
        return [self.line_text(e) for line in sorted(self.errors) for e in self.errors[line]]

    def attachments(self, line: int, attach: tuple[Source, ...], cover: int | None) -> tuple[Content, ...]:
        """The checked contents of a record's attach entries; errors are recorded against ``line``."""
        contents: list[Content] = []
        for source in attach:
            content = self.content(source, line)
            if content is None:
                continue
            if content.digest is not None and any(c.digest == content.digest for c in contents):
                message = f"{source.text!r} has the same content as another entry"
                self.fail(FieldError(line, "attach", message))
            contents.append(content)
        if cover is not None and cover >= 0 and len(contents) == len(attach):
            chosen = contents[cover]
            if chosen.kind != AttachmentKind.IMAGE.value:
                message = f"{attach[cover].text!r} is a {chosen.kind}, not an image"
                self.fail(FieldError(line, "cover", message))
        return tuple(contents)

    def content(self, source: Source, line: int) -> Content | None:
        """The checked content of one attach entry, or None after recording why it is refused."""
        if source.kind == "url":
            return Content(AttachmentKind.URL.value, title_for_url(source.value), url=source.value)
        if source.kind == "digest":
            return self.stored_blob(source, line)
        # Keyed by the entry as written: many rows naming one file read it once (string paths:
        # pathlib's parsing cost more than reading a small file).
        cached = self.file_cache.get(source.value)
        if cached is None:
            try:
                text = os.path.expanduser(source.value)
            except ValueError:  # "~" then a NUL byte: opening it below refuses the name
                text = source.value
            path = Path(os.path.join(self.request.base_dir, text))
            cached = self.file_cache[source.value] = self.read_file(path, source.text)
        if isinstance(cached, str):
            self.fail(FieldError(line, "attach", cached))
            return None
        return cached

    def read_file(self, path: Path, text: str) -> Content | str:
        """Open, check and hash one attachment file; the reason as text when it is refused."""
        # Hashing, file checks and the blob store load only for an import with attachment files.
        import hashlib

        from inventory_cli.services.intake import (
            SNIFF_BYTES,
            max_bytes_for,
            open_input,
            verify_data,
            verify_file,
        )
        from inventory_cli.storage.blobs import CHUNK

        settings = self.inventory.settings
        try:
            with open_input(str(path), settings) as item:
                data = None
                if item.size <= min(INLINE_BYTES, self.inline_left):
                    limit = max_bytes_for(item, settings)
                    if len(item.head) == item.size < SNIFF_BYTES:
                        data = item.head  # sniffing read it all: it ended before SNIFF_BYTES
                    else:
                        # Ask for the size it has (asking for the limit allocates that much each
                        # time); a file grown since is read on, up to the limit.
                        data = item.handle.read(min(item.size, limit) + 1)
                        if len(data) > item.size:
                            data += item.handle.read(limit + 1 - len(data))
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
        from inventory_cli.storage.blobs import HEAD_BYTES  # the blob store only for digest: entries

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

    def refuse_duplicates(
        self, records: list[Any], key: Callable[[Any], str], column: str, say: Callable[[Any, int], str]
    ) -> None:
        """A key on two lines: both lines are refused, each naming the other (``say(record, other_line)``)."""
        first: dict[str, Any] = {}
        for record in records:
            other = first.get(key(record))
            if other is None:
                first[key(record)] = record
                continue
            self.fail(FieldError(record.line, column, say(record, other.line)))
            self.fail(FieldError(other.line, column, say(other, record.line)))

    def write_rejects(self, target: Path, read: ReadResult) -> None:
        """The refused rows in the input's format, each with an ``error`` column saying why."""
        from inventory_cli.services.outfiles import write_atomically  # only --rejects writes a file

        reasons: dict[int, list[str]] = {}
        for error in [*(e for errors in self.errors.values() for e in errors), *self.conflicts]:
            reason = f"{error.column}: {error.message}" if error.column else error.message
            reasons.setdefault(error.line, []).append(reason)
        rows: list[dict[str, Any]] = []
        for row in read.rows:
            if row.line in reasons:
                rows.append({**row.values, "error": "; ".join(reasons[row.line])})
        header = [*read.header, *([] if "error" in read.header else ["error"])]
        content = write_records(rows, self.request.fmt, header).encode("utf-8")
        write_atomically(target, lambda handle: handle.write(content))


def parse_rows(
    checks: RecordChecks,
    result: ImportResult,
    read: ReadResult,
    parse: Callable[[dict[str, Any], int], tuple[R | None, list[FieldError]]],
) -> list[tuple[R, frozenset[str]]]:
    """Every row that reads as a record, with the columns it gives; every error recorded by line.

    An error outside the rows (a bad header, undecodable bytes) makes the whole import fatal.
    """
    result.rows = len(read.rows)
    row_lines = {row.line for row in read.rows}
    for error in read.errors:
        checks.fail(error)
        result.fatal = result.fatal or error.line not in row_lines
    records: list[tuple[R, frozenset[str]]] = []
    given_sets: dict[tuple[str, ...], frozenset[str]] = {}  # one frozenset per header, not per row
    for row in read.rows:
        if row.line in checks.errors:
            continue
        record, errors = parse(row.values, row.line)
        for error in errors:
            checks.fail(error)
        if record is not None:
            names = tuple(row.values)
            given = given_sets.get(names)
            if given is None:
                given = given_sets[names] = frozenset(names)
            records.append((record, given))
    return records


def close_plan(checks: RecordChecks, result: ImportResult, read: ReadResult) -> bool:
    """Put the errors into the result and write the rejects; whether the plan is to be written."""
    request = checks.request
    result.errors = checks.sorted_errors()
    result.rejected = len(set(checks.errors) & {row.line for row in read.rows})
    if result.fatal or ((result.errors or result.conflicts) and not request.keep_going):
        return False
    if request.rejects is not None and request.keep_going and not request.dry_run:
        checks.write_rejects(request.rejects, read)
    return not request.dry_run


def write_plan(
    inventory: Inventory,
    request: ImportRequest,
    result: ImportResult,
    plan: list[tuple[R, str]],
    contents: Callable[[R], tuple[Content, ...]],
    write_batch: Callable[[list[R], set[str]], tuple[int, int, int]],
) -> None:
    """Write the plan batch by batch: each batch's files into the store, then its rows in one transaction.

    ``write_batch(rows, published)`` creates or updates the rows and returns (created, updated, skipped).
    A stop request ends the run between batches, with ``result.committed`` saying how far it got.
    """
    delay = _test_delay()
    done = 0
    with (request.progress or no_progress)("importing", len(plan)) as advance:
        for chunk in _batches(plan, contents, request.batch_size):
            stop = request.should_stop()
            if stop:
                result.interrupted = stop
                return
            batch = [checked for checked, action in chunk if action != "skip"]
            result.skipped += len(chunk) - len(batch)
            published = publish(inventory, [c for checked in batch for c in contents(checked)])
            counts = retry_busy(lambda b=batch, p=published: write_batch(b, p))  # type: ignore[misc]
            result.created += counts[0]
            result.updated += counts[1]
            result.skipped += counts[2]
            done += len(chunk)
            result.committed = done
            advance(len(chunk))
            waited = 0.0
            while waited < delay and not request.should_stop():
                time.sleep(0.05)
                waited += 0.05


def _batches(
    plan: list[tuple[R, str]], contents: Callable[[R], tuple[Content, ...]], rows: int
) -> Iterator[list[tuple[R, str]]]:
    """The plan in batches of at most ``rows`` rows, each ending early once it has BATCH_FILES files to store.

    Large batches of plain rows cost less (each commit writes the same index pages again: 10,000
    parts took 10 ms longer in batches of 500 than of 2,000); files keep a batch short. A file
    counts once per batch however many rows name it, and not at all for a row that is skipped.
    """
    chunk: list[tuple[R, str]] = []
    files: set[str | None] = set()
    for item in plan:
        chunk.append(item)
        if item[1] != "skip":
            files.update(content.digest for content in contents(item[0]) if content.path is not None)
        if len(chunk) >= rows or len(files) >= BATCH_FILES:
            yield chunk
            chunk, files = [], set()
    if chunk:
        yield chunk


def _test_delay() -> float:
    try:
        return max(0.0, float(os.environ.get(DELAY_VARIABLE, "0")))
    except ValueError:
        return 0.0


def retry_busy(action: Callable[[], tuple[int, int, int]]) -> tuple[int, int, int]:
    """Run one batch, retrying a few times while another writer holds the database."""
    for attempt in range(BUSY_RETRIES):
        try:
            return action()
        except BusyError:
            if attempt == BUSY_RETRIES - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def publish(inventory: Inventory, contents: list[Content]) -> set[str]:
    """Store every file among ``contents`` as a blob (each distinct content once), before the commit."""
    published: set[str] = set()
    distinct: dict[str, Content] = {}
    for content in contents:
        if content.path is not None:
            distinct.setdefault(content.digest or "", content)
    if not distinct:
        return published
    # A local store syncs the whole batch once at the end of the block, before the rows commit.
    # One blob after another: threads made it slower (5,000 small files: 0.55 s in this thread,
    # 0.7 to 2 s on four), as each of the many short file-system calls hands the GIL over.
    together = getattr(inventory.blobs, "batch", None)
    with together() if together else nullcontext():
        for content in distinct.values():
            publish_file(inventory, content)
    published.update(distinct)
    return published


def ensure_blobs(inventory: Inventory, contents: list[Content], published: set[str]) -> None:
    """Under the write lock (as 'store gc' deletes), every blob ``contents`` name is in the store.

    A blob seen here stays until the batch commits; one published before the lock but collected
    since is put back (and added to ``published``). A ``digest:`` entry's blob cannot be.
    """
    seen: set[str] = set()
    for content in contents:
        digest = content.digest
        if digest is None or digest in seen:
            continue
        seen.add(digest)
        if inventory.blobs.exists(digest):
            continue
        if content.path is None:
            raise StorageError(f"blob {digest} left the store during the import")
        publish_file(inventory, content)
        published.add(digest)


def publish_file(inventory: Inventory, content: Content) -> None:
    """Store one checked file as a blob: the bytes read at check time, or the file read again."""
    from inventory_cli.services.intake import max_bytes_for, open_input  # only with attachment files

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
