"""``inventory part``: add, list (with filters), show, edit, rm and attach."""

from __future__ import annotations

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
    from inventory_cli.services.dto import PartView

app = typer.Typer(no_args_is_help=True)

KeyArg = Annotated[str, typer.Argument(help="The part's four-letter key.", show_default=False)]


def _opt(flag: str, help_text: str, *aliases: str, **extra: Any) -> Any:
    return typer.Option(flag, *aliases, help=help_text, show_default=False, **extra)


MpnOpt = Annotated[str | None, _opt("--mpn", "Manufacturer part number.")]
ManufacturerOpt = Annotated[str | None, _opt("--manufacturer", "Manufacturer.")]
TypeOpt = Annotated[str | None, _opt("--type", "Part type (see the seeded list); '' clears it.")]
TagOpt = Annotated[list[str] | None, _opt("--tag", "A tag; repeat for several.")]
PackageOpt = Annotated[str | None, _opt("--package", "Package, e.g. DIP-16.")]
PinsOpt = Annotated[int | None, _opt("--pins", "Pin count (> 0).", parser=whole_number)]
PitchOpt = Annotated[str | None, _opt("--pitch", "Pin pitch, e.g. 2.54mm.")]
VoltageOpt = Annotated[str | None, _opt("--voltage-rating", "Voltage rating.")]
InputOpt = Annotated[str | None, _opt("--input-voltage", "Input voltage.")]
OutputOpt = Annotated[str | None, _opt("--output-voltage", "Output voltage.")]
MountingOpt = Annotated[str | None, _opt("--mounting", "Mounting type, e.g. THT or SMD.")]
SeriesOpt = Annotated[str | None, _opt("--series", "Series.")]
DimensionsOpt = Annotated[str | None, _opt("--dimensions", "Dimensions.")]
PageOpt = Annotated[str | None, _opt("--product-page", "Product page URL (http/https).")]
SellerOpt = Annotated[str | None, _opt("--seller", "Seller.")]
SellerLinkOpt = Annotated[str | None, _opt("--seller-link", "Seller link URL (http/https).")]


def _field_values(**values: Any) -> dict[str, Any]:
    names = {
        "mpn": "manufacturer_code",
        "pins": "pin_count",
        "pitch": "pin_pitch",
        "mounting": "mounting_type",
    }
    return {names.get(k, k): v for k, v in values.items()}


def _print_part(view: PartView, picture: Any = None) -> None:
    f = view.fields
    output.fields(
        f"Part {view.key}",
        [
            ("Description", f["description"]),
            ("Type", view.type),
            ("Manufacturer", f["manufacturer"]),
            ("MPN", f["manufacturer_code"]),
            ("Tags", ", ".join(view.tags)),
            ("Package", f["package"]),
            ("Pins", f["pin_count"]),
            ("Pitch", f["pin_pitch"]),
            ("Voltage rating", f["voltage_rating"]),
            ("Input voltage", f["input_voltage"]),
            ("Output voltage", f["output_voltage"]),
            ("Mounting", f["mounting_type"]),
            ("Series", f["series"]),
            ("Dimensions", f["dimensions"]),
            ("Product page", f["product_page"]),
            ("Seller", f["seller"]),
            ("Seller link", f["seller_link"]),
            ("Cover", cover_label(view.cover) or "none"),
            ("Set", f"{view.set_id} ({view.attachment_count} attachments)"),
            ("In stock", view.stock_total),
        ],
        beside=picture,
    )
    if view.stock:
        output.table("Stock", ("Location", "Qty"), [(line.location, line.quantity) for line in view.stock])
    if view.attachments:
        output.table(None, ATTACHMENT_COLUMNS, attachment_rows(view.attachments))


@app.command("add")
def add(
    ctx: typer.Context,
    description: Annotated[str, typer.Argument(help="What the part is.", show_default=False)],
    key: Annotated[str | None, _opt("--key", "Four letters; a free random key when left out.")] = None,
    mpn: MpnOpt = None,
    manufacturer: ManufacturerOpt = None,
    type_name: TypeOpt = None,
    tag: TagOpt = None,
    package: PackageOpt = None,
    pins: PinsOpt = None,
    pitch: PitchOpt = None,
    voltage_rating: VoltageOpt = None,
    input_voltage: InputOpt = None,
    output_voltage: OutputOpt = None,
    mounting: MountingOpt = None,
    series: SeriesOpt = None,
    dimensions: DimensionsOpt = None,
    product_page: PageOpt = None,
    seller: SellerOpt = None,
    seller_link: SellerLinkOpt = None,
    as_json: JsonOption = False,
) -> None:
    """Add a part (and its empty attachment set); prints the new key."""
    from inventory_cli.services import parts

    view = parts.add_part(
        inventory(ctx),
        description,
        key=key,
        type_name=type_name,
        tags=tag,
        **_field_values(
            mpn=mpn,
            manufacturer=manufacturer,
            package=package,
            pins=pins,
            pitch=pitch,
            voltage_rating=voltage_rating,
            input_voltage=input_voltage,
            output_voltage=output_voltage,
            mounting=mounting,
            series=series,
            dimensions=dimensions,
            product_page=product_page,
            seller=seller,
            seller_link=seller_link,
        ),
    )
    if as_json:
        output.emit_json(view.to_dict())
    else:
        typer.echo(view.key)


@app.command("list")
def list_(
    ctx: typer.Context,
    type_name: Annotated[str | None, _opt("--type", "Only parts of this type.")] = None,
    tag: Annotated[str | None, _opt("--tag", "Only parts with this tag (any case).")] = None,
    low_stock: Annotated[
        int | None, _opt("--low-stock", "Only parts with at most this many in stock.", parser=whole_number)
    ] = None,
    search: Annotated[
        str | None,
        _opt(
            "--search",
            "Only parts whose key, description, manufacturer, MPN, package or series "
            "contains this text (any case; % and _ match themselves).",
            "-s",
        ),
    ] = None,
    covers: Annotated[
        bool, typer.Option("--covers", help="On a terminal, add a column with each cover's thumbnail.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List parts by key, with type, stock total and cover."""
    if as_json:
        from inventory_cli.services import part_listing

        output.emit_records(
            part_listing.list_part_records(
                inventory(ctx), type_name=type_name, tag=tag, low_stock=low_stock, search=search
            )
        )
        return
    from inventory_cli.services import part_views

    views = part_views.list_parts(
        inventory(ctx), type_name=type_name, tag=tag, low_stock=low_stock, search=search
    )
    from inventory_cli.cli import images

    pictures = images.cover_column(inventory(ctx), [v.set_id for v in views], wanted=covers)
    output.table(
        output.counted(len(views), "part"),
        (
            *(("",) if pictures else ()),
            "Key",
            "Description",
            "Type",
            "MPN",
            "Tags",
            "Stock",
            "Cover",
            "Files",
        ),
        [
            (
                *((pictures[i],) if pictures else ()),
                v.key,
                v.fields["description"],
                v.type,
                v.fields["manufacturer_code"],
                ", ".join(v.tags),
                v.stock_total,
                cover_label(v.cover),
                v.attachment_count,
            )
            for i, v in enumerate(views)
        ],
    )


@app.command("show")
def show(
    ctx: typer.Context, key: KeyArg, no_images: NoImagesOption = False, as_json: JsonOption = False
) -> None:
    """Show a part with its attachments; on a terminal its cover is drawn beside the details."""
    from inventory_cli.services import part_views

    view = part_views.show_part(inventory(ctx), key)
    if as_json:
        output.emit_json(view.to_dict())
        return
    from inventory_cli.cli import images

    wanted = images.pictures_wanted(no_images=no_images)
    _print_part(view, images.cover_picture(inventory(ctx), view.attachments, wanted=wanted))


@app.command("edit")
def edit(
    ctx: typer.Context,
    key: KeyArg,
    description: Annotated[str | None, _opt("--description", "New description.", "-d")] = None,
    mpn: MpnOpt = None,
    manufacturer: ManufacturerOpt = None,
    type_name: TypeOpt = None,
    tag: Annotated[list[str] | None, _opt("--tag", "Replace the tags; repeat for several.")] = None,
    clear_tags: Annotated[bool, typer.Option("--clear-tags", help="Remove every tag.")] = False,
    package: PackageOpt = None,
    pins: PinsOpt = None,
    pitch: PitchOpt = None,
    voltage_rating: VoltageOpt = None,
    input_voltage: InputOpt = None,
    output_voltage: OutputOpt = None,
    mounting: MountingOpt = None,
    series: SeriesOpt = None,
    dimensions: DimensionsOpt = None,
    product_page: PageOpt = None,
    seller: SellerOpt = None,
    seller_link: SellerLinkOpt = None,
    as_json: JsonOption = False,
) -> None:
    """Change a part's fields; '' clears an optional text field."""
    from inventory_cli.services import parts

    extra: dict[str, Any] = {}
    if type_name is not None:
        extra["type_name"] = type_name
    if clear_tags or tag:
        extra["tags"] = [] if clear_tags else tag
    view = parts.edit_part(
        inventory(ctx),
        key,
        **extra,
        **_field_values(
            description=description,
            mpn=mpn,
            manufacturer=manufacturer,
            package=package,
            pins=pins,
            pitch=pitch,
            voltage_rating=voltage_rating,
            input_voltage=input_voltage,
            output_voltage=output_voltage,
            mounting=mounting,
            series=series,
            dimensions=dimensions,
            product_page=product_page,
            seller=seller,
            seller_link=seller_link,
        ),
    )
    if as_json:
        output.emit_json(view.to_dict())
    else:
        _print_part(view)


@app.command("rm")
def rm(
    ctx: typer.Context,
    key: KeyArg,
    force: Annotated[
        bool, typer.Option("--force", help="Also remove its stock (and history) and its lines in kits.")
    ] = False,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Delete a part with its attachment set and attachments (stored files stay).

    Refused while the part has stock or is used in a kit, unless --force.
    """
    from inventory_cli.services import parts

    if not yes:  # say exactly what would go, and refuse early, before asking
        plan = parts.plan_removal(inventory(ctx), key, force=force)
        extra = [output.counted(plan.attachments_removed, "attachment")]
        if plan.units_removed:
            extra.append(output.counted(plan.units_removed, "unit") + " of stock")
        if plan.kit_lines_removed:
            extra.append(output.counted(plan.kit_lines_removed, "kit line"))
        if not output.confirm(f"Delete {plan.what} with {', '.join(extra)}?", yes):
            return
    print_removed(parts.remove_part(inventory(ctx), key, force=force), as_json)


@app.command("attach")
def attach(
    ctx: typer.Context,
    key: KeyArg,
    source: Annotated[str, typer.Argument(help="A file path or an http(s) URL.", show_default=False)],
    title: TitleOption = None,
    fetch: FetchOption = False,
    allow_private: AllowPrivateOption = False,
    as_json: JsonOption = False,
) -> None:
    """Attach an image, a PDF or a link (--fetch: download it); the first image becomes the cover."""
    from inventory_cli.domain.rules import SetRef

    attach_source(
        ctx, SetRef("part", key), source, title, fetch=fetch, allow_private=allow_private, as_json=as_json
    )
