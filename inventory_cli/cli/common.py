"""Options and helpers shared by the command modules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from inventory_cli.cli import output
from inventory_cli.errors import UsageError

if TYPE_CHECKING:
    from inventory_cli.bootstrap import Inventory
    from inventory_cli.domain.rules import SetRef
    from inventory_cli.services.dto import AttachmentView, CoverView, Removed


def whole_number(value: str) -> int:
    """Parse a whole-number argument, naming the value when it is not one."""
    try:
        return int(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a whole number") from None


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document to stdout.")]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask; required when stdin is not a terminal.")
]
NoImagesOption = Annotated[
    bool, typer.Option("--no-images", help="Plain text only: draw no pictures even on a terminal.")
]
FetchOption = Annotated[
    bool,
    typer.Option(
        "--fetch",
        help="For a link: download it; a PDF or image is stored itself (URL kept), "
        "a page gets its title and preview image.",
    ),
]
AllowPrivateOption = Annotated[
    bool,
    typer.Option(
        "--allow-private",
        help="Let --fetch reach private, loopback and link-local addresses (refused by default).",
    ),
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


def attach_source(
    ctx: typer.Context,
    ref: SetRef,
    source: str,
    title: str | None,
    *,
    fetch: bool,
    allow_private: bool,
    as_json: bool,
) -> None:
    """Attach a file or link to a set (fetching the link with ``--fetch``) and report it."""
    from inventory_cli.domain.rules import looks_like_url
    from inventory_cli.services import attaching

    if not fetch:
        if allow_private:
            raise UsageError("--allow-private only applies together with --fetch")
        print_attachment(attaching.add_attachment(inventory(ctx), ref, source, title), as_json, "added")
        return
    if not looks_like_url(source):
        raise UsageError(f"--fetch needs an http(s) URL, not {source!r}")
    from inventory_cli.services.links import attach_fetched

    view, link = attach_fetched(inventory(ctx), ref, source, title, allow_private=allow_private)
    for note in link.notes:
        output.notice(note)
    if as_json:
        output.emit_json({**view.to_dict(), "fetched": link.to_dict()})
        return
    print_attachment(view, False, "added")
