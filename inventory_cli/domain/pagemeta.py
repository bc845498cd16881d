"""What a web page says about itself: its title and its preview images (og:image, twitter:image, icon)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

_SPACE = re.compile(r"\s+")
_OG_IMAGE = ("og:image", "og:image:url", "og:image:secure_url")
_TWITTER_IMAGE = ("twitter:image", "twitter:image:src")


@dataclass(frozen=True)
class PageMeta:
    """Title and preview image candidates of a page, as absolute http(s) URLs."""

    title: str | None
    og_image: str | None
    twitter_image: str | None
    icon: str | None

    def preview_candidates(self) -> list[str]:
        """Preview images in the order to try: og:image, then twitter:image, then the icon."""
        found = [u for u in (self.og_image, self.twitter_image, self.icon) if u]
        return list(dict.fromkeys(found))


class _MetaParser(HTMLParser):
    """Collects the first title, meta images and icon links; stops caring after </head>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.og_title: str | None = None
        self.meta: dict[str, str] = {}
        self.icons: list[tuple[int, str]] = []
        self.base: str | None = None
        self._in_title = False
        self._title_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "title" and self.title is None:
            self._in_title = True
        elif tag == "meta":
            key = (values.get("property") or values.get("name") or "").strip().lower()
            content = values.get("content", "").strip()
            if key and content and key not in self.meta:
                self.meta[key] = content
        elif tag == "link":
            rel = values.get("rel", "").lower().split()
            href = values.get("href", "").strip()
            if href and "icon" in rel:
                self.icons.append((0, href))
            elif href and "apple-touch-icon" in rel:
                self.icons.append((1, href))
        elif tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"].strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title = "".join(self._title_parts)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)


def _absolute(base: str, value: str | None) -> str | None:
    if not value:
        return None
    try:
        joined = urljoin(base, value)
        scheme = urlsplit(joined).scheme.lower()
    except ValueError:
        return None
    return joined if scheme in ("http", "https") else None


def clean_title(text: str | None, limit: int = 255) -> str | None:
    """A page title on one line, without surrounding space, cut to ``limit`` characters."""
    if not text:
        return None
    cleaned = _SPACE.sub(" ", text).strip()
    cleaned = "".join(ch for ch in cleaned if ch.isprintable())
    return cleaned[:limit] or None


def parse_page(html: str, page_url: str) -> PageMeta:
    """Read the title and preview images of an HTML page; links are made absolute."""
    parser = _MetaParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        pass  # broken markup: keep whatever was read before it
    base = _absolute(page_url, parser.base) or page_url
    meta = parser.meta
    icon = min(parser.icons, key=lambda item: item[0])[1] if parser.icons else None
    return PageMeta(
        title=clean_title(parser.title) or clean_title(meta.get("og:title")),
        og_image=_absolute(base, next((meta[k] for k in _OG_IMAGE if k in meta), None)),
        twitter_image=_absolute(base, next((meta[k] for k in _TWITTER_IMAGE if k in meta), None)),
        icon=_absolute(base, icon),
    )
