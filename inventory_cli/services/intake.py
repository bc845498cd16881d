"""Checks a file before it becomes an attachment: a readable regular file of an allowed, intact type."""

from __future__ import annotations

import io
import os
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from inventory_cli.config import Settings
from inventory_cli.domain.kinds import AttachmentKind
from inventory_cli.domain.rules import Sniffed, describe_unknown, sniff
from inventory_cli.errors import InvalidInputError, NotFoundError
from inventory_cli.storage.blobs import StagedBlob

SNIFF_BYTES = 4096
# PNG files up to this size are checked by png_check.py rather than decoded by Pillow.
_PNG_CHECKED_BYTES = 4 * 1024 * 1024
_FILE_KINDS = {
    stat.S_IFIFO: "FIFO (named pipe)",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFSOCK: "socket",
    stat.S_IFDIR: "directory",
}


@dataclass(frozen=True)
class InputFile:
    """An opened input file with its declared name, size and sniffed type."""

    handle: BinaryIO
    name: str
    size: int
    sniffed: Sniffed
    # The first bytes, read to sniff the type: the whole file when it is shorter than SNIFF_BYTES.
    head: bytes = b""


def _limit_for(kind: AttachmentKind, settings: Settings) -> int:
    return settings.max_image_bytes if kind is AttachmentKind.IMAGE else settings.max_pdf_bytes


def open_regular_file(path_text: str) -> tuple[BinaryIO, os.stat_result]:
    """Open ``path_text`` for reading with its stat, refusing anything that is not a regular file."""
    try:
        path = os.path.expanduser(path_text)
        # O_NONBLOCK: opening a FIFO must not wait for a writer before we can refuse it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise NotFoundError(f"file not found: {path_text}") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{path_text} is a directory, not a file") from None
    except PermissionError:
        raise InvalidInputError(f"cannot read {path_text}: permission denied") from None
    except OSError as exc:
        raise InvalidInputError(f"cannot open {path_text}: {exc.strerror}") from None
    except ValueError:  # a NUL byte, or a lone surrogate the file system cannot encode
        raise InvalidInputError(f"not a usable file name: {path_text!r}") from None
    info = os.fstat(fd)
    file_type = stat.S_IFMT(info.st_mode)
    if file_type != stat.S_IFREG:
        os.close(fd)
        kind = _FILE_KINDS.get(file_type, "special file")
        raise InvalidInputError(f"{path_text} is a {kind}, not a regular file")
    return os.fdopen(fd, "rb"), info


@contextmanager
def open_input(path_text: str, settings: Settings) -> Iterator[InputFile]:
    """Open ``path_text`` for attaching, refusing anything that is not an allowed regular file."""
    handle, info = open_regular_file(path_text)
    with handle:
        if info.st_size == 0:
            raise InvalidInputError(f"{path_text} is empty")
        head = handle.read(SNIFF_BYTES)
        handle.seek(0)
        sniffed = sniff(head)
        if sniffed is None:
            raise InvalidInputError(
                f"{path_text}: content type not allowed ({describe_unknown(head)})",
                hint="attach JPEG, PNG, WebP or GIF images and PDF files; the name does not count",
            )
        limit = _limit_for(sniffed.kind, settings)
        if info.st_size > limit:
            raise InvalidInputError(
                f"{path_text} is {info.st_size} bytes; the limit for {sniffed.kind} files is {limit} bytes"
            )
        name = _text_name(os.path.basename(os.path.expanduser(path_text)))
        yield InputFile(handle, name, info.st_size, sniffed, head)


def _text_name(name: str) -> str:
    """A file name as text a database can store: bytes that are not UTF-8 become U+FFFD.

    Python hands such bytes over as lone surrogates, which no database driver encodes.
    """
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def max_bytes_for(item: InputFile, settings: Settings) -> int:
    """The size a staged copy may reach (the file may grow while it is read)."""
    return _limit_for(item.sniffed.kind, settings)


def verify_content(staged: StagedBlob, item: InputFile) -> None:
    """Check that the staged copy is what the file's magic bytes claimed, and intact."""
    if sniff(staged.head) != item.sniffed:
        raise InvalidInputError(f"{item.name} changed while it was being read; try again")
    if item.sniffed.kind is AttachmentKind.IMAGE:
        # A small PNG is checked whole without Pillow (its import and decode were most of the
        # attach); read into memory only up to the size that check takes on.
        small_png = item.sniffed.pillow_format == "PNG" and staged.size <= _PNG_CHECKED_BYTES
        if small_png and _png_is_intact(staged.path.read_bytes(), item):
            return
        _verify_image(staged.path, item)
    elif item.sniffed.kind is AttachmentKind.PDF:
        _verify_pdf(staged.path, item.name, staged.size)


def verify_file(path: Path, item: InputFile) -> None:
    """Check that the file at ``path`` is an intact image or PDF, as its magic bytes claimed."""
    if item.sniffed.kind is AttachmentKind.IMAGE:
        _verify_image(path, item)
    elif item.sniffed.kind is AttachmentKind.PDF:
        _verify_pdf(path, item.name, item.size)


def verify_data(data: bytes, item: InputFile) -> None:
    """Check that ``data``, the whole content of ``item``, is an intact image or PDF as claimed."""
    if sniff(data[:SNIFF_BYTES]) != item.sniffed:
        raise InvalidInputError(f"{item.name} changed while it was being read; try again")
    if item.sniffed.kind is AttachmentKind.IMAGE:
        if item.sniffed.pillow_format == "PNG" and _png_is_intact(data, item):
            return
        _verify_image(io.BytesIO(data), item)
    elif item.sniffed.kind is AttachmentKind.PDF and b"%%EOF" not in data[-2048:]:
        raise InvalidInputError(f"{item.name}: truncated PDF (no end-of-file marker)")


def _png_is_intact(data: bytes, item: InputFile) -> bool:
    """The PNG check without Pillow (png_check.py): True when intact, False when only a decode can tell."""
    from inventory_cli.services import png_check

    try:
        return png_check.check_png(data)
    except png_check.TooManyPixels:
        raise InvalidInputError(
            f"{item.name}: image has too many pixels (a decompression bomb?)",
            hint=f"the limit is {png_check.PIXEL_LIMIT} pixels",
        ) from None
    except png_check.CorruptPng as exc:
        raise InvalidInputError(f"{item.name}: corrupt or truncated image ({exc})") from None


def _verify_image(path: Path | BinaryIO, item: InputFile) -> None:
    from PIL import Image

    with warnings.catch_warnings():
        # Pillow only warns between 1x and 2x its pixel limit; both are refused here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                if image.format != item.sniffed.pillow_format:
                    raise InvalidInputError(f"{item.name}: not a valid {item.sniffed.content_type}")
                if image.format == "JPEG":
                    # A reduced DCT decode still reads every byte of the entropy-coded data.
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidInputError(
                f"{item.name}: image has too many pixels (a decompression bomb?)",
                hint=f"the limit is {Image.MAX_IMAGE_PIXELS} pixels",
            ) from None
        except InvalidInputError:
            raise
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise InvalidInputError(f"{item.name}: corrupt or truncated image ({exc})") from None


def _verify_pdf(path: Path, name: str, size: int) -> None:
    with path.open("rb") as handle:
        handle.seek(max(0, size - 2048))
        tail = handle.read()
    if b"%%EOF" not in tail:
        raise InvalidInputError(f"{name}: truncated PDF (no end-of-file marker)")
