"""Which blobs the database references: digest, expected size, number of attachments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session


@dataclass(frozen=True)
class BlobReference:
    """A digest the attachments name, the size they record and how many attachments name it."""

    digest: str
    size: int | None
    count: int


def blob_references(session: Session) -> dict[str, BlobReference]:
    """Every referenced digest; reading it inside a write transaction takes the database write lock."""
    statement = text(
        "SELECT blob_digest, MAX(size_bytes), COUNT(*) FROM attachments "
        "WHERE blob_digest IS NOT NULL GROUP BY blob_digest"
    )
    return {
        row[0]: BlobReference(row[0], row[1], int(row[2])) for row in session.connection().execute(statement)
    }
