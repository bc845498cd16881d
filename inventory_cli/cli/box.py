"""``inventory box``: add, list, show, edit and rm storage boxes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import JsonOption, YesOption, cover_label, inventory, whole_number

if TYPE_CHECKING:
    from inventory_cli.services.dto import BoxView

app = typer.Typer(no_args_is_help=True)

NumberArg = Annotated[int, typer.Argument(help="The box number.", show_default=False, parser=whole_number)]


def _usage(view: BoxView) -> str:
    return f"{view.occupied}/{view.capacity}"


def _report(view: BoxView, as_json: bool, verb: str) -> None:
    if as_json:
        output.emit_json(view.to_dict())
    else:
        typer.echo(
            f"{verb} box {view.number} {view.description!r}: locations {view.number}-1 … "
            f"{view.number}-{view.capacity}, {view.occupied} in use"
        )


@app.command("add")
def add(
    ctx: typer.Context,
    description: Annotated[str, typer.Argument(help="What the box holds.", show_default=False)],
    capacity: Annotated[
        int,
        typer.Option(
            "--capacity", "-c", help="Number of locations (1-1000).", show_default=False, parser=whole_number
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Add a box with locations BOX-1 … BOX-CAPACITY; prints its number."""
    from inventory_cli.services import boxes

    _report(boxes.add_box(inventory(ctx), description, capacity), as_json, "added")


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List boxes by number with their usage (occupied / capacity)."""
    from inventory_cli.services import boxes

    views = boxes.list_boxes(inventory(ctx))
    if as_json:
        output.emit_json([v.to_dict() for v in views])
        return
    output.table(
        output.counted(len(views), "box", "boxes"),
        ("Box", "Description", "Used", "Units"),
        [(v.number, v.description, _usage(v), v.units) for v in views],
    )


@app.command("show")
def show(
    ctx: typer.Context,
    number: NumberArg,
    empty: Annotated[bool, typer.Option("--empty/--no-empty", help="Also list empty locations.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Show a box's locations with the part (key, description, cover) in each."""
    from inventory_cli.services import boxes

    detail = boxes.show_box(inventory(ctx), number)
    shown = [slot for slot in detail.slots if empty or slot.key is not None]
    if as_json:
        output.emit_json({**detail.to_dict(), "slots": [slot.to_dict() for slot in shown]})
        return
    box = detail.box
    output.table(
        f"Box {box.number}: {box.description} ({_usage(box)} used)",
        ("Location", "Part", "Description", "Qty", "Cover"),
        [(s.location, s.key, s.description, s.quantity, cover_label(s.cover)) for s in shown],
    )


@app.command("edit")
def edit(
    ctx: typer.Context,
    number: NumberArg,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="New description.", show_default=False)
    ] = None,
    capacity: Annotated[
        int | None,
        typer.Option(
            "--capacity",
            "-c",
            help="New capacity; shrinking refuses while a dropped slot holds stock.",
            show_default=False,
            parser=whole_number,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a box's description or capacity."""
    from inventory_cli.services import boxes

    _report(
        boxes.edit_box(inventory(ctx), number, description=description, capacity=capacity), as_json, "changed"
    )


@app.command("rm")
def rm(ctx: typer.Context, number: NumberArg, yes: YesOption = False, as_json: JsonOption = False) -> None:
    """Delete an empty box with its locations."""
    from inventory_cli.services import boxes

    if not yes:  # refuse early, before asking
        plan = boxes.plan_removal(inventory(ctx), number)
        if not output.confirm(
            f"Delete box {number} {plan.description!r} and its {plan.capacity} locations?", yes
        ):
            return
    _report(boxes.remove_box(inventory(ctx), number), as_json, "removed")
