"""The transfer progress bar: drawn on stderr for large transfers only."""

from __future__ import annotations

import pytest

from inventory_cli.cli.progress import SMALLEST_SHOWN, terminal_progress


def test_a_large_transfer_shows_its_label_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # draw as on a terminal (only used when stderr is one)
    with terminal_progress("uploading 0123abcd", SMALLEST_SHOWN) as advance:
        advance(SMALLEST_SHOWN // 2)
        advance(SMALLEST_SHOWN // 2)

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "uploading 0123abcd" in captured.err


def test_a_small_transfer_draws_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with terminal_progress("uploading 0123abcd", SMALLEST_SHOWN - 1) as advance:
        advance(SMALLEST_SHOWN - 1)

    assert capsys.readouterr() == ("", "")
