"""Reading a page's title and preview images; naming the temporary copy that ``set open`` hands over."""

from __future__ import annotations

from inventory_cli.domain.pagemeta import parse_page
from inventory_cli.services.opening import temp_name


def test_preview_candidates_in_order_and_absolute() -> None:
    html = """<html><head><base href="https://cdn.example.com/assets/">
    <title>  A   title\n</title>
    <meta name="twitter:image" content="tw.png">
    <meta property="og:image" content="//img.example.com/og.jpg">
    <link rel="apple-touch-icon" href="/touch.png"><link rel="icon" href="favicon.png">
    </head></html>"""

    meta = parse_page(html, "https://www.example.com/product/1")

    assert meta.title == "A title"
    assert meta.preview_candidates() == [
        "https://img.example.com/og.jpg",
        "https://cdn.example.com/assets/tw.png",
        "https://cdn.example.com/assets/favicon.png",  # a plain icon before the touch icon
    ]


def test_unusable_links_are_ignored_and_og_title_is_the_fallback() -> None:
    html = (
        '<meta property="og:title" content="From OG"><meta property="og:image" content="javascript:alert(1)">'
    )

    meta = parse_page(html, "https://example.com/")

    assert meta.title == "From OG"
    assert meta.preview_candidates() == []


def test_temp_name_keeps_the_extension_and_stays_in_its_folder() -> None:
    assert temp_name("LM358 datasheet.pdf", "application/pdf", 3) == "LM358 datasheet.pdf"
    assert temp_name("../../etc/passwd.png", "image/png", 3) == "passwd.png"
    assert temp_name(None, "image/jpeg", 7) == "attachment-7.jpg"
    assert temp_name(".hidden", "image/webp", 2) == "hidden.webp"
