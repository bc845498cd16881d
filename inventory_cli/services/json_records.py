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

from dataclasses import dataclass
from typing import Any

Field = str | tuple[str, int] | tuple[str, tuple[str, ...]] | tuple[str, None]
Layout = tuple[Field, ...]


@dataclass(frozen=True)
class Records:
    """Records of one kind: ``layouts[i]`` says how record ``i`` takes its values from ``values``."""

    layouts: list[Layout]
    values: list[Any]

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
