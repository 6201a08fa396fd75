"""Compare program designs with honest uncertainty: run every design, then analyse against a baseline.

Every scenario runs the same replicates. With common random numbers (the default) replicate i of
every scenario uses the same seed; because random streams are split by purpose and keyed by
person, replicate i of two designs shares its participants, network and daily draws, and differs
only where the designs differ. Differences are then paired over replicates and their intervals are
narrow. With `crn=False` each scenario gets its own seeds, the runs are independent and the
intervals are two-sample (Welch) intervals: the honest interval for unpaired runs, and wider.

Parameter uncertainty is on by default (`uncertainty="parameters+stochastic"`): replicate i of
every design runs posterior draw i (`simulation.running.parameter_draws`), so each difference
carries both `ci95` (total: its spread across plausible worlds) and `ci95_stochastic` (run-to-run
only); `uncertainty="stochastic"` runs the scenarios as written, as before.

Against the baseline each design gets: differences of every metric (mean and both intervals),
ratios (bootstrap intervals: no closed form), per-replicate Cox hazard ratios of time to first
lapse and first relapse, relapses averted per 100 participants and, when runs carry
`cost_total`, the cost per relapse averted. Costs are never invented: without `cost_total` they
are null. Across the designs: `probability_best`, the acceptability curve with the expected
value of perfect information, and the parameters that drive each headline difference.

This module runs and assembles; the pieces live beside it: `compare_checks` (input checks),
`derived_metrics`, `statistics` (differences, bootstrap), `hazard_ratios`, `cost_effectiveness`,
`uncertainty` (both intervals), `decisions` and `drivers`.
Their public names stay importable from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import pandas as pd

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
from simulation.analysis.hazard_ratios import hazard_ratios
from simulation.analysis.health_economics import (  # issue 14
    comparison_economics,
    economics_differences,
)
from simulation.analysis.statistics import (
    BOOTSTRAP_RESAMPLES,
    paired_difference,
    ratio_of_means,
    welch_difference,
)
from simulation.analysis.uncertainty import (
    INTERVALS,
    add_intervals,
    decision_sections,
    replicate_differences,
    scenario_intervals,
)
from simulation.running.parameter_draws import (
    PARAMETERS_AND_STOCHASTIC,
    ParameterDraws,
    check_uncertainty,
    default_posterior,
    plan_draws,
)
from simulation.running.pool import process_pool, run_each
from simulation.running.runner import RunResult, simulate
from simulation.running.seeds import comparison_seeds, replicate_seeds
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
    "drawn_jobs",
    "known_metrics",
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
    draws: ParameterDraws | None = None  # the posterior draw each replicate ran

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
    uncertainty: str = "stochastic",
    draws: ParameterDraws | None = None,
) -> dict:
    """The comparison document: per-scenario metrics, and each design against the baseline.

    Args:
        scenarios: the scenarios compared.
        results: each scenario's runs, by name.
        baseline: the baseline's name.
        seed: the master seed (also seeds the bootstrap).
        crn: the runs share seeds across scenarios (paired analysis).
        uncertainty: what the replicates varied: "parameters+stochastic" (each ran a posterior
            draw) or "stochastic".
        draws: the draws the replicates ran (with parameter uncertainty).

    Returns:
        The document `recovery-sim compare --json` prints (without seeds and files).
    """
    per_run = {n: [run_metrics_with_derived(r) for r in runs] for n, runs in results.items()}
    size = {s.name: s.population.size for s in scenarios}
    base = per_run[baseline]
    diff = paired_difference if crn else welch_difference
    parameters = uncertainty == PARAMETERS_AND_STOCHASTIC
    document: dict = {
        "baseline": baseline,
        "crn": crn,
        "uncertainty": uncertainty,
        "intervals": INTERVALS[uncertainty],
        "replicates": len(base),
        "seed": seed,
        "days": scenarios[0].days,
        "population": size,
        "scenarios": {n: scenario_intervals(runs, parameters) for n, runs in per_run.items()},
        "differences": {},
        "ratios": {},
        "hazard_ratios": {},
        "cost_effectiveness": {},
    }
    if draws is not None:
        document["parameter_draws"] = draws.describe()
    wtp = next(s for s in scenarios if s.name == baseline).economics.wtp_per_qaly  # issue 14
    values = {}
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
        values[name] = replicate_differences(
            runs, base, list(differences), wtp, size[name], size[baseline]
        )
        document["differences"][name] = add_intervals(differences, values[name], parameters)
        document["ratios"][name] = ratios
        document["cost_effectiveness"][name] = effect
        document["hazard_ratios"][name] = hazard_ratios(
            results[name], results[baseline], parameters
        )
    rate = scenarios[0].economics.discount_rate
    document["health_economics"] = comparison_economics(per_run, wtp, rate)  # issue 14
    table = draws.table() if draws is not None else None
    document |= decision_sections(per_run, values, table, wtp)
    return document


def drawn_jobs(
    scenarios: Sequence[Scenario],
    seed_lists: Sequence[Sequence[int]],
    draws: ParameterDraws | None,
) -> list[tuple[Scenario, int]]:
    """The (scenario, seed) jobs of a comparison: replicate i of every scenario runs draw i.

    Args:
        scenarios: the scenarios.
        seed_lists: per scenario, its replicate seeds.
        draws: the posterior draws (None: every replicate runs the scenario as written).

    Returns:
        One job per scenario and replicate, scenario by scenario.
    """
    return [
        (draws.scenario(s, i) if draws is not None else s, x)
        for s, seeds in zip(scenarios, seed_lists, strict=True)
        for i, x in enumerate(seeds)
    ]


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
    uncertainty: str = PARAMETERS_AND_STOCHASTIC,
    posterior: pd.DataFrame | None = None,
    stated: Mapping[str, Iterable[str]] | None = None,
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
        uncertainty: "parameters+stochastic" (each replicate runs a posterior draw, the same
            for every design) or "stochastic" (the scenarios as written).
        posterior: the ensemble to draw from (default: `load_posterior()`).
        stated: per scenario name, the dotted keys its file or `--set` states; they (and any
            key set away from its default) keep the scenario's value.

    Returns:
        The scenarios, seeds, runs and the analysis document.

    Raises:
        CompareError: the scenarios or the baseline cannot be compared as asked, or the
            designs serve different populations (unless allowed).
        RecoverySimError: an unknown `uncertainty`, or a posterior that cannot be drawn from.

    Example:
        >>> tau = Scenario(name="tau", days=30, population={"size": 100})
        >>> mentored = Scenario(name="mentored", days=30, population={"size": 100},
        ...                     mentoring={"enabled": True})
        >>> result = compare([tau, mentored], replicates=3, seed=1, workers=1,
        ...                  uncertainty="stochastic")
        >>> sorted(result.document["differences"])
        ['mentored']
    """
    check_uncertainty(uncertainty)
    scenarios, files = list(scenarios), list(files)
    stated = dict(stated or {})
    if baseline == COUNTERFACTUAL or len(scenarios) == 1:
        if not scenarios:
            check_scenarios(scenarios)
        scenarios, files = [counterfactual(scenarios[0]), *scenarios], ["", *files]
        baseline = scenarios[0].name
        stated.setdefault(baseline, stated.get(scenarios[1].name, ()))
    check_scenarios(scenarios)
    names = [s.name for s in scenarios]
    baseline_name = resolve_baseline(names, baseline, files)
    confounded = population_differences(scenarios, baseline_name)
    if not allow_different_populations:
        check_same_population(confounded, baseline_name)
    seed_lists = comparison_seeds(seed, replicates, len(scenarios), crn)
    draws = None
    if uncertainty == PARAMETERS_AND_STOCHASTIC:
        posterior = default_posterior() if posterior is None else posterior
        # Draws follow the shared replicate seeds, so --no-crn designs share them too.
        draws = plan_draws(scenarios, replicate_seeds(seed, replicates), posterior, stated)
    jobs = drawn_jobs(scenarios, seed_lists, draws)
    flat = run_all(jobs, workers=workers, executor=executor, on_done=on_done)
    results = {n: flat[i * replicates : (i + 1) * replicates] for i, n in enumerate(names)}
    document = analyse(scenarios, results, baseline_name, seed, crn, uncertainty, draws)
    seeds = dict(zip(names, seed_lists, strict=True))
    file_of = dict(zip(names, files, strict=False))  # files are optional from Python
    document["seeds"], document["files"] = seeds, file_of
    document["population_check"] = {
        "same_population": not confounded,
        "confounded": bool(confounded),
        "differences": confounded,
    }
    return Comparison(list(scenarios), seeds, results, document, file_of, draws)
