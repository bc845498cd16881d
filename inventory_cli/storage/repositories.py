"""Repositories: the queries of each aggregate, each listing in its defined order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, literal, select, text, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from inventory_cli.domain.models import (
    Attachment,
    AttachmentKind,
    AttachmentSet,
    Kit,
    Part,
    PartType,
)


class TypeRepository:
    """Part categories."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, type_id: int) -> PartType | None:
        """The type with ``type_id``."""
        return self.session.get(PartType, type_id)

    def with_part_counts(self) -> Sequence[Row[Any]]:
        """Every type with the number of parts of that type, by name."""
        count = (
            select(func.count(col(Part.id))).where(col(Part.type_id) == col(PartType.id)).scalar_subquery()
        )
        statement = select(PartType, count.label("parts")).order_by(
            func.lower(col(PartType.name)), col(PartType.name)
        )
        return self.session.execute(statement).all()

    def part_count(self, type_id: int) -> int:
        """How many parts have this type."""
        statement = select(func.count(col(Part.id))).where(col(Part.type_id) == type_id)
        return int(self.session.execute(statement).scalar_one())

    def add(self, part_type: PartType) -> None:
        """Stage a new type."""
        self.session.add(part_type)
        self.session.flush()

    def delete(self, part_type: PartType) -> None:
        """Delete a type no part uses."""
        self.session.delete(part_type)
        self.session.flush()


def _cover_columns(cover: Any) -> tuple[Any, ...]:
    return (
        cover.id.label("cover_id"),
        cover.title.label("cover_title"),
        cover.filename.label("cover_filename"),
    )


def _attachment_count(set_id_column: Any) -> Any:
    return (
        select(func.count(col(Attachment.id)))
        .where(col(Attachment.attachment_set_id) == set_id_column)
        .scalar_subquery()
        .label("attachment_count")
    )


class PartRepository:
    """Parts, looked up by key; listings join type and cover in one statement."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, part: Part) -> None:
        """Stage a new part."""
        self.session.add(part)

    def by_key(self, key: str) -> Part | None:
        """The part with ``key``."""
        return self.session.execute(select(Part).where(col(Part.key) == key)).scalars().first()

    def key_taken(self, key: str) -> bool:
        """Whether a part already uses ``key``."""
        statement = select(literal(1)).where(col(Part.key) == key)
        return self.session.execute(statement).first() is not None

    def all_keys(self) -> set[str]:
        """Every key in use."""
        return set(self.session.execute(select(col(Part.key))).scalars())

    def delete(self, part: Part) -> None:
        """Delete a part; its set and the set's attachments go with it."""
        self.session.delete(part)


class KitRepository:
    """Kits, with their covers and attachment counts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, kit: Kit) -> None:
        """Stage a new kit."""
        self.session.add(kit)

    def get(self, kit_id: int) -> Kit | None:
        """The kit with ``kit_id``."""
        return self.session.get(Kit, kit_id)

    def rows(self, name: str | None = None) -> Sequence[Row[Any]]:
        """Kits with cover and attachment count, ordered by name."""
        cover = aliased(Attachment)
        statement = (
            select(Kit, *_cover_columns(cover), _attachment_count(Kit.attachment_set_id))
            .join(AttachmentSet, col(AttachmentSet.id) == col(Kit.attachment_set_id))
            .outerjoin(cover, col(cover.id) == col(AttachmentSet.cover_attachment_id))
            .order_by(func.lower(col(Kit.name)), col(Kit.name))
        )
        if name is not None:
            statement = statement.where(col(Kit.name) == name)
        return self.session.execute(statement).all()

    def delete(self, kit: Kit) -> None:
        """Delete a kit; its set and the set's attachments go with it."""
        self.session.delete(kit)


class SetRepository:
    """Attachment sets and their attachments."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: AttachmentSet | Attachment) -> None:
        """Stage a new set or attachment."""
        self.session.add(item)

    def flush(self) -> None:
        """Send staged rows so that they get ids."""
        self.session.flush()

    def get(self, set_id: int) -> AttachmentSet | None:
        """The set with ``set_id``."""
        return self.session.get(AttachmentSet, set_id)

    def owner_label(self, set_id: int) -> str | None:
        """``part:KEY`` or ``kit:NAME`` of the set's owner, None for an orphan."""
        owners: Any = union_all(
            select(literal("part").label("kind"), col(Part.key).label("name")).where(
                col(Part.attachment_set_id) == set_id
            ),
            select(literal("kit"), col(Kit.name)).where(col(Kit.attachment_set_id) == set_id),
        )
        row = self.session.execute(select(owners.subquery())).first()
        return f"{row[0]}:{row[1]}" if row else None

    def attachment(self, attachment_id: int) -> Attachment | None:
        """The attachment with ``attachment_id``, in whatever set."""
        return self.session.get(Attachment, attachment_id)

    def attachments(self, set_id: int) -> list[Attachment]:
        """The set's attachments, oldest first (ties by id)."""
        statement = (
            select(Attachment)
            .where(col(Attachment.attachment_set_id) == set_id)
            .order_by(col(Attachment.created_at), col(Attachment.id))
        )
        return list(self.session.execute(statement).scalars())

    def oldest_image(self, set_id: int, excluding: int | None = None) -> Attachment | None:
        """The set's oldest image (ties by id), skipping ``excluding``."""
        statement = (
            select(Attachment)
            .where(
                col(Attachment.attachment_set_id) == set_id,
                col(Attachment.kind) == AttachmentKind.IMAGE.value,
            )
            .order_by(col(Attachment.created_at), col(Attachment.id))
            .limit(1)
        )
        if excluding is not None:
            statement = statement.where(col(Attachment.id) != excluding)
        return self.session.execute(statement).scalars().first()

    def summaries(self) -> Sequence[Row[Any]]:
        """Every set with owner, attachment count and cover, ordered by id."""
        cover = aliased(Attachment)
        statement = (
            select(
                col(AttachmentSet.id),
                col(Part.key).label("part_key"),
                col(Kit.name).label("kit_name"),
                *_cover_columns(cover),
                _attachment_count(AttachmentSet.id),
            )
            .outerjoin(Part, col(Part.attachment_set_id) == col(AttachmentSet.id))
            .outerjoin(Kit, col(Kit.attachment_set_id) == col(AttachmentSet.id))
            .outerjoin(cover, col(cover.id) == col(AttachmentSet.cover_attachment_id))
            .order_by(col(AttachmentSet.id))
        )
        return self.session.execute(statement).all()

    def delete_attachment(self, attachment: Attachment) -> None:
        """Delete one attachment row (never its blob)."""
        self.session.delete(attachment)


INVARIANT_CHECKS: list[tuple[str, str, str]] = [
    (
        "I1 part owns a set",
        "SELECT p.key FROM parts p LEFT JOIN attachment_sets s ON s.id = p.attachment_set_id "
        "WHERE s.id IS NULL",
        "part {0} has no attachment set",
    ),
    (
        "I1 kit owns a set",
        "SELECT k.name FROM kits k LEFT JOIN attachment_sets s ON s.id = k.attachment_set_id "
        "WHERE s.id IS NULL",
        "kit {0!r} has no attachment set",
    ),
    (
        "I3 set not shared",
        "SELECT s.id, p.key, k.name FROM attachment_sets s JOIN parts p ON p.attachment_set_id = s.id "
        "JOIN kits k ON k.attachment_set_id = s.id",
        "set {0} is shared by part {1} and kit {2!r}",
    ),
    (
        "I3 set has an owner",
        "SELECT s.id FROM attachment_sets s WHERE NOT EXISTS "
        "(SELECT 1 FROM parts p WHERE p.attachment_set_id = s.id) AND NOT EXISTS "
        "(SELECT 1 FROM kits k WHERE k.attachment_set_id = s.id)",
        "set {0} has no owner",
    ),
    (
        "I4 cover is an image of its set",
        "SELECT s.id, s.cover_attachment_id, a.attachment_set_id, a.kind FROM attachment_sets s "
        "LEFT JOIN attachments a ON a.id = s.cover_attachment_id "
        "WHERE s.cover_attachment_id IS NOT NULL "
        "AND (a.id IS NULL OR a.attachment_set_id != s.id OR a.kind != 'image')",
        "set {0}: cover {1} is not an image of this set (set {2}, kind {3})",
    ),
    (
        "stock matches its history",
        "SELECT key, held, logged FROM (SELECT p.key AS key, "
        "COALESCE((SELECT SUM(quantity) FROM stock s WHERE s.part_id = p.id), 0) AS held, "
        "COALESCE((SELECT SUM(delta) FROM stock_history h WHERE h.part_id = p.id), 0) AS logged "
        "FROM parts p) totals WHERE held != logged ORDER BY key",
        "part {0}: {1} in stock but the history adds up to {2}",
    ),
    (
        "foreign keys",
        "PRAGMA foreign_key_check",
        "table {0} row {1} points at a missing row of {2}",
    ),
]


class CheckRepository:
    """SQL checks of the invariants, for what the database cannot refuse by itself."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def run(self) -> list[tuple[str, list[str]]]:
        """Each check's name with its findings (empty when it passed), SQLite's integrity first.

        PostgreSQL enforces every foreign key on every statement and has no integrity pragma, so
        there only the invariant queries run.
        """
        connection = self.session.connection()
        sqlite = connection.dialect.name == "sqlite"
        results = []
        if sqlite:
            integrity = [
                str(message)
                for (message,) in connection.exec_driver_sql("PRAGMA integrity_check").fetchall()
                if message != "ok"
            ]
            results.append(("integrity", integrity))
        for name, sql, template in INVARIANT_CHECKS:
            if sql.startswith("PRAGMA") and not sqlite:
                continue
            rows = connection.execute(text(sql)).fetchall()
            results.append((name, [template.format(*row) for row in rows]))
        return results

    def referenced_digests(self) -> list[tuple[str, int, int]]:
        """Each blob digest the attachments name, with the first attachment and a count."""
        statement = text(
            "SELECT blob_digest, MIN(id), COUNT(*) FROM attachments "
            "WHERE blob_digest IS NOT NULL GROUP BY blob_digest ORDER BY blob_digest"
        )
        return [(row[0], row[1], row[2]) for row in self.session.connection().execute(statement)]
