"""Running a plan through a `concurrent.futures` executor and writing results as batches finish.

Backends: a local process pool (the default; its workers are replaced regularly as a guard
against Mesa 3.3 keeping finished models alive, and exit on their own if the driver is killed),
a Dask
`distributed` cluster through `Client.get_executor()` (a LocalCluster or a scheduler address),
or in-process (`workers=0`, for debugging). The driver keeps only a few batches in flight and
writes each finished batch to its own part file, so its memory stays flat however many runs
there are, and a killed batch loses only the runs in flight.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context

from simulation.errors import ExperimentError
from simulation.experiments.plan import Plan
from simulation.experiments.results import ResultsStore
from simulation.experiments.worker import Batch, BatchResult, failed_rows, run_batch, worker_ready

#: A local pool is replaced by a fresh one after this many batches per worker (Mesa 3.3 memory,
#: TOOLCHAIN.md).
TASKS_PER_WORKER = 50
#: Batches are sized to take about this long, so part files are few and a kill loses little.
TARGET_BATCH_SECONDS = 5.0
MAX_BATCH_RUNS = 100


class InlineExecutor(Executor):
    """Runs each task in the calling process when it is submitted (serial, debuggable)."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@dataclass
class Backend:
    """An executor, how many tasks keep it busy, and how to replace it if it breaks."""

    label: str
    executor: Executor
    capacity: Callable[[], int]
    restart: Callable[[], None] | None = None


def _exit_with_driver(driver: int) -> None:
    """Worker initializer: leave when the driver is gone (e.g. killed with SIGKILL).

    Workers are children of the fork server, which itself waits for them, so the worker
    watches the driver's process directly (psutil also sees a recycled pid or a zombie).
    """
    import psutil

    process = psutil.Process(driver)

    def watch() -> None:
        while True:
            try:
                if not process.is_running() or process.status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.Error:
                break
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def process_pool(workers: int, tasks_per_pool: int) -> ProcessPoolExecutor:
    """A pool whose workers leave with the driver.

    Workers fork from a server that has already imported the model, so starting one takes
    milliseconds rather than the second a fresh interpreter needs. `max_tasks_per_child` is set
    above the number of tasks a pool ever gets (see RotatingPool): CPython 3.11-3.14 can hang
    when a worker exits at that limit with tasks queued (gh-115634), so it is only a backstop.
    """
    context = get_context("forkserver")
    context.set_forkserver_preload(["simulation.experiments.worker"])
    return ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_exit_with_driver,
        initargs=(os.getpid(),),
        max_tasks_per_child=tasks_per_pool + 1,
    )


class RotatingPool(Executor):
    """A local process pool that hands over to a fresh pool every TASKS_PER_WORKER x workers tasks.

    Fresh worker processes return whatever memory finished models kept (Mesa 3.3). The old pool
    finishes the tasks it has while the new one starts on the next, so no worker sits idle.
    """

    def __init__(self, workers: int):
        self.workers, self.tasks_per_pool = workers, TASKS_PER_WORKER * workers
        self.pool, self.submitted = self.new_pool(), 0
        # At most 2 x workers tasks are in flight, so a pool retired two hand-overs ago is idle.
        self.retired: list[ProcessPoolExecutor] = []

    def new_pool(self) -> ProcessPoolExecutor:
        return process_pool(self.workers, self.tasks_per_pool)

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        if self.submitted >= self.tasks_per_pool:
            self.pool.shutdown(wait=False)  # it runs what it holds, then its workers exit
            self.retired = [*self.retired[-1:], self.pool]
            self.pool, self.submitted = self.new_pool(), 0
        self.submitted += 1
        return self.pool.submit(fn, *args, **kwargs)

    def restart(self) -> None:
        """Replace a broken pool."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool, self.submitted = self.new_pool(), 0

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        for pool in [*self.retired, self.pool]:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)


@contextmanager
def local_backend(workers: int) -> Iterator[Backend]:
    """A local process pool of `workers` processes (0: run in this process)."""
    if workers == 0:
        yield Backend("in-process", InlineExecutor(), lambda: 1)
        return
    pool = RotatingPool(workers)
    backend = Backend(f"process pool, {workers} workers", pool, lambda: workers, pool.restart)
    try:
        yield backend
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


@contextmanager
def dask_backend(address: str | None = None, local_workers: int | None = None) -> Iterator[Backend]:
    """A Dask cluster: a new LocalCluster of `local_workers` processes, or one at `address`."""
    from dask.distributed import Client, LocalCluster

    cluster = None
    if local_workers:
        cluster = LocalCluster(
            n_workers=local_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
        label = f"Dask LocalCluster, {local_workers} workers"
    else:
        try:
            client = Client(address, timeout="30s")
        except OSError as exc:
            raise ExperimentError(
                "--dask-scheduler",
                "",
                address,
                problem=f"cannot be reached ({exc})",
                allowed="the address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786",
            ) from None
        label = f"Dask scheduler {address}"
    try:
        executor = client.get_executor(pure=False)
        try:
            executor.submit(worker_ready).result(timeout=600)
        except Exception as exc:
            raise ExperimentError(
                label,
                "",
                problem=f"workers cannot run recovery-sim ({type(exc).__name__}: {exc})",
                allowed="workers with recovery-sim installed in the same environment",
            ) from None
        yield Backend(label, executor, lambda: max(1, sum(client.nthreads().values())))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class BatchSizer:
    """Sizes batches to about TARGET_BATCH_SECONDS of work once the first runs are timed."""

    def __init__(self, fixed: int | None = None):
        self.fixed = fixed
        self.seconds_per_run: float | None = None

    def observe(self, result: BatchResult) -> None:
        if result.rows:
            per_run = result.seconds / len(result.rows)
            old = self.seconds_per_run
            self.seconds_per_run = per_run if old is None else 0.7 * old + 0.3 * per_run

    def size(self, remaining: int, capacity: int) -> int:
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
