"""The backup bundle's layout: member names, the manifest and the checks a manifest must pass."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from inventory_cli.errors import InvalidInputError
from inventory_cli.storage.blobs import DIGEST_PATTERN
from inventory_cli.storage.tables import TABLE_ORDER

FORMAT_NAME = "inventory-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def data_member(table: str) -> str:
    """The member that holds a table's rows."""
    return f"data/{table}.json"


def blob_member(digest: str) -> str:
    """The member that holds a blob's bytes."""
    return f"blobs/{digest}"


def canonical_json(document: Any) -> bytes:
    """JSON that is byte-for-byte the same for the same content (sorted keys, fixed layout)."""
    return (json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


def sha256_hex(data: bytes) -> str:
    """The sha256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Manifest:
    """What a bundle holds: schema revision, rows per table, data digests, blobs with their sizes."""

    schema_revision: str
    created_at: str
    tables: dict[str, int]
    data: dict[str, str]  # member name -> sha256 of its bytes
    blobs: dict[str, int]  # digest -> size

    def to_json(self) -> bytes:
        """The manifest member's bytes."""
        return canonical_json(
            {
                "format": FORMAT_NAME,
                "version": FORMAT_VERSION,
                "schema_revision": self.schema_revision,
                "created_at": self.created_at,
                "tables": self.tables,
                "data": [{"member": name, "sha256": digest} for name, digest in sorted(self.data.items())],
                "blobs": [{"digest": digest, "size": size} for digest, size in sorted(self.blobs.items())],
            }
        )

    @property
    def members(self) -> set[str]:
        """Every member a complete bundle holds besides the manifest."""
        return set(self.data) | {blob_member(digest) for digest in self.blobs}

    @property
    def blob_bytes(self) -> int:
        """The total size of the blobs."""
        return sum(self.blobs.values())


def parse_manifest(raw: bytes, where: str, head_revision: str) -> Manifest:
    """Read and check a manifest: format, version, schema revision, and the shape of every entry."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"{where}: {MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise InvalidInputError(f"{where}: {MANIFEST} does not describe an {FORMAT_NAME}")
    version = document.get("version")
    if version != FORMAT_VERSION:
        raise InvalidInputError(
            f"{where}: bundle format version {version!r} is not supported "
            f"(this program reads {FORMAT_VERSION})",
            hint="restore it with the inventory version that wrote it",
        )
    revision = document.get("schema_revision")
    if revision != head_revision:
        raise InvalidInputError(
            f"{where}: bundle was written at schema revision {revision!r}, "
            f"this program is at {head_revision}",
            hint="restore it with the inventory version that wrote it",
        )
    try:
        tables = {str(name): int(count) for name, count in document["tables"].items()}
        data = {str(entry["member"]): str(entry["sha256"]) for entry in document["data"]}
        blobs = {str(entry["digest"]): int(entry["size"]) for entry in document["blobs"]}
        created_at = str(document["created_at"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInputError(f"{where}: {MANIFEST} is malformed ({type(exc).__name__}: {exc})") from None
    expected = {data_member(table) for table in TABLE_ORDER}
    if set(data) != expected or set(tables) != set(TABLE_ORDER):
        raise InvalidInputError(f"{where}: {MANIFEST} does not list the tables this schema has")
    for digest, size in blobs.items():
        if not DIGEST_PATTERN.match(digest) or size < 0:
            raise InvalidInputError(f"{where}: {MANIFEST} lists an invalid blob {digest!r}")
    return Manifest(revision, created_at, tables, data, blobs)


class CountingReader:
    """Reads from a stream while hashing the bytes and reporting how many went by."""

    def __init__(self, source: BinaryIO, advance: Callable[[int], None]) -> None:
        self._source = source
        self._advance = advance
        self._hasher = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the source."""
        chunk = self._source.read(size)
        self._hasher.update(chunk)
        self.size += len(chunk)
        self._advance(len(chunk))
        return chunk

    @property
    def digest(self) -> str:
        """The sha256 of what was read so far."""
        return self._hasher.hexdigest()
