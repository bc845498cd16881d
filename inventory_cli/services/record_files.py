"""Reading and writing record files (CSV, TSV, JSON array, NDJSON) with the line of every row."""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inventory_cli.domain.records import COLUMNS, IGNORED, LIST_SEPARATOR, REQUIRED, FieldError
from inventory_cli.errors import UsageError

FORMATS = ("csv", "tsv", "json", "ndjson")
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}
_OTHER_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


@dataclass(slots=True)  # one per row: not frozen, which costs three times as much to make
class RawRow:
    """One row as read: its first line in the file and its column values."""

    line: int
    values: dict[str, Any]


@dataclass
class ReadResult:
    """The rows of a file, the errors found while reading it, and the header (CSV/TSV)."""

    rows: list[RawRow]
    errors: list[FieldError]
    header: list[str]


def format_for(name: str, given: str | None, data: bytes = b"") -> str:
    """The record format: ``given``, else the file's suffix, else sniffed from the first bytes."""
    if given is not None:
        if given not in FORMATS:
            raise UsageError(f"unknown format {given!r}", hint="use one of " + ", ".join(FORMATS))
        return given
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if name != "-":
        raise UsageError(
            f"cannot tell the format of {name!r} from its suffix", hint="pass --format " + "|".join(FORMATS)
        )
    start = data.lstrip(codecs.BOM_UTF8).lstrip()[:1]
    if start == b"[":
        return "json"
    if start == b"{":
        return "ndjson"
    first_line = data.split(b"\n", 1)[0]
    return "tsv" if b"\t" in first_line else "csv"


def _decode(data: bytes) -> tuple[str, list[FieldError]]:
    """UTF-8 text; a UTF-8 BOM is dropped, other BOMs, NUL bytes and bad bytes are errors by line."""
    for bom, name in _OTHER_BOMS.items():
        if data.startswith(bom):
            return "", [FieldError(1, "", f"the file is {name}; save it as UTF-8")]
    data = data.removeprefix(codecs.BOM_UTF8)
    if b"\x00" not in data:
        try:
            return data.decode("utf-8"), []  # the usual case: one decode, no per-line scan
        except UnicodeDecodeError:
            pass  # the per-line scan below names every bad line
    errors: list[FieldError] = []
    lines = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if b"\x00" in raw:
            errors.append(FieldError(number, "", "NUL byte in the line"))
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            errors.append(FieldError(number, "", f"invalid UTF-8 at byte {exc.start + 1} of the line"))
    return "\n".join(lines), errors


def _check_columns(names: Iterable[str], line: int, columns: Sequence[str]) -> list[FieldError]:
    errors = []
    for name in names:
        if name not in columns and name not in IGNORED:
            close = difflib.get_close_matches(name, columns, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            errors.append(FieldError(line, name, f"unknown column{hint}"))
    return errors


def read_records(
    data: bytes, fmt: str, columns: Sequence[str] = COLUMNS, required: Sequence[str] = REQUIRED
) -> ReadResult:
    """Every row of ``data`` in format ``fmt`` with its line, and every error found on the way.

    ``columns`` and ``required`` name the record format: parts by default.
    """
    text, errors = _decode(data)
    if errors:
        return ReadResult([], errors, [])
    if not text.strip():
        return ReadResult([], [FieldError(1, "", "the file has no rows")], [])
    if fmt in ("csv", "tsv"):
        return _read_delimited(text, "," if fmt == "csv" else "\t", columns, required)
    return _read_json(text, columns) if fmt == "json" else _read_ndjson(text, columns)


def _read_delimited(text: str, delimiter: str, columns: Sequence[str], required: Sequence[str]) -> ReadResult:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    errors: list[FieldError] = []
    rows: list[RawRow] = []
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as exc:
        return ReadResult([], [FieldError(reader.line_num, "", f"malformed header: {exc}")], [])
    seen: set[str] = set()
    for name in header:
        if not name:
            errors.append(FieldError(1, "", "a column name is blank"))
        elif name in seen:
            errors.append(FieldError(1, name, "column is named twice"))
        seen.add(name)
    errors += _check_columns([name for name in header if name], 1, columns)
    errors += [FieldError(1, name, "required column is missing") for name in required if name not in seen]
    if errors:
        return ReadResult([], errors, header)
    line = reader.line_num
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not record or record == [""]:
                continue
            if len(record) != len(header):
                size = "short" if len(record) < len(header) else "long"
                message = f"row is {size}: {len(record)} fields, the header has {len(header)}"
                errors.append(FieldError(start, "", message))
                # Kept as a row (with what it has) so that --keep-going can write it to the rejects.
                rows.append(RawRow(start, dict(zip(header, record, strict=False))))
                continue
            rows.append(RawRow(start, dict(zip(header, record, strict=True))))
    except csv.Error as exc:
        errors.append(FieldError(reader.line_num, "", f"malformed row: {exc}"))
    return ReadResult(rows, errors, header)


class _Objects:
    """An object_pairs_hook that remembers duplicate keys instead of silently keeping the last."""

    def __init__(self) -> None:
        self.duplicates: list[str] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, value in pairs:
            if name in result:
                self.duplicates.append(name)
            result[name] = value
        return result


def _row(
    value: Any,
    line: int,
    hook: _Objects,
    rows: list[RawRow],
    errors: list[FieldError],
    columns: Sequence[str],
) -> None:
    """Check one decoded JSON row and keep it."""
    if not isinstance(value, dict):
        errors.append(FieldError(line, "", f"a row must be a JSON object, not {type(value).__name__}"))
    elif hook.duplicates:
        errors += [FieldError(line, name, "key appears twice in the object") for name in hook.duplicates]
    else:
        unknown = _check_columns(value, line, columns)
        errors += unknown
        if not unknown:
            rows.append(RawRow(line, value))
    hook.duplicates.clear()


def _read_json(text: str, columns: Sequence[str]) -> ReadResult:
    hook = _Objects()
    decoder = json.JSONDecoder(object_pairs_hook=hook)
    rows: list[RawRow] = []
    errors: list[FieldError] = []

    def skip(position: int) -> int:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        return position

    position = skip(0)
    if text[position : position + 1] != "[":
        return ReadResult([], [FieldError(1, "", "a JSON file must hold one array of objects")], [])
    position = skip(position + 1)
    if text[position : position + 1] == "]":
        position += 1
    else:
        while True:
            line = text.count("\n", 0, position) + 1
            try:
                value, position = decoder.raw_decode(text, position)
            except json.JSONDecodeError as exc:
                return ReadResult(rows, [*errors, FieldError(exc.lineno, "", f"invalid JSON: {exc.msg}")], [])
            _row(value, line, hook, rows, errors, columns)
            position = skip(position)
            separator = text[position : position + 1]
            position = skip(position + 1)
            if separator == "]":
                break
            if separator != ",":
                where = text.count("\n", 0, position) + 1
                errors.append(FieldError(where, "", "invalid JSON: expected ',' or ']'"))
                return ReadResult(rows, errors, [])
    if skip(position) != len(text):
        errors.append(FieldError(text.count("\n", 0, position) + 1, "", "invalid JSON: data after the array"))
    return ReadResult(rows, errors, [])


def _read_ndjson(text: str, columns: Sequence[str]) -> ReadResult:
    hook = _Objects()
    decoder = json.JSONDecoder(object_pairs_hook=hook)
    rows: list[RawRow] = []
    errors: list[FieldError] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = decoder.decode(line)
        except json.JSONDecodeError as exc:
            errors.append(FieldError(number, "", f"invalid JSON: {exc.msg}"))
            hook.duplicates.clear()
            continue
        _row(value, number, hook, rows, errors, columns)
    return ReadResult(rows, errors, [])


def _cell(value: Any) -> str:
    """A JSON value as one CSV cell: lists joined with ';', stock as LOCATION=QUANTITY pairs."""
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, dict):
        return LIST_SEPARATOR.join(f"{where}={amount}" for where, amount in value.items())
    return str(value)


def write_records(rows: list[dict[str, Any]], fmt: str, columns: list[str]) -> str:
    """Rows as the text of a record file in ``fmt`` (CSV/TSV with ``columns`` as the header)."""
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "ndjson":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue()
