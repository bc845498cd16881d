"""Progress bars on stderr for long transfers, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SMALLEST_SHOWN = 4 * 1024 * 1024  # smaller transfers finish before a bar is worth drawing


@contextmanager
def terminal_progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr for ``total`` bytes; the value advances it by bytes done."""
    if total < SMALLEST_SHOWN:
        yield lambda _done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.advance(task, done)


SMALLEST_COUNT = 200  # fewer rows than this finish before a bar is worth drawing


@contextmanager
def counted_progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr for ``total`` rows or files; the value advances it by a count."""
    if total < SMALLEST_COUNT:
        yield lambda _done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.advance(task, done)
