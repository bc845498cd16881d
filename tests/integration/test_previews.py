"""Thumbnails and PDF previews made from real blobs, cached by digest and size."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.rules import SetRef
from inventory_cli.services import attaching, previews
from inventory_cli.services.dto import AttachmentView
from tests.conftest import Files, overwrite


def _attach(inventory: Inventory, path: Path) -> AttachmentView:
    return attaching.add_attachment(inventory, SetRef("part", "ABCD"), str(path))


@pytest.fixture
def part(inventory: Inventory) -> str:
    """Part ABCD in the isolated inventory."""
    from inventory_cli.services import parts

    return parts.add_part(inventory, "op-amp", key="ABCD").key


def _rotated_jpeg() -> bytes:
    """A 40x20 JPEG, left half red and right half blue, whose EXIF says 'rotate 90° clockwise'."""
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def _multi_page_pdf(pages: int) -> bytes:
    """A PDF of ``pages`` pages; page 1 is landscape and black, the others white."""
    first = Image.new("RGB", (60, 30), (0, 0, 0))
    rest = [Image.new("RGB", (30, 60), (255, 255, 255)) for _ in range(pages - 1)]
    buffer = io.BytesIO()
    first.save(buffer, "PDF", save_all=True, append_images=rest)
    return buffer.getvalue()


def png_of_size(size: tuple[int, int]) -> bytes:
    """A PNG of the given size."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def test_exif_orientation_is_applied(inventory: Inventory, part: str, files: Files) -> None:
    view = _attach(inventory, files.write("rotated.jpg", _rotated_jpeg()))

    preview = previews.preview_of(inventory, view, 64)

    assert preview.image is not None and preview.problem is None
    assert preview.image.size == (20, 40)  # upright: taller than wide
    top = preview.image.getpixel((10, 5))
    bottom = preview.image.getpixel((10, 35))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60  # the red half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_thumbnail_fits_the_size_and_the_second_call_is_a_cache_hit(
    inventory: Inventory, part: str, files: Files
) -> None:
    view = _attach(inventory, files.write("wide.png", png_of_size((300, 100))))

    first = previews.preview_of(inventory, view, 48)
    second = previews.preview_of(inventory, view, 48)
    other_size = previews.preview_of(inventory, view, 32)

    assert first.image is not None and first.image.size == (48, 16)
    assert (first.from_cache, second.from_cache, other_size.from_cache) == (False, True, False)
    assert second.image is not None and second.image.tobytes() == first.image.tobytes()
    cached = previews.cache_file(inventory, view.blob_digest or "", 48)
    assert cached.is_file() and cached.is_relative_to(inventory.settings.cache_dir or Path("/nowhere"))
    assert cached.parent.parent.parent.name == "cache"  # under INVENTORY_HOME/cache, never the database


def test_cache_location_can_be_overridden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part: str, files: Files
) -> None:
    from inventory_cli.config import load_settings

    monkeypatch.setenv("INVENTORY_CACHE", str(tmp_path / "elsewhere"))
    inventory = Inventory(load_settings())
    view = _attach(inventory, files.png())

    previews.preview_of(inventory, view, 32)

    assert list((tmp_path / "elsewhere" / "thumbnails").rglob("*.png"))


def test_decompression_bomb_gives_a_placeholder(
    inventory: Inventory, part: str, files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _attach(inventory, files.png())
    # The stored image is small; a lower pixel limit makes it count as a bomb without a huge file.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)

    preview = previews.preview_of(inventory, view, 64)

    assert preview.image is None
    assert preview.problem and "too many pixels" in preview.problem


def test_corrupt_image_gives_a_placeholder(
    inventory: Inventory, part: str, files: Files, store_root: Path
) -> None:
    view = _attach(inventory, files.png())
    blob = inventory.blobs.blob_path(view.blob_digest or "")
    overwrite(blob, blob.read_bytes()[:60])  # the header survives, the pixels do not

    preview = previews.preview_of(inventory, view, 64)

    assert preview.image is None and preview.problem == "corrupt or truncated image"
    assert not previews.cache_file(inventory, view.blob_digest or "", 64).exists()


def test_missing_blob_gives_a_placeholder(inventory: Inventory, part: str, files: Files) -> None:
    view = _attach(inventory, files.png())
    inventory.blobs.blob_path(view.blob_digest or "").unlink()

    assert previews.preview_of(inventory, view).problem == "content missing from the store"


def test_pdf_first_page_and_page_count(inventory: Inventory, part: str, files: Files) -> None:
    data = _multi_page_pdf(3)
    assert len(pypdfium2.PdfDocument(data)) == 3  # the fixture itself is right
    view = _attach(inventory, files.write("three.pdf", data))

    preview = previews.preview_of(inventory, view, 64)
    again = previews.preview_of(inventory, view, 64)

    assert preview.pages == 3 and again.pages == 3 and again.from_cache
    assert preview.image is not None
    assert preview.image.size == (64, 32)  # page 1 is the landscape one
    assert preview.image.getpixel((32, 16)) == (0, 0, 0)  # and it is black


def test_corrupt_pdf_gives_a_placeholder(inventory: Inventory, part: str, files: Files) -> None:
    view = _attach(inventory, files.pdf())
    blob = inventory.blobs.blob_path(view.blob_digest or "")
    overwrite(blob, b"%PDF-1.4\nthis is not a PDF body\n%%EOF\n")

    preview = previews.preview_of(inventory, view, 64)

    assert preview.image is None and preview.problem == "corrupt PDF"


def test_link_without_content_gives_a_placeholder(inventory: Inventory, part: str) -> None:
    view = attaching.add_attachment(inventory, SetRef("part", "ABCD"), "https://example.com/x")

    assert previews.preview_of(inventory, view).problem == "a link without a preview image"


def test_cover_digests_in_one_call(inventory: Inventory, part: str, files: Files) -> None:
    from inventory_cli.services import parts

    photo = _attach(inventory, files.png())
    other = parts.add_part(inventory, "no cover", key="EFGH")

    digests = previews.cover_digests(inventory, [photo.set_id, other.set_id])

    assert digests == {photo.set_id: photo.blob_digest}
