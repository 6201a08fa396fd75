"""The driver loop of an experiment: keep a backend busy with batches, write each as it finishes.

The backend (a local rotating process pool, a Dask cluster, or this process) comes from
`simulation.running.pool`. The driver keeps only a few batches in flight and writes each
finished batch to its own part file, so its memory stays flat however many runs there are, and
a killed batch loses only the runs in flight.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from simulation.experiments.plan import Plan
from simulation.experiments.results import ResultsStore
from simulation.experiments.worker import Batch, BatchResult, failed_rows, run_batch
from simulation.running.pool import Backend

#: Batches are sized to take about this long, so part files are few and a kill loses little.
TARGET_BATCH_SECONDS = 5.0
MAX_BATCH_RUNS = 100
#: What a local pool's workers import before their first batch.
WORKER_MODULE = "simulation.experiments.worker"


class BatchSizer:
    """Sizes batches to about TARGET_BATCH_SECONDS of work once the first runs are timed."""

    def __init__(self, fixed: int | None = None):
        """Start untimed; `fixed` (from --batch-size) overrides the sizing."""
        self.fixed = fixed
        self.seconds_per_run: float | None = None

    def observe(self, result: BatchResult) -> None:
        """Update the time per run (a moving average) from a finished batch."""
        if result.rows:
            per_run = result.seconds / len(result.rows)
            old = self.seconds_per_run
            self.seconds_per_run = per_run if old is None else 0.7 * old + 0.3 * per_run

    def size(self, remaining: int, capacity: int) -> int:
        """Runs for the next batch, given the runs left and the tasks that keep the backend busy."""
        if self.fixed:
            return self.fixed
        if self.seconds_per_run is None:
            return 1
        size = TARGET_BATCH_SECONDS / max(self.seconds_per_run, 1e-6)
        # Near the end, smaller batches keep every worker busy.
        size = min(size, MAX_BATCH_RUNS, math.ceil(remaining / (2 * capacity)))
        return max(1, int(size))


@dataclass
class Tally:
    """What one session did."""

    completed: int = 0
    failed: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time the workers spent on runs


def execute(
    plan: Plan,
    store: ResultsStore,
    backend: Backend,
    limit: int | None = None,
    batch_size: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    simulator: Callable | None = None,
    tally: Tally | None = None,
) -> Tally:
    """Run every unfinished run of `plan` (at most `limit`), writing each batch as it finishes.

    `on_progress(runs, failed)` is called after each batch; `tally` (filled in as batches
    finish, so it is right even after Ctrl-C) is returned. A batch the executor loses (a worker
    died) is submitted once more; if it is lost again its runs are recorded as failed.
    """
    spec = plan.experiment.spec
    finished = store.finished_run_ids()
    todo = plan.runs(skip=finished, limit=limit)
    remaining = min(plan.total_runs - len(finished), limit if limit is not None else math.inf)
    sizer, tally, start = BatchSizer(batch_size), tally or Tally(), time.perf_counter()
    retry: deque[Batch] = deque()
    in_flight: dict[Future, Batch] = {}
    exhausted = False

    def next_batch() -> Batch | None:
        nonlocal exhausted
        if retry:
            return retry.popleft()
        if exhausted:
            return None
        size = sizer.size(int(remaining), backend.capacity())
        runs = [run for _, run in zip(range(size), todo, strict=False)]
        if not runs:
            exhausted = True
            return None
        return Batch(plan.scenarios, runs, tuple(spec.metrics), spec.daily, simulator)

    def record(result: BatchResult) -> None:
        nonlocal remaining
        store.write(result)
        sizer.observe(result)
        remaining -= len(result.rows)
        tally.completed += len(result.rows)
        tally.failed += result.failed
        tally.cpu_seconds += result.cpu_seconds
        if on_progress:
            on_progress(len(result.rows), result.failed)

    def lost(batch: Batch, error: BaseException) -> None:
        if batch.attempt == 0:
            batch.attempt = 1
            retry.append(batch)
        else:
            rows = failed_rows(batch, error)
            record(BatchResult(rows, None, 0.0, failed=len(rows)))

    try:
        while True:
            window = 2 * backend.capacity()
            while len(in_flight) < window and (batch := next_batch()) is not None:
                in_flight[backend.executor.submit(run_batch, batch)] = batch
            if not in_flight:
                break
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in done:
                batch = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    # Every batch in flight is lost with the pool; start a new pool.
                    for other in [batch, *in_flight.values()]:
                        lost(other, exc)
                    in_flight.clear()
                    if backend.restart:
                        backend.restart()
                    break
                except Exception as exc:
                    lost(batch, exc)
                else:
                    record(result)
    finally:
        for future in in_flight:
            future.cancel()
        tally.seconds = time.perf_counter() - start
    return tally
