"""Pure rules: sniffing, titles, links, set references, keys."""

from __future__ import annotations

import random

import pytest

from inventory_cli.domain.models import AttachmentKind
from inventory_cli.domain.rules import (
    SetRef,
    looks_like_url,
    normalise_key,
    parse_set_ref,
    random_key,
    sniff,
    title_for_url,
    validate_title,
    validate_url,
)
from inventory_cli.errors import ExitCode, InvalidInputError, UsageError
from tests.conftest import image_bytes, pdf_bytes


@pytest.mark.parametrize(
    ("data", "kind", "content_type"),
    [
        (image_bytes("PNG"), AttachmentKind.IMAGE, "image/png"),
        (image_bytes("JPEG"), AttachmentKind.IMAGE, "image/jpeg"),
        (image_bytes("GIF"), AttachmentKind.IMAGE, "image/gif"),
        (image_bytes("WEBP"), AttachmentKind.IMAGE, "image/webp"),
        (pdf_bytes(), AttachmentKind.PDF, "application/pdf"),
    ],
)
def test_sniff_decides_by_magic_bytes(data: bytes, kind: AttachmentKind, content_type: str) -> None:
    sniffed = sniff(data[:4096])
    assert sniffed is not None
    assert (sniffed.kind, sniffed.content_type) == (kind, content_type)


@pytest.mark.parametrize(
    "data", [b"<html><script>alert(1)</script>", b"hello", b"PK\x03\x04zip", b"RIFF0000WAVE"]
)
def test_sniff_refuses_other_content(data: bytes) -> None:
    assert sniff(data) is None


def test_title_is_stripped_and_bounded() -> None:
    assert validate_title("  Datasheet ") == "Datasheet"
    assert validate_title("x" * 255) == "x" * 255
    for bad in ("", "   ", "x" * 256, "two\nlines"):
        with pytest.raises(InvalidInputError) as info:
            validate_title(bad)
        assert info.value.exit_code is ExitCode.INVALID_INPUT


def test_url_rules() -> None:
    assert validate_url(" https://www.ti.com/product/SN74HC595N ") == "https://www.ti.com/product/SN74HC595N"
    for bad in (
        "javascript:alert(1)",
        "ftp://example.com/x",
        "file:///etc/passwd",
        "http://",
        "https://a b.com/",
    ):
        with pytest.raises(InvalidInputError, match="URL"):
            validate_url(bad)
    with pytest.raises(InvalidInputError, match="2000"):
        validate_url("https://example.com/" + "a" * 2000)


def test_links_and_paths_are_told_apart() -> None:
    assert looks_like_url("https://example.com")
    assert looks_like_url("javascript:alert(1)")
    assert not looks_like_url("photo.jpg")
    assert not looks_like_url(r"C:\photos\chip.jpg")
    assert title_for_url("https://www.ti.com/product/SN74HC595N/") == "www.ti.com/product/SN74HC595N"


def test_set_references() -> None:
    assert parse_set_ref("12") == SetRef(None, "12")
    assert parse_set_ref("part:ABCD") == SetRef("part", "ABCD")
    assert parse_set_ref("kit:Synth Voice") == SetRef("kit", "Synth Voice")
    assert str(parse_set_ref("KIT:Synth Voice")) == "kit:Synth Voice"
    for bad in ("box:1", "part:", "ABCD", ""):
        with pytest.raises(UsageError):
            parse_set_ref(bad)


def test_keys() -> None:
    assert normalise_key(" abcd ") == "ABCD"
    for bad in ("ABC", "ABCDE", "AB1D", "ÄBCD"):
        with pytest.raises(InvalidInputError):
            normalise_key(bad)
    rng = random.Random(7)
    keys = {random_key(rng) for _ in range(50)}
    assert all(len(k) == 4 and k.isalpha() and k.isupper() for k in keys)
    assert len(keys) > 40
