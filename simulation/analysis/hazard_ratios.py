"""Hazard ratios of a design against the baseline: one Cox model per replicate, then their spread.

A log-rank test that pools every replicate's people tests a hypothesis nobody holds (that two
designs have exactly the same hazard) with a sample that grows with replicates, so it reads
"< 0.001" whatever the design. A hazard ratio says how large the difference is instead. Each
replicate gets its own Cox proportional-hazards fit (statsmodels' `PHReg`, Efron ties: the
event times are whole days) of time to the first event on one indicator, design vs baseline;
the replicates' log hazard ratios are then summarised as every other difference is: their mean,
the interval of the mean (`ci95_stochastic`) and, with parameter uncertainty, their spread
across posterior draws (`ci95`). Everything is reported on the ratio scale.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from simulation.analysis.statistics import paired_difference, with_total
from simulation.running.runner import RunResult

#: The events a hazard ratio is computed for, with the outcome fields they read.
EVENTS = ("lapse", "relapse")


def log_hazard_ratio(result: RunResult, baseline: RunResult, event: str) -> float:
    """Log HR of time to first `event`, `result`'s cohort against `baseline`'s, by Cox regression.

    Args:
        result: one run of a design.
        baseline: the same replicate of the baseline.
        event: "lapse" or "relapse".

    Returns:
        The log hazard ratio, or NaN when an arm has no event (the ratio is 0 or infinite).
    """
    from statsmodels.duration.hazard_regression import PHReg

    arms = (baseline.outcomes, result.outcomes)
    day = np.concatenate([getattr(o, f"{event}_day") for o in arms]).astype(float)
    seen = np.concatenate([getattr(o, f"{event}_observed") for o in arms]).astype(int)
    design = np.concatenate(
        [np.full(len(getattr(o, f"{event}_day")), k) for k, o in enumerate(arms)]
    )
    split = len(getattr(arms[0], f"{event}_day"))
    if not seen[:split].any() or not seen[split:].any():
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on near-degenerate replicates
        fit = PHReg(day, design[:, None].astype(float), status=seen, ties="efron").fit(disp=False)
    value = float(np.asarray(fit.params)[0])
    return value if math.isfinite(value) else math.nan


def hazard_ratio(
    results: Sequence[RunResult],
    baseline: Sequence[RunResult],
    event: str,
    parameters: bool,
) -> dict:
    """A design's hazard ratio against the baseline across replicates, with both intervals.

    Args:
        results: the design's runs, in replicate order.
        baseline: the baseline's runs, in the same order (replicate i ran the same draw).
        event: "lapse" or "relapse".
        parameters: the replicates ran posterior draws.

    Returns:
        `mean` (the geometric mean of the replicates' hazard ratios), `ci95` (total),
        `ci95_stochastic`, `spread95`, and `per_replicate` (each replicate's ratio).
    """
    logs = np.asarray(
        [log_hazard_ratio(r, b, event) for r, b in zip(results, baseline, strict=False)]
    )
    # Each replicate's log HR is already a contrast (paired or not): a one-sample interval.
    stat = paired_difference(logs.tolist(), np.zeros_like(logs).tolist())
    row = with_total(stat, logs, parameters)
    out = {k: _exp(v) for k, v in row.items()}
    out["per_replicate"] = [None if math.isnan(x) else float(math.exp(x)) for x in logs]
    return out


def _exp(value: float | list[float] | None) -> float | list[float] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [float(math.exp(v)) for v in value]
    return float(math.exp(value))


def hazard_ratios(
    results: Sequence[RunResult],
    baseline: Sequence[RunResult],
    parameters: bool,
) -> dict[str, dict]:
    """Hazard ratios of time to first lapse and first relapse (see `hazard_ratio`).

    Args:
        results: the design's runs.
        baseline: the baseline's runs.
        parameters: the replicates ran posterior draws.

    Returns:
        Event -> its hazard ratio row.
    """
    return {e: hazard_ratio(results, baseline, e, parameters) for e in EVENTS}
