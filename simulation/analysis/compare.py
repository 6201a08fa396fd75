"""Compare program designs with honest uncertainty: paired differences, ratios, log-rank tests.

Every scenario runs the same replicates. With common random numbers (the default) replicate i of
every scenario uses the same seed; because random streams are split by purpose and keyed by
person, replicate i of two designs shares its participants, network and daily draws, and differs
only where the designs differ. Differences are then paired over replicates and their intervals are
narrow. With `crn=False` each scenario gets its own seeds, the runs are independent and the
intervals are two-sample (Welch) intervals: the honest interval for unpaired runs, and wider.

Against the baseline each design gets: differences of every metric (mean and 95% interval),
ratios (bootstrap intervals: no closed form), a log-rank test of time to first lapse and first
relapse, relapses averted per 100 participants and, when runs carry `cost_total`, the cost per
relapse averted. Costs are never invented: without `cost_total` they are null.
"""

from __future__ import annotations

import math
import multiprocessing
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from simulation.analysis.health_economics import (  # issue 14
    comparison_economics,
    economics_differences,
)
from simulation.analysis.metrics import LAPSE_FREE_DAYS, METRICS, survival_curve
from simulation.errors import RecoverySimError
from simulation.running.runner import (
    RunResult,
    default_workers,
    mean_ci,
    simulate,
    summarize_metrics,
)
from simulation.scenario.schema import Scenario

#: Metrics compare adds to each run, with what they are.
DERIVED_METRICS: dict[str, str] = {
    "relapsed_per_100": "participants per 100 with a first relapse by the last day (Kaplan-Meier)",
    "relapse_events_per_100": "relapse events per 100 participants over the run (repeats count)",
}
COST = "cost_total"
BOOTSTRAP_RESAMPLES = 2000


class CompareError(RecoverySimError, ValueError):
    """A comparison cannot be made as asked (the message says why and what would work)."""


@dataclass
class Comparison:
    """Scenarios, their runs, and the analysis document (`document` is what --json prints)."""

    scenarios: list[Scenario]
    seeds: dict[str, list[int]]
    results: dict[str, list[RunResult]]
    document: dict
    files: dict[str, str] = field(default_factory=dict)

    @property
    def baseline(self) -> str:
        return self.document["baseline"]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]


def comparison_seeds(seed: int, replicates: int, count: int, crn: bool = True) -> list[list[int]]:
    """Replicate seeds for `count` scenarios: one shared list (CRN), or one list per scenario.

    Example:
        >>> shared = comparison_seeds(3, 2, 2)
        >>> shared[0] == shared[1]
        True
        >>> independent = comparison_seeds(3, 2, 2, crn=False)
        >>> independent[0] == independent[1]
        False
    """
    root = np.random.SeedSequence(seed)
    if crn:
        one = [int(c.generate_state(1)[0]) for c in root.spawn(replicates)]
        return [list(one) for _ in range(count)]
    # Independent: each scenario spawns its own child sequence, so no seed is shared.
    return [
        [int(c.generate_state(1)[0]) for c in child.spawn(replicates)]
        for child in root.spawn(count)
    ]


def run_all(
    jobs: Sequence[tuple[Scenario, int]],
    workers: int | None = None,
    executor: Executor | None = None,
    on_done: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Run every (scenario, seed) job, in parallel across scenarios and replicates, in job order.

    One pool serves all scenarios so no core idles at the end of one design's replicates.
    """
    workers = workers or default_workers()
    if executor is None and (workers == 1 or len(jobs) == 1):
        results = []
        for scenario, seed in jobs:
            results.append(simulate(scenario, seed))
            if on_done:
                on_done(results[-1])
        return results
    pool = executor or process_pool(min(workers, len(jobs)))
    try:
        futures = {pool.submit(simulate, s, seed): i for i, (s, seed) in enumerate(jobs)}
        done: list[RunResult | None] = [None] * len(jobs)
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            if on_done:
                on_done(done[futures[future]])
        return done  # type: ignore[return-value]
    finally:
        if executor is None:
            pool.shutdown(cancel_futures=True)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes.

    No `max_tasks_per_child`: on Python 3.11 a pool with it hangs once workers retire with tasks
    still queued (CPython gh-115634); `simulate` already frees each finished model. Spawned, not
    forked, because the progress bar runs a thread in this process.
    """
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def run_metrics_with_derived(result: RunResult) -> dict[str, float]:
    """A run's metrics plus the ones compare needs (relapses per 100 participants)."""
    out = result.outcomes
    metrics = dict(result.metrics)
    n = len(out.relapse_day)
    if n:
        relapse_free = survival_curve(out.relapse_day, out.relapse_observed, np.array([out.days]))
        metrics["relapsed_per_100"] = float(100.0 * (1.0 - relapse_free[0]))
        if "relapses" in result.daily:
            metrics["relapse_events_per_100"] = float(100.0 * result.daily["relapses"].sum() / n)
    return metrics


def _clean(values: Sequence[float]) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)


def paired_difference(a: Sequence[float], b: Sequence[float]) -> dict:
    """Mean of a - b over paired replicates and its 95% t-interval (pairs with a NaN dropped)."""
    a, b = _clean(a), _clean(b)
    keep = ~(np.isnan(a) | np.isnan(b))
    return mean_ci((a[keep] - b[keep]).tolist())


def welch_difference(a: Sequence[float], b: Sequence[float]) -> dict:
    """Mean of a minus mean of b for independent runs, with a Welch 95% interval."""
    a, b = _clean(a), _clean(b)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return {"mean": None, "ci95": None}
    mean = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return {"mean": mean, "ci95": None}
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return {"mean": mean, "ci95": [mean, mean]}
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.975, df) * se)
    return {"mean": mean, "ci95": [mean - half, mean + half]}


def ratio_of_means(
    a: Sequence[float], b: Sequence[float], paired: bool, seed: int
) -> dict[str, float | list[float] | None]:
    """mean(a) / mean(b) with a bootstrap 95% interval (BCa; paired when the runs share seeds)."""
    a, b = _clean(a), _clean(b)
    if paired:
        keep = ~(np.isnan(a) | np.isnan(b))
        a, b = a[keep], b[keep]
    else:
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0 or b.mean() == 0:
        return {"mean": None, "ci95": None}
    mean = float(a.mean() / b.mean())
    if len(a) < 3 or len(b) < 3:
        return {"mean": mean, "ci95": None}
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return {"mean": mean, "ci95": [mean, mean]}

    def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(x, axis=axis) / np.mean(y, axis=axis)

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # BCa warns (and returns NaN) on degenerate resamples; fall back to percentiles then.
        warnings.simplefilter("ignore")
        for method in ("BCa", "percentile"):
            result = stats.bootstrap(
                (a, b),
                statistic,
                paired=paired,
                vectorized=True,
                n_resamples=BOOTSTRAP_RESAMPLES,
                method=method,
                rng=np.random.default_rng(seed),
            )
            low, high = result.confidence_interval
            if np.isfinite(low) and np.isfinite(high):
                break
    if not (np.isfinite(low) and np.isfinite(high)):
        return {"mean": mean, "ci95": None}
    return {"mean": mean, "ci95": [float(low), float(high)]}


def logrank_p(results: Sequence[RunResult], baseline: Sequence[RunResult], event: str) -> float:
    """Log-rank p-value of time to first `event` ("lapse" or "relapse"), replicates pooled.

    With common random numbers the two samples share people, which makes the test conservative
    (p-values larger than nominal), never falsely confident.
    """

    def pooled(runs: Sequence[RunResult]) -> stats.CensoredData:
        day = np.concatenate([getattr(r.outcomes, f"{event}_day") for r in runs]).astype(float)
        seen = np.concatenate([getattr(r.outcomes, f"{event}_observed") for r in runs])
        return stats.CensoredData(uncensored=day[seen], right=day[~seen])

    x, y = pooled(results), pooled(baseline)
    if x.num_censored() == len(x) and y.num_censored() == len(y):
        return float("nan")  # no events in either arm: nothing to test
    return float(stats.logrank(x, y).pvalue)


def cost_effectiveness(
    runs: Sequence[dict[str, float]],
    base: Sequence[dict[str, float]],
    size: int,
    base_size: int,
    paired: bool,
    seed: int,
) -> dict:
    """Incremental cost per participant and cost per relapse averted, or why there is none."""
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


def known_metrics(days: int) -> list[str]:
    """Metric names a run of `days` days reports (before any the model adds on its own)."""
    names = [m for m in METRICS if not m.startswith("lapse_free_") and m != "relapse_rate_365"]
    names += [f"lapse_free_{d}" for d in LAPSE_FREE_DAYS if d <= days]
    names += ["relapse_rate_365"] if days >= 365 else []
    return names + list(DERIVED_METRICS)


def check_metric(name: str, days: int) -> None:
    """Raise a CompareError if `name` is not a metric, or needs more days than the run has."""
    needed = {f"lapse_free_{d}": d for d in LAPSE_FREE_DAYS} | {"relapse_rate_365": 365}
    if name in needed and needed[name] > days:
        raise CompareError(
            f"metric {name} needs a run of at least {needed[name]} days, but the scenarios run "
            f"for {days} days (--days {days}). Raise --days to {needed[name]} or choose a metric "
            f"inside the run: {', '.join(known_metrics(days))}."
        )
    if name not in needed and name not in known_metrics(days):
        raise CompareError(
            f"metric {name!r} is not a metric recovery-sim reports. Choose one of: "
            f"{', '.join(known_metrics(days))} (plus any the model adds, such as cost_total)."
        )


def resolve_baseline(names: Sequence[str], baseline: str | None, files: Sequence[str] = ()) -> str:
    """The baseline scenario's name: the first unless `baseline` names one (by name or file)."""
    if baseline is None:
        return names[0]
    for name, file in zip(names, [*files, *[""] * (len(names) - len(files))], strict=True):
        if baseline in (name, file) or (file and baseline == _stem(file)):
            return name
    raise CompareError(
        f"--baseline {baseline!r} is not one of the scenarios being compared. Name one of: "
        f"{', '.join(names)} (a scenario's name or its file)."
    )


def _stem(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".yaml").removesuffix(".yml")


def check_scenarios(scenarios: Sequence[Scenario], files: Sequence[str] = ()) -> None:
    """Raise a CompareError unless there are two or more distinct scenarios of equal length."""
    if len(scenarios) < 2:
        raise CompareError(
            "compare needs at least two scenarios (a baseline and one or more designs); got "
            f"{len(scenarios)}. To run one scenario on its own, use `recovery-sim run FILE`."
        )
    names = [s.name for s in scenarios]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CompareError(
            f"two scenarios share the name {twice[0]!r}; results are keyed by name, so each "
            "scenario needs its own `name:` in its file."
        )
    days = {s.name: s.days for s in scenarios}
    if len(set(days.values())) > 1:
        listed = ", ".join(f"{n} {d} days" for n, d in days.items())
        raise CompareError(
            f"the scenarios run for different numbers of days ({listed}); a comparison needs "
            "the same follow-up. Give --days N to run them all for N days."
        )


def analyse(
    scenarios: Sequence[Scenario],
    results: dict[str, list[RunResult]],
    baseline: str,
    seed: int,
    crn: bool,
) -> dict:
    """The comparison document: per-scenario metrics, and each design against the baseline."""
    per_run = {n: [run_metrics_with_derived(r) for r in runs] for n, runs in results.items()}
    size = {s.name: s.population.size for s in scenarios}
    base = per_run[baseline]
    diff = paired_difference if crn else welch_difference
    document: dict = {
        "baseline": baseline,
        "crn": crn,
        "replicates": len(base),
        "seed": seed,
        "days": scenarios[0].days,
        "population": size,
        "scenarios": {n: summarize_metrics(runs) for n, runs in per_run.items()},
        "differences": {},
        "ratios": {},
        "logrank": {},
        "logrank_relapse": {},
        "cost_effectiveness": {},
    }
    wtp = next(s for s in scenarios if s.name == baseline).economics.wtp_per_qaly  # issue 14
    for k, name in enumerate(n for n in per_run if n != baseline):
        runs = per_run[name]
        shared = [m for m in document["scenarios"][name] if m in document["scenarios"][baseline]]
        differences, ratios = {}, {}
        for metric in shared:
            mine, theirs = [r.get(metric) for r in runs], [b.get(metric) for b in base]
            differences[metric] = diff(mine, theirs)
            ratios[metric] = ratio_of_means(mine, theirs, paired=crn, seed=seed + k)
        differences["relapses_averted_per_100"] = diff(
            [b.get("relapsed_per_100") for b in base], [r.get("relapsed_per_100") for r in runs]
        )
        effect = cost_effectiveness(runs, base, size[name], size[baseline], crn, seed + k)
        differences["cost_per_relapse_averted"] = effect["cost_per_relapse_averted"]
        economics, effect["icer_note"] = economics_differences(runs, base, crn, wtp, seed + k)
        differences |= economics  # health economics (issue 14)
        document["differences"][name] = differences
        document["ratios"][name] = ratios
        document["cost_effectiveness"][name] = effect
        document["logrank"][name] = logrank_p(results[name], results[baseline], "lapse")
        document["logrank_relapse"][name] = logrank_p(results[name], results[baseline], "relapse")
    rate = scenarios[0].economics.discount_rate
    document["health_economics"] = comparison_economics(per_run, wtp, rate)  # issue 14
    return document


def compare(
    scenarios: Sequence[Scenario],
    *,
    baseline: str | None = None,
    replicates: int = 10,
    seed: int = 0,
    crn: bool = True,
    workers: int | None = None,
    executor: Executor | None = None,
    files: Sequence[str] = (),
    on_done: Callable[[RunResult], None] | None = None,
) -> Comparison:
    """Run every scenario `replicates` times and compare each with the baseline.

    Example:
        >>> tau = Scenario(name="tau", days=30, population={"size": 100})
        >>> mentored = Scenario(name="mentored", days=30, population={"size": 100},
        ...                     mentoring={"enabled": True})
        >>> result = compare([tau, mentored], replicates=3, seed=1, workers=1)
        >>> sorted(result.document["differences"])
        ['mentored']
    """
    check_scenarios(scenarios, files)
    names = [s.name for s in scenarios]
    baseline_name = resolve_baseline(names, baseline, files)
    seed_lists = comparison_seeds(seed, replicates, len(scenarios), crn)
    jobs = [(s, x) for s, seeds in zip(scenarios, seed_lists, strict=True) for x in seeds]
    flat = run_all(jobs, workers=workers, executor=executor, on_done=on_done)
    results = {n: flat[i * replicates : (i + 1) * replicates] for i, n in enumerate(names)}
    document = analyse(scenarios, results, baseline_name, seed, crn)
    seeds = dict(zip(names, seed_lists, strict=True))
    file_of = dict(zip(names, files, strict=False))  # files are optional from Python
    document["seeds"], document["files"] = seeds, file_of
    return Comparison(list(scenarios), seeds, results, document, file_of)
