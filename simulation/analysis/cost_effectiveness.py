"""Cost-effectiveness of a design against the baseline: extra cost and cost per relapse averted.

Costs are never invented: without `cost_total` in every run the answer says "not costed".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulation.analysis.statistics import (
    BOOTSTRAP_RESAMPLES,
    paired_difference,
    ratio_of_means,
    welch_difference,
)

#: The run metric that holds a run's total program cost.
COST = "cost_total"


def cost_effectiveness(
    runs: Sequence[dict[str, float]],
    base: Sequence[dict[str, float]],
    size: int,
    base_size: int,
    paired: bool,
    seed: int,
) -> dict:
    """Incremental cost per participant and cost per relapse averted, or why there is none.

    Args:
        runs: the design's per-run metrics (with `relapsed_per_100`).
        base: the baseline's per-run metrics.
        size: the design's participants.
        base_size: the baseline's participants.
        paired: the runs share seeds with the baseline's (common random numbers).
        seed: the bootstrap's seed.

    Returns:
        `costed`, `incremental_cost_per_participant`, `cost_per_relapse_averted` and a `note`.
    """
    empty = {"mean": None, "ci95": None}
    out = {"costed": False, "incremental_cost_per_participant": empty}
    out |= {"cost_per_relapse_averted": empty, "note": "not costed: the runs carry no cost_total"}
    if not all(COST in r for r in (*runs, *base)):
        return out
    cost = [r[COST] / size for r in runs]
    base_cost = [b[COST] / base_size for b in base]
    diff = paired_difference if paired else welch_difference
    out["costed"] = True
    out["incremental_cost_per_participant"] = diff(cost, base_cost)
    averted = diff([r["relapsed_per_100"] for r in base], [r["relapsed_per_100"] for r in runs])
    if averted["mean"] is None or averted["mean"] <= 0:
        out["note"] = "no relapses averted on average: cost per relapse averted is not defined"
        return out
    # Cost per relapse averted = extra cost per 100 participants / relapses averted per 100.
    if paired:
        extra = [100.0 * (c - b) for c, b in zip(cost, base_cost, strict=True)]
        saved = [
            b["relapsed_per_100"] - r["relapsed_per_100"] for r, b in zip(runs, base, strict=True)
        ]
        ratio = ratio_of_means(extra, saved, paired=True, seed=seed)
    else:
        ratio = {"mean": 100.0 * (np.mean(cost) - np.mean(base_cost)) / averted["mean"]}
        ratio["ci95"] = _unpaired_icer_interval(cost, base_cost, runs, base, seed)
    interval = averted["ci95"]
    if interval is None or interval[0] <= 0:
        # The interval of relapses averted reaches zero: the ratio's interval is unbounded.
        ratio["ci95"] = None
        out["note"] = "relapses averted is not clearly above zero: the interval is unbounded"
    else:
        out["note"] = ""
    out["cost_per_relapse_averted"] = ratio
    return out


def _unpaired_icer_interval(cost, base_cost, runs, base, seed) -> list[float] | None:
    """Bootstrap interval of the cost per relapse averted when the arms are independent."""
    rng = np.random.default_rng(seed)
    c, bc = np.asarray(cost), np.asarray(base_cost)
    r = np.asarray([x["relapsed_per_100"] for x in runs])
    b = np.asarray([x["relapsed_per_100"] for x in base])
    i = rng.integers(0, len(c), (BOOTSTRAP_RESAMPLES, len(c)))
    j = rng.integers(0, len(bc), (BOOTSTRAP_RESAMPLES, len(bc)))
    averted = b[j].mean(axis=1) - r[i].mean(axis=1)
    ok = averted > 0
    if ok.mean() < 0.975:
        return None
    ratio = 100.0 * (c[i].mean(axis=1) - bc[j].mean(axis=1))[ok] / averted[ok]
    return [float(v) for v in np.percentile(ratio, [2.5, 97.5])]
