"""Listings run a constant number of SQL statements, however many parts, kits and sets there are."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.rules import SetRef
from inventory_cli.services import attaching, boxes, kit_contents, kits, parts, sets, stock
from inventory_cli.storage import plainsql
from tests.conftest import Files


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """Record every statement sent to the database inside the block, by an engine or by plain sqlite3."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    plain_transaction = plainsql.sqlite_transaction

    @contextmanager
    def traced_transaction(connection: sqlite3.Connection, *, write: bool) -> Iterator[plainsql.SqliteSql]:
        # SQLite itself reports each statement it runs on the light path's connection.
        connection.set_trace_callback(statements.append)
        try:
            with plain_transaction(connection, write=write) as sql:
                yield sql
        finally:
            connection.set_trace_callback(None)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        with patch.object(plainsql, "sqlite_transaction", traced_transaction):
            yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def populate(inventory: Inventory, files: Files, start: int, stop: int) -> None:
    """Parts and kits number ``start`` to ``stop - 1``, each with an image (the cover) and a link."""
    for n in range(start, stop):
        key = "P" + "".join(chr(ord("A") + (n // 26**i) % 26) for i in (2, 1, 0))
        parts.add_part(inventory, f"part {n}", key=key, type_name="Resistor", tags=["t"])
        kits.add_kit(inventory, f"Kit {n:03d}")
        photo = files.png(f"p{n}.png", (n, 0, 0))
        attaching.add_attachment(inventory, SetRef("part", key), str(photo))
        attaching.add_attachment(inventory, SetRef("part", key), f"https://example.com/{key}")
        attaching.add_attachment(inventory, SetRef("kit", f"Kit {n:03d}"), str(photo))
        attaching.add_attachment(inventory, SetRef("kit", f"Kit {n:03d}"), f"https://example.com/kit/{n}")


LISTINGS: dict[str, Callable[[Inventory], list[Any]]] = {
    "part list": parts.list_parts,
    "part list --type --tag --search": lambda inventory: parts.list_parts(
        inventory, type_name="resistor", tag="T", search="PART"
    ),
    "kit list": kits.list_kits,
    "set list": sets.list_sets,
}


@pytest.mark.parametrize("listing", sorted(LISTINGS))
def test_listing_runs_a_constant_number_of_statements(
    inventory: Inventory, files: Files, listing: str
) -> None:
    run = LISTINGS[listing]
    populate(inventory, files, 0, 2)
    with counting_statements() as few:
        small = run(inventory)

    populate(inventory, files, 2, 25)
    with counting_statements() as many:
        large = run(inventory)

    per_owner = 2 if listing == "set list" else 1  # every part and every kit owns a set
    assert (len(small), len(large)) == (2 * per_owner, 25 * per_owner)
    assert all(row.cover is not None and row.attachment_count == 2 for row in large)
    assert few, "the listing ran no SQL at all: the counter is not hooked up"
    assert len(many) == len(few), (few, many)


def stock_up(inventory: Inventory, start: int, stop: int) -> None:
    """Parts ``start`` to ``stop - 1``, each in stock in its own box and listed in one kit."""
    for n in range(start, stop):
        key = "S" + "".join(chr(ord("A") + (n // 26**i) % 26) for i in (2, 1, 0))
        parts.add_part(inventory, f"stocked {n}", key=key)
        number = boxes.add_box(inventory, f"box {n}", 3).number
        stock.add_stock(inventory, key, f"{number}-1", n + 1)
        stock.move_stock(inventory, key, f"{number}-1", f"{number}-2", 1)
        kit_contents.add_content(inventory, "Shared", key, 2)


STOCK_LISTINGS: dict[str, Callable[[Inventory], Any]] = {
    "box list": boxes.list_boxes,
    "stock list": stock.list_stock,
    "stock history": stock.history,
    "kit check": lambda inventory: kit_contents.check_kit(inventory, "Shared").lines,
    "kit content list": lambda inventory: kit_contents.list_contents(inventory, "Shared"),
    "part list --low-stock": lambda inventory: parts.list_parts(inventory, low_stock=1000),
}


@pytest.mark.parametrize("listing", sorted(STOCK_LISTINGS))
def test_stock_listings_run_a_constant_number_of_statements(inventory: Inventory, listing: str) -> None:
    run = STOCK_LISTINGS[listing]
    kits.add_kit(inventory, "Shared")
    stock_up(inventory, 0, 2)
    with counting_statements() as few:
        small = run(inventory)

    stock_up(inventory, 2, 12)
    with counting_statements() as many:
        large = run(inventory)

    assert len(large) > len(small) > 0
    assert few, "the listing ran no SQL at all: the counter is not hooked up"
    assert len(many) == len(few), (few, many)
