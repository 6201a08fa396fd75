"""Decisions, not only estimates: how often each design is best, the acceptability curve, EVPI.

Every replicate is one plausible world (a posterior draw and a run), and every design ran the
same worlds. So:

- `probability_best`: per metric, the share of replicates in which each design is best,
  respecting whether more or less of the metric is better (ties share the win). Per metric the
  shares of the designs that report it sum to 1.
- `acceptability_curve`: over a range of willingness to pay per QALY, the share of replicates
  in which each design has the highest net monetary benefit (wtp x QALYs - net cost): the
  cost-effectiveness acceptability curve of probabilistic sensitivity analysis.
- `evpi_per_person`: the expected value of perfect information, E[max over designs of net
  benefit] - max over designs of E[net benefit], per cohort member: what knowing the true
  parameters (and the world's chances) would be worth per person before choosing a design.

With run-to-run variation only, these say how often chance alone would reverse the ranking at
the fitted parameters; the document's `uncertainty` says which.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

#: Metrics where more is better; every other metric in `LOWER_IS_BETTER` is better when lower.
HIGHER_IS_BETTER = frozenset(
    {
        "lapse_free_30",
        "lapse_free_90",
        "lapse_free_180",
        "lapse_free_365",
        "in_recovery_end",
        "enrolled_fraction",
        "engagement_mean",
        "recovery_tie_share",
        "self_efficacy_mean",
        "mental_health_mean",
        "abstinent_past_30_days",
        "abstinent_past_90_days",
        "percent_days_abstinent",
        "continuous_abstinence",
        "median_days_to_first_lapse",
        "median_days_to_first_relapse",
        "restricted_mean_days_to_relapse",
        "qalys",
        "qalys_per_participant",
        "net_monetary_benefit",
    }
)
LOWER_IS_BETTER = frozenset(
    {
        "relapse_rate_365",
        "relapsed_per_100",
        "relapse_events_per_100",
        "mentor_relapse_rate",
        "overdose_deaths",
        "mentor_burnout_mean",
        "mentor_burnout_share",
        "mentor_attrition_rate",
        "isolation_mean",
        "stigma_mean",
        "cost_total",
        "cost_per_participant",
        "failed_matches_per_100",
        "deaths_all_cause",
        "downstream_cost",
        "net_cost",
    }
)
#: Points of the acceptability curve between $0 and its top.
CURVE_POINTS = 21
#: The curve reaches at least this willingness to pay per QALY ($), and twice the scenario's.
CURVE_TOP = 200_000.0


def direction(metric: str) -> str | None:
    """Which side is better: "higher", "lower", or None for a metric with no better side.

    Example:
        >>> direction("relapsed_per_100"), direction("lapse_free_90"), direction("days")
        ('lower', 'higher', None)
    """
    if metric in HIGHER_IS_BETTER:
        return "higher"
    return "lower" if metric in LOWER_IS_BETTER else None


def best_shares(values: Mapping[str, Sequence[float]], higher: bool) -> dict[str, float]:
    """The share of replicates in which each design has the best value (ties split the win).

    Replicates where a design has no value (NaN) are left out for all designs.

    Args:
        values: per design, one value per replicate (same replicate order).
        higher: more is better.

    Returns:
        Per design its share; the shares sum to 1 (empty when no replicate is complete).

    Example:
        >>> best_shares({"a": [1.0, 3.0, 2.0, 5.0], "b": [2.0, 1.0, 2.0, 4.0]}, higher=True)
        {'a': 0.625, 'b': 0.375}
    """
    names = list(values)
    n = min(len(v) for v in values.values())
    table = np.asarray([np.asarray(values[k], dtype=float)[:n] for k in names])
    table = table[:, ~np.isnan(table).any(axis=0)]
    if table.shape[1] == 0:
        return {}
    best = table.max(axis=0) if higher else table.min(axis=0)
    winners = np.isclose(table, best, rtol=1e-12, atol=0.0)
    wins = (winners / winners.sum(axis=0)).sum(axis=1) / table.shape[1]
    return {k: float(w) for k, w in zip(names, wins, strict=True)}


def probability_best(per_run: Mapping[str, Sequence[Mapping[str, float]]]) -> dict[str, dict]:
    """Per metric with a better side, each design's share of replicates in which it is best.

    Args:
        per_run: per design, its per-replicate metrics (same replicate order for every design).

    Returns:
        Metric -> {"better": "higher"/"lower", "designs": {design: share}}; only the designs
        that report the metric compete.
    """
    metrics = dict.fromkeys(m for runs in per_run.values() for r in runs for m in r)
    out = {}
    for metric in metrics:
        side = direction(metric)
        if side is None:
            continue
        values = {
            name: [r.get(metric, math.nan) for r in runs]
            for name, runs in per_run.items()
            if any(_finite(r.get(metric)) for r in runs)
        }
        if len(values) < 2:
            continue
        shares = best_shares(values, side == "higher")
        if shares:
            out[metric] = {"better": side, "designs": shares}
    return out


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def net_benefit(runs: Sequence[Mapping[str, float]], wtp: float) -> np.ndarray:
    """Per replicate, net monetary benefit per cohort member: wtp x QALYs - net cost.

    Args:
        runs: a design's per-replicate metrics (with `qalys`, `qalys_per_participant` and
            `net_cost`).
        wtp: willingness to pay per QALY ($).

    Returns:
        One value per replicate, in $ per person.
    """
    qalys = np.asarray([r["qalys"] for r in runs], dtype=float)
    per_person = np.asarray([r["qalys_per_participant"] for r in runs], dtype=float)
    people = np.where(per_person > 0, qalys / np.where(per_person > 0, per_person, 1.0), 1.0)
    cost = np.asarray([r["net_cost"] for r in runs], dtype=float)
    return (wtp * qalys - cost) / people


def evpi(benefit: Mapping[str, np.ndarray]) -> float:
    """Expected value of perfect information: E[max_d NB_d] - max_d E[NB_d].

    Args:
        benefit: per design, net benefit per replicate (same replicate order).

    Returns:
        The EVPI, in the units of the net benefit (never negative).

    Example:
        >>> round(evpi({"a": np.array([0.0, 10.0]), "b": np.array([6.0, 2.0])}), 6)
        3.0
    """
    table = np.asarray(list(benefit.values()), dtype=float)
    return float(max(0.0, table.max(axis=0).mean() - table.mean(axis=1).max()))


def acceptability(per_run: Mapping[str, Sequence[Mapping[str, float]]], wtp: float) -> dict:
    """The acceptability curve and the EVPI per person, or {} when the runs carry no costs.

    Args:
        per_run: per design, its per-replicate metrics.
        wtp: the scenario's willingness to pay per QALY ($); the curve spans 0 to
            max(CURVE_TOP, 2 x wtp) and includes it.

    Returns:
        `wtp_per_qaly` (the grid), `probability_cost_effective` (per design, one share per
        grid point), `evpi_per_person` (per grid point, $) and `at_wtp` (the scenario's wtp:
        its point of the curve and its EVPI per person).
    """
    needed = ("qalys", "qalys_per_participant", "net_cost")
    if not all(all(k in r for k in needed) for runs in per_run.values() for r in runs):
        return {}
    grid = sorted({*np.linspace(0.0, max(CURVE_TOP, 2.0 * wtp), CURVE_POINTS).tolist(), wtp})
    curve: dict[str, list[float]] = {name: [] for name in per_run}
    values = []
    for w in grid:
        benefit = {name: net_benefit(runs, w) for name, runs in per_run.items()}
        for name, share in best_shares(benefit, higher=True).items():
            curve[name].append(share)
        values.append(evpi(benefit))
    at = grid.index(wtp)
    return {
        "wtp_per_qaly": [float(w) for w in grid],
        "probability_cost_effective": curve,
        "evpi_per_person": values,
        "at_wtp": {
            "wtp_per_qaly": float(wtp),
            "probability_cost_effective": {n: c[at] for n, c in curve.items()},
            "evpi_per_person": values[at],
        },
    }
