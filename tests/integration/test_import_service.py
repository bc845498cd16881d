"""The import service around the command line: blobs collected between publish and commit come back."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.services import import_core, importing
from tests.conftest import Files, query


def test_a_blob_collected_before_the_commit_is_published_again(
    inventory: Inventory, files: Files, db_path: Path, store_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.png("a.png")
    path = files.write("parts.csv", b"key,description,attach\nAAAA,one,a.png\n")
    real_publish = import_core.publish
    collected: list[str] = []

    def publish_then_collect(inv: Inventory, contents: list[import_core.Content]) -> set[str]:
        published = real_publish(inv, contents)
        collected.extend(published)
        for digest in published:  # what a 'store gc --grace 0' in between would do
            inv.blobs.delete(digest)
        return published

    monkeypatch.setattr(import_core, "publish", publish_then_collect)
    request = import_core.ImportRequest(path.read_bytes(), name="parts.csv", fmt="csv", base_dir=path.parent)
    result = importing.import_parts(inventory, request)
    assert result.created == 1
    (digest,) = query(db_path, "SELECT blob_digest FROM attachments")[0]
    assert collected == [digest]
    assert inventory.blobs.exists(digest)
