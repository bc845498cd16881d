"""Kits with everything a kit record describes, read in a few queries for import and export."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlmodel import Session

from inventory_cli.storage.import_rows import StoredAttachment


@dataclass
class StoredKit:
    """A kit as the kit import compares it and the kit export writes it."""

    id: int
    name: str
    description: str | None
    build_target: int
    status: str
    set_id: int
    cover_id: int | None
    contents: dict[str, int] = field(default_factory=dict)  # part key -> per-unit quantity
    attachments: list[StoredAttachment] = field(default_factory=list)


def stored_kits(session: Session) -> dict[str, StoredKit]:
    """Every kit by its case-folded name, with contents (by part key) and attachments in order."""
    rows = session.execute(
        text(
            "SELECT k.id, k.name, k.description, k.build_target, k.status, k.attachment_set_id, "
            "s.cover_attachment_id FROM kits k JOIN attachment_sets s ON s.id = k.attachment_set_id "
            "ORDER BY k.name"
        )
    ).all()
    kits = {
        str(row[1]).casefold(): StoredKit(
            int(row[0]), row[1], row[2], int(row[3]), row[4], int(row[5]), row[6]
        )
        for row in rows
    }
    by_id = {kit.id: kit for kit in kits.values()}
    by_set = {kit.set_id: kit for kit in kits.values()}
    for kit_id, key, per_unit in session.execute(
        text(
            "SELECT c.kit_id, p.key, c.per_unit FROM kit_contents c JOIN parts p ON p.id = c.part_id "
            "ORDER BY p.key"
        )
    ):
        by_id[kit_id].contents[key] = int(per_unit)
    if by_set:
        for set_id, attachment_id, kind, digest, url, filename, content_type in session.execute(
            text(
                "SELECT a.attachment_set_id, a.id, a.kind, a.blob_digest, a.url, a.filename, a.content_type "
                "FROM attachments a JOIN kits k ON k.attachment_set_id = a.attachment_set_id "
                "ORDER BY a.created_at, a.id"
            )
        ):
            by_set[set_id].attachments.append(
                StoredAttachment(attachment_id, kind, digest, url, filename, content_type)
            )
    return kits


def part_ids(session: Session) -> dict[str, int]:
    """Every part's id by key."""
    return {str(key): int(part_id) for part_id, key in session.execute(text("SELECT id, key FROM parts"))}
