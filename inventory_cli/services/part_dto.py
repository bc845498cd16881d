"""The plain data of the part reads (a part, its cover, attachments and stock), each with ``to_dict``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from inventory_cli.services.jsontime import iso_utc as iso_utc  # the one time format, re-exported


@dataclass(frozen=True)
class AttachmentView:
    """One attachment of a set."""

    id: int
    set_id: int
    kind: str
    title: str
    filename: str | None
    url: str | None
    content_type: str | None
    size_bytes: int | None
    blob_digest: str | None
    created_at: datetime
    is_cover: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        data = asdict(self)
        data["created_at"] = iso_utc(self.created_at)
        return data


@dataclass(frozen=True)
class CoverView:
    """The cover of a set as shown in listings."""

    id: int
    title: str
    filename: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        # Spelled out rather than asdict(), which copies deeply: listings call this once per row.
        return {"id": self.id, "title": self.title, "filename": self.filename}


@dataclass(frozen=True)
class PartView:
    """A part with its type, tags and cover; ``attachments`` only when shown in full."""

    key: str
    fields: dict[str, Any]
    type: str | None
    tags: list[str]
    set_id: int
    cover: CoverView | None
    attachment_count: int
    created_at: datetime
    updated_at: datetime
    stock_total: int = 0
    attachments: list[AttachmentView] | None = None
    stock: list[StockLine] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        data: dict[str, Any] = {
            "key": self.key,
            **self.fields,
            "type": self.type,
            "tags": self.tags,
            "set_id": self.set_id,
            "cover": self.cover.to_dict() if self.cover else None,
            "attachment_count": self.attachment_count,
            "stock_total": self.stock_total,
            "created_at": iso_utc(self.created_at),
            "updated_at": iso_utc(self.updated_at),
        }
        if self.attachments is not None:
            data["attachments"] = [a.to_dict() for a in self.attachments]
        if self.stock is not None:
            data["stock"] = [line.to_dict() for line in self.stock]
        return data


@dataclass(frozen=True)
class StockLine:
    """A part's quantity at one location."""

    key: str
    description: str
    location: str
    quantity: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)
