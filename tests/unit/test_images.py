"""The terminal picture module: the exact cells a tiny image becomes, and when nothing is drawn."""

from __future__ import annotations

import io
import sys

import pytest
from PIL import Image
from rich.console import Console

from inventory_cli.cli import images
from inventory_cli.errors import InvalidInputError

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def _stripes() -> Image.Image:
    """A 2x4 image with one colour per pixel row: red, green, blue, white."""
    image = Image.new("RGB", (2, 4))
    for y, colour in enumerate((RED, GREEN, BLUE, WHITE)):
        for x in range(2):
            image.putpixel((x, y), colour)
    return image


def _render(renderable: object) -> str:
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=True, color_system="truecolor", width=40).print(renderable)
    return buffer.getvalue()


def _cell(upper: tuple[int, int, int], lower: tuple[int, int, int]) -> str:
    fg = ";".join(map(str, upper))
    bg = ";".join(map(str, lower))
    return f"\x1b[38;2;{fg};48;2;{bg}m▀\x1b[0m"


def test_half_blocks_draw_two_pixel_rows_per_text_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVENTORY_IMAGES", "blocks")
    monkeypatch.delenv("NO_COLOR", raising=False)

    text = _render(images.picture(_stripes(), width=2, max_height=2))

    lines = text.split("\n")
    assert lines[0] == _cell(RED, GREEN) * 2
    assert lines[1] == _cell(BLUE, WHITE) * 2


def test_cell_size_keeps_the_shape_within_the_limits() -> None:
    wide = Image.new("RGB", (300, 100))
    tall = Image.new("RGB", (100, 400))

    assert images.cell_size(wide, 24, 12) == (24, 4)  # cells are about twice as high as wide
    assert images.cell_size(tall, 24, 12) == (6, 12)  # capped in height, narrowed to match


def test_placeholder_names_the_problem() -> None:
    text = _render(images.placeholder("corrupt PDF"))

    assert "[no preview: corrupt PDF]" in text


def test_no_pictures_when_stdout_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())

    assert images.pictures_wanted() is False


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "no_images", "as_json", "wanted"),
    [
        ({}, False, False, True),
        ({"stdin": "redirected"}, False, False, False),
        ({}, True, False, False),
        ({}, False, True, False),
        ({"NO_COLOR": "1"}, False, False, False),
        ({"NO_COLOR": "1", "INVENTORY_IMAGES": "blocks"}, False, False, False),
        ({"NO_COLOR": "1", "INVENTORY_IMAGES": "kitty"}, False, False, True),
        ({"INVENTORY_IMAGES": "off"}, False, False, False),
        ({"TERM": "dumb"}, False, False, False),
    ],
)
def test_when_pictures_are_drawn_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], no_images: bool, as_json: bool, wanted: bool
) -> None:
    for name in ("NO_COLOR", "INVENTORY_IMAGES", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        if name != "stdin":
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", _Tty())
    monkeypatch.setattr(sys, "stdin", io.StringIO() if "stdin" in env else _Tty())

    assert images.pictures_wanted(no_images=no_images, as_json=as_json) is wanted


def test_unknown_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVENTORY_IMAGES", "ascii-art")

    with pytest.raises(InvalidInputError, match="ascii-art"):
        images.mode()
