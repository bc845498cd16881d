"""``inventory set``: list, show, add, rm, rename, cover and export attachments of a set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import (
    ATTACHMENT_COLUMNS,
    JsonOption,
    TitleOption,
    YesOption,
    attachment_rows,
    cover_label,
    inventory,
    print_attachment,
    print_removed,
)
from inventory_cli.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from inventory_cli.domain.rules import SetRef
    from inventory_cli.services.dto import SetView

app = typer.Typer(no_args_is_help=True)

SetArg = Annotated[str, typer.Argument(help="part:KEY, kit:NAME or the set's number.", show_default=False)]
IdArg = Annotated[int, typer.Argument(help="The attachment's number.", show_default=False)]


def _ref(text: str) -> SetRef:
    from inventory_cli.domain.rules import parse_set_ref

    return parse_set_ref(text)


def _print_set(view: SetView) -> None:
    owner = view.owner or "no owner"
    output.table(
        f"Set {view.id} ({owner}): {len(view.attachments)} attachments",
        ATTACHMENT_COLUMNS,
        attachment_rows(view.attachments),
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    set_ref: Annotated[
        str | None,
        typer.Argument(help="A set to list; every set when left out.", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List a set's attachments (cover starred), or every set with owner and cover."""
    from inventory_cli.services import sets

    if set_ref is not None:
        view = sets.show_set(inventory(ctx), _ref(set_ref))
        if as_json:
            output.emit_json(view.to_dict())
        else:
            _print_set(view)
        return
    summaries = sets.list_sets(inventory(ctx))
    if as_json:
        output.emit_json([s.to_dict() for s in summaries])
        return
    output.table(
        output.counted(len(summaries), "set"),
        ("Set", "Owner", "Files", "Cover"),
        [(s.id, s.owner or "(none)", s.attachment_count, cover_label(s.cover)) for s in summaries],
    )


@app.command("show")
def show(ctx: typer.Context, set_ref: SetArg, as_json: JsonOption = False) -> None:
    """Show one set: owner, cover and attachments in order."""
    from inventory_cli.services import sets

    view = sets.show_set(inventory(ctx), _ref(set_ref))
    if as_json:
        output.emit_json(view.to_dict())
    else:
        _print_set(view)


@app.command("add")
def add(
    ctx: typer.Context,
    set_ref: SetArg,
    source: Annotated[str, typer.Argument(help="A file path or an http(s) URL.", show_default=False)],
    title: TitleOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a file or a link to a set; the first image becomes the cover."""
    from inventory_cli.services import sets

    print_attachment(sets.add_attachment(inventory(ctx), _ref(set_ref), source, title), as_json, "added")


@app.command("rename")
def rename(
    ctx: typer.Context,
    set_ref: SetArg,
    attachment_id: IdArg,
    title: Annotated[str, typer.Argument(help="The new title.", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Give an attachment a new title."""
    from inventory_cli.services import sets

    view = sets.rename_attachment(inventory(ctx), _ref(set_ref), attachment_id, title)
    print_attachment(view, as_json, "renamed")


@app.command("rm")
def rm(
    ctx: typer.Context,
    set_ref: SetArg,
    attachment_id: IdArg,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Delete an attachment; a deleted cover passes to the oldest remaining image."""
    from inventory_cli.services import sets

    ref = _ref(set_ref)
    if not output.confirm(f"Delete attachment {attachment_id} of {ref}?", yes):
        return
    print_removed(sets.remove_attachment(inventory(ctx), ref, attachment_id), as_json)


@app.command("cover")
def cover(
    ctx: typer.Context,
    set_ref: SetArg,
    attachment_id: Annotated[
        int | None,
        typer.Argument(help="The image to make the cover; show the cover when left out.", show_default=False),
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Leave the set without a cover.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show, set or clear a set's cover image."""
    from inventory_cli.services import sets

    ref = _ref(set_ref)
    if clear and attachment_id is not None:
        raise UsageError("give an attachment or --clear, not both")
    if clear:
        sets.set_cover(inventory(ctx), ref, None)
        if as_json:
            output.emit_json(None)
        else:
            typer.echo(f"{ref} has no cover now")
        return
    view = (
        sets.set_cover(inventory(ctx), ref, attachment_id)
        if attachment_id is not None
        else sets.get_cover(inventory(ctx), ref)
    )
    if as_json:
        output.emit_json(view.to_dict() if view else None)
    elif view is None:
        typer.echo(f"{ref} has no cover")
    else:
        typer.echo(f"cover of {ref}: attachment {view.id} {view.title!r} ({view.filename})")


@app.command("export")
def export(
    ctx: typer.Context,
    set_ref: SetArg,
    attachment_id: IdArg,
    out: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="File or folder to write; '-' for stdout. Default: the original file name.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite an existing file.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write an attachment's stored bytes back out, checked against their digest."""
    from inventory_cli.services import sets

    ref = _ref(set_ref)
    if out == "-":
        if as_json:
            raise UsageError("--json and -o - both want stdout; give one of them")
        sets.export_to_stream(inventory(ctx), ref, attachment_id, typer.get_binary_stream("stdout"))
        return
    target = Path(out) if out else Path.cwd()
    if out and out.endswith(("/", os.sep)) and not target.is_dir():
        raise NotFoundError(f"folder {out!r} does not exist")  # a trailing slash means a folder
    view, written = sets.export_to_file(inventory(ctx), ref, attachment_id, target, overwrite=force)
    if as_json:
        output.emit_json({**view.to_dict(), "written_to": str(written)})
    else:
        output.notice(f"wrote {output.human_size(view.size_bytes)} to {written}")
