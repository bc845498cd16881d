"""Attaching a large file reads it once, in bounded chunks: no second pass, no buffered copy."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.rules import SetRef
from inventory_cli.services import attaching, parts

PROC_IO = Path("/proc/self/io")
LARGE = 8 * 1024 * 1024


def pdf(path: Path, size: int) -> Path:
    """A file the program accepts as a PDF (magic bytes, end marker) of ``size`` bytes."""
    head, tail = b"%PDF-1.4\n", b"\n%%EOF\n"
    path.write_bytes(head + os.urandom(size - len(head) - len(tail)) + tail)
    return path


def bytes_read() -> int:
    """Bytes this process has asked the kernel to read so far (``rchar``: every read call, cached or not)."""
    for line in PROC_IO.read_text().splitlines():
        name, _, value = line.partition(":")
        if name == "rchar":
            return int(value)
    raise AssertionError("no rchar in /proc/self/io")


@pytest.fixture
def target(inventory: Inventory, tmp_path: Path) -> SetRef:
    """A part that already holds one small PDF, so that every lazy import of the attach path is done."""
    parts.add_part(inventory, "a part to attach to", key="BIGF")
    attaching.add_attachment(inventory, SetRef("part", "BIGF"), str(pdf(tmp_path / "warm.pdf", 4096)))
    return SetRef("part", "BIGF")


@pytest.mark.skipif(not PROC_IO.exists(), reason="needs Linux /proc/self/io")
def test_attach_reads_the_source_file_once(inventory: Inventory, target: SetRef, tmp_path: Path) -> None:
    large = pdf(tmp_path / "large.pdf", LARGE)
    before = bytes_read()
    view = attaching.add_attachment(inventory, target, str(large))
    read = bytes_read() - before

    assert view.size_bytes == LARGE
    # Once through the file, plus its sniffed head, the staged copy's PDF tail and a few database
    # pages: well under a second pass over the file.
    assert LARGE <= read < LARGE + LARGE // 4, read


def test_attach_memory_stays_bounded_by_the_chunk_not_the_file(
    inventory: Inventory, target: SetRef, tmp_path: Path
) -> None:
    large = pdf(tmp_path / "large.pdf", LARGE)
    tracemalloc.start()
    try:
        attaching.add_attachment(inventory, target, str(large))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # The copy holds one chunk (1 MiB) at a time; a buffered file would push the peak past 8 MiB.
    assert peak < LARGE // 3, peak
