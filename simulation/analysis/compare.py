"""Compare program designs with honest uncertainty: run every design, then analyse against a baseline.

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

This module runs and assembles; the pieces live beside it: `compare_checks` (input checks),
`derived_metrics`, `statistics` (differences, bootstrap, log-rank) and `cost_effectiveness`.
Their public names stay importable from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from simulation.analysis.compare_checks import (
    CompareError,
    check_metric,
    check_same_population,
    check_scenarios,
    population_differences,
    resolve_baseline,
)
from simulation.analysis.cost_effectiveness import COST, cost_effectiveness
from simulation.analysis.derived_metrics import (
    DERIVED_METRICS,
    known_metrics,
    run_metrics_with_derived,
)
from simulation.analysis.health_economics import (  # issue 14
    comparison_economics,
    economics_differences,
)
from simulation.analysis.statistics import (
    BOOTSTRAP_RESAMPLES,
    logrank_p,
    paired_difference,
    ratio_of_means,
    welch_difference,
)
from simulation.running.pool import process_pool, run_each
from simulation.running.runner import RunResult, simulate, summarize_metrics
from simulation.running.seeds import comparison_seeds
from simulation.scenario.population_keys import counterfactual
from simulation.scenario.schema import Scenario

#: `baseline=` this compares the designs with their population without any program.
COUNTERFACTUAL = "counterfactual"

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "COST",
    "COUNTERFACTUAL",
    "DERIVED_METRICS",
    "CompareError",
    "Comparison",
    "analyse",
    "check_metric",
    "check_scenarios",
    "compare",
    "comparison_seeds",
    "cost_effectiveness",
    "known_metrics",
    "logrank_p",
    "paired_difference",
    "process_pool",
    "ratio_of_means",
    "resolve_baseline",
    "run_all",
    "run_metrics_with_derived",
    "welch_difference",
]


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
        """The baseline scenario's name."""
        return self.document["baseline"]

    @property
    def names(self) -> list[str]:
        """The scenarios' names, in order."""
        return [s.name for s in self.scenarios]


def run_all(
    jobs: Sequence[tuple[Scenario, int]],
    workers: int | None = None,
    executor: Executor | None = None,
    on_done: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Run every (scenario, seed) job, in parallel across scenarios and replicates, in job order.

    One pool serves all scenarios so no core idles at the end of one design's replicates.

    Args:
        jobs: (scenario, seed) pairs.
        workers: processes; 1 runs here, None uses every core.
        executor: run on this executor instead (left running afterwards).
        on_done: called with each result as it finishes.

    Returns:
        One result per job, in the order of `jobs`.
    """
    return run_each(simulate, jobs, workers, executor, on_done)


def analyse(
    scenarios: Sequence[Scenario],
    results: dict[str, list[RunResult]],
    baseline: str,
    seed: int,
    crn: bool,
) -> dict:
    """The comparison document: per-scenario metrics, and each design against the baseline.

    Args:
        scenarios: the scenarios compared.
        results: each scenario's runs, by name.
        baseline: the baseline's name.
        seed: the master seed (also seeds the bootstrap).
        crn: the runs share seeds across scenarios (paired analysis).

    Returns:
        The document `recovery-sim compare --json` prints (without seeds and files).
    """
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
    allow_different_populations: bool = False,
) -> Comparison:
    """Run every scenario `replicates` times and compare each with the baseline.

    Args:
        scenarios: two or more scenarios of the same length, with distinct names, serving the
            same population; or one design, compared with its counterfactual.
        baseline: the baseline's name or file (default: the first scenario), or
            "counterfactual": the designs' population without any program (the default when
            one scenario is given).
        replicates: runs per scenario.
        seed: the master seed.
        crn: common random numbers (paired replicates); False gives independent seeds.
        workers: processes; 1 runs here, None uses every core.
        executor: run on this executor instead.
        files: the scenarios' files, for `--baseline FILE` and the document.
        on_done: called with each run as it finishes (a progress bar).
        allow_different_populations: compare designs serving different populations anyway
            (the document's `population_check` then flags the comparison as confounded).

    Returns:
        The scenarios, seeds, runs and the analysis document.

    Raises:
        CompareError: the scenarios or the baseline cannot be compared as asked, or the
            designs serve different populations (unless allowed).

    Example:
        >>> tau = Scenario(name="tau", days=30, population={"size": 100})
        >>> mentored = Scenario(name="mentored", days=30, population={"size": 100},
        ...                     mentoring={"enabled": True})
        >>> result = compare([tau, mentored], replicates=3, seed=1, workers=1)
        >>> sorted(result.document["differences"])
        ['mentored']
    """
    scenarios, files = list(scenarios), list(files)
    if baseline == COUNTERFACTUAL or len(scenarios) == 1:
        if not scenarios:
            check_scenarios(scenarios)
        scenarios, files = [counterfactual(scenarios[0]), *scenarios], ["", *files]
        baseline = scenarios[0].name
    check_scenarios(scenarios)
    names = [s.name for s in scenarios]
    baseline_name = resolve_baseline(names, baseline, files)
    confounded = population_differences(scenarios, baseline_name)
    if not allow_different_populations:
        check_same_population(confounded, baseline_name)
    seed_lists = comparison_seeds(seed, replicates, len(scenarios), crn)
    jobs = [(s, x) for s, seeds in zip(scenarios, seed_lists, strict=True) for x in seeds]
    flat = run_all(jobs, workers=workers, executor=executor, on_done=on_done)
    results = {n: flat[i * replicates : (i + 1) * replicates] for i, n in enumerate(names)}
    document = analyse(scenarios, results, baseline_name, seed, crn)
    seeds = dict(zip(names, seed_lists, strict=True))
    file_of = dict(zip(names, files, strict=False))  # files are optional from Python
    document["seeds"], document["files"] = seeds, file_of
    document["population_check"] = {
        "same_population": not confounded,
        "confounded": bool(confounded),
        "differences": confounded,
    }
    return Comparison(list(scenarios), seeds, results, document, file_of)
