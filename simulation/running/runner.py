"""Run a scenario: one seeded run, or replicates in parallel, and their summary across replicates.

A run is a pure function of (scenario, seed): the same inputs give the same numbers on any
executor. Replicate seeds come from `simulation.running.seeds`; the executor (this process or
a process pool) from `simulation.running.pool`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

# Imported before the rest: Mesa 3.3's `mesa.model` runs `inspect.stack()` on import, whose cost
# grows with the stack's depth and the modules already loaded (see simulation.commands.run).
import mesa  # noqa: F401
import numpy as np
import pandas as pd
from scipy import stats

from simulation.analysis.health_economics import run_health_metrics  # issue 14
from simulation.analysis.metrics import (
    METRICS,
    CohortOutcomes,
    metric_range,
    pair_metrics,
    program_metrics,
    run_metrics,
    survival_curve,
)
from simulation.model.model import RecoveryCommunityModel
from simulation.running.pool import default_workers, release_model, run_each
from simulation.running.seeds import replicate_seeds
from simulation.scenario.schema import Scenario

__all__ = [
    "RunResult",
    "daily_frame",
    "default_workers",
    "mean_ci",
    "replicate_seeds",
    "run_replicates",
    "simulate",
    "summarize",
    "summarize_metrics",
]


@dataclass
class RunResult:
    """Everything one seeded run produced."""

    scenario: str
    seed: int
    days: int
    metrics: dict[str, float]
    breakdowns: dict[str, dict[str, dict[str, float]]]
    daily: pd.DataFrame
    outcomes: CohortOutcomes


def simulate(scenario: Scenario, seed: int) -> RunResult:
    """Run one scenario with one seed for `scenario.days` days.

    Example:
        >>> result = simulate(Scenario(days=30, population={"size": 100}), seed=1)
        >>> sorted(result.metrics)[:2]
        ['in_recovery_end', 'lapse_free_30']
    """
    model = RecoveryCommunityModel(scenario, seed=seed)
    model.run()
    metrics, breakdowns, outcomes = run_metrics(model.people, model.day)
    daily = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    metrics.update(
        program_metrics(model.people, daily, model.costs, model.ever_mentor, model.mentors_left)
    )
    metrics.update(
        pair_metrics(model.pairs.failed_matches, model.pairs.rematches, model._participants)
    )
    metrics.update(run_health_metrics(model.health, int(model.people.cohort.sum())))  # issue 14
    release_model(model)  # a finished run needs no agent ids; let the model be collected
    return RunResult(scenario.name, seed, model.day, metrics, breakdowns, daily, outcomes)


def run_replicates(
    scenario: Scenario,
    seeds: Sequence[int],
    workers: int | None = None,
    executor: Executor | None = None,
    on_done: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Run `scenario` once per seed, in parallel when there is more than one, in seed order.

    Args:
        scenario: what to run.
        seeds: one seed per replicate.
        workers: processes; 1 runs here, None uses every core.
        executor: run on this executor instead (a pool or a Dask client's executor).
        on_done: called with each result as it finishes.

    Returns:
        One result per seed, in the order of `seeds`.
    """
    return run_each(simulate, [(scenario, seed) for seed in seeds], workers, executor, on_done)


def mean_ci(
    values: Sequence[float], bounds: tuple[float, float] = (-math.inf, math.inf)
) -> dict[str, float | list[float] | None]:
    """Mean and 95% t-interval across replicates (interval is null with one replicate).

    The interval is clipped to `bounds`, the range the quantity can take (a share cannot fall
    below 0, whatever a t-interval over three replicates says).

    Example:
        >>> mean_ci([1.0, 2.0, 3.0])["mean"]
        2.0
        >>> mean_ci([0.0, 0.0, 0.3], bounds=(0.0, 1.0))["ci95"][0]
        0.0
    """
    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if len(x) == 0:
        return {"mean": None, "ci95": None}
    mean = float(x.mean())
    if len(x) < 2:
        return {"mean": mean, "ci95": None}
    half = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    low, high = bounds
    return {"mean": mean, "ci95": [max(mean - half, low), min(mean + half, high)]}


def summarize_metrics(per_run: Sequence[dict[str, float]]) -> dict[str, dict]:
    """Mean and interval of each metric present in the runs, in METRICS order."""
    names = [m for m in METRICS if any(m in r for r in per_run)]
    names += sorted({k for r in per_run for k in r} - set(names))
    return {
        name: mean_ci([r.get(name, float("nan")) for r in per_run], metric_range(name))
        for name in names
    }


def summarize(results: Sequence[RunResult]) -> dict:
    """Metrics across replicates with breakdowns, and the mean lapse-free survival curve."""
    metrics = summarize_metrics([r.metrics for r in results])
    for key in ("by_substance", "by_age_group"):
        groups = sorted({g for r in results for g in r.breakdowns[key]})
        metrics[key] = {
            g: summarize_metrics([r.breakdowns[key][g] for r in results if g in r.breakdowns[key]])
            for g in groups
        }
    days = results[0].days
    grid = np.arange(0, days + 1)
    curves = np.array(
        [survival_curve(r.outcomes.lapse_day, r.outcomes.lapse_observed, grid) for r in results]
    )
    return {
        "metrics": metrics,
        "survival": {
            "day": grid.tolist(),
            "fraction_lapse_free": np.round(curves.mean(axis=0), 6).tolist(),
        },
    }


def daily_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Daily series of all replicates in one tidy table (one row per replicate and day)."""
    frames = [
        r.daily.assign(replicate=i, seed=r.seed, scenario=r.scenario) for i, r in enumerate(results)
    ]
    frame = pd.concat(frames, ignore_index=True)
    first = ["scenario", "replicate", "seed", "day"]
    return frame[first + [c for c in frame.columns if c not in first]]
