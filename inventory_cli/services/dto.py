"""Plain data returned by the services, each with a JSON-ready ``to_dict``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# The DTOs of the part reads live in their own module, so that part list and part show import only
# those (a dataclass costs about half a millisecond to create); they are re-exported here.
from inventory_cli.services.part_dto import AttachmentView as AttachmentView
from inventory_cli.services.part_dto import CoverView as CoverView
from inventory_cli.services.part_dto import PartView as PartView
from inventory_cli.services.part_dto import StockLine as StockLine
from inventory_cli.services.part_dto import iso_utc


@dataclass(frozen=True)
class SetSummary:
    """A set in the list of all sets."""

    id: int
    owner: str | None
    attachment_count: int
    cover: CoverView | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "owner": self.owner,
            "attachment_count": self.attachment_count,
            "cover": self.cover.to_dict() if self.cover else None,
        }


@dataclass(frozen=True)
class SetView:
    """A set with its attachments in their defined order."""

    id: int
    owner: str | None
    cover_id: int | None
    attachments: list[AttachmentView]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "owner": self.owner,
            "cover_id": self.cover_id,
            "attachments": [a.to_dict() for a in self.attachments],
        }


@dataclass(frozen=True)
class KitView:
    """A kit with its status and cover; ``attachments`` only when shown in full."""

    name: str
    description: str | None
    build_target: int
    status: str
    archived_at: datetime | None
    set_id: int
    cover: CoverView | None
    attachment_count: int
    created_at: datetime
    updated_at: datetime
    attachments: list[AttachmentView] | None = None
    contents: list[KitLineView] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "build_target": self.build_target,
            "status": self.status,
            "archived_at": iso_utc(self.archived_at),
            "set_id": self.set_id,
            "cover": self.cover.to_dict() if self.cover else None,
            "attachment_count": self.attachment_count,
            "created_at": iso_utc(self.created_at),
            "updated_at": iso_utc(self.updated_at),
        }
        if self.attachments is not None:
            data["attachments"] = [a.to_dict() for a in self.attachments]
        if self.contents is not None:
            data["contents"] = [line.to_dict() for line in self.contents]
        return data


@dataclass(frozen=True)
class Removed:
    """What a delete removed."""

    what: str
    attachments_removed: int = 0
    new_cover_id: int | None = None
    cover_changed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class PartRemoved(Removed):
    """What deleting a part removed, including stock and kit lines when forced."""

    units_removed: int = 0
    kit_lines_removed: int = 0


@dataclass(frozen=True)
class Problem:
    """One finding of a consistency check."""

    check: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass
class CheckReport:
    """The findings of ``db check``; ``ok`` when there are none."""

    checks_run: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "ok": self.ok,
            "checks": self.checks_run,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class TypeView:
    """A part type with the number of parts that have it."""

    name: str
    parts: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class BoxView:
    """A box with its usage: slots holding stock out of its capacity."""

    number: int
    description: str
    capacity: int
    occupied: int
    units: int
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        data = asdict(self)
        data["created_at"] = iso_utc(self.created_at)
        return data


@dataclass(frozen=True)
class SlotView:
    """One slot of a box and a part stored there (key None for an empty slot)."""

    location: str
    slot: int
    key: str | None
    description: str | None
    quantity: int | None
    cover: CoverView | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        data = asdict(self)
        data["cover"] = self.cover.to_dict() if self.cover else None
        return data


@dataclass(frozen=True)
class BoxDetail:
    """A box with every slot."""

    box: BoxView
    slots: list[SlotView]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {**self.box.to_dict(), "slots": [slot.to_dict() for slot in self.slots]}


@dataclass(frozen=True)
class StockChangeView:
    """One row of the stock history."""

    id: int
    key: str
    location: str
    delta: int
    action: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        data = asdict(self)
        data["created_at"] = iso_utc(self.created_at)
        return data


@dataclass(frozen=True)
class StockResult:
    """What a stock command changed and where the part stands afterwards."""

    key: str
    changes: list[StockChangeView]
    total: int
    locations: list[StockLine]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "key": self.key,
            "changes": [c.to_dict() for c in self.changes],
            "total": self.total,
            "locations": [line.to_dict() for line in self.locations],
        }


@dataclass(frozen=True)
class KitLineView:
    """A line of a kit's contents: a part, how many per unit, and a note."""

    kit: str
    key: str
    description: str
    per_unit: int
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class KitCheckLine:
    """One part of a kit check: what the build needs against what is free to use."""

    key: str
    description: str
    per_unit: int
    needed: int
    in_stock: int
    reserved: int
    available: int
    short: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class KitCheck:
    """Whether ``units`` of a kit can be built now, part by part."""

    kit: str
    status: str
    units: int
    lines: list[KitCheckLine]
    buildable: int | None  # None for a kit without contents

    @property
    def ok(self) -> bool:
        """True when no part is short."""
        return all(line.short == 0 for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "kit": self.kit,
            "status": self.status,
            "units": self.units,
            "ok": self.ok,
            "buildable": self.buildable,
            "lines": [line.to_dict() for line in self.lines],
        }
