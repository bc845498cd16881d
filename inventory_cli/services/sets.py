"""The attachment-set aggregate: add (services/attaching.py), list, rename, remove, cover and export."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import Attachment, AttachmentKind, AttachmentSet, utcnow
from inventory_cli.domain.rules import SetRef, valid_id, validate_title
from inventory_cli.errors import ConflictError, InvalidInputError, NotFoundError, StorageError
from inventory_cli.services.attaching import find_set
from inventory_cli.services.dto import AttachmentView, CoverView, Removed, SetSummary, SetView
from inventory_cli.services.outfiles import refuse_existing, write_atomically
from inventory_cli.storage.uow import UnitOfWork

EXPORT_CHUNK = 1024 * 1024


def attachment_view(attachment: Attachment, cover_id: int | None) -> AttachmentView:
    """The DTO of one attachment."""
    assert attachment.id is not None
    return AttachmentView(
        id=attachment.id,
        set_id=attachment.attachment_set_id,
        kind=attachment.kind,
        title=attachment.title,
        filename=attachment.filename,
        url=attachment.url,
        content_type=attachment.content_type,
        size_bytes=attachment.size_bytes,
        blob_digest=attachment.blob_digest,
        created_at=attachment.created_at,
        is_cover=attachment.id == cover_id,
    )


def cover_view(cover_id: int | None, title: str | None, filename: str | None) -> CoverView | None:
    """The DTO of a cover from joined listing columns."""
    if cover_id is None or title is None:
        return None
    return CoverView(cover_id, title, filename)


def resolve_set(uow: UnitOfWork, ref: SetRef) -> AttachmentSet:
    """The set a reference names, or NotFoundError naming the reference (found as attaching does)."""
    set_id, _ = find_set(uow.sql(), ref)
    found = uow.sets.get(set_id)
    assert found is not None, f"set {set_id} was found in this same transaction"
    return found


def owned_attachment(uow: UnitOfWork, attachment_set: AttachmentSet, attachment_id: int) -> Attachment:
    """The attachment, checked to belong to ``attachment_set``."""
    attachment = uow.sets.attachment(attachment_id) if valid_id(attachment_id) else None
    if attachment is None:
        raise NotFoundError(f"no attachment {attachment_id}")
    if attachment.attachment_set_id != attachment_set.id:
        raise ConflictError(
            f"attachment {attachment_id} does not belong to set {attachment_set.id}",
            hint=f"it belongs to set {attachment.attachment_set_id}",
        )
    return attachment


def _set_view(uow: UnitOfWork, attachment_set: AttachmentSet) -> SetView:
    assert attachment_set.id is not None
    cover_id = attachment_set.cover_attachment_id
    return SetView(
        id=attachment_set.id,
        owner=uow.sets.owner_label(attachment_set.id),
        cover_id=cover_id,
        attachments=[attachment_view(a, cover_id) for a in uow.sets.attachments(attachment_set.id)],
    )


def list_sets(inventory: Inventory) -> list[SetSummary]:
    """Every set with its owner, attachment count and cover, by id."""
    with inventory.uow(read_only=True) as uow:
        return [
            SetSummary(
                id=row.id,
                owner=f"part:{row.part_key}"
                if row.part_key
                else f"kit:{row.kit_name}"
                if row.kit_name
                else None,
                attachment_count=row.attachment_count,
                cover=cover_view(row.cover_id, row.cover_title, row.cover_filename),
            )
            for row in uow.sets.summaries()
        ]


def show_set(inventory: Inventory, ref: SetRef) -> SetView:
    """One set with its attachments, oldest first."""
    with inventory.uow(read_only=True) as uow:
        return _set_view(uow, resolve_set(uow, ref))


def rename_attachment(inventory: Inventory, ref: SetRef, attachment_id: int, title: str) -> AttachmentView:
    """Give an attachment a new title."""
    clean_title = validate_title(title)
    with inventory.uow() as uow:
        attachment_set = resolve_set(uow, ref)
        attachment = owned_attachment(uow, attachment_set, attachment_id)
        attachment.title = clean_title
        attachment.updated_at = utcnow()
        uow.sets.flush()
        view = attachment_view(attachment, attachment_set.cover_attachment_id)
        uow.commit()
        return view


def remove_attachment(inventory: Inventory, ref: SetRef, attachment_id: int) -> Removed:
    """Delete an attachment (never its blob); a removed cover passes to the oldest image left."""
    with inventory.uow() as uow:
        attachment_set = resolve_set(uow, ref)
        attachment = owned_attachment(uow, attachment_set, attachment_id)
        cover_changed = attachment_set.cover_attachment_id == attachment.id
        if cover_changed:
            successor = uow.sets.oldest_image(attachment.attachment_set_id, excluding=attachment.id)
            attachment_set.cover_attachment_id = successor.id if successor else None
            attachment_set.updated_at = utcnow()
            uow.sets.flush()
        uow.sets.delete_attachment(attachment)
        uow.sets.flush()
        result = Removed(
            what=f"attachment {attachment_id}",
            attachments_removed=1,
            new_cover_id=attachment_set.cover_attachment_id,
            cover_changed=cover_changed,
        )
        uow.commit()
        return result


def get_cover(inventory: Inventory, ref: SetRef) -> AttachmentView | None:
    """The set's cover, or None."""
    with inventory.uow(read_only=True) as uow:
        attachment_set = resolve_set(uow, ref)
        if attachment_set.cover_attachment_id is None:
            return None
        cover = uow.sets.attachment(attachment_set.cover_attachment_id)
        return attachment_view(cover, cover.id) if cover else None


def set_cover(inventory: Inventory, ref: SetRef, attachment_id: int | None) -> AttachmentView | None:
    """Make an image of the set its cover, or clear the cover with None."""
    with inventory.uow() as uow:
        attachment_set = resolve_set(uow, ref)
        view = None
        if attachment_id is None:
            attachment_set.cover_attachment_id = None
        else:
            attachment = owned_attachment(uow, attachment_set, attachment_id)
            if attachment.kind != AttachmentKind.IMAGE.value:
                raise ConflictError(
                    f"attachment {attachment_id} is a {attachment.kind}; only an image can be a cover"
                )
            attachment_set.cover_attachment_id = attachment.id
            view = attachment_view(attachment, attachment.id)
        attachment_set.updated_at = utcnow()
        uow.sets.flush()
        uow.commit()
        return view


def _stored_attachment(inventory: Inventory, ref: SetRef, attachment_id: int) -> AttachmentView:
    with inventory.uow(read_only=True) as uow:
        attachment_set = resolve_set(uow, ref)
        attachment = owned_attachment(uow, attachment_set, attachment_id)
        view = attachment_view(attachment, attachment_set.cover_attachment_id)
    if attachment.blob_digest is None:
        raise InvalidInputError(
            f"attachment {attachment_id} is a link with no stored content",
            hint=f"its URL is {attachment.url}",
        )
    return view


def _copy_verified(inventory: Inventory, digest: str, out: BinaryIO | _Discard) -> int:
    """Stream a blob to ``out``, refusing it if its bytes no longer match the digest."""
    hasher = hashlib.sha256()
    size = 0
    with inventory.blobs.open(digest) as blob:
        while chunk := blob.read(EXPORT_CHUNK):
            hasher.update(chunk)
            out.write(chunk)
            size += len(chunk)
    if hasher.hexdigest() != digest:
        raise StorageError(
            f"blob {digest} is corrupt: its content no longer matches its digest",
            hint="restore it from a backup",
        )
    return size


def export_to_stream(inventory: Inventory, ref: SetRef, attachment_id: int, out: BinaryIO) -> AttachmentView:
    """Write an attachment's stored bytes to ``out``, verified before the first byte goes out."""
    attachment = _stored_attachment(inventory, ref, attachment_id)
    assert attachment.blob_digest is not None
    # A stream cannot be taken back, so the blob is checked in a first pass.
    _copy_verified(inventory, attachment.blob_digest, _Discard())
    _copy_verified(inventory, attachment.blob_digest, out)
    return attachment


class _Discard:
    """A writable sink that keeps nothing."""

    def write(self, data: bytes) -> int:
        return len(data)


def export_to_file(
    inventory: Inventory, ref: SetRef, attachment_id: int, target: Path, *, overwrite: bool = False
) -> tuple[AttachmentView, Path]:
    """Write an attachment's bytes to ``target`` (a file, or a folder for the original name).

    The copy is verified before it is renamed into place, so a corrupt blob leaves no file.
    """
    attachment = _stored_attachment(inventory, ref, attachment_id)
    assert attachment.blob_digest is not None
    if target.is_dir():
        target = target / (attachment.filename or attachment.blob_digest)
    refuse_existing(target, overwrite)
    digest = attachment.blob_digest
    write_atomically(target, lambda handle: _copy_verified(inventory, digest, handle))  # type: ignore[arg-type]
    return attachment, target
