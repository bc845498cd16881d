"""Loads the demo inventory through the ordinary services, then checks it as db check and store fsck do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.rules import SetRef
from inventory_cli.domain.wording import counted
from inventory_cli.errors import CheckFailedError, ConflictError
from inventory_cli.services import (
    attaching,
    boxes,
    database,
    kit_contents,
    kits,
    parts,
    sets,
    stock,
    store,
    types,
)
from inventory_cli.services.dto import AttachmentView
from inventory_cli.services.sample_description import AttachmentSpec, SampleDescription, read_description

Step = Callable[[str], None]


@dataclass(frozen=True)
class Contents:
    """What an inventory holds that loading would clash with: parts, kits and boxes."""

    parts: int
    kits: int
    boxes: int

    @property
    def empty(self) -> bool:
        """True when there is none of them."""
        return not (self.parts or self.kits or self.boxes)

    def describe(self) -> str:
        """``40 parts, 4 kits and 3 boxes``, leaving out what there is none of."""
        pairs = ((self.parts, "part", None), (self.kits, "kit", None), (self.boxes, "box", "boxes"))
        named = [counted(number, noun, plural) for number, noun, plural in pairs if number]
        return " and ".join(named) if len(named) < 3 else f"{named[0]}, {named[1]} and {named[2]}"


def existing_contents(inventory: Inventory) -> Contents:
    """How many parts, kits and boxes the inventory has now."""
    return Contents(
        parts=len(parts.list_parts(inventory)),
        kits=len(kits.list_kits(inventory)),
        boxes=len(boxes.list_boxes(inventory)),
    )


def refuse_unless_replacing(present: Contents, replace: bool) -> None:
    """A non-empty inventory is only loaded into when the caller asked to replace it."""
    if not present.empty and not replace:
        raise ConflictError(
            f"the inventory is not empty: it has {present.describe()}",
            hint="'inventory sample-data load --replace --yes' deletes them first",
        )


def empty_inventory(inventory: Inventory) -> Contents:
    """Delete every kit, then every part (with its stock and history), then every box.

    Kits go first, so that no part is held by an archived kit. Blobs stay for 'store gc';
    part types stay too (they are names, not contents).
    """
    removed = existing_contents(inventory)
    for kit in kits.list_kits(inventory):
        kits.remove_kit(inventory, kit.name)
    for part in parts.list_parts(inventory):
        parts.remove_part(inventory, part.key, force=True)
    for box in boxes.list_boxes(inventory):
        boxes.remove_box(inventory, box.number)
    return removed


@dataclass
class LoadReport:
    """What loading created, what it removed first, and what the closing checks found."""

    folder: str
    removed: Contents | None = None
    types_added: list[str] = field(default_factory=list)
    boxes: list[int] = field(default_factory=list)
    parts: int = 0
    stock_lines: int = 0
    units: int = 0
    kits: int = 0
    archived_kits: int = 0
    kit_lines: int = 0
    attachments: dict[str, int] = field(default_factory=lambda: {"image": 0, "pdf": 0, "url": 0})
    covers: int = 0
    db_checks: int = 0
    blobs_checked: int = 0
    old_orphans: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


def _attach(inventory: Inventory, ref: SetRef, spec: AttachmentSpec) -> AttachmentView:
    if spec.url is not None:
        return attaching.add_link(inventory, ref, spec.url, spec.title)
    assert spec.file is not None
    return attaching.add_file(inventory, ref, str(spec.file), spec.title)


def _check(inventory: Inventory, report: LoadReport) -> None:
    """Fail loudly unless db check is clean and every blob the inventory names is sound."""
    checked = database.check(inventory)
    if not checked.ok:
        first = checked.problems[0]
        raise CheckFailedError(
            f"the sample data was loaded, but db check found {len(checked.problems)} problem(s), "
            f"first: {first.check}: {first.detail}",
            hint="run 'inventory db check' to see them all",
        )
    report.db_checks = len(checked.checks_run)
    fsck = store.fsck(inventory)
    # Orphans and temp files left from before a --replace are not the sample data's doing; they
    # are counted and left to 'store gc'. A missing, short or corrupt referenced blob is a failure.
    bad = fsck.missing + fsck.wrong_size + [c for c in fsck.corrupt if c["referenced"]]
    if bad:
        raise CheckFailedError(
            f"the sample data was loaded, but store fsck found {len(bad)} bad blob(s), "
            f"first: {bad[0]['digest']}",
            hint="run 'inventory store fsck' to see them all",
        )
    report.blobs_checked = fsck.referenced
    report.old_orphans = sum(1 for orphan in fsck.orphans if orphan["old"])


def load(
    inventory: Inventory,
    description: SampleDescription | None = None,
    *,
    replace: bool = False,
    on_step: Step | None = None,
) -> LoadReport:
    """Load the demo inventory into an empty one (or, with ``replace``, after emptying it).

    Every row goes through the same service calls as the commands, with their validation.
    Each call commits on its own: an interrupted load leaves part of the data, which
    ``replace`` clears on the next run.
    """
    spec = description or read_description()
    with inventory.connection_held():
        return _load(inventory, spec, replace, on_step or (lambda _label: None))


def _load(inventory: Inventory, spec: SampleDescription, replace: bool, step: Step) -> LoadReport:
    report = LoadReport(folder=str(spec.folder))
    present = existing_contents(inventory)
    refuse_unless_replacing(present, replace)
    if not present.empty:
        report.removed = empty_inventory(inventory)
    known = {t.name.casefold() for t in types.list_types(inventory)}
    # A seeded type the user has since removed comes back rather than failing halfway.
    for name in spec.type_names:
        if name.casefold() not in known:
            types.add_type(inventory, name)
            report.types_added.append(name)
        step(f"type {name}")
    numbers: dict[str, int] = {}
    for box in spec.boxes:
        numbers[box.ref] = boxes.add_box(inventory, box.description, box.capacity).number
        report.boxes.append(numbers[box.ref])
        step(f"box {box.ref}")
    for part in spec.parts:
        extra = {name: value for name, value in part.fields.items() if name != "description"}
        parts.add_part(
            inventory, part.fields["description"], key=part.key, type_name=part.type, tags=part.tags, **extra
        )
        report.parts += 1
        step(f"part {part.key}")
        for attachment in part.attachments:
            report.attachments[_attach(inventory, SetRef("part", part.key), attachment).kind] += 1
            step(f"part {part.key} attachment")
        for line in part.stock:
            stock.add_stock(inventory, part.key, f"{numbers[line.box]}-{line.slot}", line.quantity)
            report.stock_lines += 1
            report.units += line.quantity
            step(f"part {part.key} stock")
    for kit in spec.kits:
        kits.add_kit(inventory, kit.name, kit.description, kit.build_target)
        report.kits += 1
        step(f"kit {kit.name}")
        for content in kit.contents:
            kit_contents.add_content(inventory, kit.name, content.part, content.per_unit, content.note)
            report.kit_lines += 1
            step(f"kit {kit.name} line")
        for attachment in kit.attachments:
            report.attachments[_attach(inventory, SetRef("kit", kit.name), attachment).kind] += 1
            step(f"kit {kit.name} attachment")
        if kit.archived:  # last: an archived kit's contents cannot change
            kits.set_archived(inventory, kit.name, True)
            report.archived_kits += 1
            step(f"kit {kit.name} archived")
    report.covers = sum(1 for summary in sets.list_sets(inventory) if summary.cover is not None)
    _check(inventory, report)
    return report
