"""A reader that goes away early (``inventory part list | head -1``) is not an error.

Interrupted imports (SIGINT 130, SIGTERM 143, committed rows on stderr, no traceback) are
covered by tests/integration/test_import_processes.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CliRun, json_out
from tests.integration.test_concurrency import WAIT_SECONDS
from tests.safety.helpers import subprocess_env

pytestmark = pytest.mark.slow

# Far more output than a pipe holds, so that the writer is still writing when head exits.
PARTS = 3000


def _key(number: int) -> str:
    letters = ""
    for _ in range(4):
        number, digit = divmod(number, 26)
        letters = chr(65 + digit) + letters
    return letters


@pytest.mark.parametrize("options", [[], ["--json"]], ids=["table", "json"])
def test_part_list_into_head_exits_quietly(cli: CliRun, tmp_path: Path, options: list[str]) -> None:
    source = tmp_path / "many.csv"
    rows = [f"{_key(n)},A part with a long enough description to fill the pipe {n}" for n in range(PARTS)]
    source.write_text("\n".join(["key,description", *rows]) + "\n")
    assert json_out(cli("import", str(source), "--json"))["created"] == PARTS

    writer = subprocess.Popen(
        [sys.executable, "-m", "inventory_cli", "part", "list", *options],
        cwd=tmp_path,
        env=subprocess_env(COLUMNS="120"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert writer.stdout is not None and writer.stderr is not None
    head = subprocess.Popen(["head", "-1"], stdin=writer.stdout, stdout=subprocess.PIPE)
    writer.stdout.close()  # head alone holds the read end: its exit breaks the pipe
    try:
        first, _ = head.communicate(timeout=WAIT_SECONDS)
        errors = writer.stderr.read()
        writer.wait(WAIT_SECONDS)
    finally:
        for proc in (writer, head):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert first.strip()
    assert writer.returncode == 0, errors
    assert errors == b""
