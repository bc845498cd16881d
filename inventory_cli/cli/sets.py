"""``inventory set``: list, show, add, rm, rename, cover and export attachments of a set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import (
    ATTACHMENT_COLUMNS,
    AllowPrivateOption,
    FetchOption,
    JsonOption,
    NoImagesOption,
    TitleOption,
    YesOption,
    attach_source,
    attachment_rows,
    cover_label,
    inventory,
    print_attachment,
    print_removed,
    whole_number,
)
from inventory_cli.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from inventory_cli.domain.rules import SetRef
    from inventory_cli.services.dto import SetView

app = typer.Typer(no_args_is_help=True)

SetArg = Annotated[str, typer.Argument(help="part:KEY, kit:NAME or the set's number.", show_default=False)]
IdArg = Annotated[
    int, typer.Argument(help="The attachment's number.", show_default=False, parser=whole_number)
]


def _ref(text: str) -> SetRef:
    from inventory_cli.domain.rules import parse_set_ref

    return parse_set_ref(text)


def _page_counts(ctx: typer.Context, view: SetView) -> dict[int, int | None]:
    """Page counts of the set's PDFs (read from their cached previews)."""
    from inventory_cli.services.previews import preview_of

    return {
        a.id: preview_of(inventory(ctx), a).pages
        for a in view.attachments
        if a.kind == "pdf" and a.blob_digest
    }


def _set_json(ctx: typer.Context, view: SetView) -> dict[str, Any]:
    pages = _page_counts(ctx, view)
    data = view.to_dict()
    for item in data["attachments"]:
        item["pages"] = pages.get(item["id"])
    return data


def _print_set(ctx: typer.Context, view: SetView) -> None:
    owner = view.owner or "no owner"
    pages = _page_counts(ctx, view)
    rows = attachment_rows(view.attachments)
    for row, attachment in zip(rows, view.attachments, strict=True):
        if pages.get(attachment.id) is not None:
            count = pages[attachment.id]
            row[2] = f"pdf, {count} page{'s' if count != 1 else ''}"
    output.table(f"Set {view.id} ({owner}): {len(view.attachments)} attachments", ATTACHMENT_COLUMNS, rows)


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
            output.emit_json(_set_json(ctx, view))
        else:
            _print_set(ctx, view)
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
def show(
    ctx: typer.Context, set_ref: SetArg, no_images: NoImagesOption = False, as_json: JsonOption = False
) -> None:
    """Show one set in order; on a terminal as a gallery with a preview per image and PDF."""
    from inventory_cli.cli import images
    from inventory_cli.services import sets

    view = sets.show_set(inventory(ctx), _ref(set_ref))
    if as_json:
        output.emit_json(_set_json(ctx, view))
    elif images.pictures_wanted(no_images=no_images) and view.attachments:
        owner = view.owner or "no owner"
        typer.echo(f"Set {view.id} ({owner}): {len(view.attachments)} attachments")
        images.print_renderable(images.gallery(inventory(ctx), view.attachments))
    else:
        _print_set(ctx, view)


@app.command("add")
def add(
    ctx: typer.Context,
    set_ref: SetArg,
    source: Annotated[str, typer.Argument(help="A file path or an http(s) URL.", show_default=False)],
    title: TitleOption = None,
    fetch: FetchOption = False,
    allow_private: AllowPrivateOption = False,
    as_json: JsonOption = False,
) -> None:
    """Add a file or a link (--fetch: download it) to a set; the first image becomes the cover."""
    attach_source(
        ctx, _ref(set_ref), source, title, fetch=fetch, allow_private=allow_private, as_json=as_json
    )


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
        typer.Argument(
            help="The image to make the cover; show the cover when left out.",
            show_default=False,
            parser=whole_number,
        ),
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


@app.command("open")
def open_(
    ctx: typer.Context,
    set_ref: SetArg,
    attachment_id: IdArg,
    as_json: JsonOption = False,
) -> None:
    """Open an attachment in the system viewer; a link opens in the web browser."""
    from inventory_cli.services.opening import prepare_open

    target = prepare_open(inventory(ctx), _ref(set_ref), attachment_id)
    # The viewer runs on its own; the temporary copy stays for it (the system cleans its temp folder).
    if typer.launch(target, wait=False) != 0:
        raise NotFoundError(
            "no program to open it was found (xdg-open, open or start)",
            hint=f"open {target} yourself",
        )
    if as_json:
        output.emit_json({"id": attachment_id, "opened": target})
    else:
        output.notice(f"opened {target}")


@app.command("thumb")
def thumb(
    ctx: typer.Context,
    set_ref: SetArg,
    attachment_id: IdArg,
    size: Annotated[
        int, typer.Option("--size", help="Longer side in pixels (16-2048).", parser=whole_number)
    ] = 256,
    out: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="PNG file to write. Default: thumb-<id>-<size>.png in the current folder.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite an existing file.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write a PNG thumbnail of an image, of a PDF's first page, or of a link's preview image."""
    from inventory_cli.services.previews import write_thumbnail

    target = Path(out) if out else Path.cwd() / f"thumb-{attachment_id}-{size}.png"
    view, preview = write_thumbnail(
        inventory(ctx), _ref(set_ref), attachment_id, size, target, overwrite=force
    )
    if as_json:
        output.emit_json({"id": view.id, **preview.to_dict(), "written_to": str(target)})
    else:
        assert preview.image is not None
        output.notice(f"wrote {preview.image.width}x{preview.image.height} thumbnail to {target}")
