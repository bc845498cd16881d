"""Boxes: add, list, show, edit (grow or shrink) and remove; each slot is a location ``BOX-SLOT``."""

from __future__ import annotations

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import Box, utcnow
from inventory_cli.domain.rules import validate_capacity, validate_name
from inventory_cli.errors import ConflictError, NotFoundError, UsageError
from inventory_cli.services.dto import BoxDetail, BoxView, SlotView
from inventory_cli.services.sets import cover_view
from inventory_cli.storage.uow import UnitOfWork

MAX_DESCRIPTION = 255


def _find(uow: UnitOfWork, number: int) -> Box:
    box = uow.boxes.get(number) if 0 < number < 2**63 else None
    if box is None:
        raise NotFoundError(f"no box {number}", hint="'inventory box list' lists them")
    return box


def _view(uow: UnitOfWork, number: int) -> BoxView:
    rows = uow.boxes.usage(number)
    if not rows:
        raise NotFoundError(f"no box {number}")
    return _row_view(rows[0])


def _row_view(row: object) -> BoxView:
    box: Box = row.Box  # type: ignore[attr-defined]
    assert box.id is not None
    return BoxView(
        number=box.id,
        description=box.description,
        capacity=box.capacity,
        occupied=int(row.occupied),  # type: ignore[attr-defined]
        units=int(row.units),  # type: ignore[attr-defined]
        created_at=box.created_at,
    )


def _slots_listing(slots: list[int]) -> str:
    """``slot 7 holds`` or ``slots 3, 7 hold``, at most ten numbers shown."""
    shown = ", ".join(str(s) for s in slots[:10])
    more = f" and {len(slots) - 10} more" if len(slots) > 10 else ""
    return f"slot {shown} holds" if len(slots) == 1 else f"slots {shown}{more} hold"


def add_box(inventory: Inventory, description: str, capacity: int) -> BoxView:
    """Create a box with locations 1..capacity; its number is never reused."""
    clean = validate_name(description, "box description", MAX_DESCRIPTION)
    size = validate_capacity(capacity)
    with inventory.uow() as uow:
        box = Box(description=clean, capacity=size)
        uow.boxes.add(box)
        assert box.id is not None
        uow.boxes.add_locations(box.id, 1, size)
        view = _view(uow, box.id)
        uow.commit()
        return view


def list_boxes(inventory: Inventory) -> list[BoxView]:
    """Every box by number with its usage, in one query."""
    with inventory.uow(read_only=True) as uow:
        return [_row_view(row) for row in uow.boxes.usage()]


def show_box(inventory: Inventory, number: int) -> BoxDetail:
    """A box with each slot and the parts in it."""
    with inventory.uow(read_only=True) as uow:
        box = _find(uow, number)
        slots = [
            SlotView(
                location=f"{number}-{row.slot}",
                slot=row.slot,
                key=row.key,
                description=row.description,
                quantity=row.quantity,
                cover=cover_view(row.cover_id, row.cover_title, row.cover_filename),
            )
            for row in uow.boxes.slots(number)
        ]
        assert box.id is not None
        return BoxDetail(_view(uow, box.id), slots)


def edit_box(
    inventory: Inventory, number: int, *, description: str | None = None, capacity: int | None = None
) -> BoxView:
    """Change a box's description or capacity; shrinking refuses while a dropped slot holds stock."""
    if description is None and capacity is None:
        raise UsageError("nothing to change", hint="give --description or --capacity")
    clean = (
        validate_name(description, "box description", MAX_DESCRIPTION) if description is not None else None
    )
    size = validate_capacity(capacity) if capacity is not None else None
    with inventory.uow() as uow:
        box = _find(uow, number)
        assert box.id is not None
        if size is not None and size < box.capacity:
            held = uow.boxes.occupied_slots(box.id, above=size)
            if held:
                raise ConflictError(
                    f"cannot shrink box {number} to {size}: {_slots_listing(held)} stock",
                    hint="move that stock first ('inventory stock move')",
                )
            uow.boxes.remove_locations_above(box.id, size)
        elif size is not None and size > box.capacity:
            uow.boxes.add_locations(box.id, box.capacity + 1, size)
        if size is not None:
            box.capacity = size
        if clean is not None:
            box.description = clean
        box.updated_at = utcnow()
        uow.stock.flush()
        view = _view(uow, box.id)
        uow.commit()
        return view


def _removable(uow: UnitOfWork, number: int) -> Box:
    """The box, if it exists and holds no stock."""
    box = _find(uow, number)
    assert box.id is not None
    held = uow.boxes.occupied_slots(box.id)
    if held:
        raise ConflictError(
            f"box {number} is not empty: {_slots_listing(held)} stock",
            hint="move or remove that stock first",
        )
    return box


def plan_removal(inventory: Inventory, number: int) -> BoxView:
    """The box ``remove_box`` would delete, refused the same way, without changing anything."""
    with inventory.uow(read_only=True) as uow:
        return _view(uow, _removable(uow, number).id or number)


def remove_box(inventory: Inventory, number: int) -> BoxView:
    """Delete an empty box with its locations."""
    with inventory.uow() as uow:
        box = _removable(uow, number)
        view = _view(uow, number)
        uow.boxes.delete(box)
        uow.commit()
        return view
