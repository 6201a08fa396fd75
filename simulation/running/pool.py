"""The run-and-pool layer: which executor runs the simulations, and letting finished models go.

Every parallel run in recovery-sim (`run`, `compare`, `calibrate`, `experiment`) goes through
this module. It owns:

- **picking the executor**: in this process (`InlineExecutor`, or no executor at all for one
  run), a local process pool (`process_pool`, `RotatingPool`), or a Dask cluster
  (`dask_backend`); `choose_backend` turns the command-line options into one of them;
- **the CPython gh-115634 workaround**: on Python 3.11-3.14 a pool with `max_tasks_per_child`
  can hang when a worker retires at that limit with tasks still queued. Pools therefore never
  rely on it: short jobs free each finished model (`release_model`) and long experiments hand
  over to a fresh pool every `TASKS_PER_WORKER` tasks per worker (`RotatingPool`);
- **releasing a finished model**: Mesa 3.3 keeps every model that created agents in a private
  class-level id counter on `mesa.Agent` (mesa/mesa#3179, fixed after 3.3), so a finished model
  is never garbage-collected unless it is dropped from there. `release_model` is the only code
  that touches that counter. (The model makes its agents only when something asks for
  them, `simulation.agents.lazy`; a run that never did is not in the counter and is freed as
  usual.)

Pools start their workers from a fork server that has already imported the model (a fresh
worker takes milliseconds, not the second a new interpreter needs), or spawn them where there is
no fork server (Windows). Never plain fork: the progress bar runs a thread in the driver.

Seeds are not chosen here but in `simulation.running.seeds`, so the numbers are the same on
every executor.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import mesa

from simulation.errors import ExperimentError
from simulation.optional import require

T = TypeVar("T")

#: A rotating pool hands over to a fresh pool after this many tasks per worker: fresh worker
#: processes return whatever memory finished models kept (Mesa 3.3).
TASKS_PER_WORKER = 50
#: The module a pool's fork server imports before forking workers (the model and its runner).
RUNNER_MODULE = "simulation.running.runner"


def default_workers() -> int:
    """Worker processes to use when none are asked for: one per core.

    Returns:
        The number of cores (at least 1).
    """
    return os.cpu_count() or 1


def release_model(*models: mesa.Model) -> int:
    """Let finished models be garbage-collected: drop them from Mesa 3.3's class-level counter.

    The runners (`simulate`), the dashboard and `compare` call it with the model they finished.
    Called with no model, it drops every model whose run has ended (`running` is False): the
    way to free the models of a `mesa.batch_run` sweep or a notebook, which step the model
    themselves and never hand it back.

    Only models whose agents were made (`model.agents` and the like were used) are in the
    counter; a model whose agents were never asked for is freed without it.

    Args:
        *models: the finished models; none means every finished model Mesa still holds.

    Returns:
        How many models were dropped.

    Example:
        >>> from simulation.model.model import RecoveryCommunityModel
        >>> model = RecoveryCommunityModel(seed=1, population={"size": 20}, days=2)
        >>> model.run()
        >>> release_model(model)  # its agents were never made: Mesa does not hold it
        0
        >>> len(model.agents) > 20  # now they are (participants, mentors, community members)
        True
        >>> release_model(model)
        1
    """
    registry = mesa.Agent._ids
    chosen = models or [m for m in list(registry) if not getattr(m, "running", True)]
    return sum(registry.pop(model, None) is not None for model in chosen)


def run_each(
    function: Callable[..., T],
    jobs: Sequence[tuple[Any, ...]],
    workers: int | None = None,
    executor: Executor | None = None,
    on_done: Callable[[T], None] | None = None,
) -> list[T]:
    """`function(*job)` for every job, in parallel when asked, results in job order.

    Args:
        function: a module-level function (workers import it by name).
        jobs: the argument tuples.
        workers: processes for a new pool; 1 (or a single job) runs here; None: every core.
        executor: an executor to use instead of a new pool (left running afterwards).
        on_done: called with each result as it finishes (in finishing order).

    Returns:
        One result per job, in the order of `jobs`.
    """
    workers = workers or default_workers()
    if executor is None and (workers == 1 or len(jobs) <= 1):
        results = []
        for job in jobs:
            results.append(function(*job))
            if on_done:
                on_done(results[-1])
        return results
    pool = executor or process_pool(min(workers, len(jobs)))
    try:
        futures = {pool.submit(function, *job): i for i, job in enumerate(jobs)}
        done: list[Any] = [None] * len(jobs)
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            if on_done:
                on_done(done[futures[future]])
        return done
    finally:
        if executor is None:
            pool.shutdown(cancel_futures=True)


def process_pool(
    workers: int,
    preload: Sequence[str] = (RUNNER_MODULE,),
    watch_driver: bool = False,
    max_tasks_per_child: int | None = None,
) -> ProcessPoolExecutor:
    """A local pool of `workers` processes: the only place recovery-sim builds one.

    Args:
        workers: worker processes.
        preload: modules the fork server imports once, so workers start with them loaded.
        watch_driver: workers leave on their own when this process dies (e.g. `kill -9`).
        max_tasks_per_child: only ever a backstop above the tasks a pool gets (gh-115634).

    Returns:
        The pool; the caller shuts it down.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(list(preload))
    extra: dict[str, Any] = {}
    if watch_driver:
        extra = {"initializer": _exit_with_driver, "initargs": (os.getpid(),)}
    return ProcessPoolExecutor(
        workers, mp_context=context, max_tasks_per_child=max_tasks_per_child, **extra
    )


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


class InlineExecutor(Executor):
    """Runs each task in the calling process when it is submitted (serial, debuggable)."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        """Run `fn(*args, **kwargs)` now; the future holds its result or exception."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


class RotatingPool(Executor):
    """A local process pool that hands over to a fresh pool every TASKS_PER_WORKER x workers tasks.

    Fresh worker processes return whatever memory finished models kept (Mesa 3.3). The old pool
    finishes the tasks it has while the new one starts on the next, so no worker sits idle.
    Workers leave with the driver, and `max_tasks_per_child` stays above what a pool ever gets.

    Args:
        workers: worker processes per pool.
        preload: modules the workers start with (see `process_pool`).
    """

    def __init__(self, workers: int, preload: Sequence[str] = (RUNNER_MODULE,)):
        """Start the first pool."""
        self.workers, self.preload = workers, tuple(preload)
        self.tasks_per_pool = TASKS_PER_WORKER * workers
        self.pool, self.submitted = self.new_pool(), 0
        # At most 2 x workers tasks are in flight, so a pool retired two hand-overs ago is idle.
        self.retired: list[ProcessPoolExecutor] = []

    def new_pool(self) -> ProcessPoolExecutor:
        """A fresh pool of `workers` processes."""
        return process_pool(
            self.workers,
            self.preload,
            watch_driver=True,
            max_tasks_per_child=self.tasks_per_pool + 1,
        )

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        """Submit to the current pool, handing over to a fresh one when it has had its share."""
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
        """Shut down the current pool and the retired ones."""
        for pool in [*self.retired, self.pool]:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)


@dataclass
class Backend:
    """An executor, how many tasks keep it busy, and how to replace it if it breaks."""

    label: str
    executor: Executor
    capacity: Callable[[], int]
    restart: Callable[[], None] | None = None


@contextmanager
def local_backend(workers: int, preload: Sequence[str] = (RUNNER_MODULE,)) -> Iterator[Backend]:
    """A local rotating process pool of `workers` processes (0: run in this process).

    Args:
        workers: worker processes; 0 runs every task in this process.
        preload: modules the workers start with.

    Yields:
        The backend; its pool is shut down when the block ends.
    """
    if workers == 0:
        yield Backend("in-process", InlineExecutor(), lambda: 1)
        return
    pool = RotatingPool(workers, preload)
    backend = Backend(f"process pool, {workers} workers", pool, lambda: workers, pool.restart)
    try:
        yield backend
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def worker_ready() -> str:
    """A no-op a cluster runs once to prove its workers can import recovery-sim.

    Returns:
        The installed recovery-sim version.
    """
    from importlib.metadata import version

    return version("recovery-sim")


@contextmanager
def dask_backend(address: str | None = None, local_workers: int | None = None) -> Iterator[Backend]:
    """A Dask cluster: a new LocalCluster of `local_workers` processes, or one at `address`.

    Args:
        address: a running scheduler, e.g. tcp://10.0.0.5:8786.
        local_workers: start a LocalCluster of this many single-threaded processes instead.

    Yields:
        The backend; the client (and a LocalCluster) close when the block ends.

    Raises:
        ExperimentError: the scheduler cannot be reached or its workers cannot run recovery-sim.
    """
    distributed = require("dask.distributed", "cluster", "Running on Dask")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    cluster = None
    if local_workers:
        cluster = LocalCluster(
            n_workers=local_workers, threads_per_worker=1, processes=True, dashboard_address=None
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


def choose_backend(
    workers: int | None = None,
    dask_local: int | None = None,
    dask_scheduler: str | None = None,
    preload: Sequence[str] = (RUNNER_MODULE,),
) -> AbstractContextManager[Backend]:
    """The backend the options ask for (at most one of them); default: a pool of all cores.

    Args:
        workers: local worker processes (0: in this process).
        dask_local: start a Dask LocalCluster of this many workers.
        dask_scheduler: the address of a running Dask scheduler.
        preload: modules local pool workers start with.

    Returns:
        A context manager that yields the backend and shuts it down.

    Raises:
        ExperimentError: more than one of the options is given.
    """
    if sum(x is not None for x in (workers, dask_local, dask_scheduler)) > 1:
        raise ExperimentError(
            "options",
            "",
            problem="--workers, --dask-local and --dask-scheduler exclude each other",
            allowed="at most one of them",
        )
    if dask_local is not None:
        return dask_backend(local_workers=dask_local)
    if dask_scheduler is not None:
        return dask_backend(address=dask_scheduler)
    return local_backend(default_workers() if workers is None else workers, preload)
