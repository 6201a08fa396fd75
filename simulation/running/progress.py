"""Progress for work that takes long enough to wonder about, always on stderr.

On a terminal it is a rich bar; otherwise (a log file, CI, a pipe) one line about every 10% of
the work, so stdout stays the result alone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

#: Outside a terminal a line is printed each time this share of the work is newly done.
LINE_EVERY = 0.10


@contextmanager
def replicate_progress(
    total: int, label: str, enabled: bool = True
) -> Iterator[Callable[[Any], None]]:
    """Yield a callback that advances the progress shown on stderr.

    Args:
        total: runs to do.
        label: what is running ("compare", "run"...), the start of each line.
        enabled: False shows nothing (as does a single run).

    Yields:
        A callback taking one finished run (its argument is ignored).
    """
    if not enabled or total < 2:
        yield lambda _result=None: None
        return
    if not sys.stderr.isatty():
        yield _lines(total, label)
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task(label, total=total)
        yield lambda _result=None: progress.advance(task)


def _lines(total: int, label: str) -> Callable[[Any], None]:
    """A callback printing `label: done/total runs (pct%)` each time another ~10% is done."""
    lines = progress_lines(total, label)
    return lambda _result=None: lines()


def progress_lines(
    total: int, label: str, unit: str = "runs", start: int = 0
) -> Callable[..., None]:
    """A reporter for stderr outside a terminal: one line each time another ~10% is done.

    Args:
        total: the work to do, in `unit`s.
        label: the start of each line ("compare", "optimize").
        unit: what is counted ("runs", "trials").
        start: how much was done before (a resumed search); lines count on from there.

    Returns:
        `advance(done=None, note="")`: `done` is the new count (None: one more); `note` is
        added to the line ("best: ...").

    Example:
        >>> advance = progress_lines(20, "optimize", "trials")
        >>> advance(2, "best: 4.0 averted per 100 for $500")  # doctest: +SKIP
        optimize: 2/20 trials (10%), best: 4.0 averted per 100 for $500
    """
    state = {"done": start, "shown": start}
    step = max(1, round(total * LINE_EVERY))

    def advance(done: int | None = None, note: str = "") -> None:
        state["done"] = state["done"] + 1 if done is None else done
        done = state["done"]
        if done - state["shown"] >= step or (done >= total and state["shown"] < total):
            state["shown"] = done
            tail = f", {note}" if note else ""
            print(f"{label}: {done}/{total} {unit} ({100 * done // total}%){tail}", file=sys.stderr)
            sys.stderr.flush()

    return advance
