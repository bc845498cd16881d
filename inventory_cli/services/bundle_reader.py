"""Reads a backup bundle in one streaming pass: safe members only, every byte checked before use."""

from __future__ import annotations

import gzip
import json
import tarfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from inventory_cli.errors import CheckFailedError, InvalidInputError
from inventory_cli.services.bundle_format import (
    MANIFEST,
    MAX_MANIFEST_BYTES,
    CountingReader,
    Manifest,
    blob_member,
    parse_manifest,
    sha256_hex,
)
from inventory_cli.services.intake import open_regular_file
from inventory_cli.storage.blobs import StagedBlob
from inventory_cli.storage.schema import HEAD_REVISION
from inventory_cli.storage.stores import BlobStore, Progress
from inventory_cli.storage.tables import Row

# What reading a damaged or cut-off tar (or gzip) stream raises.
DAMAGED = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)
# A table's rows are held in memory; this is far above any hobby inventory (about a million parts).
MAX_DATA_BYTES = 256 * 1024 * 1024  # a table's JSON is read whole: keep a crafted one from filling memory


@dataclass
class BundleContents:
    """A checked bundle: its manifest, its rows per table, and its blobs staged but not yet published."""

    manifest: Manifest
    data: dict[str, list[Row]] = field(default_factory=dict)
    staged: dict[str, StagedBlob] = field(default_factory=dict)


def _member_kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return "a symbolic link"
    if member.islnk():
        return "a hard link"
    if member.isdir():
        return "a directory"
    if member.ischr() or member.isblk():
        return "a device"
    if member.isfifo():
        return "a FIFO"
    return "not a regular file"


def _check_safe(member: tarfile.TarInfo, where: str) -> None:
    """Refuse members that could reach outside a folder or are not plain files."""
    name = member.name
    parts = PurePosixPath(name).parts
    if name.startswith(("/", "\\")) or ".." in parts or "\\" in name or (parts and ":" in parts[0]):
        raise InvalidInputError(f"{where}: unsafe member {name!r} (absolute path or '..')")
    if not member.isfile():
        raise InvalidInputError(f"{where}: unsafe member {name!r}: {_member_kind(member)}")
    if member.issparse():
        raise InvalidInputError(f"{where}: unsafe member {name!r}: a sparse file")


def _read_small(tar: tarfile.TarFile, member: tarfile.TarInfo, limit: int, where: str) -> bytes:
    if member.size > limit:
        raise InvalidInputError(f"{where}: member {member.name!r} is larger than {limit} bytes")
    handle = tar.extractfile(member)
    assert handle is not None
    data = handle.read()
    if len(data) != member.size:
        raise InvalidInputError(f"{where}: bundle is truncated in member {member.name!r}")
    return data


@contextmanager
def read_bundle(
    path: Path, store: BlobStore, progress: Progress, max_blob_bytes: int
) -> Iterator[BundleContents]:
    """Check a bundle and stage its blobs in ``store``; staged copies go when the context ends.

    Nothing is published: a bundle with one bad member leaves the store as it was. A blob larger
    than ``max_blob_bytes`` (the largest file ``attach`` accepts here) is refused before any is staged.
    """
    where = f"bundle {path}"
    with open_regular_file(str(path))[0] as handle, ExitStack() as staged_files:
        try:
            contents = _read(handle, where, store, progress, staged_files, max_blob_bytes)
        except DAMAGED as exc:
            raise InvalidInputError(f"{where} is truncated or not a tar file ({exc})") from None
        yield contents


def _read(
    handle: IO[bytes],
    where: str,
    store: BlobStore,
    progress: Progress,
    staged_files: ExitStack,
    max_blob_bytes: int,
) -> BundleContents:
    # The caller closes ``handle``; a stream-mode TarFile holds nothing else that needs closing.
    tar = tarfile.open(fileobj=handle, mode="r|*")  # noqa: SIM115
    first = tar.next()
    if first is None or first.name != MANIFEST:
        found = "no members" if first is None else f"{first.name!r} first"
        raise InvalidInputError(f"{where}: {MANIFEST} is missing (found {found})")
    _check_safe(first, where)
    manifest = parse_manifest(_read_small(tar, first, MAX_MANIFEST_BYTES, where), where, HEAD_REVISION)
    _refuse_large_blobs(manifest, where, max_blob_bytes)
    contents = BundleContents(manifest)
    expected, seen = manifest.members, set()
    digests = {blob_member(digest): digest for digest in manifest.blobs}
    with progress("reading bundle", manifest.blob_bytes) as advance:
        # Not ``for member in tar``: that starts again from the first member, the manifest.
        while (member := tar.next()) is not None:
            _check_safe(member, where)
            if member.name in seen:
                raise InvalidInputError(f"{where}: member {member.name!r} appears twice")
            if member.name not in expected:
                raise InvalidInputError(f"{where}: unexpected member {member.name!r} (not in the manifest)")
            seen.add(member.name)
            if member.name in manifest.data:
                _read_data(tar, member, manifest, contents, where)
            else:
                _stage_blob(tar, member, digests[member.name], store, advance, contents, staged_files, where)
    missing = sorted(expected - seen)
    if missing:
        raise InvalidInputError(f"{where} is truncated: member {missing[0]!r} of the manifest is missing")
    return contents


def _refuse_large_blobs(manifest: Manifest, where: str, max_blob_bytes: int) -> None:
    """Refuse a manifest naming a blob larger than this inventory would store from ``attach``."""
    for digest, size in manifest.blobs.items():
        if size > max_blob_bytes:
            raise InvalidInputError(
                f"{where}: blob {digest} holds {size} bytes, more than the limit of {max_blob_bytes}",
                hint="raise INVENTORY_MAX_PDF_BYTES or INVENTORY_MAX_IMAGE_BYTES to restore it",
            )


def _read_data(
    tar: tarfile.TarFile, member: tarfile.TarInfo, manifest: Manifest, contents: BundleContents, where: str
) -> None:
    raw = _read_small(tar, member, MAX_DATA_BYTES, where)
    if sha256_hex(raw) != manifest.data[member.name]:
        raise CheckFailedError(f"{where}: member {member.name!r} does not match its sha256 in the manifest")
    table = member.name.removeprefix("data/").removesuffix(".json")
    try:
        document: Any = json.loads(raw)
        rows = document["rows"]
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise TypeError("rows is not a list of objects")
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"{where}: member {member.name!r} is malformed ({exc})") from None
    contents.data[table] = rows


def _stage_blob(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    digest: str,
    store: BlobStore,
    advance: Callable[[int], None],
    contents: BundleContents,
    staged_files: ExitStack,
    where: str,
) -> None:
    """Copy one blob member into the store's staging area, hashing it on the way."""
    size = contents.manifest.blobs[digest]
    if member.size != size:
        raise CheckFailedError(
            f"{where}: member {member.name!r} holds {member.size} bytes, the manifest says {size}"
        )
    source = tar.extractfile(member)
    assert source is not None
    reader = CountingReader(source, advance)  # type: ignore[arg-type]
    staged = staged_files.enter_context(store.stage(reader, max(size, 1)))  # type: ignore[arg-type]
    if staged.size != size:
        raise InvalidInputError(f"{where} is truncated in member {member.name!r}")
    if staged.digest != digest:
        raise CheckFailedError(
            f"{where}: member {member.name!r} does not match its sha256 (content hashes to {staged.digest})",
            hint="the bundle is damaged; nothing was restored",
        )
    contents.staged[digest] = staged
