"""JSON-ready records kept flat: each record's layout, and every plain value of all records in one list.

A listing of thousands of rows is cheaper to build this way than as one dict per row, and the JSON
writer (cli/jsontext.py) turns it into text with one call of the C encoder for all values. A layout
is a tuple of fields, in order; a field is
  - a name: one plain value (text, number, true/false or null);
  - ``(name, n)``: a list of ``n`` plain values;
  - ``(name, (key, ...))``: an object with those keys, each holding one plain value;
  - ``(name, None)``: null, written by the layout itself (it takes no value).
"""

from __future__ import annotations

from typing import Any

Field = str | tuple[str, int] | tuple[str, tuple[str, ...]] | tuple[str, None]
Layout = tuple[Field, ...]


class Records:
    """Records of one kind: ``layouts[i]`` says how record ``i`` takes its values from ``values``."""

    # A plain class rather than a dataclass: creating one costs part list --json half a millisecond.
    __slots__ = ("layouts", "values")

    def __init__(self, layouts: list[Layout], values: list[Any]) -> None:
        self.layouts = layouts
        self.values = values

    def __repr__(self) -> str:
        return f"Records(layouts={self.layouts!r}, values={self.values!r})"

    def to_dicts(self) -> list[dict[str, Any]]:
        """The records as one dict each, the form ``json.dumps`` takes."""
        taken = iter(self.values)
        records: list[dict[str, Any]] = []
        for layout in self.layouts:
            record: dict[str, Any] = {}
            for field in layout:
                if isinstance(field, str):
                    record[field] = next(taken)
                    continue
                name, shape = field
                if shape is None:
                    record[name] = None
                elif isinstance(shape, int):
                    record[name] = [next(taken) for _ in range(shape)]
                else:
                    record[name] = {key: next(taken) for key in shape}
            records.append(record)
        return records
