"""Repositories of the physical inventory: boxes and locations, stock and its history, kit contents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, func, insert, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from inventory_cli.domain.models import (
    Attachment,
    AttachmentSet,
    Box,
    Kit,
    KitContent,
    KitStatus,
    Location,
    Part,
    Stock,
    StockChange,
)


class BoxRepository:
    """Boxes and their numbered locations."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, box: Box) -> None:
        """Stage a new box."""
        self.session.add(box)
        self.session.flush()

    def get(self, number: int) -> Box | None:
        """The box with ``number``."""
        return self.session.get(Box, number)

    def add_locations(self, box_id: int, first: int, last: int) -> None:
        """Create slots ``first``..``last`` of a box in one statement."""
        if last >= first:
            self.session.execute(
                insert(Location), [{"box_id": box_id, "slot": slot} for slot in range(first, last + 1)]
            )

    def occupied_slots(self, box_id: int, above: int = 0) -> list[int]:
        """Slots of the box above ``above`` that hold any stock, ascending."""
        statement = (
            select(col(Location.slot))
            .join(Stock, col(Stock.location_id) == col(Location.id))
            .where(col(Location.box_id) == box_id, col(Location.slot) > above)
            .distinct()
            .order_by(col(Location.slot))
        )
        return list(self.session.execute(statement).scalars())

    def remove_locations_above(self, box_id: int, slot: int) -> None:
        """Delete the box's slots numbered above ``slot``."""
        self.session.execute(
            delete(Location).where(col(Location.box_id) == box_id, col(Location.slot) > slot)
        )

    def location(self, box_id: int, slot: int) -> Location | None:
        """Slot ``slot`` of box ``box_id``."""
        statement = select(Location).where(col(Location.box_id) == box_id, col(Location.slot) == slot)
        return self.session.execute(statement).scalars().first()

    def usage(self, number: int | None = None) -> Sequence[Row[Any]]:
        """Every box (or box ``number``) with its count of occupied slots and units, by number."""
        occupied = (
            select(
                col(Location.box_id).label("box_id"),
                func.count(func.distinct(col(Location.id))).label("occupied"),
                func.sum(col(Stock.quantity)).label("units"),
            )
            .join(Stock, col(Stock.location_id) == col(Location.id))
            .group_by(col(Location.box_id))
            .subquery()
        )
        statement = (
            select(
                Box,
                func.coalesce(occupied.c.occupied, 0).label("occupied"),
                func.coalesce(occupied.c.units, 0).label("units"),
            )
            .outerjoin(occupied, occupied.c.box_id == col(Box.id))
            .order_by(col(Box.id))
        )
        if number is not None:
            statement = statement.where(col(Box.id) == number)
        return self.session.execute(statement).all()

    def slots(self, box_id: int) -> Sequence[Row[Any]]:
        """Each slot of the box with the parts in it (key, description, quantity, cover), by slot."""
        cover = aliased(Attachment)
        statement: Any = (
            select(
                col(Location.slot),
                col(Part.key),
                col(Part.description),
                col(Stock.quantity),
                col(cover.id).label("cover_id"),
                col(cover.title).label("cover_title"),
                col(cover.filename).label("cover_filename"),
            )
            .outerjoin(Stock, col(Stock.location_id) == col(Location.id))
            .outerjoin(Part, col(Part.id) == col(Stock.part_id))
            .outerjoin(AttachmentSet, col(AttachmentSet.id) == col(Part.attachment_set_id))
            .outerjoin(cover, col(cover.id) == col(AttachmentSet.cover_attachment_id))
            .where(col(Location.box_id) == box_id)
            .order_by(col(Location.slot), col(Part.key))
        )
        return self.session.execute(statement).all()

    def delete(self, box: Box) -> None:
        """Delete a box; its locations go with it."""
        self.session.delete(box)
        self.session.flush()


class StockRepository:
    """Stock rows per part and location, and the append-only history of their changes."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def at(self, part_id: int, location_id: int) -> Stock | None:
        """The part's stock row at a location."""
        statement = select(Stock).where(col(Stock.part_id) == part_id, col(Stock.location_id) == location_id)
        return self.session.execute(statement).scalars().first()

    def add(self, stock: Stock) -> None:
        """Stage a new stock row."""
        self.session.add(stock)

    def delete(self, stock: Stock) -> None:
        """Delete a stock row (its quantity reached 0)."""
        self.session.delete(stock)

    def record(self, change: StockChange) -> None:
        """Append one history row."""
        self.session.add(change)

    def flush(self) -> None:
        """Send staged changes."""
        self.session.flush()

    def lines(self, part_id: int | None = None) -> Sequence[Row[Any]]:
        """Stock rows with part key and location, by part key then box and slot."""
        statement = (
            select(
                col(Part.key),
                col(Part.description),
                col(Location.box_id),
                col(Location.slot),
                col(Stock.quantity),
            )
            .join(Part, col(Part.id) == col(Stock.part_id))
            .join(Location, col(Location.id) == col(Stock.location_id))
            .order_by(col(Part.key), col(Location.box_id), col(Location.slot))
        )
        if part_id is not None:
            statement = statement.where(col(Stock.part_id) == part_id)
        return self.session.execute(statement).all()

    def history(self, part_id: int | None, limit: int | None) -> Sequence[Row[Any]]:
        """History rows with the part key, newest first."""
        statement = (
            select(StockChange, col(Part.key))
            .join(Part, col(Part.id) == col(StockChange.part_id))
            .order_by(col(StockChange.id).desc())
        )
        if part_id is not None:
            statement = statement.where(col(StockChange.part_id) == part_id)
        if limit is not None:
            statement = statement.limit(limit)
        return self.session.execute(statement).all()

    def total(self, part_id: int) -> int:
        """The part's quantity over all locations."""
        statement = select(func.coalesce(func.sum(col(Stock.quantity)), 0)).where(
            col(Stock.part_id) == part_id
        )
        return int(self.session.execute(statement).scalar_one())

    def free_location(self, type_id: int | None) -> Row[Any] | None:
        """The first empty slot, in boxes holding most parts of ``type_id`` first, then by number."""
        held = select(literal(1)).where(col(Stock.location_id) == col(Location.id)).exists()
        if type_id is None:
            preference: Any = literal(0)
        else:
            same_type = aliased(Location)
            preference = (
                select(func.count())
                .select_from(Stock)
                .join(same_type, col(same_type.id) == col(Stock.location_id))
                .join(Part, col(Part.id) == col(Stock.part_id))
                .where(col(same_type.box_id) == col(Location.box_id), col(Part.type_id) == type_id)
                .scalar_subquery()
            )
        statement = (
            select(col(Location.box_id), col(Location.slot), col(Box.description), preference.label("same"))
            .join(Box, col(Box.id) == col(Location.box_id))
            .where(~held)
            .order_by(preference.desc(), col(Location.box_id), col(Location.slot))
            .limit(1)
        )
        return self.session.execute(statement).first()

    def delete_for_part(self, part_id: int) -> int:
        """Delete every stock row of a part; the number of units they held."""
        units = self.total(part_id)
        self.session.execute(delete(Stock).where(col(Stock.part_id) == part_id))
        return units


def total_stock(part_id_column: Any) -> Any:
    """A scalar subquery: the quantity of the part over all locations."""
    return (
        select(func.coalesce(func.sum(col(Stock.quantity)), 0))
        .where(col(Stock.part_id) == part_id_column)
        .scalar_subquery()
    )


class KitContentRepository:
    """The lines of kits' bills of materials, and the reservations of active kits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, kit_id: int, part_id: int) -> KitContent | None:
        """The kit's line for a part."""
        statement = select(KitContent).where(
            col(KitContent.kit_id) == kit_id, col(KitContent.part_id) == part_id
        )
        return self.session.execute(statement).scalars().first()

    def add(self, line: KitContent) -> None:
        """Stage a new line."""
        self.session.add(line)
        self.session.flush()

    def delete(self, line: KitContent) -> None:
        """Delete a line."""
        self.session.delete(line)
        self.session.flush()

    def kits_using(self, part_id: int) -> list[tuple[str, str]]:
        """Name and status of each kit that lists the part, by name."""
        statement = (
            select(col(Kit.name), col(Kit.status))
            .join(KitContent, col(KitContent.kit_id) == col(Kit.id))
            .where(col(KitContent.part_id) == part_id)
            .order_by(func.lower(col(Kit.name)))
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]

    def delete_for_part(self, part_id: int) -> int:
        """Delete the part's lines in every kit; how many there were."""
        result: Any = self.session.execute(delete(KitContent).where(col(KitContent.part_id) == part_id))
        return int(result.rowcount or 0)

    def check_lines(self, kit_id: int) -> Sequence[Row[Any]]:
        """Each line of the kit with the part's stock and what other active kits reserve, by key."""
        other = aliased(KitContent)
        other_kit = aliased(Kit)
        reserved = (
            select(func.coalesce(func.sum(col(other.per_unit) * col(other_kit.build_target)), 0))
            .join(other_kit, col(other_kit.id) == col(other.kit_id))
            .where(
                col(other.part_id) == col(KitContent.part_id),
                col(other.kit_id) != kit_id,
                col(other_kit.status) == KitStatus.ACTIVE.value,
            )
            .scalar_subquery()
        )
        cover = aliased(Attachment)
        statement = (
            select(
                KitContent,
                col(Part.key),
                col(Part.description),
                total_stock(col(Part.id)).label("in_stock"),
                reserved.label("reserved"),
                col(cover.id).label("cover_id"),
                col(cover.title).label("cover_title"),
                col(cover.filename).label("cover_filename"),
            )
            .join(Part, col(Part.id) == col(KitContent.part_id))
            .join(AttachmentSet, col(AttachmentSet.id) == col(Part.attachment_set_id))
            .outerjoin(cover, col(cover.id) == col(AttachmentSet.cover_attachment_id))
            .where(col(KitContent.kit_id) == kit_id)
            .order_by(col(Part.key))
        )
        return self.session.execute(statement).all()
