"""One session of an experiment: open the results folder, pick a backend, run, record how it ended.

This is the Python API behind `recovery-sim experiment`:

    >>> from simulation.experiments import run_experiment
    >>> outcome = run_experiment("experiments/caseload_training.yaml", out="results/quick",
    ...                          workers=2, limit=10)                     # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from simulation.errors import ExperimentError
from simulation.experiments.arguments import check_run_arguments
from simulation.experiments.execution import Backend, Tally, dask_backend, execute, local_backend
from simulation.experiments.loading import LoadedExperiment, load_experiment
from simulation.experiments.plan import Plan
from simulation.experiments.results import ResultsStore


@dataclass
class Outcome:
    """What a session did and what the results folder holds afterwards."""

    out: Path
    backend: str
    tally: Tally
    counts: dict[str, int]
    skipped: int  # runs already recorded when the session started
    status: str  # "complete", "incomplete" (limit) or "interrupted"


def choose_backend(
    workers: int | None = None, dask_local: int | None = None, dask_scheduler: str | None = None
) -> AbstractContextManager[Backend]:
    """The backend the options ask for (at most one of them); default: a pool of all cores."""
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
    return local_backend(os.cpu_count() or 1 if workers is None else workers)


def run_experiment(
    experiment: str | Path | LoadedExperiment,
    out: str | Path | None = None,
    workers: int | None = None,
    dask_local: int | None = None,
    dask_scheduler: str | None = None,
    resume: bool = False,
    limit: int | None = None,
    batch_size: int | None = None,
    on_start: Callable[[Plan, int, str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    simulator: Callable | None = None,
) -> Outcome:
    """Run (or resume) an experiment into a results folder.

    `on_start(plan, already_done, backend_label)` is called once the folder is open and the
    backend is up; `on_progress(runs, failed)` after each finished batch. `simulator` replaces
    `simulation.running.runner.simulate` (it must be importable by the workers), e.g. in tests.

    Example:
        >>> outcome = run_experiment("experiments/caseload_training.yaml",
        ...                          out="results/quick", workers=2, limit=10)  # doctest: +SKIP
        >>> outcome.status, outcome.counts["recorded"]                          # doctest: +SKIP
        ('incomplete', 10)
    """
    check_run_arguments(experiment, out, workers, dask_local, dask_scheduler, resume, limit,
                        batch_size, (on_start, on_progress, simulator))  # fmt: skip
    loaded = experiment if isinstance(experiment, LoadedExperiment) else load_experiment(experiment)
    plan = Plan(loaded)
    store = ResultsStore.open(Path(out) if out else loaded.out_dir, plan, resume)
    skipped = len(store.finished_run_ids())
    with choose_backend(workers, dask_local, dask_scheduler) as backend:
        store.start_session(backend.label, limit)
        if on_start:
            on_start(plan, skipped, backend.label)
        tally, status = Tally(), "interrupted"
        try:
            execute(plan, store, backend, limit, batch_size, on_progress, simulator, tally)
            status = "finished"
        finally:
            counts = store.end_session(status, tally.completed, tally.failed, tally.seconds)
    return Outcome(store.root, backend.label, tally, counts, skipped, store.manifest["status"])
