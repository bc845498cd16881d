"""Kits: add, list, show, edit, archive and remove; every kit is created together with its set."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import AttachmentSet, Kit, KitStatus, utcnow
from inventory_cli.errors import ConflictError, InvalidInputError, NotFoundError, UsageError
from inventory_cli.services.dto import KitLineView, KitView, Removed
from inventory_cli.services.sets import attachment_view, cover_view
from inventory_cli.storage import set_rows
from inventory_cli.storage.uow import UnitOfWork

MAX_NAME = 255
# Reservations multiply build targets by per-unit quantities and add them up over kits; these
# bounds keep every such sum far inside SQLite's 64-bit integers.
MAX_BUILD_TARGET = MAX_PER_UNIT = 1_000_000


def clean_kit_name(name: str) -> str:
    """A kit name without surrounding blanks; refused when blank or too long."""
    text = name.strip()
    if not text:
        raise InvalidInputError("kit name is blank")
    if len(text) > MAX_NAME:
        raise InvalidInputError(f"kit name is {len(text)} characters long; the limit is {MAX_NAME}")
    return text


def clean_build_target(build_target: int) -> int:
    """A build target within its bounds."""
    if not 0 <= build_target <= MAX_BUILD_TARGET:
        raise InvalidInputError(f"build target {build_target} must be between 0 and {MAX_BUILD_TARGET}")
    return build_target


def find_kit(uow: UnitOfWork, name: str) -> Kit:
    """The kit called ``name`` (exactly, else without regard to case), or a not-found error."""
    name = name.strip()
    found = set_rows.kit_named(uow.sql(), name)
    kit = None if found is None else uow.kits.get(found[0])
    if kit is None:
        raise NotFoundError(f"no kit named {name!r}", hint="'inventory kit list' lists them")
    return kit


def _refuse_taken(uow: UnitOfWork, name: str, current: Kit | None = None) -> None:
    # Names are unique in any case, so the exact-first lookup finds the one kit a name folds to.
    existing = set_rows.kit_named(uow.sql(), name)
    if existing is not None and (current is None or existing[0] != current.id):
        raise ConflictError(f"a kit named {existing[1]!r} already exists")


def _view(uow: UnitOfWork, name: str, in_full: bool = False) -> KitView:
    rows = uow.kits.rows(name)
    if not rows:
        raise NotFoundError(f"no kit named {name!r}")
    view = _row_view(rows[0])
    if in_full:
        attachment_set = uow.sets.get(view.set_id)
        cover_id = attachment_set.cover_attachment_id if attachment_set else None
        attachments = [attachment_view(a, cover_id) for a in uow.sets.attachments(view.set_id)]
        view = replace(view, attachments=attachments, contents=content_lines(uow, rows[0].Kit))
    return view


def content_lines(uow: UnitOfWork, kit: Kit) -> list[KitLineView]:
    """The kit's contents by part key."""
    assert kit.id is not None
    return [
        KitLineView(kit.name, row.key, row.description, row.KitContent.per_unit, row.KitContent.note)
        for row in uow.contents.check_lines(kit.id)
    ]


def _row_view(row: Any) -> KitView:
    kit: Kit = row.Kit
    return KitView(
        name=kit.name,
        description=kit.description,
        build_target=kit.build_target,
        status=kit.status,
        archived_at=kit.archived_at,
        set_id=kit.attachment_set_id,
        cover=cover_view(row.cover_id, row.cover_title, row.cover_filename),
        attachment_count=row.attachment_count,
        created_at=kit.created_at,
        updated_at=kit.updated_at,
    )


def add_kit(
    inventory: Inventory, name: str, description: str | None = None, build_target: int = 1
) -> KitView:
    """Create a kit and its empty attachment set in one transaction."""
    clean = clean_kit_name(name)
    target = clean_build_target(build_target)
    with inventory.uow() as uow:
        _refuse_taken(uow, clean)
        attachment_set = AttachmentSet()
        uow.sets.add(attachment_set)
        uow.sets.flush()
        assert attachment_set.id is not None
        uow.kits.add(
            Kit(
                name=clean,
                description=(description or "").strip() or None,
                build_target=target,
                attachment_set_id=attachment_set.id,
            )
        )
        uow.sets.flush()
        view = _view(uow, clean)
        uow.commit()
        return view


def list_kits(inventory: Inventory, status: KitStatus | None = None) -> list[KitView]:
    """Kits by name, optionally only active or only archived ones."""
    with inventory.uow(read_only=True) as uow:
        views = [_row_view(row) for row in uow.kits.rows()]
    return [v for v in views if status is None or v.status == status.value]


def show_kit(inventory: Inventory, name: str) -> KitView:
    """One kit with its attachments."""
    with inventory.uow(read_only=True) as uow:
        return _view(uow, find_kit(uow, name).name, in_full=True)


def edit_kit(
    inventory: Inventory,
    name: str,
    *,
    new_name: str | None = None,
    description: str | None = None,
    build_target: int | None = None,
) -> KitView:
    """Rename a kit or change its description or build target."""
    if new_name is None and description is None and build_target is None:
        raise UsageError("nothing to change", hint="give --name, --description or --build-target")
    with inventory.uow() as uow:
        kit = find_kit(uow, name)
        if new_name is not None:
            clean = clean_kit_name(new_name)
            _refuse_taken(uow, clean, current=kit)
            kit.name = clean
        if description is not None:
            kit.description = description.strip() or None
        if build_target is not None:
            kit.build_target = clean_build_target(build_target)
        kit.updated_at = utcnow()
        uow.sets.flush()
        view = _view(uow, kit.name)
        uow.commit()
        return view


def set_archived(inventory: Inventory, name: str, archived: bool) -> KitView:
    """Archive or unarchive a kit."""
    with inventory.uow() as uow:
        kit = find_kit(uow, name)
        wanted = KitStatus.ARCHIVED if archived else KitStatus.ACTIVE
        if kit.status == wanted.value:
            raise ConflictError(f"kit {kit.name!r} is already {wanted.value}")
        kit.status = wanted.value
        kit.archived_at = utcnow() if archived else None
        kit.updated_at = utcnow()
        uow.sets.flush()
        view = _view(uow, kit.name)
        uow.commit()
        return view


def remove_kit(inventory: Inventory, name: str) -> Removed:
    """Delete a kit with its set and the set's attachments; blobs stay for 'store gc'."""
    with inventory.uow() as uow:
        kit = find_kit(uow, name)
        count = len(uow.sets.attachments(kit.attachment_set_id))
        uow.kits.delete(kit)
        uow.sets.flush()
        uow.commit()
        return Removed(what=f"kit {kit.name!r}", attachments_removed=count)
