"""The best program for a budget: a multi-objective search over the program levers (Optuna).

Each trial picks lever values (Optuna's multi-objective TPE sampler), runs the design on the
same replicate seeds as the population without a program, and scores it on two objectives:
relapses averted per 100 participants (maximised) and cost per participant (minimised), with
the budget as a constraint (cost - budget <= 0). The trials live in an Optuna RDB storage
(SQLite in the output folder), so a killed search continues where it stopped.

By default (`uncertainty="parameters+stochastic"`, as in `compare`) replicate i of the baseline
and of every candidate runs the same posterior parameter draw, so a design's interval spans
plausible worlds as well as chance; `"stochastic"` runs the fitted parameters only.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import warnings
from collections.abc import Callable, Mapping
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import optuna
import pandas as pd
import sqlalchemy

from simulation.analysis.uncertainty import INTERVALS
from simulation.api import ScenarioLike, resolve_scenario
from simulation.design.evaluation import measure, program_free, run_arm, search_draws
from simulation.design.frontier import AVERTED, COST, DESIGN, best, completed, design_row, pareto
from simulation.design.levers import Lever, load_levers
from simulation.errors import RecoverySimError
from simulation.running.parameter_draws import (
    PARAMETERS_AND_STOCHASTIC,
    check_uncertainty,
    default_posterior,
    file_stated_keys,
    posterior_identity,
)
from simulation.running.pool import choose_backend
from simulation.running.result_files import to_jsonable, write_json
from simulation.running.runner import replicate_seeds
from simulation.scenario.files import scenario_yaml

#: The study's file in the output folder, and its name inside it.
STUDY_FILE, STUDY_NAME = "optimize.db", "optimize"
#: Trials Optuna samples at random before its model of the objectives takes over (its default
#: is 10; fewer for short searches so most trials are guided).
STARTUP_TRIALS = 10


class DesignError(RecoverySimError):
    """A design search cannot run as asked (arguments, or a stored search that differs)."""


@dataclass
class DesignSearch:
    """A finished (or resumed) design search.

    Attributes:
        document: what `recovery-sim optimize --json` prints: settings, `baseline`, `levers`,
            `best` and `pareto`.
        study: the Optuna study with every trial.
        files: the files written (`study`, `frontier`, `best_scenario`, `optimize_json`).

    Example:
        >>> search = optimize_design("community_peer_mentoring", 2000,
        ...                          out="results/best_2000")        # doctest: +SKIP
        >>> [(d["cost_per_participant"], d["relapses_averted_per_100"]["mean"])
        ...  for d in search.pareto]                                 # doctest: +SKIP
    """

    document: dict[str, Any]
    study: optuna.Study = field(repr=False)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def best(self) -> dict[str, Any] | None:
        """The design within the budget that averts the most relapses, or None."""
        return self.document["best"]

    @property
    def pareto(self) -> list[dict[str, Any]]:
        """The non-dominated designs within the budget, cheapest first."""
        return self.document["pareto"]


def optimize_design(
    scenario: ScenarioLike,
    budget_per_participant: float,
    levers: str | Path | None = None,
    trials: int = 30,
    population: int | None = None,
    days: int | None = None,
    replicates: int = 3,
    seed: int = 0,
    workers: int | None = 1,
    dask_scheduler: str | None = None,
    out: str | Path | None = None,
    on_trial: Callable[[int, dict[str, Any] | None], None] | None = None,
    uncertainty: str = PARAMETERS_AND_STOCHASTIC,
    posterior: pd.DataFrame | None = None,
    dask_local: int | None = None,
) -> DesignSearch:
    """Search the program levers for the best design within a budget per participant.

    Args:
        scenario: the program to improve: a scenario file, a bundled scenario's name
            (`"community_peer_mentoring"`), a `Scenario` or a dict.
        budget_per_participant: the most the program may cost per cohort member (US dollars).
        levers: a levers file (see `simulation.design.levers`); None searches `DEFAULT_LEVERS`.
        trials: designs to evaluate in total; a resumed search runs only the missing ones.
        population: participants per run (default: the scenario's); smaller is faster.
        days: days per run (default: the scenario's).
        replicates: runs of every design, on the same seeds as the baseline.
        seed: master seed of the replicate seeds and of the sampler.
        workers: processes for the replicates; 1 runs in this process, None uses every core
            (not used with `dask_scheduler` or `dask_local`).
        dask_scheduler: the address of a running Dask scheduler to run replicates on instead.
        out: folder for the study (`optimize.db`), `optimize.json`, `frontier.png` and
            `best_design.yaml`; an existing study there with the same settings continues.
            None keeps the study in memory and writes nothing.
        on_trial: called after each trial with (trials done, best design so far or None).
        uncertainty: "parameters+stochastic" (the default, as in `compare`: replicate i of the
            baseline and of every candidate runs the posterior draw its seed chooses, so the
            intervals span plausible worlds too) or "stochastic" (the fitted parameters,
            run-to-run variation only).
        posterior: the ensemble to draw from (default: `load_posterior()`); its identity is
            part of the search's settings.
        dask_local: start a Dask LocalCluster of this many worker processes and run on it.

    Returns:
        A `DesignSearch`: `.best`, `.pareto`, `.document`, `.study`, `.files`.

    Raises:
        ScenarioError: the scenario or a levers file is invalid.
        DesignError: a bad argument, or `out` holds a search with other settings.
        RecoverySimError: an unknown `uncertainty`, or a posterior that cannot be drawn from.

    Example:
        >>> search = optimize_design("community_peer_mentoring", 2000, trials=3,
        ...                          population=100, days=30, replicates=2)
        >>> len(search.document["all_designs"]), search.best["within_budget"]
        (3, True)
    """
    _check_arguments(budget_per_participant, trials, replicates, workers, dask_local)
    if dask_local is not None and dask_scheduler is not None:
        raise DesignError(
            "optimize: dask_local and dask_scheduler exclude each other; allowed: one of them."
        )
    check_uncertainty(uncertainty, "optimize: uncertainty")
    base_file = _scenario_file(scenario)
    start = resolve_scenario(scenario)
    sized = {"population.size": population, "days": days}
    base = resolve_scenario(start, {k: v for k, v in sized.items() if v is not None})
    space = load_levers(levers, base)
    _check_program(base, space, str(levers or "the default levers"))
    settings = {
        "scenario": base.name,
        # An edited scenario file is another search, even under the same name.
        "scenario_sha256": hashlib.sha256(scenario_yaml(base).encode()).hexdigest(),
        "budget_per_participant": float(budget_per_participant),
        "population": base.population.size,
        "days": base.days,
        "replicates": replicates,
        "seed": seed,
        "levers": [lever.document for lever in space],
        "uncertainty": uncertainty,
        "posterior": None,
    }
    seeds = replicate_seeds(seed, replicates)
    draws = None
    if uncertainty == PARAMETERS_AND_STOCHASTIC:
        posterior = default_posterior() if posterior is None else posterior
        sizes = [f"{k}={v}" for k, v in sized.items() if v is not None]
        stated = file_stated_keys(base_file, sizes) if base_file else []
        draws = search_draws(base, seeds, posterior, [*stated, *(lv.key for lv in space)])
        # Another ensemble is another search: the draws, and so every number, differ.
        settings["posterior"] = posterior_identity(draws.posterior)
    study = _open_study(out, settings, seed, trials)
    local = dask_scheduler is None and dask_local is None
    backend = choose_backend(
        workers=(0 if workers == 1 else workers) if local else None,
        dask_local=dask_local,
        dask_scheduler=dask_scheduler,
    )
    with backend as chosen:
        baseline = run_arm(program_free(base), seeds, chosen.executor, draws)

        def objective(trial: optuna.Trial) -> tuple[float, float]:
            values = {lever.key: lever.suggest(trial) for lever in space}
            result = measure(base, values, baseline, seeds, chosen.executor, draws)
            trial.set_user_attr(DESIGN, values)
            trial.set_user_attr(COST, result.cost_per_participant)
            trial.set_user_attr(AVERTED, to_jsonable(result.averted))
            trial.set_constraint("budget", result.cost_per_participant - budget_per_participant)
            return float(result.averted["mean"]), result.cost_per_participant

        def report(study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
            if on_trial is not None:
                on_trial(len(completed(study)), best(pareto(study, budget_per_participant)))

        remaining = max(0, trials - len(completed(study)))
        study.optimize(objective, n_trials=remaining, callbacks=[report], catch=())
    document = _document(study, settings, space, baseline, base_file)
    if draws is not None:
        document["parameter_draws"] = to_jsonable(draws.describe())
    search = DesignSearch(document, study)
    if out is not None:
        _write_outputs(search, Path(out), start, base_file)
    return search


def _check_arguments(
    budget: float, trials: int, replicates: int, workers: int | None, dask_local: int | None
) -> None:
    problems = []
    if not budget > 0:
        problems.append(f"--budget-per-participant = {budget!r}: a cost in dollars above 0")
    if trials < 1:
        problems.append(f"--trials = {trials!r}: a whole number >= 1")
    if replicates < 1:
        problems.append(f"--replicates = {replicates!r}: a whole number >= 1")
    if workers is not None and workers < 1:
        problems.append(f"--workers = {workers!r}: a whole number >= 1")
    if dask_local is not None and dask_local < 1:
        problems.append(f"--dask-local = {dask_local!r}: a whole number >= 1")
    if problems:
        raise DesignError("optimize: not allowed: " + "; ".join(problems) + ".")


def _check_program(base: Any, space: list[Lever], source: str) -> None:
    """Mentoring levers move nothing in a scenario without mentoring: say so, do not guess."""
    mentoring = [lever.key for lever in space if lever.key.startswith("mentoring.")]
    enabled = next((lever for lever in space if lever.key == "mentoring.enabled"), None)
    if mentoring and not base.mentoring.enabled and enabled is None:
        raise DesignError(
            f"optimize: {base.name} has mentoring.enabled = false, so the mentoring levers of "
            f"{source} ({', '.join(mentoring)}) would change nothing; allowed: a scenario "
            "with a mentoring program (e.g. community_peer_mentoring), or a levers file that "
            "adds `mentoring.enabled: [true]`."
        )


def _scenario_file(scenario: ScenarioLike) -> Path | None:
    """The file a scenario came from (a path or a bundled name), or None."""
    from simulation.scenario.files import bundled_scenarios

    if isinstance(scenario, str | Path):
        path = Path(scenario)
        if path.is_file():
            return path
        bundled = {p.stem: p for p in bundled_scenarios()}
        return bundled.get(str(scenario))
    return None


def _open_study(
    out: str | Path | None, settings: dict[str, Any], seed: int, trials: int
) -> optuna.Study:
    """A new study, or the stored one in `out` when its settings are these."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(
        seed=seed, n_startup_trials=min(STARTUP_TRIALS, max(2, trials // 3))
    )
    storage = None
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():  # the heartbeat is "experimental" since Optuna 2.9
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            storage = optuna.storages.RDBStorage(
                f"sqlite:///{Path(out).resolve() / STUDY_FILE}",
                # With a heartbeat, Optuna marks a killed run's unfinished trial failed on resume.
                heartbeat_interval=5,
            )
    study = optuna.create_study(
        study_name=STUDY_NAME,
        storage=storage,
        sampler=sampler,
        directions=["maximize", "minimize"],
        load_if_exists=True,
    )
    stored = study.user_attrs.get("settings")
    if stored is None:
        study.set_user_attr("settings", to_jsonable(settings))
    elif stored != to_jsonable(settings):
        changed = [k for k in settings if stored.get(k) != to_jsonable(settings)[k]]
        raise DesignError(
            f"{Path(out) / STUDY_FILE}: holds a search with other settings "
            f"({', '.join(changed)}); allowed: the same scenario (and file contents), budget, "
            "population, days, replicates, seed, levers, uncertainty and posterior ensemble "
            "to continue it, or another --out for a new search."
        )
    return study


def _document(
    study: optuna.Study,
    settings: dict[str, Any],
    space: list[Lever],
    baseline: Any,
    base_file: Path | None,
) -> dict[str, Any]:
    budget = settings["budget_per_participant"]
    front = pareto(study, budget)
    done = completed(study)
    return to_jsonable(
        {
            **{k: v for k, v in settings.items() if k != "levers"},
            "scenario_file": str(base_file) if base_file else None,
            "trials": len(done),
            # What `relapses_averted_per_100`'s intervals include, in the words of `compare`.
            "intervals": INTERVALS[settings["uncertainty"]],
            "baseline": {
                "description": "the same population and seeds without mentoring, meetings "
                "or campaign",
                "relapsed_per_100": float(baseline.relapsed_per_100.mean()),
                COST: float(baseline.cost_per_participant.mean()),
            },
            "levers": [lever.document for lever in space],
            "best": best(front),
            "pareto": front,
            "all_designs": [design_row(t, budget) for t in done],
        }
    )


def _write_outputs(search: DesignSearch, out: Path, start: Any, base_file: Path | None) -> None:
    from simulation.design.figures import frontier_figure
    from simulation.design.scenario_file import write_design_scenario

    doc = search.document
    files = {"study": str(out / STUDY_FILE)}
    files["frontier"] = str(frontier_figure(doc, out / "frontier.png"))
    chosen = doc["best"]
    if chosen is not None:
        averted = chosen[AVERTED]
        interval = averted.get("ci95")
        header = (
            f"The best design found by `recovery-sim optimize` for "
            f"${doc['budget_per_participant']:,.0f} per participant\n"
            f"({doc['trials']} trials; {doc['replicates']} replicates of "
            f"{doc['population']} participants for {doc['days']} days; seed {doc['seed']};\n"
            f"uncertainty: {doc['uncertainty']}).\n"
            f"Cost per participant ${chosen[COST]:,.0f}; relapses averted per 100: "
            f"{averted['mean']:.1f}"
            + (f" (95% interval {interval[0]:.1f} to {interval[1]:.1f})" if interval else "")
            + "\nagainst the same population without the program."
        )
        name = f"{start.name}_best_{doc['budget_per_participant']:.0f}"
        path = write_design_scenario(
            out / "best_design.yaml", start, base_file, chosen["overrides"], name, header
        )
        files["best_scenario"] = str(path)
    search.files = files | {"optimize_json": str(out / "optimize.json")}
    doc["files"] = search.files
    write_json(out / "optimize.json", doc)


def stored_trials(out: str | Path) -> int:
    """How many finished trials the study in `out` holds (0 when there is none)."""
    path = Path(out) / STUDY_FILE
    if not path.exists():
        return 0
    # Optuna must never write here: the search writing the file may be creating its tables;
    # RDBStorage stamps its version rows even with skip_table_creation, and two stamping at once
    # made the *writer* fail ("UNIQUE constraint failed: alembic_version"). Read-only mode makes
    # such a write fail here, in the reader, where it only means "not ready yet".
    _undo_interrupted_write(path)
    url = f"sqlite:///file:{quote(str(path.resolve()))}?mode=ro&uri=true"
    try:
        storage = optuna.storages.RDBStorage(
            url, skip_compatibility_check=True, skip_table_creation=True
        )
        study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
    except (KeyError, sqlalchemy.exc.OperationalError, optuna.exceptions.StorageInternalError):
        return 0  # no study, no tables or no version rows in it yet
    return len(completed(study))


def _undo_interrupted_write(path: Path) -> None:
    """Roll back a search killed mid-write (its hot journal), as its next run would.

    A read-only reader cannot (SQLite refuses to read: the study would count as empty); a plain
    connection does on its first read and writes nothing else. A live writer's journal is not
    hot, so then this only reads, or times out on its lock and the reader says "not ready yet".
    """
    journal = path.with_name(path.name + "-journal")
    if journal.exists() and journal.stat().st_size:
        with suppress(sqlite3.Error), closing(sqlite3.connect(path, timeout=1.0)) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()


def document_json(document: Mapping[str, Any]) -> str:
    """The search's document as indented JSON."""
    return json.dumps(to_jsonable(document), indent=2)
