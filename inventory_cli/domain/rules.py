"""Pure rules: content sniffing, titles, links, set references, part keys, locations, quantities."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from inventory_cli.domain.kinds import AttachmentKind
from inventory_cli.errors import InvalidInputError, UsageError

if TYPE_CHECKING:
    import random

MAX_TITLE = 255
MAX_URL = 2000
KEY_PATTERN = re.compile(r"^[A-Z]{4}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes of a file say it is."""

    kind: AttachmentKind
    content_type: str
    pillow_format: str | None = None


def sniff(head: bytes) -> Sniffed | None:
    """Decide the kind from magic bytes alone; None when the content is not allowed."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(AttachmentKind.IMAGE, "image/jpeg", "JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(AttachmentKind.IMAGE, "image/png", "PNG")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed(AttachmentKind.IMAGE, "image/gif", "GIF")
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed(AttachmentKind.IMAGE, "image/webp", "WEBP")
    if head.startswith(b"%PDF-"):
        return Sniffed(AttachmentKind.PDF, "application/pdf")
    return None


def describe_unknown(head: bytes) -> str:
    """A short human description of content that sniffing refused."""
    if head.lstrip()[:1] in (b"<",):
        return "HTML/XML text"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "unrecognised binary data"
    return "plain text"


def validate_title(title: str) -> str:
    """A title stripped of surrounding space, 1 to 255 characters, no control characters."""
    cleaned = title.strip()
    if not cleaned:
        raise InvalidInputError("title is blank", hint="give a title of 1 to 255 characters")
    if len(cleaned) > MAX_TITLE:
        raise InvalidInputError(
            f"title is {len(cleaned)} characters long; the limit is {MAX_TITLE}",
            hint=f"title starts {cleaned[:40]!r}",
        )
    if CONTROL_CHARACTERS.search(cleaned):
        raise InvalidInputError(f"title {cleaned!r} contains control characters")
    return cleaned


def looks_like_url(value: str) -> bool:
    """Whether an attach argument is meant as a link rather than a file path."""
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value)) and not re.match(r"^[A-Za-z]:[\\/]", value)


def validate_url(url: str) -> str:
    """An http or https URL with a host, at most 2000 characters."""
    cleaned = url.strip()
    if len(cleaned) > MAX_URL:
        raise InvalidInputError(f"URL is {len(cleaned)} characters long; the limit is {MAX_URL}")
    if CONTROL_CHARACTERS.search(cleaned) or " " in cleaned:
        raise InvalidInputError(f"URL {cleaned[:80]!r} contains spaces or control characters")
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
    except ValueError as exc:
        raise InvalidInputError(f"URL {cleaned[:80]!r} is malformed: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidInputError(
            f"URL scheme {parts.scheme + ':' if parts.scheme else '(none)'} is not allowed "
            f"in {cleaned[:80]!r}",
            hint="only http and https links are accepted",
        )
    if not host:
        raise InvalidInputError(f"URL {cleaned[:80]!r} has no host")
    return cleaned


MAX_ID = 2**63 - 1


def valid_id(value: int) -> bool:
    """Whether ``value`` can be a row id at all (SQLite ids are positive 64-bit integers)."""
    return 0 < value <= MAX_ID


def title_for_url(url: str) -> str:
    """A default title for a link: host and path, cut to the title limit."""
    parts = urlsplit(url)
    return (f"{parts.hostname}{parts.path}".rstrip("/") or url)[:MAX_TITLE]


def normalise_key(key: str) -> str:
    """A part key in upper case, checked to be four letters A-Z."""
    candidate = key.strip().upper()
    if not KEY_PATTERN.match(candidate):
        raise InvalidInputError(f"part key {key!r} is not four letters A-Z")
    return candidate


def random_key(rng: random.Random | None = None) -> str:
    """Four random uppercase letters."""
    # Only 'part add' without a key draws one: every other command (an import, say) skips these imports.
    import random
    import string

    chooser = rng or random.SystemRandom()
    return "".join(chooser.choice(string.ascii_uppercase) for _ in range(4))


@dataclass(frozen=True)
class SetRef:
    """How a command names a set: by owner (part key or kit name) or by numeric id."""

    owner_kind: str | None
    value: str

    def __str__(self) -> str:
        return f"{self.owner_kind}:{self.value}" if self.owner_kind else self.value


def parse_set_ref(text: str) -> SetRef:
    """Parse ``part:KEY``, ``kit:NAME`` or a numeric set id."""
    raw = text.strip()
    if re.fullmatch(r"[0-9]+", raw):  # ASCII only: isdigit() also takes ² and such
        return SetRef(None, raw)
    prefix, sep, rest = raw.partition(":")
    if sep and prefix.lower() in ("part", "kit") and rest.strip():
        return SetRef(prefix.lower(), rest.strip())
    raise UsageError(
        f"not a set reference: {text!r}",
        hint="use part:KEY, kit:NAME or the set's number",
    )


MAX_CAPACITY = 1000
MAX_QUANTITY = 10**9  # far beyond any drawer, far below SQLite's integer limit


@dataclass(frozen=True)
class LocationRef:
    """A storage location written ``BOX-SLOT``, e.g. ``7-3``."""

    box: int
    slot: int

    def __str__(self) -> str:
        return f"{self.box}-{self.slot}"


def parse_location(text: str) -> LocationRef:
    """Parse ``BOX-SLOT`` (two positive numbers joined by a dash)."""
    match = re.fullmatch(r"\s*([0-9]{1,9})\s*-\s*([0-9]{1,9})\s*", text)
    if match is None or int(match[1]) < 1 or int(match[2]) < 1:
        raise UsageError(f"not a location: {text!r}", hint="write BOX-SLOT, e.g. 7-3")
    return LocationRef(int(match[1]), int(match[2]))


def validate_quantity(quantity: int, what: str = "quantity") -> int:
    """A quantity of at least 1 and at most MAX_QUANTITY."""
    if quantity < 1:
        raise InvalidInputError(f"{what} {quantity} must be at least 1")
    if quantity > MAX_QUANTITY:
        raise InvalidInputError(f"{what} {quantity} is larger than {MAX_QUANTITY}")
    return quantity


def validate_capacity(capacity: int) -> int:
    """A box capacity between 1 and MAX_CAPACITY."""
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInputError(f"capacity {capacity} must be between 1 and {MAX_CAPACITY}")
    return capacity


def validate_name(text: str, what: str, limit: int) -> str:
    """A stripped, non-blank name of at most ``limit`` characters without control characters."""
    name = text.strip()
    if not name:
        raise InvalidInputError(f"{what} is blank")
    if len(name) > limit:
        raise InvalidInputError(f"{what} is {len(name)} characters long; the limit is {limit}")
    if CONTROL_CHARACTERS.search(name):
        raise InvalidInputError(f"{what} {name!r} contains control characters")
    return name
