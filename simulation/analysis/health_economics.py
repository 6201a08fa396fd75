"""Health economics of a comparison: QALYs, cost offsets, ICERs with dominance, net benefit.

A run's accounts (`simulation.model.mechanisms.health_economics`) become per-run metrics here;
a comparison then gets, per design against the baseline and per replicate (so every figure has
an interval over replicates, paired when the designs share seeds):

- `qalys` and `deaths` (design minus baseline), `deaths_averted`, `overdose_deaths_averted`;
- `cost_offsets`: the baseline's health-care, emergency and criminal-justice costs minus the
  design's (savings are positive); `net_cost`: extra program cost minus the offsets;
- `icer_per_qaly`: extra net cost per QALY gained (undefined, with a note, when the design is
  dominant or dominated or when the QALY gain's interval reaches zero);
- `net_monetary_benefit`: willingness to pay x QALYs gained - net cost;
- `budget_impact_year_<k>`: the undiscounted extra cost in program year k.

Across all designs, `efficiency_frontier` ranks them as health economists do: sort by cost,
drop the strongly dominated, drop the extendedly dominated, ICERs along the frontier.
The intervals here are run-to-run (the interval of the mean over replicates); `compare` adds
each row's total interval across posterior draws (`simulation.analysis.uncertainty`), which
covers unit costs and utilities only where the posterior includes them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

#: Per-run metrics added from the run's health accounts, with what they are.
HEALTH_METRICS: dict[str, str] = {
    "qalys": "quality-adjusted life years of the cohort over the run, discounted",
    "qalys_per_participant": "discounted QALYs per cohort member",
    "deaths_all_cause": "deaths in the cohort during the run, all causes (count)",
    "downstream_cost": "health-care, emergency and criminal-justice costs, discounted ($)",
    "net_cost": "program cost incl. start-up plus downstream costs, discounted ($)",
}
EMPTY: dict = {"mean": None, "ci95": None}


def run_health_metrics(accounts: dict[str, float], participants: int) -> dict[str, float]:
    """A run's health-economic metrics from its accounts (`model.health`).

    Args:
        accounts: the run's health accounts at the end of the run.
        participants: the cohort's size.

    Returns:
        The `HEALTH_METRICS` and the budget year totals `cost_year_<k>` (undiscounted $).

    Example:
        >>> accounts = {"qalys": 10.0, "health_care_cost": 5.0, "emergency_cost": 1.0,
        ...             "criminal_justice_cost": 2.0, "program_cost": 4.0,
        ...             "deaths_all_cause": 1.0, "cost_year_1": 12.0}
        >>> run_health_metrics(accounts, 20)["net_cost"]
        12.0
    """
    downstream = (
        accounts["health_care_cost"]
        + accounts["emergency_cost"]
        + accounts["criminal_justice_cost"]
    )
    metrics = {
        "qalys": accounts["qalys"],
        "qalys_per_participant": accounts["qalys"] / max(1, participants),
        "deaths_all_cause": accounts["deaths_all_cause"],
        "downstream_cost": downstream,
        "net_cost": accounts["program_cost"] + downstream,
    }
    metrics |= {k: v for k, v in accounts.items() if k.startswith("cost_year_")}
    return metrics


def efficiency_frontier(names: Sequence[str], costs: Sequence[float], effects: Sequence[float]):
    """Rank strategies: strongly dominated (D), extendedly dominated (ED) or on the frontier (ND).

    Strategies are sorted by cost (ties: more effective first). A strategy is strongly
    dominated when another costs no more and is at least as effective (one of the two strictly).
    Among the rest, a strategy whose ICER against the previous one exceeds the next one's ICER is
    extendedly dominated (a mix of its neighbours does better); it is removed and the ICERs
    recomputed until they rise with cost. ICERs are then reported along the frontier.

    Args:
        names: the strategies' names.
        costs: their mean costs.
        effects: their mean effects (QALYs).

    Returns:
        One dict per strategy, frontier first in cost order, then ED, then D: `strategy`,
        `cost`, `effect`, `status`, `incremental_cost`, `incremental_effect`, `icer` (None off
        the frontier and for the cheapest frontier strategy).

    Example:
        >>> rows = efficiency_frontier(["a", "b", "c"], [0, 10, 30], [1, 2, 2.5])
        >>> [(r["strategy"], r["status"], r["icer"]) for r in rows]
        [('a', 'ND', None), ('b', 'ND', 10.0), ('c', 'ND', 40.0)]
    """
    order = sorted(range(len(names)), key=lambda i: (costs[i], -effects[i]))
    dominated = [
        i
        for i in order
        if any(
            costs[j] <= costs[i]
            and effects[j] >= effects[i]
            and (costs[j] < costs[i] or effects[j] > effects[i])
            for j in order
            if j != i
        )
    ]
    frontier = [i for i in order if i not in dominated]
    extended: list[int] = []
    while len(frontier) > 2:
        icers = [_icer(costs, effects, a, b) for a, b in itertools.pairwise(frontier)]
        worse = [k for k in range(len(icers) - 1) if icers[k] > icers[k + 1]]
        if not worse:
            break
        extended.append(frontier.pop(worse[0] + 1))
    rows = []
    for k, i in enumerate(frontier):
        previous = frontier[k - 1] if k else None
        rows.append(_row(names, costs, effects, i, "ND", previous))
    rows += [_row(names, costs, effects, i, "ED", None) for i in sorted(extended, key=order.index)]
    rows += [_row(names, costs, effects, i, "D", None) for i in dominated]
    return rows


def _icer(costs, effects, a: int, b: int) -> float:
    gain = effects[b] - effects[a]
    return (costs[b] - costs[a]) / gain if gain > 0 else math.inf


def _row(names, costs, effects, i, status, previous) -> dict:
    row = {"strategy": names[i], "cost": float(costs[i]), "effect": float(effects[i])}
    row |= {"status": status, "incremental_cost": None, "incremental_effect": None, "icer": None}
    if previous is not None:
        row["incremental_cost"] = float(costs[i] - costs[previous])
        row["incremental_effect"] = float(effects[i] - effects[previous])
        row["icer"] = _icer(costs, effects, previous, i)
    return row


def difference(a: Sequence[float], b: Sequence[float], paired: bool) -> dict:
    """Mean of a - b with a 95% t-interval: paired over replicates, or Welch when independent.

    Example:
        >>> difference([3.0, 5.0, 4.0], [1.0, 2.0, 3.0], paired=True)["mean"]
        2.0
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if paired:
        keep = ~(np.isnan(a) | np.isnan(b))
        a, b = a[keep], b[keep]
    else:
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return dict(EMPTY)
    mean = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return {"mean": mean, "ci95": None}
    spread = np.ptp(a - b) if paired else np.ptp(a) + np.ptp(b)
    if spread == 0:
        return {"mean": mean, "ci95": [mean, mean]}
    test = stats.ttest_1samp(a - b, 0.0) if paired else stats.ttest_ind(a, b, equal_var=False)
    low, high = test.confidence_interval(0.95)
    return {"mean": mean, "ci95": [float(low), float(high)]}


def icer(extra_cost: Sequence[float], qaly_gain: Sequence[float], seed: int) -> dict:
    """Cost per QALY gained, mean(extra cost) / mean(QALYs gained), with a bootstrap interval.

    The ratio means something only when QALYs are gained at extra cost. Otherwise `mean` is
    None and `note` says why: dominant (QALYs gained and money saved), dominated (QALYs lost at
    extra cost), or QALYs lost for a saving. The interval is given only when the QALY gain's
    own interval excludes zero (else the ratio's interval is unbounded).

    Args:
        extra_cost: per replicate, the design's net cost minus the baseline's.
        qaly_gain: per replicate, the design's QALYs minus the baseline's (paired runs).
        seed: seed of the bootstrap.

    Returns:
        `mean`, `ci95` and `note`.

    Example:
        >>> icer([100.0, 120.0, 80.0], [0.01, 0.012, 0.008], seed=0)["mean"]
        10000.0
    """
    cost, gain = np.asarray(extra_cost, dtype=float), np.asarray(qaly_gain, dtype=float)
    dc, dq = float(cost.mean()), float(gain.mean())
    if dq > 0 and dc <= 0:
        return {"mean": None, "ci95": None, "note": "dominant: more QALYs at lower cost"}
    if dq <= 0 and dc >= 0:
        return {"mean": None, "ci95": None, "note": "dominated: no QALYs gained at extra cost"}
    if dq <= 0:
        return {"mean": None, "ci95": None, "note": "fewer QALYs at lower cost"}
    out = {"mean": dc / dq, "ci95": None, "note": ""}
    gain_interval = difference(gain, np.zeros_like(gain), paired=True)["ci95"]
    if gain_interval is None or gain_interval[0] <= 0:
        out["note"] = "QALYs gained are not clearly above zero: the interval is unbounded"
        return out
    if np.ptp(cost) == 0 and np.ptp(gain) == 0:
        out["ci95"] = [out["mean"], out["mean"]]
        return out
    # Imported here: statistics imports the runner, which imports this module's run metrics.
    from simulation.analysis.statistics import ratio_interval

    out["ci95"] = ratio_interval(cost, gain, True, seed)
    return out


def economics_differences(
    runs: Sequence[dict[str, float]],
    base: Sequence[dict[str, float]],
    paired: bool,
    wtp: float,
    seed: int,
) -> tuple[dict[str, dict], str]:
    """One design against the baseline: the health-economic rows of its differences.

    Args:
        runs: the design's per-replicate metrics (with `HEALTH_METRICS`).
        base: the baseline's per-replicate metrics, in the same replicate order.
        paired: the replicates share seeds (common random numbers).
        wtp: willingness to pay per QALY ($).
        seed: seed of the ICER's bootstrap.

    Returns:
        The rows `qalys`, `deaths`, `deaths_averted`, `overdose_deaths_averted`,
        `cost_offsets`, `net_cost`, `icer_per_qaly`, `net_monetary_benefit` and
        `budget_impact_year_<k>`, each with `mean` and `ci95` (none when the runs carry no
        health accounts), and a note on the ICER ("" when it is a plain ratio). Ratios and net
        benefit pair replicate i with replicate i; for independent runs that is still a valid
        (if wider) interval, since the pairs are independent draws.
    """
    if not all("net_cost" in r and "qalys" in r for r in (*runs, *base)):
        return {}, "not costed: the runs carry no health accounts"

    def col(rows: Sequence[dict[str, float]], name: str) -> np.ndarray:
        return np.asarray([r.get(name, math.nan) for r in rows], dtype=float)

    def diff(name: str, sign: float = 1.0) -> dict:
        mine, theirs = col(runs, name), col(base, name)
        return difference(mine, theirs, paired) if sign > 0 else difference(theirs, mine, paired)

    n = min(len(runs), len(base))
    extra = col(runs, "net_cost")[:n] - col(base, "net_cost")[:n]
    gain = col(runs, "qalys")[:n] - col(base, "qalys")[:n]
    ratio = icer(extra, gain, seed)
    note = ratio.pop("note")
    out = {
        "qalys": diff("qalys"),
        "deaths": diff("deaths_all_cause"),
        "deaths_averted": diff("deaths_all_cause", -1.0),
        "overdose_deaths_averted": diff("overdose_deaths", -1.0),
        "cost_offsets": diff("downstream_cost", -1.0),
        "net_cost": diff("net_cost"),
        "icer_per_qaly": ratio,
        "net_monetary_benefit": difference(wtp * gain - extra, np.zeros(n), paired=True),
    }
    years = sorted(
        {k for r in (*runs, *base) for k in r if k.startswith("cost_year_")},
        key=lambda k: int(k.rsplit("_", 1)[1]),
    )
    for year in years:
        out[f"budget_impact_year_{year.rsplit('_', 1)[1]}"] = diff(year)
    return out, note


def comparison_economics(
    per_run: dict[str, Sequence[dict[str, float]]], wtp: float, discount_rate: float
) -> dict:
    """Every design together: the efficiency frontier and net monetary benefit per design.

    The frontier is on mean net cost and QALYs; net monetary benefit comes with how often (over
    replicates) each design is the best buy.

    Args:
        per_run: per design, its per-replicate metrics (same replicate order for all).
        wtp: willingness to pay per QALY ($).
        discount_rate: the discount rate the runs used (reported, not applied again).

    Returns:
        `wtp_per_qaly`, `discount_rate`, `frontier` (see `efficiency_frontier`),
        `net_monetary_benefit` per design (mean and 95% interval), `best_at_wtp` (highest mean)
        and `share_best_at_wtp` (share of replicates in which each design has the highest net
        monetary benefit: one point of the cost-effectiveness acceptability curve). Empty when
        the runs carry no health accounts.
    """
    names = list(per_run)
    if not all("net_cost" in r for runs in per_run.values() for r in runs):
        return {}
    cost = {n: np.asarray([r["net_cost"] for r in per_run[n]], dtype=float) for n in names}
    qalys = {n: np.asarray([r["qalys"] for r in per_run[n]], dtype=float) for n in names}
    nmb = {n: wtp * qalys[n] - cost[n] for n in names}
    n_rep = min(len(v) for v in nmb.values())
    table = np.vstack([nmb[n][:n_rep] for n in names])
    best = np.bincount(table.argmax(axis=0), minlength=len(names)) / max(1, n_rep)
    means = {n: float(nmb[n].mean()) for n in names}
    return {
        "wtp_per_qaly": wtp,
        "discount_rate": discount_rate,
        "frontier": efficiency_frontier(
            names, [float(cost[n].mean()) for n in names], [float(qalys[n].mean()) for n in names]
        ),
        "net_monetary_benefit": {
            n: difference(nmb[n], np.zeros(len(nmb[n])), paired=True) for n in names
        },
        "best_at_wtp": max(names, key=means.__getitem__),
        "share_best_at_wtp": {n: float(b) for n, b in zip(names, best, strict=True)},
    }
