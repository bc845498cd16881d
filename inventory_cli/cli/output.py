"""Rendering: JSON documents and rich tables to stdout, notices and errors to stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import typer

from inventory_cli.domain.wording import counted as counted  # the one pluraliser, re-exported for commands
from inventory_cli.errors import UsageError

if TYPE_CHECKING:
    from inventory_cli.services.json_records import Records


def _console(stderr: bool = False) -> Any:
    # Built per call: the test runner swaps sys.stdout between invocations.
    from rich.console import Console

    return Console(file=sys.stderr if stderr else sys.stdout, highlight=False, emoji=False)


def emit_json(data: Any) -> None:
    """Write one JSON document to stdout and nothing else."""
    from inventory_cli.cli.jsontext import dumps

    sys.stdout.write(dumps(data) + "\n")


# Control characters and bidi overrides from a user's value (a file name with a newline, say)
# are shown escaped: an error stays one line and reads as it is stored.
_ESCAPED = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F]} | {
    code: f"\\u{code:04x}" for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
}


def emit_records(records: Records) -> None:
    """Write flat records (services/json_records.py) to stdout as the JSON list of their dicts."""
    from inventory_cli.cli.jsontext import dumps, dumps_records

    text = dumps_records(records.layouts, records.values)
    sys.stdout.write((dumps(records.to_dicts()) if text is None else text) + "\n")


def error(message: str, hint: str | None = None) -> None:
    """Report an error on stderr: one line, plus a hint line where one helps."""
    sys.stderr.write(f"error: {message.translate(_ESCAPED)}\n")
    if hint:
        sys.stderr.write(f"hint: {hint.translate(_ESCAPED)}\n")


def notice(message: str) -> None:
    """A progress or status line on stderr (never mixed into data on stdout)."""
    sys.stderr.write(message + "\n")


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print rows as a table on stdout (rich's look; see cli/table.py for how it stays fast)."""
    from inventory_cli.cli import table as tables

    tables.draw(_console(), title, columns, list(rows))


def fields(title: str, pairs: Iterable[tuple[str, Any]], beside: Any = None) -> None:
    """Print labelled values as a two-column table on stdout, skipping empty ones.

    ``beside``, a rich renderable such as a picture, is drawn to the left of the values.
    """
    from rich.table import Table
    from rich.text import Text

    grid = Table(title=Text(title), title_justify="left", show_header=False, box=None, padding=(0, 2, 0, 0))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for label, value in pairs:
        if value not in (None, "", []):
            grid.add_row(label, Text(str(value)))
    if beside is None:
        _console().print(grid)
        return
    layout = Table.grid(padding=(0, 2))
    layout.add_row(beside, grid)
    _console().print(layout)


def human_size(size: int | None) -> str:
    """Bytes as B, KiB, MiB or GiB."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def confirm(prompt: str, yes: bool) -> bool:
    """Ask on a terminal; without one, only ``--yes`` lets a destructive command go on."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(
            # Lower case, as every other error: the prompt is a question, the error a statement.
            f"{prompt[:1].lower()}{prompt[1:].rstrip('?')}: refused without --yes "
            "(standard input is not a terminal)",
            hint="pass --yes to confirm",
        )
    try:
        answer = typer.confirm(prompt, default=False, err=True)
    except typer.Abort:
        raise KeyboardInterrupt from None  # Ctrl-C at the prompt is an interrupt: exit 130
    if answer:
        return True
    notice("cancelled; nothing was changed")
    return False
