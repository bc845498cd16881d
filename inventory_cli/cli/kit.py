"""``inventory kit``: add, list, show, edit, rm, attach, archive, unarchive, content and check."""

from __future__ import annotations

from enum import StrEnum
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
    print_removed,
    whole_number,
)

if TYPE_CHECKING:
    from inventory_cli.services.dto import KitLineView, KitView

app = typer.Typer(no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="The kit's name.", show_default=False)]


class StatusFilter(StrEnum):
    """Which kits ``kit list`` shows."""

    ALL = "all"
    ACTIVE = "active"
    ARCHIVED = "archived"


def _print_kit(view: KitView, picture: Any = None) -> None:
    output.fields(
        f"Kit {view.name}",
        [
            ("Description", view.description),
            ("Build target", view.build_target),
            ("Status", view.status),
            (
                "Archived",
                view.archived_at.isoformat(timespec="seconds") if view.archived_at else None,
            ),
            ("Cover", cover_label(view.cover) or "none"),
            ("Set", f"{view.set_id} ({view.attachment_count} attachments)"),
        ],
        beside=picture,
    )
    if view.contents:
        output.table(
            "Contents",
            ("Part", "Description", "Per unit", "Note"),
            [(line.key, line.description, line.per_unit, line.note) for line in view.contents],
        )
    if view.attachments:
        output.table(None, ATTACHMENT_COLUMNS, attachment_rows(view.attachments))


def _report(view: KitView, as_json: bool) -> None:
    if as_json:
        output.emit_json(view.to_dict())
    else:
        _print_kit(view)


@app.command("add")
def add(
    ctx: typer.Context,
    name: NameArg,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="What the kit builds.")
    ] = None,
    build_target: Annotated[
        int, typer.Option("--build-target", help="How many to build (0 or more).", parser=whole_number)
    ] = 1,
    as_json: JsonOption = False,
) -> None:
    """Add a kit (and its empty attachment set)."""
    from inventory_cli.services import kits

    view = kits.add_kit(inventory(ctx), name, description, build_target)
    if as_json:
        output.emit_json(view.to_dict())
    else:
        typer.echo(f"added kit {view.name!r} (set {view.set_id})")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[StatusFilter, typer.Option("--status", help="Which kits to show.")] = StatusFilter.ALL,
    as_json: JsonOption = False,
) -> None:
    """List kits by name, with status and cover."""
    from inventory_cli.domain.models import KitStatus
    from inventory_cli.services import kits

    wanted = None if status is StatusFilter.ALL else KitStatus(status.value)
    views = kits.list_kits(inventory(ctx), wanted)
    if as_json:
        output.emit_json([v.to_dict() for v in views])
        return
    output.table(
        output.counted(len(views), "kit"),
        ("Name", "Description", "Target", "Status", "Cover", "Files"),
        [
            (
                v.name,
                v.description,
                v.build_target,
                v.status,
                cover_label(v.cover),
                v.attachment_count,
            )
            for v in views
        ],
    )


@app.command("show")
def show(
    ctx: typer.Context, name: NameArg, no_images: NoImagesOption = False, as_json: JsonOption = False
) -> None:
    """Show a kit with its attachments; on a terminal its cover is drawn beside the details."""
    from inventory_cli.cli import images
    from inventory_cli.services import kits

    view = kits.show_kit(inventory(ctx), name)
    if as_json:
        output.emit_json(view.to_dict())
        return
    wanted = images.pictures_wanted(no_images=no_images)
    _print_kit(view, images.cover_picture(inventory(ctx), view.attachments, wanted=wanted))


@app.command("edit")
def edit(
    ctx: typer.Context,
    name: NameArg,
    new_name: Annotated[str | None, typer.Option("--name", help="New name.", show_default=False)] = None,
    description: Annotated[
        str | None,
        typer.Option("--description", "-d", help="New description; '' clears it.", show_default=False),
    ] = None,
    build_target: Annotated[
        int | None,
        typer.Option("--build-target", help="New build target.", show_default=False, parser=whole_number),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Rename a kit or change its description or build target."""
    from inventory_cli.services import kits

    view = kits.edit_kit(
        inventory(ctx), name, new_name=new_name, description=description, build_target=build_target
    )
    _report(view, as_json)


@app.command("archive")
def archive(ctx: typer.Context, name: NameArg, as_json: JsonOption = False) -> None:
    """Mark a kit as archived (built or abandoned)."""
    from inventory_cli.services import kits

    _report(kits.set_archived(inventory(ctx), name, True), as_json)


@app.command("unarchive")
def unarchive(ctx: typer.Context, name: NameArg, as_json: JsonOption = False) -> None:
    """Make an archived kit active again."""
    from inventory_cli.services import kits

    _report(kits.set_archived(inventory(ctx), name, False), as_json)


@app.command("rm")
def rm(ctx: typer.Context, name: NameArg, yes: YesOption = False, as_json: JsonOption = False) -> None:
    """Delete a kit with its attachment set and attachments (stored files stay)."""
    from inventory_cli.services import kits

    if not output.confirm(f"Delete kit {name!r} and all its attachments?", yes):
        return
    print_removed(kits.remove_kit(inventory(ctx), name), as_json)


@app.command("attach")
def attach(
    ctx: typer.Context,
    name: NameArg,
    source: Annotated[str, typer.Argument(help="A file path or an http(s) URL.", show_default=False)],
    title: TitleOption = None,
    fetch: FetchOption = False,
    allow_private: AllowPrivateOption = False,
    as_json: JsonOption = False,
) -> None:
    """Attach an image, a PDF or a link (--fetch: download it); the first image becomes the cover."""
    from inventory_cli.domain.rules import SetRef

    attach_source(
        ctx, SetRef("kit", name), source, title, fetch=fetch, allow_private=allow_private, as_json=as_json
    )


content_app = typer.Typer(no_args_is_help=True)
app.add_typer(content_app, name="content", help="What one unit of a kit needs: add, list, edit, rm.")

KitKeyArg = Annotated[str, typer.Argument(help="The part's four-letter key.", show_default=False)]


def _report_line(line: KitLineView, as_json: bool, verb: str) -> None:
    if as_json:
        output.emit_json(line.to_dict())
    else:
        note = f" ({line.note})" if line.note else ""
        typer.echo(f"{verb} {line.per_unit} x {line.key} per unit in kit {line.kit!r}{note}")


@content_app.command("add", context_settings={"ignore_unknown_options": True})
def content_add(
    ctx: typer.Context,
    name: NameArg,
    key: KitKeyArg,
    per_unit: Annotated[
        int,
        typer.Option("--per-unit", "-q", help="How many one unit needs (1 or more).", parser=whole_number),
    ] = 1,
    note: Annotated[
        str | None, typer.Option("--note", help="E.g. reference designators: 'U3, U4'.", show_default=False)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a part to a kit's contents."""
    from inventory_cli.services import kit_contents

    line = kit_contents.add_content(inventory(ctx), name, key, per_unit, note)
    _report_line(line, as_json, "added")


@content_app.command("list")
def content_list(ctx: typer.Context, name: NameArg, as_json: JsonOption = False) -> None:
    """List a kit's contents by part key."""
    from inventory_cli.services import kit_contents

    lines = kit_contents.list_contents(inventory(ctx), name)
    if as_json:
        output.emit_json([line.to_dict() for line in lines])
        return
    output.table(
        f"{output.counted(len(lines), 'line')} in kit {lines[0].kit if lines else name!r}",
        ("Part", "Description", "Per unit", "Note"),
        [(line.key, line.description, line.per_unit, line.note) for line in lines],
    )


@content_app.command("edit", context_settings={"ignore_unknown_options": True})
def content_edit(
    ctx: typer.Context,
    name: NameArg,
    key: KitKeyArg,
    per_unit: Annotated[
        int | None,
        typer.Option(
            "--per-unit", "-q", help="New per-unit quantity.", show_default=False, parser=whole_number
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="New note; '' clears it.", show_default=False)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a kit line's per-unit quantity or note."""
    from inventory_cli.services import kit_contents

    line = kit_contents.edit_content(inventory(ctx), name, key, per_unit=per_unit, note=note)
    _report_line(line, as_json, "changed")


@content_app.command("rm")
def content_rm(ctx: typer.Context, name: NameArg, key: KitKeyArg, as_json: JsonOption = False) -> None:
    """Remove a part from a kit's contents."""
    from inventory_cli.services import kit_contents

    line = kit_contents.remove_content(inventory(ctx), name, key)
    _report_line(line, as_json, "removed")


@app.command("check", context_settings={"ignore_unknown_options": True})
def check(
    ctx: typer.Context,
    name: NameArg,
    units: Annotated[
        int | None,
        typer.Option(
            "--units",
            "-u",
            help="How many to build (default: the build target).",
            show_default=False,
            parser=whole_number,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Can the stock build UNITS of this kit? Per part: needed, in stock, reserved, available, short.

    Reserved counts what the other active kits need for their build targets. Exits 7 when short.
    """
    from inventory_cli.errors import CheckFailedError
    from inventory_cli.services import kit_contents

    result = kit_contents.check_kit(inventory(ctx), name, units)
    if as_json:
        output.emit_json(result.to_dict())
    else:
        output.table(
            f"Kit {result.kit!r}: {output.counted(result.units, 'unit')}",
            ("Part", "Description", "Per unit", "Needed", "In stock", "Reserved", "Available", "Short"),
            [
                (
                    line.key,
                    line.description,
                    line.per_unit,
                    line.needed,
                    line.in_stock,
                    line.reserved,
                    line.available,
                    line.short or "",
                )
                for line in result.lines
            ],
        )
        typer.echo(f"can build {result.buildable} now" if result.lines else "the kit has no contents yet")
    if not result.ok:
        short = [line.key for line in result.lines if line.short]
        raise CheckFailedError(f"short of {output.counted(len(short), 'part')}: {', '.join(short)}")
