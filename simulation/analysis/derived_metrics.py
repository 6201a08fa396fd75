"""The metrics a comparison adds to each run (relapses per 100 participants), and all it knows."""

from __future__ import annotations

import numpy as np

from simulation.analysis.metrics import LAPSE_FREE_DAYS, METRICS, survival_curve
from simulation.running.runner import RunResult

#: Metrics compare adds to each run, with what they are.
DERIVED_METRICS: dict[str, str] = {
    "relapsed_per_100": "participants per 100 with a first relapse by the last day (Kaplan-Meier)",
    "relapse_events_per_100": "relapse events per 100 participants over the run (repeats count)",
}


def run_metrics_with_derived(result: RunResult) -> dict[str, float]:
    """A run's metrics plus the ones compare needs (relapses per 100 participants).

    Args:
        result: one finished run.

    Returns:
        Its metrics with `relapsed_per_100` and `relapse_events_per_100` added.
    """
    out = result.outcomes
    metrics = dict(result.metrics)
    n = len(out.relapse_day)
    if n:
        relapse_free = survival_curve(out.relapse_day, out.relapse_observed, np.array([out.days]))
        metrics["relapsed_per_100"] = float(100.0 * (1.0 - relapse_free[0]))
        if "relapses" in result.daily:
            metrics["relapse_events_per_100"] = float(100.0 * result.daily["relapses"].sum() / n)
    return metrics


def known_metrics(days: int) -> list[str]:
    """Metric names a run of `days` days reports (before any the model adds on its own).

    Args:
        days: the run's length.

    Returns:
        The names, in METRICS order, then the derived ones.
    """
    names = [m for m in METRICS if not m.startswith("lapse_free_") and m != "relapse_rate_365"]
    names += [f"lapse_free_{d}" for d in LAPSE_FREE_DAYS if d <= days]
    names += ["relapse_rate_365"] if days >= 365 else []
    return names + list(DERIVED_METRICS)
