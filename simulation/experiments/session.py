"""One session of an experiment: open the results folder, pick a backend, run, record how it ended.

This is the Python API behind `recovery-sim experiment`:

    >>> from simulation.experiments import run_experiment
    >>> outcome = run_experiment("experiments/caseload_training.yaml", out="results/quick",
    ...                          workers=2, limit=10)                     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulation.experiments.arguments import check_run_arguments
from simulation.experiments.execution import WORKER_MODULE, Tally, execute
from simulation.experiments.loading import LoadedExperiment, load_experiment
from simulation.experiments.plan import Plan
from simulation.experiments.results import ResultsStore
from simulation.experiments.results_folder import check_folder
from simulation.running.folder_lock import locked_folder
from simulation.running.parameter_draws import check_uncertainty
from simulation.running.pool import choose_backend
from simulation.running.result_files import ResultsWriteError, check_writable


@dataclass
class Outcome:
    """What a session did and what the results folder holds afterwards."""

    out: Path
    backend: str
    tally: Tally
    counts: dict[str, int]
    skipped: int  # runs already recorded when the session started
    status: str  # "complete", "incomplete" (limit) or "interrupted"


def _to_stderr(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr)


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
    on_notice: Callable[[str], None] | None = None,
    uncertainty: str | None = None,
    posterior: pd.DataFrame | None = None,
) -> Outcome:
    """Run (or resume) an experiment into a results folder.

    Nothing is written until the run can start: the folder is checked (writable, and holding
    nothing or this experiment's results), the backend is started, and only then is the folder
    created and locked for the session, so a second run of the same folder refuses.

    Args:
        experiment: an experiment file, or one already loaded.
        out: the results folder (default: the experiment's `out`, or results/<name>).
        workers: local worker processes (0: in this process; default: every core).
        dask_local: run on a new Dask LocalCluster of this many workers.
        dask_scheduler: run on the Dask scheduler at this address.
        resume: continue a folder that holds this experiment's results.
        limit: run at most this many runs now.
        batch_size: runs per task and part file (default: sized to ~5 s of work).
        on_start: `on_start(plan, already_done, backend_label)` once the folder is open and
            the backend is up.
        on_progress: `on_progress(runs, failed)` after each finished batch.
        simulator: replaces `simulation.running.runner.simulate` (importable by the workers).
        on_notice: told about each damaged part file moved to quarantine (default: printed
            on stderr).
        uncertainty: replaces the file's `uncertainty` ("parameters+stochastic" or
            "stochastic"; the file's, by default "parameters+stochastic", when None).
        posterior: the ensemble replicates draw from (default: `load_posterior()`).

    Returns:
        What the session did and what the folder holds.

    Raises:
        ExperimentError: the file, the options or the folder are not usable (another run
            holds the folder, it holds another experiment's results, ...).
        ResultsWriteError: `out` cannot be written, or the disk filled up mid-run (the runs
            written before are kept; `--resume` continues).

    Example:
        >>> outcome = run_experiment("experiments/caseload_training.yaml",
        ...                          out="results/quick", workers=2, limit=10)  # doctest: +SKIP
        >>> outcome.status, outcome.counts["recorded"]                          # doctest: +SKIP
        ('incomplete', 10)
    """
    check_run_arguments(experiment, out, workers, dask_local, dask_scheduler, resume, limit,
                        batch_size, (on_start, on_progress, simulator))  # fmt: skip
    loaded = experiment if isinstance(experiment, LoadedExperiment) else load_experiment(experiment)
    if uncertainty is not None:
        spec = loaded.spec.model_copy(update={"uncertainty": check_uncertainty(uncertainty)})
        loaded = dataclasses.replace(loaded, spec=spec)
    plan = Plan(loaded, posterior=posterior)
    root = check_writable(Path(out) if out else loaded.out_dir, "--out")
    check_folder(root, plan, resume)  # refuse early, before any backend starts
    with ExitStack() as stack:
        locked = root.is_dir()
        if locked:  # an existing folder: refuse a second run before starting a cluster
            stack.enter_context(locked_folder(root))
        backend = stack.enter_context(
            choose_backend(workers, dask_local, dask_scheduler, preload=(WORKER_MODULE,))
        )
        if not locked:  # the backend is up: now the folder may be made
            stack.enter_context(locked_folder(root))
        store = ResultsStore.open(root, plan, resume, on_notice or _to_stderr)
        skipped = len(store.finished_run_ids())
        store.start_session(backend.label, limit)
        if on_start:
            on_start(plan, skipped, backend.label)
        tally, status, full = Tally(), "interrupted", None
        try:
            execute(plan, store, backend, limit, batch_size, on_progress, simulator, tally)
            status = "finished"
        except ResultsWriteError as exc:
            full = exc
        finally:
            counts = store.end_session(status, tally.completed, tally.failed, tally.seconds)
    if full is not None:
        raise ResultsWriteError(
            f"{full} The experiment stopped: {counts['recorded']} runs are recorded in {root} "
            f"and kept; `--resume` runs the other {counts['remaining']}."
        )
    return Outcome(store.root, backend.label, tally, counts, skipped, store.manifest["status"])
