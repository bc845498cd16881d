"""Adding a file or a link to an attachment set, on the light SQL path: no ORM, blob before commit.

``part attach`` of a large file should cost about what copying it costs. On a current SQLite file
these writes run on plain sqlite3 (``Inventory.plain_sql``), so the command imports neither
SQLAlchemy nor the models (measured: they were most of a small attach's time). On PostgreSQL the
same statements run through the engine.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.kinds import AttachmentKind
from inventory_cli.domain.rules import (
    SetRef,
    looks_like_url,
    title_for_url,
    valid_id,
    validate_title,
    validate_url,
)
from inventory_cli.errors import ConflictError, NotFoundError
from inventory_cli.services.intake import max_bytes_for, open_input, verify_content
from inventory_cli.services.part_dto import AttachmentView
from inventory_cli.storage import import_rows, set_rows
from inventory_cli.storage.plainsql import PlainSql


def find_set(sql: PlainSql, ref: SetRef) -> tuple[int, int | None]:
    """The id and cover id of the set ``ref`` names, or NotFoundError naming the reference.

    Every command finds a set this way: the ORM ones (services/sets.py) on their unit of work's transaction.
    """
    if ref.owner_kind is None:
        by_id = set_rows.set_by_id(sql, int(ref.value)) if valid_id(int(ref.value)) else None
        if by_id is None:
            raise NotFoundError(f"no attachment set {ref.value}", hint="'inventory set list' lists them")
        return by_id
    if ref.owner_kind == "part":
        part = set_rows.part_set(sql, ref.value.upper())
        if part is None:
            raise NotFoundError(f"no part with key {ref.value!r}")
        set_id, cover_id = part
    else:
        kit = set_rows.kit_named(sql, ref.value)  # ref.value is stripped
        if kit is None:
            raise NotFoundError(f"no kit named {ref.value!r}")
        _, _, set_id, cover_id = kit
    if set_id is None:  # only a database that 'db check' would flag gets here
        raise NotFoundError(f"{ref} has no attachment set", hint="run 'inventory db check'")
    return int(set_id), cover_id


def _now() -> datetime:
    # Naive UTC, as the models store every time.
    return datetime.now(UTC).replace(tzinfo=None)


def _insert(sql: PlainSql, row: dict[str, object], now: datetime) -> int:
    """Insert one attachment row (every column but id and times given); its new id."""
    attachment_id = import_rows.next_ids(sql, "attachments", 1)[0]
    stamp = import_rows.timestamp(sql, now)
    import_rows.insert_attachments(
        sql, [{"id": attachment_id, **row, "created_at": stamp, "updated_at": stamp}]
    )
    return attachment_id


def add_attachment(
    inventory: Inventory, ref: SetRef, source: str, title: str | None = None
) -> AttachmentView:
    """Attach a file or an http(s) link to a set; the first image becomes the cover."""
    # An existing file wins over the look of a link, so 'photo:1.jpg' stays a file.
    if looks_like_url(source) and not Path(source).exists():
        return add_link(inventory, ref, source, title)
    return add_file(inventory, ref, source, title)


def add_link(inventory: Inventory, ref: SetRef, url: str, title: str | None = None) -> AttachmentView:
    """Attach a bare link."""
    clean_url = validate_url(url)
    clean_title = validate_title(title if title is not None else title_for_url(clean_url))
    now = _now()
    with inventory.plain_sql(write=True) as sql:
        set_id, _ = find_set(sql, ref)
        existing = set_rows.with_url(sql, set_id, clean_url)
        if existing is not None:
            raise ConflictError(
                f"{clean_url} is already in set {set_id} as attachment {existing[0]} ({existing[1]!r})"
            )
        row = {
            "attachment_set_id": set_id,
            "kind": AttachmentKind.URL.value,
            "title": clean_title,
            "blob_digest": None,
            "url": clean_url,
            "filename": None,
            "content_type": None,
            "size_bytes": None,
        }
        attachment_id = _insert(sql, row, now)
    kind = AttachmentKind.URL.value
    return AttachmentView(attachment_id, set_id, kind, clean_title, None, clean_url, None, None, None, now)


def add_file(inventory: Inventory, ref: SetRef, path: str, title: str | None = None) -> AttachmentView:
    """Attach a file: check it, stage its bytes, write the row, publish the blob, commit."""
    settings = inventory.settings
    clean_title = validate_title(title) if title is not None else None
    with inventory.plain_sql() as sql:
        find_set(sql, ref)  # fail fast, before any byte is copied
    with open_input(path, settings) as item:
        clean_title = clean_title or validate_title(item.name)
        with inventory.blobs.stage(item.handle, max_bytes_for(item, settings)) as staged:
            verify_content(staged, item)
            now = _now()
            with inventory.plain_sql(write=True) as sql:
                set_id, cover_id = find_set(sql, ref)
                existing = set_rows.with_digest(sql, set_id, staged.digest)
                if existing is not None:
                    raise ConflictError(
                        f"{path} is already in set {set_id} as attachment {existing[0]} ({existing[1]!r})"
                    )
                kind = item.sniffed.kind
                filename = item.name[:255]
                attachment_id = _insert(
                    sql,
                    {
                        "attachment_set_id": set_id,
                        "kind": kind.value,
                        "title": clean_title,
                        "blob_digest": staged.digest,
                        "url": None,
                        "filename": filename,
                        "content_type": item.sniffed.content_type,
                        "size_bytes": staged.size,
                    },
                    now,
                )
                if kind is AttachmentKind.IMAGE and cover_id is None:
                    set_rows.claim_cover(sql, set_id, attachment_id, import_rows.timestamp(sql, now))
                    cover_id = attachment_id
                # The blob goes in before the commit: a crash leaves an unreferenced blob,
                # never a row without its content.
                inventory.blobs.publish(staged)
    return AttachmentView(
        attachment_id,
        set_id,
        kind.value,
        clean_title,
        filename,
        None,
        item.sniffed.content_type,
        staged.size,
        staged.digest,
        now,
        is_cover=attachment_id == cover_id,
    )
