"""Tables drawn by cli/table.py look exactly like rich's own Table of the same rows."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from inventory_cli.cli import table

WORDS = ["a", "Part", "number", "résistance", "日本語", "x" * 30, "", "50%", "a_b", "[bold]x[/]", ":smile:"]
ODD = ["tab\there", "new\nline", "zero\u200bwidth", "\x1b[31mred", "  lead", "trail  "]
CELLS = st.one_of(
    st.none(),
    st.integers(min_value=-5, max_value=10**6),
    st.lists(st.sampled_from(WORDS + ODD), max_size=6).map(" ".join),
)


def console(width: int, terminal: bool) -> Console:
    return Console(
        file=io.StringIO(),
        width=width,
        highlight=False,
        emoji=False,
        force_terminal=terminal,
        color_system="standard" if terminal else None,
    )


def by_rich(title: str | None, columns: list[str], rows: list[list[Any]], width: int, terminal: bool) -> str:
    out = console(width, terminal)
    out.print(table.rich_table(title, columns, [[table._cell(cell) for cell in row] for row in rows]))
    return out.file.getvalue()  # type: ignore[attr-defined]


def drawn(title: str | None, columns: list[str], rows: list[list[Any]], width: int, terminal: bool) -> str:
    out = console(width, terminal)
    table.draw(out, title, columns, rows)
    return out.file.getvalue()  # type: ignore[attr-defined]


@st.composite
def tables(draw: Any) -> tuple[str | None, list[str], list[list[Any]]]:
    count = draw(st.integers(min_value=1, max_value=8))
    columns = draw(
        st.lists(
            st.sampled_from(["Key", "Description", "", "A long header name"]), min_size=count, max_size=count
        )
    )
    rows = draw(st.lists(st.lists(CELLS, min_size=count, max_size=count), max_size=6))
    title = draw(st.sampled_from([None, "3 parts", "A rather long title " * 6]))
    return title, columns, rows


@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from([20, 40, 80, 120, 200]), st.booleans())
def test_generated_tables_look_like_rich_tables(
    case: tuple[str | None, list[str], list[list[Any]]], width: int, terminal: bool
) -> None:
    title, columns, rows = case
    assert drawn(title, columns, rows, width, terminal) == by_rich(title, columns, rows, width, terminal)


def test_a_long_listing_is_laid_out_by_rich_once_with_a_few_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    handed: list[int] = []
    original = table.rich_table

    def spy(title: str | None, columns: Any, rows: Any) -> Any:
        handed.append(len(rows))
        return original(title, columns, rows)

    columns = ["Key", "Description", "Stock"]
    rows: list[list[Any]] = [[f"K{n:03d}", f"part number {n}" + " long" * (n % 5), n] for n in range(500)]
    rows[7][1] = "a description far too long to fit on one line of this table " * 3
    expected = by_rich("500 parts", columns, rows, 80, False)
    monkeypatch.setattr(table, "rich_table", spy)

    assert drawn("500 parts", columns, rows, 80, False) == expected
    assert handed == [2]  # the widest and the wordiest cells of each column stand in for all rows


def test_rich_renderables_in_cells_go_to_rich_as_they_are() -> None:
    from rich.text import Text

    rows: list[list[Any]] = [[Text("★", style="bold"), "ABCD"], [Text(""), "EFGH"]]
    assert drawn(None, ["", "Key"], rows, 40, True) == by_rich(None, ["", "Key"], rows, 40, True)
