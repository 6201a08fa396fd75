"""Checks of `run_experiment`'s arguments: a bad one raises a ScenarioError naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulation.errors import ScenarioError
from simulation.scenario.arguments import check_callback, check_flag, check_path, check_whole

WHERE = "run_experiment()"


def _optional_count(value: Any, name: str, minimum: int) -> None:
    if value is not None:
        try:
            check_whole(value, WHERE, name, minimum=minimum)
        except ScenarioError as exc:
            raise ScenarioError(WHERE, name, value, allowed="None or " + exc.allowed) from None


def check_run_arguments(
    experiment: Any,
    out: Any,
    workers: Any,
    dask_local: Any,
    dask_scheduler: Any,
    resume: Any,
    limit: Any,
    batch_size: Any,
    callbacks: tuple[Any, ...],
) -> None:
    """Raise a ScenarioError for the first argument of `run_experiment` that is not allowed.

    Args:
        experiment: a path (text or Path) or a LoadedExperiment.
        out: None or a folder path.
        workers: None (every core) or a whole number >= 0 (0 runs in this process).
        dask_local: None or a whole number >= 1.
        dask_scheduler: None or an address (text).
        resume: True or False.
        limit: None or a whole number >= 1.
        batch_size: None or a whole number >= 1.
        callbacks: on_start, on_progress and simulator: each None or callable.

    Raises:
        ScenarioError: naming the argument and what is allowed.
    """
    from simulation.experiments.loading import LoadedExperiment

    if not isinstance(experiment, LoadedExperiment | str | Path):
        raise ScenarioError(
            WHERE,
            "experiment",
            experiment,
            allowed="an experiment file's path, or a LoadedExperiment (load_experiment)",
        )
    if not isinstance(experiment, LoadedExperiment):
        check_path(experiment, WHERE, "experiment")
    if out is not None:
        check_path(out, WHERE, "out")
    _optional_count(workers, "workers", 0)
    _optional_count(dask_local, "dask_local", 1)
    if dask_scheduler is not None and not (isinstance(dask_scheduler, str) and dask_scheduler):
        raise ScenarioError(
            WHERE,
            "dask_scheduler",
            dask_scheduler,
            allowed="None or an address, e.g. tcp://host:8786",
        )
    check_flag(resume, WHERE, "resume")
    _optional_count(limit, "limit", 1)
    _optional_count(batch_size, "batch_size", 1)
    for name, callback in zip(("on_start", "on_progress", "simulator"), callbacks, strict=True):
        check_callback(callback, WHERE, name)
