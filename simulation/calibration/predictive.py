"""The posterior predictive check: the real model at a sample of the draws, against every target.

`posterior_check` runs `target_runs.evaluate_targets` (every run every target needs, on one
seed) at `draws` of the ensemble's draws, each with its own seed, and compares each target's
mean over the draws with its band. The 90% interval is that of the draws' values: parameter
uncertainty and the run-to-run noise of a cohort of `population` people.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulation.calibration.design_runs import BASELINE
from simulation.calibration.target_runs import (
    BASELINE_DAYS,
    FitTarget,
    TargetValues,
    evaluate_targets,
    fit_targets,
)
from simulation.running.pool import choose_backend, run_each
from simulation.running.seeds import replicate_seeds
from simulation.scenario.files import load_scenario
from simulation.scenario.overrides import with_overrides


@dataclass
class CheckRow:
    """One target of the check: its band and what the draws predict."""

    id: str
    band: tuple[float, float]
    point: float | None
    group: str
    fitted: bool
    mean: float
    ci90: tuple[float, float]

    @property
    def inside(self) -> bool:
        """Whether the predictive mean lies in the band."""
        return self.band[0] <= self.mean <= self.band[1]

    def as_dict(self) -> dict[str, Any]:
        """The row as `calibrate --check --json` prints it."""
        return {
            "id": self.id,
            "band": list(self.band),
            "point": self.point,
            "group": self.group,
            "fitted": self.fitted,
            "predicted": {"mean": self.mean, "ci90": list(self.ci90)},
            "inside": self.inside,
        }


def sample_draws(draws: pd.DataFrame, count: int, seed: int) -> pd.DataFrame:
    """`count` distinct draws of the ensemble, chosen at random with `seed` (all if fewer).

    Args:
        draws: the ensemble.
        count: how many.
        seed: the seed of the choice.

    Returns:
        The chosen rows (their `draw` index kept).
    """
    count = min(count, len(draws))
    chosen = np.sort(np.random.default_rng(seed).choice(len(draws), count, replace=False))
    return draws.iloc[chosen]


def summarize_check(targets: Sequence[FitTarget], values: pd.DataFrame) -> list[CheckRow]:
    """Each target's predictive mean and 90% interval over the evaluated draws.

    Args:
        targets: the targets.
        values: one row per evaluated draw, one column per target id.

    Returns:
        One row per target, in the targets' order.
    """
    rows = []
    for t in targets:
        x = values[t.id].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        if len(x):
            mean, ci = float(x.mean()), tuple(float(q) for q in np.quantile(x, [0.05, 0.95]))
        else:
            mean, ci = math.nan, (math.nan, math.nan)
        rows.append(CheckRow(t.id, t.band, t.point, t.group, t.fitted, mean, ci))
    return rows


def posterior_check(
    draws: pd.DataFrame,
    *,
    count: int = 24,
    population: int = 500,
    seed: int = 0,
    workers: int | None = None,
    dask_local: int | None = None,
    dask_scheduler: str | None = None,
    on_done: Callable[[TargetValues], None] | None = None,
) -> tuple[list[CheckRow], pd.DataFrame]:
    """Run the model at `count` draws and compare every target with its band.

    Args:
        draws: the ensemble (`load_posterior()`).
        count: draws to run (one evaluation of every target each).
        population: participants per run.
        seed: seed of the choice of draws and of the runs.
        workers: local worker processes (0: this process; default: every core).
        dask_local: run on a new Dask LocalCluster of this many workers.
        dask_scheduler: run on the Dask cluster at this address.
        on_done: called after each draw's evaluation.

    Returns:
        (one row per target, the evaluated values: one row per draw).
    """
    chosen = sample_draws(draws, count, seed)
    seeds = replicate_seeds(seed, len(chosen))
    base = load_scenario(BASELINE, {"population.size": population, "days": BASELINE_DAYS})
    jobs = [
        (with_overrides(base, row.to_dict(), "posterior draw"), s)
        for (_, row), s in zip(chosen.iterrows(), seeds, strict=True)
    ]
    with choose_backend(workers, dask_local, dask_scheduler) as backend:
        results = run_each(evaluate_targets, jobs, executor=backend.executor, on_done=on_done)
    values = pd.DataFrame([r.metrics for r in results], index=chosen.index)
    return summarize_check(fit_targets(), values), values
