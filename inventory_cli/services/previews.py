"""Previews of stored content: thumbnails cached by digest and size, PDF first pages, placeholders."""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import AttachmentKind
from inventory_cli.domain.rules import SetRef, sniff
from inventory_cli.errors import InvalidInputError, InventoryError, NotFoundError
from inventory_cli.services.dto import AttachmentView
from inventory_cli.services.outfiles import refuse_existing, write_atomically

if TYPE_CHECKING:
    from PIL.Image import Image

MIN_SIZE = 16
MAX_SIZE = 2048
DEFAULT_SIZE = 256
# Bumped when the way thumbnails are made changes, so that old cache files are not reused.
CACHE_VERSION = "v1"
_PAGES_KEY = "inventory-pages"


@dataclass
class Preview:
    """A thumbnail (at most ``size`` pixels on its longer side), or the reason there is none."""

    image: Image | None = None
    pages: int | None = None
    from_cache: bool = False
    problem: str | None = None
    cache_path: Path | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (without the pixels)."""
        return {
            "width": self.image.width if self.image else None,
            "height": self.image.height if self.image else None,
            "pages": self.pages,
            "from_cache": self.from_cache,
            "problem": self.problem,
        }


def validate_size(size: int) -> int:
    """A thumbnail size in pixels, within the supported range."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise InvalidInputError(f"thumbnail size {size} is outside {MIN_SIZE}..{MAX_SIZE} pixels")
    return size


def cache_root(inventory: Inventory) -> Path:
    """The folder of cached thumbnails."""
    base = inventory.settings.cache_dir
    if base is None:  # settings built by hand, without load_settings
        base = Path(tempfile.gettempdir()) / "inventory-cache"
    return base / "thumbnails"


def cache_file(inventory: Inventory, digest: str, size: int) -> Path:
    """Where the thumbnail of ``digest`` at ``size`` is cached."""
    return cache_root(inventory) / digest[:2] / f"{digest}-{size}-{CACHE_VERSION}.png"


def preview_of(inventory: Inventory, attachment: AttachmentView, size: int = DEFAULT_SIZE) -> Preview:
    """The preview of an attachment; a link without stored content gets a placeholder."""
    if attachment.blob_digest is None:
        return Preview(problem="a link without a preview image")
    return preview_digest(inventory, attachment.blob_digest, size)


def preview_digest(inventory: Inventory, digest: str, size: int = DEFAULT_SIZE) -> Preview:
    """The preview of a blob: from the cache, else made and cached. Never raises for bad content."""
    try:
        target = cache_file(inventory, digest, size)
        cached = _load_cached(target)
        if cached is not None:
            return cached
        preview = _make(inventory, digest, size)
        if preview.image is not None:
            _store(preview, target)
        return preview
    except InvalidInputError as exc:  # a malformed digest
        return Preview(problem=exc.message)
    except Exception as exc:
        # Showing must not fail because one preview could not be made.
        return Preview(problem=f"no preview ({type(exc).__name__}: {exc})")


def _load_cached(path: Path) -> Preview | None:
    from PIL import Image

    try:
        with Image.open(path) as cached:
            cached.load()
            pages_text = cached.info.get(_PAGES_KEY)
            image = cached.copy()
    except (OSError, SyntaxError, ValueError):
        return None  # missing or damaged: made again
    pages = int(pages_text) if isinstance(pages_text, str) and pages_text.isdigit() else None
    return Preview(image=image, pages=pages, from_cache=True, cache_path=path)


def _store(preview: Preview, target: Path) -> None:
    """Write the thumbnail atomically; a cache that cannot be written only costs speed."""
    from PIL.PngImagePlugin import PngInfo

    assert preview.image is not None
    info = PngInfo()
    if preview.pages is not None:
        info.add_text(_PAGES_KEY, str(preview.pages))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=".thumb-", suffix=".png", delete=False)  # noqa: SIM115
    except OSError:
        return
    temp = Path(handle.name)
    try:
        with handle:
            preview.image.save(handle, "PNG", pnginfo=info)
        os.replace(temp, target)
        preview.cache_path = target
    except OSError:
        pass
    finally:
        temp.unlink(missing_ok=True)


def _make(inventory: Inventory, digest: str, size: int) -> Preview:
    # Through the store's own open(): a local file as it is, an S3 object downloaded and verified.
    try:
        with inventory.blobs.open(digest) as handle:
            head = handle.read(64)
            handle.seek(0)
            sniffed = sniff(head)
            if sniffed is None:
                return Preview(problem="content cannot be previewed")
            if sniffed.kind is AttachmentKind.PDF:
                return _pdf_preview(handle, size)
            return _image_preview(handle, size)
    except InventoryError as exc:
        missing = "missing" in exc.message or isinstance(exc, NotFoundError)
        return Preview(
            problem="content missing from the store" if missing else f"content unreadable ({exc.message})"
        )
    except OSError as exc:
        return Preview(problem=f"content unreadable ({exc.strerror})")


def _image_preview(source: BinaryIO, size: int) -> Preview:
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        # Pillow only warns between 1x and 2x its pixel limit; both count as a bomb here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(source) as image:
                if image.format == "JPEG":
                    # Draft mode decodes a large photo at 1/2..1/8 scale: far less memory and time.
                    image.draft("RGB", (size, size))
                image.load()
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((size, size))
                thumb = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return Preview(problem="image has too many pixels (a decompression bomb?)")
        except (OSError, SyntaxError, ValueError, EOFError):
            return Preview(problem="corrupt or truncated image")
    return Preview(image=thumb)


def _pdf_preview(source: BinaryIO, size: int) -> Preview:
    try:
        import pypdfium2
    except ImportError:
        return Preview(problem="PDF previews need the pypdfium2 package")
    try:
        document = pypdfium2.PdfDocument(source)
    except pypdfium2.PdfiumError:
        return Preview(problem="corrupt PDF")
    try:
        pages = len(document)
        if pages == 0:
            return Preview(pages=0, problem="PDF has no pages")
        page = document[0]
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            return Preview(pages=pages, problem="PDF page 1 has no area")
        # Points are 1/72 inch; render page 1 so that its longer side is ``size`` pixels.
        bitmap = page.render(scale=size / max(width, height))
        image = bitmap.to_pil().convert("RGB")
        image.thumbnail((size, size))
        return Preview(image=image, pages=pages)
    except pypdfium2.PdfiumError:
        return Preview(problem="corrupt PDF")
    finally:
        document.close()


def find_attachment(inventory: Inventory, ref: SetRef, attachment_id: int) -> AttachmentView:
    """One attachment, checked to belong to the set ``ref`` names."""
    from inventory_cli.services.sets import attachment_view, owned_attachment, resolve_set

    with inventory.uow(read_only=True) as uow:
        attachment_set = resolve_set(uow, ref)
        attachment = owned_attachment(uow, attachment_set, attachment_id)
        return attachment_view(attachment, attachment_set.cover_attachment_id)


def write_thumbnail(
    inventory: Inventory,
    ref: SetRef,
    attachment_id: int,
    size: int,
    target: Path,
    *,
    overwrite: bool = False,
) -> tuple[AttachmentView, Preview]:
    """Write an attachment's thumbnail as a PNG file; refused when it has no preview."""
    validate_size(size)
    attachment = find_attachment(inventory, ref, attachment_id)
    refuse_existing(target, overwrite)
    preview = preview_of(inventory, attachment, size)
    image = preview.image
    if image is None:
        raise InvalidInputError(f"attachment {attachment_id} has no thumbnail: {preview.problem}")
    write_atomically(target, lambda handle: image.save(handle, "PNG"))
    return attachment, preview


def cover_digests(inventory: Inventory, set_ids: list[int]) -> dict[int, str]:
    """The cover blob digest of each of the given sets that has a cover (one query)."""
    from sqlmodel import col, select

    from inventory_cli.domain.models import Attachment, AttachmentSet

    if not set_ids:
        return {}
    with inventory.uow(read_only=True) as uow:
        rows = uow.session.execute(
            select(AttachmentSet.id, Attachment.blob_digest)
            .join(Attachment, col(Attachment.id) == col(AttachmentSet.cover_attachment_id))
            .where(col(AttachmentSet.id).in_(set_ids))
        ).all()
    return {int(set_id): digest for set_id, digest in rows if set_id is not None and digest}
