"""``inventory type``: list, add and rm part types."""

from __future__ import annotations

from typing import Annotated

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import JsonOption, inventory

app = typer.Typer(no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="The type's name (any case).", show_default=False)]


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List part types by name, with how many parts have each."""
    from inventory_cli.services import types

    views = types.list_types(inventory(ctx))
    if as_json:
        output.emit_json([v.to_dict() for v in views])
        return
    output.table(output.counted(len(views), "type"), ("Type", "Parts"), [(v.name, v.parts) for v in views])


@app.command("add")
def add(ctx: typer.Context, name: NameArg, as_json: JsonOption = False) -> None:
    """Add a part type; names are unique without regard to case."""
    from inventory_cli.services import types

    view = types.add_type(inventory(ctx), name)
    if as_json:
        output.emit_json(view.to_dict())
    else:
        typer.echo(f"added type {view.name!r}")


@app.command("rm")
def rm(ctx: typer.Context, name: NameArg, as_json: JsonOption = False) -> None:
    """Remove a part type that no part uses."""
    from inventory_cli.services import types

    view = types.remove_type(inventory(ctx), name)
    if as_json:
        output.emit_json(view.to_dict())
    else:
        typer.echo(f"removed type {view.name!r}")
