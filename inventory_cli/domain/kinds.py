"""The value sets of the schema (attachment kinds, kit status, stock actions), free of the ORM.

The light command paths (plain SQL, no SQLAlchemy) name these values too; the models re-export them.
"""

from __future__ import annotations

from enum import StrEnum


class AttachmentKind(StrEnum):
    """What an attachment holds."""

    IMAGE = "image"
    PDF = "pdf"
    URL = "url"


class KitStatus(StrEnum):
    """Whether a kit is still being built."""

    ACTIVE = "active"
    ARCHIVED = "archived"


class StockAction(StrEnum):
    """Why a stock quantity changed."""

    ADD = "add"
    REMOVE = "remove"
    MOVE_OUT = "move-out"
    MOVE_IN = "move-in"
