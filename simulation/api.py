"""The Python API behind the command line: run, compare and read results from your own code.

`recovery-sim run` and `recovery-sim compare` are thin layers over `run_scenario` and
`compare_scenarios`; everything they print or write is here as Python objects and pandas
DataFrames. Import these names from `simulation` (see `docs/api.md`), not from this module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulation.errors import ExperimentError, ScenarioError
from simulation.results import ComparisonSummary, RunSummary
from simulation.running.parameter_draws import (
    PARAMETERS_AND_STOCHASTIC,
    check_uncertainty,
    default_posterior,
    file_stated_keys,
    plan_draws,
    stated_keys,
)
from simulation.running.pool import run_each
from simulation.running.runner import RunResult, replicate_seeds, simulate
from simulation.scenario.arguments import (
    MAX_REPLICATES,
    check_callback,
    check_flag,
    check_overrides,
    check_path,
    check_seed,
    check_whole,
    check_workers,
)
from simulation.scenario.files import (
    bundled_scenarios,
    load_scenario,
    scenario_from_dict,
)
from simulation.scenario.schema import Scenario

if TYPE_CHECKING:
    pass

#: What `run_scenario`, `compare_scenarios` and `evaluate` accept as a scenario.
ScenarioLike = Scenario | str | Path | Mapping[str, Any]
Overrides = Mapping[str, Any] | Iterable[str] | None


def resolve_scenario(
    scenario: ScenarioLike,
    overrides: Overrides = None,
    where: str = "resolve_scenario()",
    name: str = "scenario",
) -> Scenario:
    """A validated Scenario from a Scenario, a file path, a bundled scenario's name or a dict.

    Args:
        scenario: a `Scenario`; a path to a YAML file; the name of a bundled scenario
            (`"community_peer_mentoring"`, see `bundled_scenarios()`); or a nested dict.
        overrides: scenario keys to set, as a dict (`{"population.size": 500}`; dotted or
            double-underscore keys, or a section name with a dict) or `"key=value"` strings.
        where: the function named in errors about the arguments.
        name: the argument `scenario` was given as, for errors.

    Returns:
        The scenario with the overrides applied, validated.

    Raises:
        ScenarioError: the file is missing or invalid, a key is unknown or a value not allowed,
            or an argument is of the wrong type (errors about overrides name "overrides").

    Example:
        >>> resolve_scenario("community_peer_mentoring", {"population.size": 300}).population.size
        300
    """
    overrides = check_overrides(overrides, where)
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        return scenario_from_dict(
            scenario.model_dump(), overrides, source=scenario.name, override_source="overrides"
        )
    if isinstance(scenario, Mapping):
        return scenario_from_dict(scenario, overrides, override_source="overrides")
    if not isinstance(scenario, str | Path):
        raise ScenarioError(
            where,
            name,
            scenario,
            problem=f"is of type {type(scenario).__name__}, not a scenario",
            allowed="a Scenario, a path to a YAML file, a bundled scenario's name or a dict",
        )
    path = check_path(scenario, where, name)
    if path.suffix in (".yaml", ".yml") or os.path.exists(path):
        return load_scenario(path, overrides, override_source="overrides")
    bundled = {p.stem: p for p in bundled_scenarios()}
    if str(scenario) in bundled:
        return load_scenario(bundled[str(scenario)], overrides, override_source="overrides")
    raise ScenarioError(
        str(scenario),
        "",
        problem="is neither a scenario file nor the name of a bundled scenario",
        allowed="a path to a YAML file, or one of " + ", ".join(bundled),
    )


def run_scenario(
    scenario: ScenarioLike,
    replicates: int = 1,
    seed: int = 0,
    overrides: Overrides = None,
    workers: int | None = 1,
    on_done: Callable[[RunResult], None] | None = None,
    uncertainty: str = PARAMETERS_AND_STOCHASTIC,
    posterior: pd.DataFrame | None = None,
    stated: Iterable[str] = (),
) -> RunSummary:
    """Run a scenario for `replicates` seeded replicates, as `recovery-sim run` does.

    Args:
        scenario: a `Scenario`, a YAML path, a bundled scenario's name or a dict.
        replicates: independent runs; their seeds derive from `seed`.
        seed: the master seed. The same (scenario, seed, replicates) gives the same numbers.
        overrides: scenario keys to set, e.g. `{"population.size": 500, "days": 90}`.
        workers: processes to run replicates in. 1 (the default) runs in this process; None uses
            every core (then guard a script's top level with `if __name__ == "__main__":`).
        on_done: called with each finished `RunResult` (for progress bars).
        uncertainty: "parameters+stochastic" (the default: each replicate runs the posterior
            draw its seed chooses, so intervals span plausible worlds) or "stochastic" (the
            scenario's own parameters, run-to-run variation only).
        posterior: the ensemble to draw from (default: `load_posterior()`).
        stated: dotted keys the scenario's file or overrides state: they keep their values
            (so does any key set away from its default).

    Returns:
        A `RunSummary` with `.metrics`, `.daily` (tidy DataFrames) and `.summary`.

    Raises:
        ScenarioError: the scenario or an override is invalid, or an argument is out of range
            (replicates < 1, a negative seed, workers < 1...).
        RecoverySimError: an unknown `uncertainty`, or a posterior that cannot be drawn from.

    Example:
        >>> run = run_scenario("community_peer_mentoring", replicates=2, seed=1,
        ...                    overrides={"population.size": 100, "days": 30},
        ...                    uncertainty="stochastic")
        >>> list(run.daily.columns[:4])
        ['scenario', 'replicate', 'seed', 'day']
        >>> 0 <= run.summary["metrics"]["lapse_free_30"]["mean"] <= 1
        True
    """
    where = "run_scenario()"
    replicates = check_whole(replicates, where, "replicates", minimum=1, maximum=MAX_REPLICATES)
    seed = check_seed(seed, where)
    workers = check_workers(workers, where)
    check_callback(on_done, where, "on_done")
    resolved = resolve_scenario(scenario, overrides, where)
    seeds = replicate_seeds(seed, replicates)
    draws = None
    if check_uncertainty(uncertainty, "uncertainty") == PARAMETERS_AND_STOCHASTIC:
        keys = [*stated, *_override_keys(overrides), *_stated_in(scenario)]
        ensemble = default_posterior() if posterior is None else posterior
        draws = plan_draws([resolved], seeds, ensemble, {resolved.name: keys})
    jobs = [
        (resolved if draws is None else draws.scenario(resolved, i), s) for i, s in enumerate(seeds)
    ]
    results = run_each(simulate, jobs, workers, None, on_done)
    return RunSummary(resolved, seed, seeds, results, draws)


def _stated_in(scenario: ScenarioLike) -> list[str]:
    """The dotted keys a scenario argument states: its file's (after `extends:`) or its dict's."""
    if isinstance(scenario, Mapping):
        return stated_keys(scenario)
    if isinstance(scenario, str | Path):
        return file_stated_keys(scenario)
    return []  # a Scenario object: keys set away from their defaults are pinned


def _override_keys(overrides: Overrides) -> list[str]:
    """The dotted keys an `overrides` argument sets (they are pinned against the draws)."""
    if not overrides:
        return []
    if isinstance(overrides, Mapping):
        return [str(k).replace("__", ".") for k in overrides]
    return [str(text).partition("=")[0].strip().replace("__", ".") for text in overrides]


def compare_scenarios(
    scenarios: Sequence[ScenarioLike],
    baseline: str | None = None,
    replicates: int = 10,
    seed: int = 0,
    overrides: Overrides = None,
    crn: bool = True,
    workers: int | None = 1,
    on_done: Callable[[RunResult], None] | None = None,
    allow_different_populations: bool = False,
    uncertainty: str = PARAMETERS_AND_STOCHASTIC,
    posterior: pd.DataFrame | None = None,
) -> ComparisonSummary:
    """Compare designs with a baseline, as `recovery-sim compare` does.

    Every scenario runs the same replicate seeds (common random numbers) unless `crn=False`,
    and by default replicate i of every design runs the same posterior parameter draw; each
    design gets differences with a total and a run-to-run 95% interval, ratios, per-replicate
    hazard ratios, relapses averted per 100 participants and the cost per relapse averted;
    the document adds how often each design is best, the acceptability curve, the EVPI and
    the parameters that drive each difference (docs/compare.md).

    Args:
        scenarios: scenarios (Scenario, path, bundled name or dict) serving one population;
            names differ. One design alone is compared with its counterfactual.
        baseline: the name (or file) of the baseline; default the first scenario;
            "counterfactual": the designs' population without any program.
        replicates: runs of every scenario.
        seed: the master seed.
        overrides: scenario keys set in every scenario, e.g. `{"population.size": 2000}`.
        crn: common random numbers (paired designs, narrower intervals).
        workers: processes; 1 runs in this process, None uses every core.
        on_done: called with each finished `RunResult`.
        allow_different_populations: compare designs serving different populations anyway
            (the document's `population_check` flags it).
        uncertainty: "parameters+stochastic" (the default) or "stochastic" (the scenarios'
            own parameters, run-to-run variation only).
        posterior: the ensemble to draw from (default: `load_posterior()`).

    Returns:
        A `ComparisonSummary`: `.estimates`, `.differences`, `.metrics`, `.daily`, `.document`.

    Raises:
        ScenarioError: a scenario or an override is invalid, or an argument is out of range
            (replicates < 2, a negative seed, workers < 1...).
        CompareError: no scenario, shared names, unequal days, unknown baseline, or designs
            serving different populations (unless allowed).
        RecoverySimError: an unknown `uncertainty`, or a posterior that cannot be drawn from.

    Example:
        >>> result = compare_scenarios(["treatment_as_usual", "community_peer_mentoring"],
        ...                            replicates=3, overrides={"population.size": 100,
        ...                                                     "days": 30},
        ...                            uncertainty="stochastic")
        >>> set(result.estimates["scenario"]) == {"treatment_as_usual",
        ...                                       "community_peer_mentoring"}
        True
    """
    from simulation.analysis.compare import compare

    where = "compare_scenarios()"
    if isinstance(scenarios, str | Path | Mapping | Scenario) or not isinstance(
        scenarios, Sequence
    ):
        raise ScenarioError(
            where,
            "scenarios",
            scenarios,
            allowed="a list of scenarios (Scenario, path, bundled name or dict)",
        )
    resolved = [
        resolve_scenario(s, overrides, where, f"scenarios[{i}]") for i, s in enumerate(scenarios)
    ]
    if baseline is not None and not isinstance(baseline, str | Path):
        raise ScenarioError(
            where, "baseline", baseline, allowed="None (the first) or a scenario's name or file"
        )
    baseline = None if baseline is None else str(baseline)
    replicates = check_whole(replicates, where, "replicates", minimum=2, maximum=MAX_REPLICATES)
    seed = check_seed(seed, where)
    crn = check_flag(crn, where, "crn")
    workers = check_workers(workers, where)
    check_callback(on_done, where, "on_done")
    files = [str(s) for s in scenarios if isinstance(s, str | Path) and Path(s).is_file()]
    comparison = compare(
        resolved,
        baseline=baseline,
        replicates=replicates,
        seed=seed,
        crn=crn,
        workers=workers,
        files=files if len(files) == len(resolved) else (),
        on_done=on_done,
        allow_different_populations=check_flag(
            allow_different_populations, where, "allow_different_populations"
        ),
        uncertainty=check_uncertainty(uncertainty, "uncertainty"),
        posterior=posterior,
        stated={
            r.name: _override_keys(overrides) + _stated_in(s)
            for r, s in zip(resolved, scenarios, strict=True)
        },
    )
    return ComparisonSummary(comparison)


def load_results(
    folder: str | Path, *, daily: bool = False, include_failed: bool = False
) -> pd.DataFrame:
    """An experiment's results folder as one tidy DataFrame.

    Args:
        folder: the `--out` folder of `recovery-sim experiment` (or of `run_experiment`).
        daily: False (default) gives one row per run: `run_id`, `point_id`, `replicate`,
            `seed`, `scenario`, the factor values, the metrics, `status`. True gives one row per
            run and day, the daily series joined with each run's ids and factor values (the
            experiment must have kept them: `daily: true`).
        include_failed: keep runs that failed (their metrics are NaN, `error` says why).

    Returns:
        The table; `frame.attrs["manifest"]` holds the experiment's manifest.

    Raises:
        ExperimentError: the folder is not a results folder, or holds no (daily) runs yet.
        ScenarioError: `folder` is not a path, or `daily`/`include_failed` not True or False.

    Example:
        >>> runs = load_results("results/caseload_training")          # doctest: +SKIP
        >>> runs.groupby("mentoring.caseload_cap")["relapse_rate_365"].mean()  # doctest: +SKIP
    """
    import warnings

    from simulation.experiments.results_folder import (
        DAILY,
        MANIFEST,
        RUNS,
        read_dataset,
        read_manifest,
    )

    folder = check_path(folder, "load_results()", "folder")
    daily = check_flag(daily, "load_results()", "daily")
    include_failed = check_flag(include_failed, "load_results()", "include_failed")
    if not (folder / MANIFEST).exists():
        raise ExperimentError(
            str(folder),
            "",
            problem="is not an experiment results folder (no manifest.json)",
            allowed="the --out folder of `recovery-sim experiment`",
        )
    manifest = read_manifest(folder)
    if not any((folder / RUNS).glob("*.parquet")):
        raise ExperimentError(str(folder), "", problem="holds no finished runs yet")
    runs, damaged = read_dataset(folder / RUNS, ("run_id", "status"))
    for text in damaged:
        warnings.warn(text, stacklevel=2)
    if runs is None:
        raise ExperimentError(str(folder), "", problem="holds no readable runs")
    runs = runs.sort_values("run_id").reset_index(drop=True)
    if not include_failed:
        runs = runs[runs["status"] == "ok"].reset_index(drop=True)
    if daily:
        if not any((folder / DAILY).glob("*.parquet")):
            raise ExperimentError(
                str(folder),
                "daily",
                problem="holds no daily series",
                allowed="an experiment run with `daily: true`",
            )
        series, damaged = read_dataset(folder / DAILY, ("run_id", "day"))
        for text in damaged:
            warnings.warn(text, stacklevel=2)
        if series is None:
            raise ExperimentError(str(folder), "daily", problem="holds no readable daily series")
        ids = [c for c in runs.columns if c not in manifest.get("metrics", [])]
        ids = [c for c in ids if c not in ("status", "error", "attempts")]
        runs = runs[ids].merge(series, on="run_id", how="inner")
        runs = runs.sort_values(["run_id", "day"]).reset_index(drop=True)
    runs.attrs["manifest"] = manifest
    return runs
