"""The import/export record of a kit: its columns and how one row becomes a clean value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inventory_cli.domain.models import KitStatus
from inventory_cli.domain.records import (
    FieldError,
    Source,
    name_value_pairs,
    parse_attach,
    parse_cover,
    text_value,
    whole_number,
)
from inventory_cli.domain.rules import normalise_key
from inventory_cli.errors import InventoryError
from inventory_cli.services.kit_contents import check_per_unit
from inventory_cli.services.kits import clean_build_target, clean_kit_name

# The kit record format, in the order export writes the columns.
KIT_COLUMNS = ("name", "description", "build_target", "status", "contents", "attach", "cover")
KIT_REQUIRED = ("name",)
DEFAULT_BUILD_TARGET = 1
STATUSES = tuple(status.value for status in KitStatus)


@dataclass(frozen=True)
class KitRecord:
    """One valid kit row: fields, contents by part key, attachments and which one is the cover."""

    line: int
    name: str
    description: str | None
    build_target: int
    status: str
    contents: tuple[tuple[str, int], ...]
    attach: tuple[Source, ...]
    # None: the first image (the usual rule); -1: no cover; otherwise an index into ``attach``.
    cover: int | None

    @property
    def folded(self) -> str:
        """The name as kit names are compared: without regard to case."""
        return self.name.casefold()


def parse_contents(value: Any) -> tuple[tuple[str, int], ...]:
    """``ABCD=2;EFGH=1`` (or a JSON object ``{"ABCD": 2}``) as (part key, per-unit quantity) pairs."""
    pairs = name_value_pairs(value, "contents", "KEY=QUANTITY (e.g. ABCD=2)")
    result: list[tuple[str, int]] = []
    for key_text, amount in pairs:
        key = normalise_key(str(key_text).strip())
        if any(seen == key for seen, _ in result):
            raise ValueError(f"part {key} is given twice")
        what = f"quantity of {key}"
        quantity = whole_number(amount, what)
        try:
            check_per_unit(quantity)
        except InventoryError as exc:
            raise ValueError(f"{key}: {exc.message}") from None
        result.append((key, quantity))
    return tuple(result)


def _status(value: Any) -> str:
    text = text_value(value, "status").strip().lower()
    if not text:
        return KitStatus.ACTIVE.value
    if text not in STATUSES:
        raise ValueError(f"status {text!r} is not one of {', '.join(STATUSES)}")
    return text


def _build_target(value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_BUILD_TARGET
    return clean_build_target(whole_number(value, "build target"))


def parse_kit_record(raw: dict[str, Any], line: int) -> tuple[KitRecord | None, list[FieldError]]:
    """Turn one row (column -> text or JSON value) into a KitRecord, or every error it has."""
    errors: list[FieldError] = []

    def check(column: str, parse: Any) -> Any:
        try:
            return parse(raw.get(column))
        except (InventoryError, ValueError) as exc:
            errors.append(FieldError(line, column, getattr(exc, "message", None) or str(exc)))
            return None

    def name(value: Any) -> str:
        text = text_value(value, "name")
        if not text.strip():
            raise ValueError("name is required")
        return clean_kit_name(text)

    kit_name = check("name", name)
    description = check("description", lambda v: text_value(v, "description").strip() or None)
    build_target = check("build_target", _build_target)
    status = check("status", _status)
    contents = check("contents", parse_contents)
    attach = check("attach", parse_attach)
    cover = check("cover", lambda v: parse_cover(text_value(v, "cover").strip(), attach or ()))
    if errors:
        return None, errors
    record = KitRecord(line, kit_name, description, build_target, status, contents, attach, cover)
    return record, []


def kit_record_row(
    name: str,
    description: str | None,
    build_target: int,
    status: str,
    contents: list[tuple[str, int]],
    attach: list[str],
    cover: str | None,
) -> dict[str, Any]:
    """A kit as an export row: JSON-ready values under the kit record's columns, in column order."""
    return {
        "name": name,
        "description": description,
        "build_target": build_target,
        "status": status,
        "contents": dict(contents),
        "attach": attach,
        "cover": cover,
    }
