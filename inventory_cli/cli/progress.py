"""Progress bars on stderr for long transfers, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SMALLEST_SHOWN = 4 * 1024 * 1024  # smaller transfers finish before a bar is worth drawing
FEWEST_ROWS_SHOWN = 5000  # a copy of fewer rows finishes before a bar is worth drawing


@contextmanager
def _bar(label: str, total: int, *columns: Any) -> Iterator[tuple[Any, Any]]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        *columns,
        console=Console(file=sys.stderr),
        transient=True,
    ) as bar:
        yield bar, bar.add_task(label, total=total, item="")


@contextmanager
def terminal_progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr for ``total`` bytes; the value advances it by bytes done."""
    if total < SMALLEST_SHOWN:
        yield lambda _done: None
        return
    from rich.progress import DownloadColumn, TransferSpeedColumn

    with _bar(label, total, DownloadColumn(), TransferSpeedColumn()) as (bar, task):
        yield lambda done: bar.advance(task, done)


@contextmanager
def row_progress(label: str, total: int, fewest: int = FEWEST_ROWS_SHOWN) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr for ``total`` rows (none below ``fewest``); advances by rows done."""
    if total < fewest:
        yield lambda _done: None
        return
    from rich.progress import MofNCompleteColumn, TimeRemainingColumn

    with _bar(label, total, MofNCompleteColumn(), TimeRemainingColumn()) as (bar, task):
        yield lambda done: bar.advance(task, done)


@contextmanager
def committed_lines(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """One stderr line per advance: rows committed so far (callers advance only after a commit)."""
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        # Written and flushed at once: a reader learns of a commit even if this process then dies.
        sys.stderr.write(f"{label}: {done} of {total} rows committed\n")
        sys.stderr.flush()

    yield advance


@contextmanager
def terminal_steps(label: str, total: int) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on stderr counting ``total`` steps; each call advances it by one."""
    from rich.progress import MofNCompleteColumn, TextColumn

    with _bar(label, total, MofNCompleteColumn(), TextColumn("{task.fields[item]}")) as (bar, task):
        yield lambda item: bar.update(task, advance=1, item=item)
