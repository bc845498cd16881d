"""The rules for a part's own fields and tags, shared by the part commands and the importer."""

from __future__ import annotations

from typing import Any

from inventory_cli.domain.rules import validate_url
from inventory_cli.errors import InvalidInputError, UsageError

PART_FIELDS = (
    "description",
    "manufacturer",
    "manufacturer_code",
    "package",
    "pin_count",
    "pin_pitch",
    "voltage_rating",
    "input_voltage",
    "output_voltage",
    "mounting_type",
    "series",
    "dimensions",
    "product_page",
    "seller",
    "seller_link",
)
TEXT_LIMITS = {
    "manufacturer": 255,
    "manufacturer_code": 255,
    "package": 100,
    "pin_pitch": 50,
    "voltage_rating": 100,
    "input_voltage": 100,
    "output_voltage": 100,
    "mounting_type": 50,
    "series": 100,
    "dimensions": 100,
    "seller": 255,
}
URL_FIELDS = ("product_page", "seller_link")
_KNOWN = frozenset(PART_FIELDS)  # an import asks for every value of every row
MAX_TAG = 100


def clean_part_value(name: str, value: Any) -> Any:
    """One part field validated; an empty string clears an optional field (None)."""
    if name not in _KNOWN:
        raise UsageError(f"unknown part field {name!r}")
    if name == "description":
        text = str(value).strip()
        if not text:
            raise InvalidInputError("description is blank", hint="describe the part in a few words")
        return text
    if name == "pin_count":
        if value is not None and int(value) <= 0:
            raise InvalidInputError(f"pin count {value} must be greater than 0")
        return value
    if isinstance(value, str) and not value.strip():
        return None
    if name in URL_FIELDS:
        return validate_url(str(value))
    text = str(value).strip()
    limit = TEXT_LIMITS[name]
    if len(text) > limit:
        what = name.replace("_", " ")
        raise InvalidInputError(f"{what} is {len(text)} characters long; the limit is {limit}")
    return text


def clean_part_values(values: dict[str, Any]) -> dict[str, Any]:
    """Validate part fields; an empty string clears an optional field."""
    return {name: clean_part_value(name, value) for name, value in values.items()}


def clean_tags(tags: list[str]) -> list[str]:
    """Tags stripped, blank ones refused, duplicates dropped, order kept."""
    result: list[str] = []
    for tag in tags:
        text = tag.strip()
        if not text:
            raise InvalidInputError("tag is blank")
        if len(text) > MAX_TAG:
            raise InvalidInputError(f"tag {text[:40]!r}… is longer than {MAX_TAG} characters")
        if text not in result:
            result.append(text)
    return result
