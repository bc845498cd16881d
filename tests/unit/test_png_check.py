"""The PNG check the import uses instead of a full decode: passes what Pillow opens, refuses the rest."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from inventory_cli.services.png_check import PIXEL_LIMIT, CorruptPng, TooManyPixels, check_png


def _png(mode: str = "RGB", size: tuple[int, int] = (37, 11), **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert(mode).save(buffer, "PNG", **options)
    return buffer.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _built(width: int, height: int, rows: bytes, interlace: int = 0) -> bytes:
    """A grey 8-bit PNG made by hand, with valid checksums whatever the rows say."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, interlace)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P", "1", "I;16"])
def test_an_intact_png_of_every_colour_type_passes(mode: str) -> None:
    assert check_png(_png(mode)) is True


def test_an_interlaced_png_is_left_to_the_decoder() -> None:
    assert check_png(_built(2, 2, b"\x00\x01\x02" * 2, interlace=1)) is False


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("cut at the end", lambda data: data[:-30]),
        ("cut in half", lambda data: data[: len(data) // 2]),
        ("garbage after the signature", lambda data: data[:8] + bytes(range(256)) * 8),
        ("one byte flipped", lambda data: data[:60] + bytes([data[60] ^ 0xFF]) + data[61:]),
    ],
)
def test_a_damaged_png_is_refused(name: str, damage: object) -> None:
    data = _png()
    with pytest.raises(CorruptPng):
        check_png(damage(data))  # type: ignore[operator]
    with pytest.raises(OSError), Image.open(io.BytesIO(damage(data))) as image:  # type: ignore[operator]
        image.load()  # the decoder refuses it too


def test_a_png_without_its_end_chunk_is_refused_though_the_decoder_would_open_it() -> None:
    with pytest.raises(CorruptPng, match="ends inside a chunk"):
        check_png(_png()[:-12])


def test_rows_with_an_unknown_filter_or_missing_bytes_are_refused() -> None:
    assert check_png(_built(2, 2, b"\x00\x01\x02\x04\x03\x04")) is True
    with pytest.raises(CorruptPng, match="filter"):
        check_png(_built(2, 2, b"\x00\x01\x02\x07\x03\x04"))
    with pytest.raises(CorruptPng, match="cut short"):
        check_png(_built(2, 2, b"\x00\x01\x02\x00\x03"))


def test_more_pixels_than_the_decoders_limit_are_refused_from_the_header() -> None:
    side = int(PIXEL_LIMIT**0.5) + 1
    with pytest.raises(TooManyPixels):
        check_png(_built(side, side, b""))
    assert Image.MAX_IMAGE_PIXELS == PIXEL_LIMIT
