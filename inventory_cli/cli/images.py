"""Pictures in the terminal: the one module that decides whether and how an image is drawn."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from inventory_cli.errors import InvalidInputError

if TYPE_CHECKING:
    from PIL.Image import Image

    from inventory_cli.bootstrap import Inventory
    from inventory_cli.services.dto import AttachmentView
    from inventory_cli.services.previews import Preview

MODES = ("auto", "kitty", "sixel", "blocks", "off")
MODE_VARIABLE = "INVENTORY_IMAGES"
# Terminal cells are about twice as high as wide; half blocks make two pixel rows per cell row.
CELL_ASPECT = 2.0
THUMB_SMALL = 64  # pixels; enough for a few cells of a listing
THUMB_GALLERY = 256


def mode() -> str:
    """The drawing mode from ``INVENTORY_IMAGES`` (auto when unset)."""
    value = os.environ.get(MODE_VARIABLE, "").strip().lower() or "auto"
    if value not in MODES:
        raise InvalidInputError(
            f"{MODE_VARIABLE}={value!r} is not one of {', '.join(MODES)}",
            hint=f"unset {MODE_VARIABLE} to let the terminal decide",
        )
    return value


def pictures_wanted(*, no_images: bool = False, as_json: bool = False) -> bool:
    """Whether to draw pictures: a terminal on stdout and stdin, no --json / --no-images, colour allowed."""
    if no_images or as_json:
        return False
    chosen = mode()
    if chosen == "off" or not sys.stdout.isatty() or os.environ.get("TERM") == "dumb":
        return False
    # The picture library asks the terminal about itself and reads the answer from stdin:
    # with stdin redirected there is no one to answer, so pictures are left out.
    if not sys.stdin.isatty():
        return False
    # NO_COLOR forbids colour escapes, which is what half blocks are made of; an explicitly
    # chosen graphics protocol (kitty, sixel) sends pictures, not coloured text, so it still draws.
    return not (os.environ.get("NO_COLOR") and chosen in ("auto", "blocks"))


def _renderer() -> Any:
    """The textual-image renderable class for the current mode."""
    chosen = mode()
    if chosen == "blocks":
        from textual_image.renderable.halfcell import Image as Halfcell

        return Halfcell
    if chosen == "sixel":
        from textual_image.renderable.sixel import Image as Sixel

        return Sixel
    if chosen == "kitty":
        from textual_image.renderable.tgp import Image as Kitty

        return Kitty
    # Auto: the library asks the terminal which graphics protocol it speaks.
    from textual_image.renderable import Image as Detected
    from textual_image.renderable.halfcell import Image as Halfcell
    from textual_image.renderable.unicode import Image as Unicode

    return Halfcell if Detected is Unicode else Detected


def cell_size(image: Image, width: int, max_height: int) -> tuple[int, int]:
    """Cells (columns, rows) that show ``image`` at ``width`` columns, keeping its shape."""
    rows = round(width * image.height / image.width / CELL_ASPECT) if image.width else 1
    rows = max(1, rows)
    if rows > max_height:
        width = max(1, round(width * max_height / rows))
        rows = max_height
    return width, rows


def picture(image: Image, width: int, max_height: int) -> Any:
    """A rich renderable drawing ``image`` in ``width`` columns and at most ``max_height`` rows."""
    columns, rows = cell_size(image, width, max_height)
    try:
        renderer = _renderer()
    except Exception as exc:
        # Talking to an odd terminal can fail in many ways; a picture is never worth an error.
        return placeholder(f"terminal pictures unavailable ({type(exc).__name__})")
    return renderer(image, width=columns, height=rows)


def placeholder(problem: str | None, width: int | None = None) -> Any:
    """The text shown where a picture cannot be drawn."""
    from rich.text import Text

    text = Text(f"[no preview: {problem or 'unknown reason'}]", style="dim")
    if width:
        text.truncate(width * 3, overflow="fold")
    return text


def preview_picture(preview: Preview, width: int, max_height: int) -> Any:
    """The preview drawn, or its placeholder."""
    if preview.image is None:
        return placeholder(preview.problem)
    return picture(preview.image, width, max_height)


def cover_picture(
    inventory: Inventory, attachments: list[AttachmentView] | None, *, wanted: bool, width: int = 24
) -> Any:
    """The cover of a shown part or kit as a picture, or None when pictures are off or no cover."""
    if not wanted:
        return None
    cover = next((a for a in attachments or [] if a.is_cover), None)
    if cover is None:
        return None
    from inventory_cli.services.previews import preview_of

    return preview_picture(preview_of(inventory, cover), width, max_height=12)


def cover_column(inventory: Inventory, set_ids: list[int], *, wanted: bool) -> list[Any] | None:
    """One small cover picture per set (two text rows high), or None when not drawing pictures."""
    if not wanted or not pictures_wanted():
        return None
    from rich.text import Text

    from inventory_cli.services.previews import cover_digests, preview_digest

    digests = cover_digests(inventory, set_ids)
    cells: list[Any] = []
    for set_id in set_ids:
        digest = digests.get(set_id)
        if digest is None:
            cells.append(Text(""))
            continue
        preview = preview_digest(inventory, digest, THUMB_SMALL)
        cells.append(picture(preview.image, 4, 2) if preview.image else Text("?", style="dim"))
    return cells


def gallery(inventory: Inventory, attachments: list[AttachmentView], width: int = 18) -> Any:
    """A grid of cards: a small preview per attachment with its number, title and kind."""
    from rich.columns import Columns
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    from inventory_cli.services.previews import preview_of

    cards = []
    for attachment in attachments:
        preview = preview_of(inventory, attachment, THUMB_GALLERY)
        if attachment.kind == "url" and preview.image is None:
            body: Any = Text(attachment.url or "", style="underline", overflow="fold")
        else:
            body = preview_picture(preview, width, max_height=width // 2)
        kind = attachment.kind
        if preview.pages is not None:
            kind = f"pdf, {preview.pages} page{'s' if preview.pages != 1 else ''}"
        caption = Text(attachment.title, overflow="ellipsis", no_wrap=True)
        star = "★ " if attachment.is_cover else ""
        cards.append(
            Panel(
                Group(body, caption),
                title=f"{star}#{attachment.id}",
                subtitle=kind,
                width=width + 4,
            )
        )
    return Columns(cards)


def print_renderable(renderable: Any) -> None:
    """Print any rich renderable to stdout."""
    from rich.console import Console

    Console(file=sys.stdout, highlight=False, emoji=False).print(renderable)
