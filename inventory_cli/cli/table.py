"""Tables of plain text cells drawn fast: rich lays out the frame, simple rows are padded strings.

Rich's ``Table`` costs about 400 µs a row (every cell is measured, wrapped and styled), which is
seconds for a long listing. The look stays rich's own: the column widths depend only on the widest
cell and on the longest word of each column, so rich lays out a small stand-in table holding just
those cells and draws its title, header and bottom edge; every row whose cells fit on one line is
then written as padded text between the same box characters, and only a row that needs wrapping
(a long or multi-line cell) is handed to rich, at the widths already chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.box import HEAVY_HEAD
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

# The characters of the colour codes a terminal console puts around a line.
_STYLE = "\x1b[0123456789;m"


def _width(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def _longest_word(text: str) -> int:
    words = text.split()
    return max(map(_width, words)) if words else _width(text)


def _cell(value: Any) -> Any:
    # Rich renderables (such as a picture) stay as they are; everything else becomes plain text.
    if value is None:
        return ""
    return value if hasattr(value, "__rich_console__") else str(value)


def _grid(title: str | None, columns: Sequence[str], **options: Any) -> Table:
    # Titles hold user text (kit names, box descriptions): plain Text, never rich markup.
    return Table(title=Text(title) if title else None, title_justify="left", header_style="bold", **options)


def rich_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    """Rich's own Table of these rows (cells as ``_cell`` makes them)."""
    grid = _grid(title, columns)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*(Text(cell) if isinstance(cell, str) else cell for cell in row))
    return grid


def _lines(console: Console, renderable: Any) -> list[str]:
    with console.capture() as captured:
        console.print(renderable)
    return captured.get().split("\n")[:-1]


def draw(console: Console, title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print the table to ``console`` exactly as ``rich_table`` would look, in a fraction of the time."""
    cells = [[_cell(cell) for cell in row] for row in rows]
    count = len(columns)
    plain = all(len(row) == count and all(isinstance(cell, str) for cell in row) for row in cells)
    if not cells or not plain or console.options.ascii_only or console.legacy_windows:
        console.print(rich_table(title, columns, cells))  # pictures, odd rows, no box characters
        return
    # The cells that decide each column's width: the widest and the one with the longest word.
    # Rows with a cell that is not one printable line go in as well, measured by rich itself.
    widest, wordiest = [""] * count, [""] * count
    most, longest = [0] * count, [0] * count
    odd_rows: list[list[str]] = []
    for row in cells:
        if not all(cell.isprintable() for cell in row):
            odd_rows.append(row)
            continue
        for index, cell in enumerate(row):
            width = _width(cell)
            if width > most[index]:
                most[index], widest[index] = width, cell
            if " " in cell or width > longest[index]:
                word = _longest_word(cell)
                if word > longest[index]:
                    longest[index], wordiest[index] = word, cell
    stand_in = rich_table(title, columns, [widest, wordiest, *odd_rows])
    frame = _lines(console, stand_in)
    # The frame: title lines, the top edge, the header and its rule, two or more rows, the bottom edge.
    rule = next((i for i, line in enumerate(frame) if line.lstrip(_STYLE).startswith("┡")), None)
    widths = [len(part) for part in frame[rule].strip(_STYLE + "┡┩").split("╇")] if rule is not None else [0]
    if rule is None or sum(widths) + count + 1 > console.width or min(widths) < 3:
        console.print(rich_table(title, columns, cells))  # too narrow to draw fast; let rich decide
        return
    fits = [width - 2 for width in widths]  # each cell is padded by one space on either side
    out: list[str] = frame[: rule + 1]
    for row in cells:
        if all(cell.isprintable() and _width(cell) <= fit for cell, fit in zip(row, fits, strict=True)):
            out.append(
                "│"
                + "│".join(
                    " " + cell + " " * (fit - _width(cell)) + " " for cell, fit in zip(row, fits, strict=True)
                )
                + "│"
            )
        else:
            out.extend(_wrapped_row(console, row, fits))
    out.append(frame[-1])
    console.file.write("\n".join(out) + "\n")


def _wrapped_row(console: Console, row: Sequence[str], fits: Sequence[int]) -> list[str]:
    """The lines of one row whose cells wrap, drawn by rich at the given column widths."""
    grid = Table(show_header=False, box=HEAVY_HEAD)
    for fit in fits:
        grid.add_column(width=fit, overflow="fold")
    grid.add_row(*(Text(cell) for cell in row))
    return _lines(console, grid)[1:-1]
