"""What a comparison's intervals include, and the sections parameter uncertainty adds.

`analyse` (simulation.analysis.compare) computes each difference as before; this module gives
every row its per-replicate values (replicate i of every design ran the same posterior draw),
both intervals (`statistics.with_total`), and the document's decision sections:
`probability_best`, the acceptability curve with the EVPI (`decisions`) and the parameters that
drive each headline difference (`drivers`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from simulation.analysis.decisions import acceptability, probability_best
from simulation.analysis.drivers import uncertainty_drivers
from simulation.analysis.statistics import clean, per_replicate, spread95, with_total
from simulation.running.parameter_draws import PARAMETERS_AND_STOCHASTIC
from simulation.running.runner import summarize_metrics

#: Health-economic rows: (the per-run metric, +1 for design minus baseline, -1 for the reverse).
ECONOMIC_ROWS = {
    "qalys": ("qalys", 1),
    "deaths": ("deaths_all_cause", 1),
    "deaths_averted": ("deaths_all_cause", -1),
    "overdose_deaths_averted": ("overdose_deaths", -1),
    "cost_offsets": ("downstream_cost", -1),
    "net_cost": ("net_cost", 1),
}
#: Rows that are ratios: (numerator row, denominator row) of per-replicate values.
RATIO_ROWS = {
    "cost_per_relapse_averted": ("extra_cost_per_100", "relapses_averted_per_100"),
    "icer_per_qaly": ("net_cost", "qalys"),
}

#: What each interval of the document includes, in words (the JSON's `intervals`).
INTERVALS = {
    PARAMETERS_AND_STOCHASTIC: {
        "ci95": "total: the 2.5th to 97.5th percentile of the per-replicate differences; each "
        "replicate ran one posterior parameter draw (the same for every design), so this is the "
        "spread of the effect across plausible worlds, including a population of this size's "
        "chance variation (probabilistic sensitivity analysis, as heemod and BCEA report it)",
        "ci95_stochastic": "Monte Carlo error: the 95% t-interval of the mean over replicates "
        "(paired, or Welch with --no-crn), i.e. how precisely these replicates pin down the "
        "average effect (Monte Carlo error), not the range of plausible effects; it shrinks "
        "as replicates grow",
        "spread95": "the percentile range of the per-replicate differences (here = ci95)",
    },
    "stochastic": {
        "ci95": "run-to-run only, at the scenario's parameters: the 95% t-interval of the mean "
        "over replicates (paired, or Welch with --no-crn)",
        "ci95_stochastic": "the same interval",
        "spread95": "the 2.5th to 97.5th percentile of the per-replicate differences at the "
        "scenario's parameters: the like-for-like reference for a total ci95",
    },
}


def scenario_intervals(runs: Sequence[Mapping[str, float]], parameters: bool) -> dict[str, dict]:
    """A design's metrics across its replicates, each with both intervals (like the differences).

    Args:
        runs: the design's per-replicate metrics.
        parameters: the replicates ran posterior draws.

    Returns:
        Metric -> `mean`, `ci95` (total), `ci95_stochastic`, `spread95`.
    """
    summary = summarize_metrics(runs)
    return {
        name: with_total(stat, clean(_column(runs, name)), parameters)
        for name, stat in summary.items()
    }


def _column(rows: Sequence[Mapping[str, float]], name: str) -> list[float]:
    return [r.get(name, math.nan) for r in rows]


def replicate_differences(
    runs: Sequence[Mapping[str, float]],
    base: Sequence[Mapping[str, float]],
    names: Sequence[str],
    wtp: float,
    size: int,
    base_size: int,
) -> dict[str, np.ndarray]:
    """Per difference row, its per-replicate values (design minus baseline, replicate by replicate).

    Args:
        runs: the design's per-replicate metrics.
        base: the baseline's, in the same replicate order.
        names: the rows of the design's differences.
        wtp: willingness to pay per QALY ($), for net monetary benefit.
        size: the design's participants (cost per participant).
        base_size: the baseline's participants.

    Returns:
        Row -> one value per replicate (NaN where a run lacks the metric); ratio rows get their
        numerator's per-replicate values under `extra_cost_per_100`.
    """
    out: dict[str, np.ndarray] = {}
    for name in names:
        metric, sign = ECONOMIC_ROWS.get(name, (name, 1))
        if name.startswith("budget_impact_year_"):
            metric = "cost_year_" + name.rsplit("_", 1)[1]
        if name == "relapses_averted_per_100":
            metric, sign = "relapsed_per_100", -1
        if name == "net_monetary_benefit":
            cost = per_replicate(_column(runs, "net_cost"), _column(base, "net_cost"))
            out[name] = wtp * per_replicate(_column(runs, "qalys"), _column(base, "qalys")) - cost
            continue
        if name in RATIO_ROWS:
            continue
        mine, theirs = _column(runs, metric), _column(base, metric)
        out[name] = per_replicate(mine, theirs) if sign > 0 else per_replicate(theirs, mine)
    cost = [r.get("cost_total", math.nan) / size for r in runs]
    base_cost = [b.get("cost_total", math.nan) / base_size for b in base]
    out["extra_cost_per_100"] = 100.0 * per_replicate(cost, base_cost)
    return out


def ratio_total(stat: dict, numerator: np.ndarray, denominator: np.ndarray, parameters: bool):
    """A ratio row with both intervals; the total one only when every denominator is above 0.

    Args:
        stat: the row as the bootstrap gave it (`mean`, `ci95`, perhaps `note`).
        numerator: per replicate, the ratio's numerator.
        denominator: per replicate, its denominator.
        parameters: the replicates ran posterior draws.

    Returns:
        The row with `ci95_stochastic` (the bootstrap interval), `spread95` (percentiles of the
        per-replicate ratios, or None when a denominator is zero or below) and, with parameter
        uncertainty, `ci95` = `spread95`.
    """
    out = dict(stat)
    out["ci95_stochastic"] = stat.get("ci95")
    keep = ~(np.isnan(numerator) | np.isnan(denominator))
    fine = keep.sum() >= 2 and bool((denominator[keep] > 0).all())
    out["spread95"] = spread95(numerator[keep] / denominator[keep]) if fine else None
    if parameters and stat.get("mean") is not None:
        out["ci95"] = out["spread95"]
        if not fine:
            out["ci95_note"] = (
                "in some plausible worlds the design gains nothing, so the ratio has no bounded "
                "range: read the acceptability curve instead"
            )
    return out


def add_intervals(
    differences: dict[str, dict], values: dict[str, np.ndarray], parameters: bool
) -> dict[str, dict]:
    """Every row of a design's differences with `ci95`, `ci95_stochastic` and `spread95`.

    Args:
        differences: the design's rows as computed (mean and run-to-run interval).
        values: `replicate_differences` of the design.
        parameters: the replicates ran posterior draws.

    Returns:
        The rows, each with both intervals.
    """
    out = {}
    for name, stat in differences.items():
        top, bottom = RATIO_ROWS.get(name, ("", ""))
        if top in values and bottom in values:
            out[name] = ratio_total(stat, values[top], values[bottom], parameters)
        elif name in values:
            out[name] = with_total(stat, values[name], parameters)
        else:
            out[name] = stat
    return out


def decision_sections(
    per_run: Mapping[str, Sequence[Mapping[str, float]]],
    replicate_values: Mapping[str, Mapping[str, np.ndarray]],
    draws: pd.DataFrame | None,
    wtp: float,
) -> dict:
    """The sections a comparison adds for decisions: best design, acceptability, drivers.

    Args:
        per_run: per design (baseline included), its per-replicate metrics.
        replicate_values: per design against the baseline, `replicate_differences`.
        draws: the parameter values each replicate ran (None: run-to-run variation only).
        wtp: the scenario's willingness to pay per QALY ($).

    Returns:
        `probability_best`, `acceptability_curve` (with the EVPI per person) and
        `uncertainty_drivers` (empty without parameter draws).
    """
    drivers = {}
    if draws is not None:
        drivers = uncertainty_drivers({n: dict(v) for n, v in replicate_values.items()}, draws)
    return {
        "probability_best": probability_best(per_run),
        "acceptability_curve": acceptability(per_run, wtp),
        "uncertainty_drivers": drivers,
    }
