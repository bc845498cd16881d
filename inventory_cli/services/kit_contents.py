"""Kit contents (what one unit of a kit needs) and the check of whether the stock can build it."""

from __future__ import annotations

import shlex

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import Kit, KitContent, KitStatus, utcnow
from inventory_cli.domain.rules import CONTROL_CHARACTERS, validate_quantity
from inventory_cli.errors import ConflictError, InvalidInputError, NotFoundError, UsageError
from inventory_cli.services.dto import KitCheck, KitCheckLine, KitLineView
from inventory_cli.services.kits import MAX_PER_UNIT, content_lines, find_kit
from inventory_cli.services.parts import find_part
from inventory_cli.storage.uow import UnitOfWork

MAX_NOTE = 1000


def _clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    text = note.strip()
    if CONTROL_CHARACTERS.search(text):
        raise InvalidInputError(f"note {text!r} contains control characters")
    if len(text) > MAX_NOTE:
        raise InvalidInputError(f"note is {len(text)} characters long; the limit is {MAX_NOTE}")
    return text or None


def check_per_unit(per_unit: int) -> None:
    """Refuse a per-unit quantity outside 1..MAX_PER_UNIT."""
    if not 1 <= per_unit <= MAX_PER_UNIT:
        raise InvalidInputError(f"per-unit quantity {per_unit} must be between 1 and {MAX_PER_UNIT}")


def _active_kit(uow: UnitOfWork, name: str) -> Kit:
    kit = find_kit(uow, name)
    if kit.status == KitStatus.ARCHIVED.value:
        raise ConflictError(
            f"kit {kit.name!r} is archived; its contents cannot change",
            hint=f"unarchive it first: inventory kit unarchive {shlex.quote(kit.name)}",
        )
    return kit


def _line(uow: UnitOfWork, kit: Kit, key: str) -> KitLineView:
    part = find_part(uow, key)
    for line in content_lines(uow, kit):
        if line.key == part.key:
            return line
    raise NotFoundError(f"kit {kit.name!r} has no line for part {part.key}")


def add_content(
    inventory: Inventory, kit_name: str, key: str, per_unit: int = 1, note: str | None = None
) -> KitLineView:
    """Add a part to an active kit's contents; one line per part."""
    check_per_unit(per_unit)
    clean_note = _clean_note(note)
    with inventory.uow() as uow:
        kit = _active_kit(uow, kit_name)
        part = find_part(uow, key)
        assert kit.id is not None and part.id is not None
        if uow.contents.get(kit.id, part.id) is not None:
            raise ConflictError(
                f"kit {kit.name!r} already lists part {part.key}",
                hint=f"to change it: inventory kit content edit {shlex.quote(kit.name)} {part.key} -q N",
            )
        uow.contents.add(KitContent(kit_id=kit.id, part_id=part.id, per_unit=per_unit, note=clean_note))
        kit.updated_at = utcnow()
        line = _line(uow, kit, part.key)
        uow.commit()
        return line


def list_contents(inventory: Inventory, kit_name: str) -> list[KitLineView]:
    """A kit's lines by part key."""
    with inventory.uow(read_only=True) as uow:
        return content_lines(uow, find_kit(uow, kit_name))


def edit_content(
    inventory: Inventory, kit_name: str, key: str, *, per_unit: int | None = None, note: str | None = None
) -> KitLineView:
    """Change a line's per-unit quantity or note ('' clears the note)."""
    if per_unit is None and note is None:
        raise UsageError("nothing to change", hint="give --per-unit or --note")
    if per_unit is not None:
        check_per_unit(per_unit)
    clean_note = _clean_note(note)
    with inventory.uow() as uow:
        kit = _active_kit(uow, kit_name)
        part = find_part(uow, key)
        assert kit.id is not None and part.id is not None
        line = uow.contents.get(kit.id, part.id)
        if line is None:
            raise NotFoundError(f"kit {kit.name!r} has no line for part {part.key}")
        if per_unit is not None:
            line.per_unit = per_unit
        if note is not None:
            line.note = clean_note
        line.updated_at = kit.updated_at = utcnow()
        uow.stock.flush()
        view = _line(uow, kit, part.key)
        uow.commit()
        return view


def remove_content(inventory: Inventory, kit_name: str, key: str) -> KitLineView:
    """Remove a part from an active kit's contents."""
    with inventory.uow() as uow:
        kit = _active_kit(uow, kit_name)
        view = _line(uow, kit, key)
        part = find_part(uow, key)
        assert kit.id is not None and part.id is not None
        line = uow.contents.get(kit.id, part.id)
        assert line is not None
        uow.contents.delete(line)
        kit.updated_at = utcnow()
        uow.commit()
        return view


def check_kit(inventory: Inventory, kit_name: str, units: int | None = None) -> KitCheck:
    """Per part: needed for ``units``, in stock, reserved by other active kits, available, short.

    ``units`` defaults to the kit's build target (1 when the target is 0). Each active kit
    reserves per-unit x build target of each of its parts; a kit never competes with itself.
    """
    if units is not None:
        validate_quantity(units, "units")
    with inventory.uow(read_only=True) as uow:
        kit = find_kit(uow, kit_name)
        assert kit.id is not None
        wanted = units if units is not None else max(kit.build_target, 1)
        lines = []
        for row in uow.contents.check_lines(kit.id):
            per_unit = row.KitContent.per_unit
            in_stock, reserved = int(row.in_stock), int(row.reserved)
            available = max(in_stock - reserved, 0)
            needed = per_unit * wanted
            lines.append(
                KitCheckLine(
                    key=row.key,
                    description=row.description,
                    per_unit=per_unit,
                    needed=needed,
                    in_stock=in_stock,
                    reserved=reserved,
                    available=available,
                    short=max(needed - available, 0),
                )
            )
        buildable = min((line.available // line.per_unit for line in lines), default=None)
        return KitCheck(kit.name, kit.status, wanted, lines, buildable)
