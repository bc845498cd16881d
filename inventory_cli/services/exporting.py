"""Export parts as records that ``import`` reads back: fields, stock, attachments and cover."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import AttachmentKind
from inventory_cli.domain.records import COLUMNS, DIGEST_PREFIX, NO_COVER, record_row
from inventory_cli.errors import StorageError
from inventory_cli.services.outfiles import refuse_existing, write_atomically
from inventory_cli.services.record_files import write_records
from inventory_cli.storage import import_rows
from inventory_cli.storage.blobs import CHUNK
from inventory_cli.storage.import_rows import StoredAttachment
from inventory_cli.storage.plainsql import AlchemySql

Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
FILES_SUFFIX = ".files"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\;]")
_SUFFIX_FOR = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: how many parts and attachment files, and where."""

    format: str
    parts: int
    files_written: int
    target: str | None
    text: str
    entity: str = "parts"  # what ``parts`` counts: parts, or kits for a kit export

    def to_dict(self) -> dict[str, Any]:
        """JSON form (without the exported text itself)."""
        return {
            "format": self.format,
            self.entity: self.parts,
            "files": self.files_written,
            "output": self.target,
        }


@contextmanager
def _no_progress(_label: str, _total: int) -> Iterator[Callable[[int], None]]:
    yield lambda _done: None


def safe_name(filename: str | None, digest: str, content_type: str | None) -> str:
    """A file name that is one path component and one ``attach`` entry: no separators or ';'."""
    name = _UNSAFE.sub("_", Path(filename or "").name).strip().lstrip(".")
    if not name:
        name = digest[:12] + _SUFFIX_FOR.get(content_type or "", ".pdf")
    return name


def export_parts(
    inventory: Inventory,
    fmt: str,
    target: Path | None = None,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Every part as a record, by key; with ``target``, attachment files go into ``TARGET.files/``.

    Without a target, stored files are written as ``digest:<sha256>`` references to the blob store.
    """
    if target is not None:
        refuse_existing(target, overwrite)
    with inventory.uow(read_only=True) as uow:
        parts = import_rows.stored_parts(AlchemySql(uow.session.connection()), None)
    folder = files_folder(target)
    rows: list[dict[str, Any]] = []
    files: dict[Path, str] = {}
    for key in sorted(parts):
        part = parts[key]
        entries, cover = attach_entries(part.attachments, part.cover_id, folder, files)
        rows.append(
            record_row(
                part.key,
                part.values,
                part.type_name,
                part.tags,
                [(f"{box}-{slot}", quantity) for (box, slot), quantity in sorted(part.stock.items())],
                entries,
                cover,
            )
        )
    text = finish_export(inventory, rows, fmt, list(COLUMNS), target, files, progress)
    return ExportResult(fmt, len(rows), len(files), str(target) if target else None, text)


def attach_entries(
    attachments: list[StoredAttachment], cover_id: int | None, folder: Path | None, files: dict[Path, str]
) -> tuple[list[str], str | None]:
    """A set's ``attach`` entries and ``cover``; stored files to copy are added to ``files``.

    Links are written as they are; stored files as paths into ``folder`` (relative to the record
    file), or as ``digest:<sha256>`` without a folder. No cover but an image gives ``-``.
    """
    entries: dict[int, str] = {}
    has_image = False
    for attachment in attachments:
        has_image = has_image or attachment.kind == AttachmentKind.IMAGE.value
        if attachment.digest is None:
            entries[attachment.id] = attachment.url or ""
        elif folder is None:
            entries[attachment.id] = DIGEST_PREFIX + attachment.digest
        else:
            name = safe_name(attachment.filename, attachment.digest, attachment.content_type)
            relative = Path(folder.name) / attachment.digest / name
            files[folder.parent / relative] = attachment.digest
            entries[attachment.id] = relative.as_posix()
    cover = entries.get(cover_id) if cover_id is not None else (NO_COVER if has_image else None)
    return list(entries.values()), cover


def files_folder(target: Path | None) -> Path | None:
    """Where the attachment files of an export to ``target`` go: ``TARGET.files/`` beside it."""
    return target.parent / (target.name + FILES_SUFFIX) if target is not None else None


def finish_export(
    inventory: Inventory,
    rows: list[dict[str, Any]],
    fmt: str,
    columns: list[str],
    target: Path | None,
    files: dict[Path, str],
    progress: Progress | None,
) -> str:
    """Copy the attachment files, then write the records to ``target``; returns the records' text."""
    with (progress or _no_progress)("exporting", len(files)) as advance:
        for path, digest in files.items():
            _write_blob(inventory, digest, path)
            advance(1)
    text = write_records(rows, fmt, columns)
    if target is not None:
        content = text.encode("utf-8")
        write_atomically(target, lambda handle: handle.write(content))
    return text


def _write_blob(inventory: Inventory, digest: str, path: Path) -> None:
    """Copy a blob to ``path``, verified against its digest; a file already there is kept."""
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)

    def copy(handle: Any) -> None:
        hasher = hashlib.sha256()
        with inventory.blobs.open(digest) as blob:
            while chunk := blob.read(CHUNK):
                hasher.update(chunk)
                handle.write(chunk)
        if hasher.hexdigest() != digest:
            raise StorageError(f"blob {digest} is corrupt: its content no longer matches its digest")

    write_atomically(path, copy)
