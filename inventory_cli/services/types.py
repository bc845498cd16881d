"""Part types: list, add and remove; names are unique without regard to case."""

from __future__ import annotations

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import PartType
from inventory_cli.domain.rules import validate_name
from inventory_cli.errors import ConflictError, NotFoundError
from inventory_cli.services.dto import TypeView
from inventory_cli.storage import part_rows

MAX_TYPE_NAME = 100


def list_types(inventory: Inventory) -> list[TypeView]:
    """Every type by name, with how many parts have it."""
    with inventory.uow(read_only=True) as uow:
        return [TypeView(row.PartType.name, row.parts) for row in uow.types.with_part_counts()]


def add_type(inventory: Inventory, name: str) -> TypeView:
    """Add a type; a name that differs from an existing one only by case is a conflict."""
    clean = validate_name(name, "type name", MAX_TYPE_NAME)
    with inventory.uow() as uow:
        existing = part_rows.type_named(uow.sql(), clean)
        if existing is not None:
            raise ConflictError(f"type {existing[1]!r} already exists")
        uow.types.add(PartType(name=clean))
        uow.commit()
        return TypeView(clean, 0)


def remove_type(inventory: Inventory, name: str) -> TypeView:
    """Remove a type that no part uses."""
    with inventory.uow() as uow:
        named = part_rows.type_named(uow.sql(), name)
        found = None if named is None else uow.types.get(named[0])
        if found is None:
            raise NotFoundError(f"no part type {name.strip()!r}", hint="'inventory type list' lists them")
        assert found.id is not None
        used = uow.types.part_count(found.id)
        if used:
            raise ConflictError(
                f"type {found.name!r} is used by {used} part{'s' if used != 1 else ''}",
                hint="give those parts another type first ('inventory part list --type ...')",
            )
        uow.types.delete(found)
        uow.commit()
        return TypeView(found.name, 0)
