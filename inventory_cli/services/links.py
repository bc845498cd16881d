"""Links that fetch what they point to: a PDF or image stored itself, a page with its title and preview."""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import Attachment, AttachmentKind, utcnow
from inventory_cli.domain.pagemeta import parse_page
from inventory_cli.domain.rules import SetRef, Sniffed, title_for_url, validate_title, validate_url
from inventory_cli.errors import ConflictError, InventoryError
from inventory_cli.services.dto import AttachmentView
from inventory_cli.services.fetching import Download, Fetcher
from inventory_cli.services.intake import InputFile, verify_content
from inventory_cli.storage.blobs import StagedBlob

# Only the head of a page matters for its title and preview images.
PAGE_BYTES = 1024 * 1024


@dataclass
class FetchedLink:
    """What ``--fetch`` found at a URL, and what it would store."""

    url: str
    final_url: str
    redirects: list[str]
    kind: str
    content_type: str | None
    declared_type: str | None
    size: int
    filename: str | None
    title: str | None
    preview_url: str | None = None
    preview_content_type: str | None = None
    preview_size: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


@dataclass
class _Fetched:
    link: FetchedLink
    target: Download | None = None  # the PDF or image itself
    preview: Download | None = None  # a page's preview image


def _name_for(url: str, sniffed: Sniffed) -> str:
    """A file name for fetched content: the URL's last path part, with the content's extension."""
    parts = urlsplit(url)
    name = unquote(PurePosixPath(parts.path).name).strip().lstrip(".")
    name = "".join(ch for ch in name if ch.isprintable() and ch not in "/\\")
    extension = mimetypes.guess_extension(sniffed.content_type) or ""
    if sniffed.content_type == "image/jpeg":
        extension = ".jpg"
    if not name:
        name = parts.hostname or "download"
    accepted = {extension, ".jpeg"} if extension == ".jpg" else {extension}
    if extension and PurePosixPath(name).suffix.lower() not in accepted:
        name += extension
    return name[-255:]


def _verified(download: Download, name: str) -> InputFile:
    assert download.sniffed is not None
    return InputFile(download.body, name, download.size, download.sniffed)  # type: ignore[arg-type]


def _check_intact(download: Download, name: str) -> None:
    """Refuse fetched content that is not the intact image or PDF its bytes claim to be."""
    item = _verified(download, name)
    # A private temporary copy: checking writes nothing into the store (``url preview`` must not).
    with tempfile.NamedTemporaryFile(prefix="inventory-fetch-") as copy:
        download.body.seek(0)
        shutil.copyfileobj(download.body, copy)
        copy.flush()
        verify_content(StagedBlob("", download.size, Path(copy.name), download.head), item)
    download.body.seek(0)


@contextmanager
def _fetch(inventory: Inventory, url: str, allow_private: bool) -> Iterator[_Fetched]:
    """Fetch ``url`` (and a page's preview image); temporary copies go when the block ends."""
    settings = inventory.settings
    fetcher = Fetcher(settings.fetch_timeout_ms / 1000, allow_private)

    def target_limit(sniffed: Sniffed | None) -> tuple[int, bool]:
        if sniffed is None:
            return PAGE_BYTES, True  # a page: its head is enough
        if sniffed.kind is AttachmentKind.IMAGE:
            return settings.max_image_bytes, False
        return settings.max_pdf_bytes, False

    def image_limit(sniffed: Sniffed | None) -> tuple[int, bool]:
        if sniffed is None or sniffed.kind is not AttachmentKind.IMAGE:
            return 4096, True  # not an image: only enough to say so
        return settings.max_image_bytes, False

    with ExitStack() as stack:
        download = fetcher.get(url, target_limit)
        stack.callback(download.close)
        link = FetchedLink(
            url=download.url,
            final_url=download.final_url,
            redirects=download.redirects,
            kind=AttachmentKind.URL.value,
            content_type=None,
            declared_type=download.declared_type,
            size=download.size,
            filename=None,
            title=None,
        )
        if download.sniffed is not None:
            name = _name_for(download.final_url, download.sniffed)
            _check_intact(download, name)
            link.kind = download.sniffed.kind.value
            link.content_type = download.sniffed.content_type
            link.filename = name
            yield _Fetched(link, target=download)
            return
        text = download.read_all().decode(download.charset or "utf-8", errors="replace")
        meta = parse_page(text, download.final_url)
        link.content_type = download.declared_type or "text/html"
        link.title = meta.title
        preview = None
        for candidate in meta.preview_candidates():
            try:
                image = fetcher.get(candidate, image_limit)
            except InventoryError as exc:
                link.notes.append(f"preview {candidate} skipped: {exc.message}")
                continue
            stack.callback(image.close)
            if image.sniffed is None or image.truncated:
                link.notes.append(f"preview {candidate} skipped: not a JPEG, PNG, GIF or WebP image")
                continue
            name = _name_for(image.final_url, image.sniffed)
            try:
                _check_intact(image, name)
            except InventoryError as exc:
                link.notes.append(f"preview {candidate} skipped: {exc.message}")
                continue
            preview = image
            link.preview_url = candidate
            link.preview_content_type = image.sniffed.content_type
            link.preview_size = image.size
            link.filename = name
            break
        yield _Fetched(link, preview=preview)


def inspect_url(inventory: Inventory, url: str, *, allow_private: bool = False) -> FetchedLink:
    """What ``--fetch`` would store for ``url``; writes nothing."""
    with _fetch(inventory, validate_url(url), allow_private) as fetched:
        return fetched.link


def attach_fetched(
    inventory: Inventory, ref: SetRef, url: str, title: str | None = None, *, allow_private: bool = False
) -> tuple[AttachmentView, FetchedLink]:
    """Fetch ``url`` and attach it: a PDF or image with its URL kept, or a page link with a preview."""
    from inventory_cli.services.sets import attachment_view, resolve_set

    clean_url = validate_url(url)
    clean_title = validate_title(title) if title is not None else None
    with inventory.uow(read_only=True) as uow:
        resolve_set(uow, ref)  # fail fast, before any download
    with _fetch(inventory, clean_url, allow_private) as fetched:
        link = fetched.link
        content = fetched.target or fetched.preview
        final_title = clean_title or validate_title(
            link.title or (link.filename if fetched.target else None) or title_for_url(clean_url)
        )
        limit = content.size if content else 0
        with ExitStack() as stack:
            staged = None
            if content is not None:
                content.body.seek(0)
                staged = stack.enter_context(inventory.blobs.stage(content.body, limit))  # type: ignore[arg-type]
            with inventory.uow() as uow:
                attachment_set = resolve_set(uow, ref)
                assert attachment_set.id is not None
                for existing in uow.sets.attachments(attachment_set.id):
                    same_content = (
                        fetched.target is not None and staged and existing.blob_digest == staged.digest
                    )
                    if existing.url == clean_url or same_content:
                        raise ConflictError(
                            f"{clean_url} is already in set {attachment_set.id} as attachment "
                            f"{existing.id} ({existing.title!r})"
                        )
                attachment = Attachment(
                    attachment_set_id=attachment_set.id,
                    kind=link.kind,
                    title=final_title,
                    url=clean_url,
                    blob_digest=staged.digest if staged else None,
                    # For a page, these describe the stored preview image, as for any blob.
                    filename=link.filename,
                    content_type=link.content_type if fetched.target else link.preview_content_type,
                    size_bytes=staged.size if staged else None,
                    created_at=utcnow(),
                )
                uow.sets.add(attachment)
                uow.sets.flush()
                if link.kind == AttachmentKind.IMAGE.value and attachment_set.cover_attachment_id is None:
                    attachment_set.cover_attachment_id = attachment.id
                    attachment_set.updated_at = utcnow()
                    uow.sets.flush()
                if staged is not None:
                    inventory.blobs.publish(staged)  # blob before commit, as for files
                view = attachment_view(attachment, attachment_set.cover_attachment_id)
                uow.commit()
                return view, link
