"""A small PNG checked whole without an image library: chunks, checksums and the compressed pixel rows.

Decoding every imported image with Pillow cost more than writing its rows. For a PNG this check
refuses what that decode refused (a cut or garbled file, an unknown row filter, too many pixels)
and more strictly (every chunk's checksum, a missing end chunk). Interlaced and large images are
left to the full decoder.
"""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Pillow's default MAX_IMAGE_PIXELS: an image above it is refused here as by the decoder.
PIXEL_LIMIT = 89_478_485
# Pixel rows larger than this once inflated are left to the decoder (it streams them).
MAX_INFLATED = 4 * 1024 * 1024
# Samples per pixel and the bit depths allowed, by colour type.
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_MAX_FILTER = 4


class CorruptPng(ValueError):
    """The file is not an intact PNG; the message says what is wrong."""


class TooManyPixels(ValueError):
    """The image is larger than PIXEL_LIMIT pixels."""


def check_png(data: bytes) -> bool:
    """Whether ``data`` is an intact PNG: True, or raises; False when only a full decode can tell."""
    if not data.startswith(SIGNATURE):
        raise CorruptPng("no PNG signature")
    view = memoryview(data)
    position = len(SIGNATURE)
    header: tuple[int, int, int] | None = None  # height, bytes per row, inflated size
    compressed: list[memoryview] = []
    while True:
        if position + 12 > len(data):
            raise CorruptPng("the file ends inside a chunk")
        length, kind = struct.unpack_from(">I4s", data, position)
        end = position + 12 + length
        if end > len(data):
            raise CorruptPng("the file ends inside a chunk")
        (checksum,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(view[position + 4 : end - 4]) != checksum:
            raise CorruptPng(f"checksum error in a {kind!r} chunk")
        body = view[position + 8 : end - 4]
        if header is None:
            if kind != b"IHDR" or length != 13:
                raise CorruptPng("the first chunk is not the image header")
            header = _header(bytes(body))
            if header[2] > MAX_INFLATED:
                return False
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
        position = end
    if header is None:  # pragma: no cover - the loop only leaves after a header
        raise CorruptPng("no image header")
    if not compressed:
        raise CorruptPng("no image data")
    _check_rows(b"".join(compressed), *header)
    return True


def _header(body: bytes) -> tuple[int, int, int]:
    """Height, bytes per row and inflated size from an IHDR body (interlaced: a size left to the decoder)."""
    width, height, depth, colour, method, filtering, interlace = struct.unpack(">IIBBBBB", body)
    if width == 0 or height == 0 or colour not in _CHANNELS or depth not in _DEPTHS[colour]:
        raise CorruptPng("invalid image header")
    if method != 0 or filtering != 0 or interlace not in (0, 1):
        raise CorruptPng("invalid image header")
    if width * height > PIXEL_LIMIT:
        raise TooManyPixels(f"{width}x{height} pixels")
    row = (width * _CHANNELS[colour] * depth + 7) // 8
    if interlace:
        return height, row, MAX_INFLATED + 1  # Adam7 passes: left to the decoder
    return height, row, height * (row + 1)


def _check_rows(stream: bytes, _height: int, row: int, size: int) -> None:
    """The compressed stream inflates to every row, each starting with a known filter type."""
    inflater = zlib.decompressobj()
    try:
        rows = inflater.decompress(stream, size)
    except zlib.error as exc:
        raise CorruptPng(f"bad compressed data ({exc})") from None
    if len(rows) < size:
        raise CorruptPng("the image data is cut short")
    if max(rows[:: row + 1]) > _MAX_FILTER:
        raise CorruptPng("unknown row filter")
