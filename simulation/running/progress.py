"""A progress bar for work that takes long enough to wonder about (rich)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@contextmanager
def replicate_progress(
    total: int, label: str, enabled: bool = True
) -> Iterator[Callable[[Any], None]]:
    """Yield a callback that advances a bar on stderr; silent when disabled or for a single run."""
    if not enabled or total < 2 or not sys.stderr.isatty():
        yield lambda _result=None: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda _result=None: progress.advance(task)
