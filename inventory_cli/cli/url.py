"""``inventory url``: look at what a link points to without storing anything."""

from __future__ import annotations

from typing import Annotated

import typer

from inventory_cli.cli import output
from inventory_cli.cli.common import AllowPrivateOption, JsonOption, inventory

app = typer.Typer(no_args_is_help=True)


@app.command("preview")
def preview(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="An http(s) URL.", show_default=False)],
    allow_private: AllowPrivateOption = False,
    as_json: JsonOption = False,
) -> None:
    """Fetch a URL and show what --fetch would store for it; writes nothing."""
    from inventory_cli.services.links import inspect_url

    link = inspect_url(inventory(ctx), url, allow_private=allow_private)
    if as_json:
        output.emit_json(link.to_dict())
        return
    for note in link.notes:
        output.notice(note)
    stored = {
        "pdf": "the PDF itself, with its URL",
        "image": "the image itself, with its URL",
        "url": "a link" + (" with its preview image" if link.preview_url else " (no preview image found)"),
    }[link.kind]
    output.fields(
        f"URL {link.url}",
        [
            ("Final URL", link.final_url if link.final_url != link.url else None),
            ("Redirects", len(link.redirects) or None),
            ("Content", f"{link.content_type} ({output.human_size(link.size)})"),
            ("Server said", link.declared_type if link.declared_type != link.content_type else None),
            ("Title", link.title),
            ("File name", link.filename),
            ("Preview", link.preview_url),
            ("Would store", stored),
        ],
    )
