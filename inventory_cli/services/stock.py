"""Stock: add, remove and move quantities between locations, each change written to the history."""

from __future__ import annotations

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import Location, Part, Stock, StockAction, StockChange, utcnow
from inventory_cli.domain.rules import LocationRef, parse_location, validate_quantity
from inventory_cli.errors import ConflictError, NotFoundError, UsageError
from inventory_cli.services.dto import StockChangeView, StockLine, StockResult
from inventory_cli.services.parts import find_part, stock_lines, type_id_for
from inventory_cli.storage.uow import UnitOfWork

MAX_HISTORY = 10_000


def _location(uow: UnitOfWork, ref: LocationRef) -> Location:
    found = uow.boxes.location(ref.box, ref.slot)
    if found is None:
        box = uow.boxes.get(ref.box)
        hint = f"box {ref.box} has slots 1-{box.capacity}" if box else "'inventory box list' lists the boxes"
        raise NotFoundError(f"no location {ref}", hint=hint)
    return found


def _change(uow: UnitOfWork, part: Part, ref: LocationRef, delta: int, action: StockAction) -> StockChange:
    assert part.id is not None
    change = StockChange(part_id=part.id, location=str(ref), delta=delta, action=action.value)
    uow.stock.record(change)
    return change


def _take(uow: UnitOfWork, part: Part, ref: LocationRef, quantity: int, action: StockAction) -> StockChange:
    """Remove ``quantity`` of the part from one location; refuses to go below zero."""
    location = _location(uow, ref)
    assert part.id is not None and location.id is not None
    row = uow.stock.at(part.id, location.id)
    held = row.quantity if row else 0
    if row is None or held < quantity:
        raise ConflictError(
            f"location {ref} holds {held} of part {part.key}; cannot take {quantity}",
            hint=f"to see where it is: inventory stock list {part.key}",
        )
    if held == quantity:
        uow.stock.delete(row)  # an emptied location is free again
    else:
        row.quantity = held - quantity
        row.updated_at = utcnow()
    return _change(uow, part, ref, -quantity, action)


def _put(uow: UnitOfWork, part: Part, ref: LocationRef, quantity: int, action: StockAction) -> StockChange:
    """Add ``quantity`` of the part at one location."""
    location = _location(uow, ref)
    assert part.id is not None and location.id is not None
    row = uow.stock.at(part.id, location.id)
    if row is None:
        uow.stock.add(Stock(part_id=part.id, location_id=location.id, quantity=quantity))
    else:
        validate_quantity(row.quantity + quantity, f"total at {ref}")
        row.quantity += quantity
        row.updated_at = utcnow()
    return _change(uow, part, ref, quantity, action)


def _change_view(change: StockChange, key: str) -> StockChangeView:
    assert change.id is not None
    return StockChangeView(change.id, key, change.location, change.delta, change.action, change.created_at)


def _result(uow: UnitOfWork, part: Part, changes: list[StockChange]) -> StockResult:
    uow.stock.flush()
    assert part.id is not None
    lines = stock_lines(uow, part.id)
    return StockResult(
        key=part.key,
        changes=[_change_view(c, part.key) for c in changes],
        total=sum(line.quantity for line in lines),
        locations=lines,
    )


def add_stock(inventory: Inventory, key: str, location: str, quantity: int) -> StockResult:
    """Add ``quantity`` of a part at a location."""
    ref = parse_location(location)
    validate_quantity(quantity)
    with inventory.uow() as uow:
        part = find_part(uow, key)
        result = _result(uow, part, [_put(uow, part, ref, quantity, StockAction.ADD)])
        uow.commit()
        return result


def remove_stock(inventory: Inventory, key: str, location: str, quantity: int) -> StockResult:
    """Take ``quantity`` of a part from a location; never below zero."""
    ref = parse_location(location)
    validate_quantity(quantity)
    with inventory.uow() as uow:
        part = find_part(uow, key)
        result = _result(uow, part, [_take(uow, part, ref, quantity, StockAction.REMOVE)])
        uow.commit()
        return result


def move_stock(inventory: Inventory, key: str, source: str, target: str, quantity: int) -> StockResult:
    """Move ``quantity`` of a part between two locations; the history gets both sides."""
    from_ref, to_ref = parse_location(source), parse_location(target)
    if from_ref == to_ref:
        raise UsageError(f"source and target are both {from_ref}")
    validate_quantity(quantity)
    with inventory.uow() as uow:
        part = find_part(uow, key)
        _location(uow, to_ref)  # an unknown target fails before anything changes
        taken = _take(uow, part, from_ref, quantity, StockAction.MOVE_OUT)
        put = _put(uow, part, to_ref, quantity, StockAction.MOVE_IN)
        result = _result(uow, part, [taken, put])
        uow.commit()
        return result


def list_stock(inventory: Inventory, key: str | None = None) -> list[StockLine]:
    """Where a part (or every part) is, by key then location."""
    with inventory.uow(read_only=True) as uow:
        part_id = find_part(uow, key).id if key is not None else None
        return stock_lines(uow, part_id)


def history(inventory: Inventory, key: str | None = None, limit: int | None = None) -> list[StockChangeView]:
    """Stock changes of a part (or of every part), newest first."""
    if limit is not None and not 1 <= limit <= MAX_HISTORY:
        raise UsageError(f"limit {limit} must be between 1 and {MAX_HISTORY}")
    with inventory.uow(read_only=True) as uow:
        part_id = find_part(uow, key).id if key is not None else None
        return [_change_view(row.StockChange, row.key) for row in uow.stock.history(part_id, limit)]


def suggest_location(inventory: Inventory, type_name: str | None = None) -> dict[str, object]:
    """A free location, preferring boxes that already hold parts of ``type_name``."""
    with inventory.uow(read_only=True) as uow:
        type_id = type_id_for(uow, type_name) if type_name else None
        row = uow.stock.free_location(type_id)
        if row is None:
            raise NotFoundError("no free location", hint="add a box with 'inventory box add'")
        return {
            "location": f"{row.box_id}-{row.slot}",
            "box": row.box_id,
            "slot": row.slot,
            "box_description": row.description,
            "same_type_in_box": int(row.same) if type_id is not None else None,
        }
