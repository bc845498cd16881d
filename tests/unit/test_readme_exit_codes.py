"""The README's exit-code table lists every exit code the program uses."""

from __future__ import annotations

import re

from inventory_cli.errors import ExitCode
from tests.conftest import REPO_ROOT


def test_every_exit_code_is_documented() -> None:
    text = (REPO_ROOT / "README.md").read_text()
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode}
