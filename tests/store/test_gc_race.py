"""gc running alongside attaches that reuse an orphaned blob never leaves a row without its blob."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import timedelta
from pathlib import Path

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from inventory_cli.domain.rules import parse_set_ref
from inventory_cli.errors import BusyError
from inventory_cli.services import attaching, sets, store
from inventory_cli.storage.stores import BlobStore
from tests.conftest import CliRun, Files, query

ROUNDS = 25


def test_gc_and_attach_running_together_keep_every_referenced_blob(
    cli: CliRun, files: Files, backend: BlobStore, db_path: Path
) -> None:
    assert cli("part", "add", "racer", "--key", "ABCD").exit_code == 0
    photo = str(files.png())
    ref = parse_set_ref("part:ABCD")
    lost: list[str] = []
    stop = threading.Event()

    def attach_and_remove() -> None:
        # Every round the same content goes in (reusing the blob if gc left it) and out again,
        # leaving an unreferenced blob that gc, with no grace period, wants to delete.
        inventory = Inventory(load_settings())
        try:
            for _ in range(ROUNDS):
                try:
                    view = attaching.add_attachment(inventory, ref, photo)
                except BusyError:
                    continue
                assert view.blob_digest is not None
                # Committed and referenced: gc must not be able to take the blob any more.
                if not inventory.blobs.exists(view.blob_digest):
                    lost.append(view.blob_digest)
                while True:
                    try:
                        sets.remove_attachment(inventory, ref, view.id)
                        break
                    except BusyError:
                        continue
        finally:
            stop.set()

    def collect() -> None:
        inventory = Inventory(load_settings())
        while not stop.is_set():
            with contextlib.suppress(BusyError):  # the attaching thread held the lock too long
                store.gc(inventory, dry_run=False, grace=timedelta(0))
            time.sleep(0.005)  # let the attaching thread get the lock now and then

    threads = [threading.Thread(target=attach_and_remove), threading.Thread(target=collect)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert lost == []
    assert query(db_path, "SELECT COUNT(*) FROM attachments") == [(0,)]
