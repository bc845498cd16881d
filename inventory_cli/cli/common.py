"""Options and helpers shared by the command modules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from inventory_cli.cli import output

if TYPE_CHECKING:
    from inventory_cli.bootstrap import Inventory
    from inventory_cli.services.dto import AttachmentView, CoverView, Removed

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document to stdout.")]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask; required when stdin is not a terminal.")
]
TitleOption = Annotated[
    str | None,
    typer.Option(
        "--title",
        "-t",
        help="Title (1-255 characters); defaults to the file name.",
        show_default=False,
    ),
]


def inventory(ctx: typer.Context) -> Inventory:
    """The Inventory the root command built from the global options."""
    root = ctx.find_root().obj
    assert root is not None
    return cast("Inventory", root)


def cover_label(cover: CoverView | None) -> str:
    """How a cover appears in a table cell."""
    return f"#{cover.id} {cover.title}" if cover else ""


def attachment_rows(attachments: list[AttachmentView]) -> list[list[Any]]:
    """Table rows for attachments, the cover marked with a star."""
    return [
        [
            "★" if a.is_cover else "",
            a.id,
            a.kind,
            a.title,
            a.url if a.kind == "url" else a.filename,
            output.human_size(a.size_bytes),
            a.created_at.strftime("%Y-%m-%d %H:%M"),
        ]
        for a in attachments
    ]


ATTACHMENT_COLUMNS = ("", "ID", "Kind", "Title", "File / URL", "Size", "Added")


def print_attachment(view: AttachmentView, as_json: bool, verb: str) -> None:
    """Report one added or changed attachment."""
    if as_json:
        output.emit_json(view.to_dict())
        return
    cover = " (cover)" if view.is_cover else ""
    typer.echo(f"{verb} attachment {view.id} to set {view.set_id}: {view.kind} {view.title!r}{cover}")


def print_removed(removed: Removed, as_json: bool) -> None:
    """Report what a delete removed."""
    if as_json:
        output.emit_json(removed.to_dict())
        return
    message = f"removed {removed.what}"
    if removed.attachments_removed and not removed.what.startswith("attachment"):
        message += f" and its {output.counted(removed.attachments_removed, 'attachment')}"
    units, lines = getattr(removed, "units_removed", 0), getattr(removed, "kit_lines_removed", 0)
    if units:
        message += f", {output.counted(units, 'unit')} of stock"
    if lines:
        message += f", {output.counted(lines, 'kit line')}"
    if removed.cover_changed:
        message += (
            f"; cover is now attachment {removed.new_cover_id}"
            if removed.new_cover_id
            else "; the set has no cover now"
        )
    typer.echo(message)
