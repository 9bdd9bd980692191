"""A progress display for long work (crawl, clean): pages done, rate, time left when known.

Drawn with rich (which Prefect already installs) on stderr, and only when stderr is a terminal:
a pipe, a file, a cron job or a test sees nothing of it, only the closing summary line. The
display is transient: when the work ends it disappears, leaving the summary.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def on_terminal() -> bool:
    """Whether a person is watching: stderr is a terminal."""
    return sys.stderr.isatty()


@contextmanager
def progress_display(description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """Yield ``update(done)``, which redraws the display with ``done`` pages of ``total``."""
    if not on_terminal():
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    columns += [TextColumn("{task.fields[rate]}"), TimeElapsedColumn()]
    if total:
        columns.append(TimeRemainingColumn())
    started = time.monotonic()
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total, rate="")

        def update(done: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.update(task, completed=done, rate=f"{done / elapsed:.1f} pages/s")

        yield update
