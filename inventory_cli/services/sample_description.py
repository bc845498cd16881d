"""The demo inventory shipped with the program: where its folder is and what its description says."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inventory_cli.domain.part_values import PART_FIELDS
from inventory_cli.errors import InvalidInputError, StorageError

DESCRIPTION_FILE = "inventory.json"
FORMAT_NAME = "inventory-sample-data"
FORMAT_VERSION = 1


def sample_data_dir() -> Path:
    """The sample-data folder: inside the installed package, else beside it in a source tree."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "_sample_data", package_dir.parent / "sample_data"):
        if (candidate / DESCRIPTION_FILE).is_file():
            return candidate
    raise StorageError("the sample data is missing from this installation")


@dataclass(frozen=True)
class AttachmentSpec:
    """One attachment: a file of the sample folder or a link, with an optional title."""

    title: str | None
    file: Path | None = None
    url: str | None = None


@dataclass(frozen=True)
class StockSpec:
    """A quantity of a part at one slot of a box named by its reference."""

    box: str
    slot: int
    quantity: int


@dataclass(frozen=True)
class BoxSpec:
    """A box: the reference stock lines use, its description and capacity."""

    ref: str
    description: str
    capacity: int


@dataclass(frozen=True)
class PartSpec:
    """A part: key, type, tags and fields as ``part add`` takes them, its stock and attachments."""

    key: str
    type: str | None
    tags: list[str]
    fields: dict[str, Any]
    stock: list[StockSpec] = field(default_factory=list)
    attachments: list[AttachmentSpec] = field(default_factory=list)


@dataclass(frozen=True)
class KitLineSpec:
    """A line of a kit's contents."""

    part: str
    per_unit: int
    note: str | None


@dataclass(frozen=True)
class KitSpec:
    """A kit with its contents and attachments; an archived one is archived after it is filled."""

    name: str
    description: str | None
    build_target: int
    archived: bool
    contents: list[KitLineSpec] = field(default_factory=list)
    attachments: list[AttachmentSpec] = field(default_factory=list)


@dataclass(frozen=True)
class SampleDescription:
    """The whole demo inventory, checked for shape and cross-references, not yet loaded."""

    folder: Path
    types: list[str]
    boxes: list[BoxSpec]
    parts: list[PartSpec]
    kits: list[KitSpec]

    @property
    def type_names(self) -> list[str]:
        """The types to make sure of: those listed, then any other a part uses, each once."""
        names: dict[str, str] = {}
        for name in [*self.types, *(part.type for part in self.parts if part.type)]:
            names.setdefault(name.casefold(), name)
        return list(names.values())

    @property
    def steps(self) -> int:
        """How many service calls loading it takes (for a progress bar)."""
        return (
            len(self.type_names)
            + len(self.boxes)
            + sum(1 + len(p.stock) + len(p.attachments) for p in self.parts)
            + sum(1 + len(k.contents) + len(k.attachments) + k.archived for k in self.kits)
        )


class _Reader:
    """Reads one JSON value at a time, naming where in the file a bad one is."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> InvalidInputError:
        return InvalidInputError(f"{self.path}: {where}: {message}")

    def obj(self, value: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected an object")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(where, f"unknown field {unknown[0]!r}")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(where, f"missing field {missing[0]!r}")
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, "expected a list")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, "expected a string")
        return value

    def number(self, value: Any, where: str) -> int:
        # bool is an int in Python; a true/false here is a mistake, not a 1/0.
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, "expected a whole number")
        return value


def _attachments(reader: _Reader, folder: Path, values: Any, where: str) -> list[AttachmentSpec]:
    specs = []
    for i, value in enumerate(reader.items(values, f"{where}.attachments")):
        here = f"{where}.attachments[{i}]"
        item = reader.obj(value, here, {"file", "url", "title"}, set())
        if ("file" in item) == ("url" in item):
            raise reader.fail(here, "give exactly one of 'file' and 'url'")
        title = reader.text(item["title"], f"{here}.title") if "title" in item else None
        if "url" in item:
            specs.append(AttachmentSpec(title, url=reader.text(item["url"], f"{here}.url")))
            continue
        name = reader.text(item["file"], f"{here}.file")
        path = folder / name
        # Only plain names of the folder itself: the description cannot reach outside it.
        if Path(name).name != name or not path.is_file():
            raise reader.fail(here, f"no file {name!r} in {folder}")
        specs.append(AttachmentSpec(title, file=path))
    return specs


def _part(reader: _Reader, folder: Path, value: Any, where: str, boxes: set[str]) -> PartSpec:
    allowed = {"key", "type", "tags", "stock", "attachments", *PART_FIELDS}
    item = reader.obj(value, where, allowed, {"key", "description"})
    key = reader.text(item["key"], f"{where}.key")
    tags = [reader.text(t, f"{where}.tags") for t in reader.items(item.get("tags"), f"{where}.tags")]
    stock = []
    for i, line in enumerate(reader.items(item.get("stock"), f"{where}.stock")):
        here = f"{where}.stock[{i}]"
        entry = reader.obj(line, here, {"box", "slot", "quantity"}, {"box", "slot", "quantity"})
        box = reader.text(entry["box"], f"{here}.box")
        if box not in boxes:
            raise reader.fail(here, f"no box with ref {box!r}")
        slot = reader.number(entry["slot"], f"{here}.slot")
        stock.append(StockSpec(box, slot, reader.number(entry["quantity"], f"{here}.quantity")))
    fields = {name: item[name] for name in PART_FIELDS if name in item}
    return PartSpec(
        key=key,
        type=reader.text(item["type"], f"{where}.type") if "type" in item else None,
        tags=tags,
        fields=fields,
        stock=stock,
        attachments=_attachments(reader, folder, item.get("attachments"), where),
    )


def _kit(reader: _Reader, folder: Path, value: Any, where: str, keys: set[str]) -> KitSpec:
    allowed = {"name", "description", "build_target", "archived", "contents", "attachments"}
    item = reader.obj(value, where, allowed, {"name"})
    lines = []
    for i, line in enumerate(reader.items(item.get("contents"), f"{where}.contents")):
        here = f"{where}.contents[{i}]"
        entry = reader.obj(line, here, {"part", "per_unit", "note"}, {"part"})
        key = reader.text(entry["part"], f"{here}.part")
        if key not in keys:
            raise reader.fail(here, f"part {key!r} is not in the description")
        note = reader.text(entry["note"], f"{here}.note") if "note" in entry else None
        lines.append(KitLineSpec(key, reader.number(entry.get("per_unit", 1), f"{here}.per_unit"), note))
    archived = item.get("archived", False)
    if not isinstance(archived, bool):
        raise reader.fail(f"{where}.archived", "expected true or false")
    return KitSpec(
        name=reader.text(item["name"], f"{where}.name"),
        description=reader.text(item["description"], f"{where}.description")
        if "description" in item
        else None,
        build_target=reader.number(item.get("build_target", 1), f"{where}.build_target"),
        archived=archived,
        contents=lines,
        attachments=_attachments(reader, folder, item.get("attachments"), where),
    )


def read_description(folder: Path | None = None) -> SampleDescription:
    """Read and check ``inventory.json`` of the sample folder; every file it names must exist.

    Values the services validate (keys, URLs, quantities ...) are left to them; this checks the
    shape and the references between entries, so that a bad description fails before any write.
    """
    root = folder or sample_data_dir()
    path = root / DESCRIPTION_FILE
    reader = _Reader(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"cannot read the sample data {path}: {exc}") from exc
    top = reader.obj(
        data, "top level", {"format", "version", "types", "boxes", "parts", "kits"}, {"format", "version"}
    )
    if top["format"] != FORMAT_NAME or top["version"] != FORMAT_VERSION:
        raise reader.fail("format", f"expected {FORMAT_NAME!r} version {FORMAT_VERSION}")
    types = [reader.text(t, "types") for t in reader.items(top.get("types"), "types")]
    boxes = []
    for i, value in enumerate(reader.items(top.get("boxes"), "boxes")):
        where = f"boxes[{i}]"
        names = {"ref", "description", "capacity"}
        item = reader.obj(value, where, names, names)
        boxes.append(
            BoxSpec(
                reader.text(item["ref"], f"{where}.ref"),
                reader.text(item["description"], f"{where}.description"),
                reader.number(item["capacity"], f"{where}.capacity"),
            )
        )
    refs = {box.ref for box in boxes}
    if len(refs) != len(boxes):
        raise reader.fail("boxes", "two boxes have the same ref")
    parts = [
        _part(reader, root, value, f"parts[{i}]", refs)
        for i, value in enumerate(reader.items(top.get("parts"), "parts"))
    ]
    keys = {part.key for part in parts}
    kits = [
        _kit(reader, root, value, f"kits[{i}]", keys)
        for i, value in enumerate(reader.items(top.get("kits"), "kits"))
    ]
    return SampleDescription(root, types, boxes, parts, kits)
