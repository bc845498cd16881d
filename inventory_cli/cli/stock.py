"""``inventory stock``: add, remove, move, list, history and suggest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import JsonOption, inventory, whole_number

if TYPE_CHECKING:
    from inventory_cli.services.dto import StockChangeView, StockLine, StockResult

app = typer.Typer(no_args_is_help=True)

# A negative quantity such as -5 reaches the command (and its clear error) instead of being
# taken for an unknown option.
NUMBERS_AS_ARGUMENTS = {"ignore_unknown_options": True}

KeyArg = Annotated[str, typer.Argument(help="The part's four-letter key.", show_default=False)]
LocationArg = Annotated[str, typer.Argument(help="A location BOX-SLOT, e.g. 1-3.", show_default=False)]
QuantityArg = Annotated[
    int, typer.Argument(help="How many (1 or more).", show_default=False, parser=whole_number)
]


def _signed(delta: int) -> str:
    return f"+{delta}" if delta > 0 else str(delta)


def _report(result: StockResult, as_json: bool) -> None:
    if as_json:
        output.emit_json(result.to_dict())
        return
    changes = ", ".join(f"{_signed(c.delta)} at {c.location}" for c in result.changes)
    where = ", ".join(f"{line.location}: {line.quantity}" for line in result.locations) or "nowhere"
    typer.echo(f"{result.key} {changes}; total {result.total} ({where})")


@app.command("add", context_settings=NUMBERS_AS_ARGUMENTS)
def add(
    ctx: typer.Context, key: KeyArg, location: LocationArg, quantity: QuantityArg, as_json: JsonOption = False
) -> None:
    """Add QUANTITY of a part at LOCATION."""
    from inventory_cli.services import stock

    _report(stock.add_stock(inventory(ctx), key, location, quantity), as_json)


@app.command("remove", context_settings=NUMBERS_AS_ARGUMENTS)
def remove(
    ctx: typer.Context, key: KeyArg, location: LocationArg, quantity: QuantityArg, as_json: JsonOption = False
) -> None:
    """Take QUANTITY of a part from LOCATION; refuses to go below zero, frees an emptied location."""
    from inventory_cli.services import stock

    _report(stock.remove_stock(inventory(ctx), key, location, quantity), as_json)


@app.command("move", context_settings=NUMBERS_AS_ARGUMENTS)
def move(
    ctx: typer.Context,
    key: KeyArg,
    source: Annotated[str, typer.Argument(help="Where it is now, BOX-SLOT.", show_default=False)],
    target: Annotated[str, typer.Argument(help="Where it goes, BOX-SLOT.", show_default=False)],
    quantity: QuantityArg,
    as_json: JsonOption = False,
) -> None:
    """Move QUANTITY of a part from SOURCE to TARGET in one step."""
    from inventory_cli.services import stock

    _report(stock.move_stock(inventory(ctx), key, source, target, quantity), as_json)


def _grouped(lines: list[StockLine]) -> list[dict[str, Any]]:
    """Lines grouped per part, each part with its total."""
    grouped: dict[str, dict[str, Any]] = {}
    for line in lines:
        entry = grouped.setdefault(line.key, {"key": line.key, "total": 0, "locations": []})
        entry["total"] += line.quantity
        entry["locations"].append({"location": line.location, "quantity": line.quantity})
    return list(grouped.values())


@app.command("list")
def list_(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help="Only this part.", show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """Where a part (or every part) is stored, with totals."""
    from inventory_cli.services import stock

    lines = stock.list_stock(inventory(ctx), key)
    grouped = _grouped(lines)
    total = sum(line.quantity for line in lines)
    if as_json:
        if key is None:
            output.emit_json(grouped)
        else:
            output.emit_json(
                grouped[0] if grouped else {"key": key.strip().upper(), "total": 0, "locations": []}
            )
        return
    title = (
        f"{key.strip().upper()}: {total} in stock"
        if key
        else f"{output.counted(len(grouped), 'part')} in stock, {output.counted(total, 'unit')}"
    )
    output.table(
        title,
        ("Part", "Description", "Location", "Qty"),
        [(line.key, line.description, line.location, line.quantity) for line in lines],
    )


def _history_rows(changes: list[StockChangeView]) -> list[tuple[object, ...]]:
    return [
        (c.created_at.strftime("%Y-%m-%d %H:%M:%S"), c.key, c.location, _signed(c.delta), c.action)
        for c in changes
    ]


@app.command("history")
def history(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help="Only this part.", show_default=False)] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", "-n", help="Show at most this many changes.", show_default=False, parser=whole_number
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Every stock change of a part (or of every part), newest first."""
    from inventory_cli.services import stock

    changes = stock.history(inventory(ctx), key, limit)
    if as_json:
        output.emit_json([c.to_dict() for c in changes])
        return
    output.table(
        output.counted(len(changes), "change"),
        ("When (UTC)", "Part", "Location", "Change", "Action"),
        _history_rows(changes),
    )


@app.command("suggest")
def suggest(
    ctx: typer.Context,
    type_name: Annotated[
        str | None,
        typer.Option("--type", help="Prefer boxes that already hold parts of this type.", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest a free location, preferring boxes that hold parts of the given type."""
    from inventory_cli.services import stock

    found = stock.suggest_location(inventory(ctx), type_name)
    if as_json:
        output.emit_json(found)
    else:
        typer.echo(f"{found['location']}  (box {found['box']}: {found['box_description']})")
