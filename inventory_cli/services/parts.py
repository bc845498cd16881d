"""Parts: add, list, show, edit and remove; every part is created together with its set."""

from __future__ import annotations

import random
import string
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import AttachmentSet, KitStatus, Part, utcnow
from inventory_cli.domain.part_values import clean_part_values, clean_tags
from inventory_cli.domain.rules import normalise_key, random_key
from inventory_cli.errors import ConflictError, NotFoundError, UsageError
from inventory_cli.services import part_listing, part_views
from inventory_cli.services.dto import PartRemoved, PartView, StockLine
from inventory_cli.services.part_views import list_parts as list_parts
from inventory_cli.services.part_views import show_part as show_part
from inventory_cli.storage.uow import UnitOfWork

RANDOM_KEY_TRIES = 32


def type_id_for(uow: UnitOfWork, type_name: str | None) -> int | None:
    """The id of the type called ``type_name`` (any case); None for no type."""
    if type_name is None or not type_name.strip():
        return None
    return part_listing.type_id_for(uow.sql(), type_name)


def _free_key(uow: UnitOfWork, rng: random.Random | None = None) -> str:
    """A random unused key; after many misses, a random pick among the keys still free."""
    for _ in range(RANDOM_KEY_TRIES):
        key = random_key(rng)
        if not uow.parts.key_taken(key):
            return key
    taken = uow.parts.all_keys()
    letters = string.ascii_uppercase
    free = [a + b + c + d for a in letters for b in letters for c in letters for d in letters]
    free = [key for key in free if key not in taken]
    if not free:
        raise ConflictError("every four-letter part key is in use")
    return (rng or random.SystemRandom()).choice(free)


def find_part(uow: UnitOfWork, key: str) -> Part:
    """The part with ``key`` (any case), or a not-found error naming it."""
    part = uow.parts.by_key(key.strip().upper())
    if part is None:
        raise NotFoundError(f"no part with key {key!r}")
    return part


def stock_lines(uow: UnitOfWork, part_id: int | None) -> list[StockLine]:
    """Where a part (or, for None, every part) is stored, by key then box and slot."""
    return [
        StockLine(row.key, row.description, f"{row.box_id}-{row.slot}", row.quantity)
        for row in uow.stock.lines(part_id)
    ]


def _view(uow: UnitOfWork, key: str) -> PartView:
    """The part as written so far in this unit of work, read with the same SQL as ``part show``."""
    return part_views.read_part(uow.sql(), key)


def add_part(
    inventory: Inventory,
    description: str,
    *,
    key: str | None = None,
    type_name: str | None = None,
    tags: list[str] | None = None,
    **fields: Any,
) -> PartView:
    """Create a part and its empty attachment set in one transaction."""
    given = {k: v for k, v in fields.items() if v is not None}
    values = clean_part_values({"description": description, **given})
    tag_list = clean_tags(tags or [])
    wanted = normalise_key(key) if key is not None else None
    with inventory.uow() as uow:
        type_id = type_id_for(uow, type_name)
        if wanted is not None and uow.parts.key_taken(wanted):
            raise ConflictError(f"part key {wanted} is already taken", hint="leave out --key for a free one")
        chosen = wanted or _free_key(uow)
        attachment_set = AttachmentSet()
        uow.sets.add(attachment_set)
        uow.sets.flush()
        assert attachment_set.id is not None
        uow.parts.add(
            Part(
                key=chosen,
                type_id=type_id,
                tags=tag_list or None,
                attachment_set_id=attachment_set.id,
                **values,
            )
        )
        uow.sets.flush()
        view = _view(uow, chosen)
        uow.commit()
        return view


_UNSET: Any = object()


def edit_part(
    inventory: Inventory,
    key: str,
    *,
    type_name: str | None = _UNSET,
    tags: list[str] | None = _UNSET,
    **fields: Any,
) -> PartView:
    """Change the given fields of a part; an empty string clears an optional field."""
    values = clean_part_values({k: v for k, v in fields.items() if v is not None})
    if not values and type_name is _UNSET and tags is _UNSET:
        raise UsageError("nothing to change", hint="give at least one option, see --help")
    with inventory.uow() as uow:
        part = find_part(uow, key)
        for name, value in values.items():
            setattr(part, name, value)
        if type_name is not _UNSET:
            part.type_id = type_id_for(uow, type_name)
        if tags is not _UNSET:
            part.tags = clean_tags(tags or []) or None
        part.updated_at = utcnow()
        uow.sets.flush()
        view = _view(uow, part.key)
        uow.commit()
        return view


def _removable(uow: UnitOfWork, part: Part, force: bool) -> PartRemoved:
    """What deleting ``part`` would remove; refuses what ``force`` does not allow."""
    assert part.id is not None
    units = uow.stock.total(part.id)
    kits = uow.contents.kits_using(part.id)
    if (units or kits) and not force:
        reasons = []
        if units:
            reasons.append(f"has {units} in stock")
        if kits:
            names = ", ".join(repr(name) for name, _ in kits)
            reasons.append(f"is used in kit{'s' if len(kits) > 1 else ''} {names}")
        raise ConflictError(
            f"part {part.key} {' and '.join(reasons)}",
            hint="--force removes its stock and kit lines with it",
        )
    archived = [name for name, status in kits if status == KitStatus.ARCHIVED.value]
    if archived:
        raise ConflictError(
            f"part {part.key} is used in archived kit{'s' if len(archived) > 1 else ''} "
            + ", ".join(repr(name) for name in archived),
            hint="archived kits do not change; unarchive them first",
        )
    return PartRemoved(
        what=f"part {part.key}",
        attachments_removed=len(uow.sets.attachments(part.attachment_set_id)),
        units_removed=units,
        kit_lines_removed=len(kits),
    )


def plan_removal(inventory: Inventory, key: str, *, force: bool = False) -> PartRemoved:
    """What ``remove_part`` would remove, refused the same way, without changing anything."""
    with inventory.uow(read_only=True) as uow:
        return _removable(uow, find_part(uow, key), force)


def remove_part(inventory: Inventory, key: str, *, force: bool = False) -> PartRemoved:
    """Delete a part with its set and attachments; refused while it has stock or kit lines unless forced.

    Blobs stay for 'store gc'; the part's stock history goes with it. Lines in archived kits
    are never removed: those kits do not change.
    """
    with inventory.uow() as uow:
        part = find_part(uow, key)
        assert part.id is not None
        removed = _removable(uow, part, force)
        uow.stock.delete_for_part(part.id)
        uow.contents.delete_for_part(part.id)
        uow.parts.delete(part)
        uow.sets.flush()
        uow.commit()
        return removed
