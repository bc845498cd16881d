"""Opening an attachment: a link as it is, stored content as a temporary copy with its own extension."""

from __future__ import annotations

import mimetypes
import tempfile
from pathlib import Path, PurePath

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.rules import SetRef
from inventory_cli.services.previews import find_attachment

_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


def temp_name(filename: str | None, content_type: str | None, attachment_id: int) -> str:
    """A safe file name for the copy: the original name's stem, with the extension the viewer needs."""
    # Only the last path component counts: a stored name must not lead out of the temp folder.
    original = PurePath((filename or "").replace("\\", "/")).name.lstrip(".")
    stem = PurePath(original).stem or f"attachment-{attachment_id}"
    suffix = PurePath(original).suffix
    if not suffix and content_type:
        suffix = _EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ""
    return stem + suffix


def prepare_open(inventory: Inventory, ref: SetRef, attachment_id: int) -> str:
    """What to hand to the system opener: a link's URL, else a fresh copy of the stored bytes."""
    from inventory_cli.services.sets import export_to_file

    attachment = find_attachment(inventory, ref, attachment_id)
    if attachment.url and attachment.kind == "url":
        return attachment.url
    folder = Path(tempfile.mkdtemp(prefix="inventory-open-"))
    name = temp_name(attachment.filename, attachment.content_type, attachment.id)
    # export_to_file checks the copy against its digest and reports a link without content.
    _, written = export_to_file(inventory, ref, attachment_id, folder / name)
    return str(written)
