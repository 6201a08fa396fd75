"""The space-filling design of model evaluations the emulator learns from, run as an experiment.

The design is a Latin hypercube over the priors (`priors.PRIORS`: uniform, log-uniform for
rates and durations). Each design point is one call of `target_runs.evaluate_targets`: every
run all targets need, on one seed. The points go through the project's experiment machinery
(`simulation.experiments.run_experiment`) with `evaluate_targets` as its simulator, so the
design gets what every experiment gets: a results folder written batch by batch, `--resume`
after a kill (no run recorded twice), a local process pool or a Dask cluster, and progress.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import yaml

from simulation.calibration.priors import PRIORS, Prior, to_unit
from simulation.calibration.target_runs import BASELINE_DAYS, evaluate_targets, fit_targets
from simulation.experiments import run_experiment
from simulation.experiments.loading import FactorSpec, LoadedExperiment
from simulation.experiments.results_folder import MANIFEST, RUNS, read_dataset
from simulation.experiments.schema import Experiment
from simulation.experiments.session import Outcome
from simulation.scenario.files import BUNDLED_SCENARIOS, load_scenario

BASELINE = BUNDLED_SCENARIOS / "treatment_as_usual.yaml"


@dataclass(frozen=True)
class DesignSettings:
    """What decides the design's runs (a change starts a new design, never mixes two)."""

    points: int = 320
    population: int = 500
    seed: int = 20261202


def design_experiment(
    settings: DesignSettings, folder: Path, priors: tuple[Prior, ...] = PRIORS
) -> LoadedExperiment:
    """The design as an experiment: treatment as usual, a factor per prior, one run per point.

    Args:
        settings: points, participants per run and master seed.
        folder: the results folder (named in the experiment's record).
        priors: the parameters and their ranges.

    Returns:
        The experiment, ready for `run_experiment`; its metrics are the target ids.
    """
    targets = [t.id for t in fit_targets()]
    fixed = {"population.size": settings.population, "days": BASELINE_DAYS}
    data = {
        "name": "posterior_design",
        "description": "Latin hypercube over the posterior's priors; each run evaluates every "
        "calibration target (simulation.calibration.target_runs.evaluate_targets).",
        "scenarios": [str(BASELINE)],
        "set": fixed,
        "factors": {
            p.key: {"range": [p.low, p.high], "scale": "log" if p.log else "linear"} for p in priors
        },
        "design": {"kind": "lhs", "points": settings.points},
        "replicates": 1,
        "seed": settings.seed,
    }
    # Target ids are not model metrics: set after validation (the rows hold them as metrics).
    spec = Experiment.model_validate(data).model_copy(update={"metrics": targets})
    text = yaml.safe_dump({**data, "metrics": targets}, sort_keys=False)
    factors = tuple(
        FactorSpec(p.key, "float", None, p.low, p.high, "log" if p.log else "linear")
        for p in priors
    )
    scenario = load_scenario(BASELINE, fixed)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return LoadedExperiment(
        spec, folder / "posterior_design.yaml", text, digest, (scenario,), factors
    )


def run_design(
    folder: str | Path,
    settings: DesignSettings,
    *,
    workers: int | None = None,
    dask_local: int | None = None,
    dask_scheduler: str | None = None,
    limit: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Run the design's unfinished points into `folder` (resuming what is there).

    Args:
        folder: the design's results folder.
        settings: the design.
        workers: local worker processes (0: this process; default: every core).
        dask_local: run on a new Dask LocalCluster of this many workers.
        dask_scheduler: run on the Dask cluster at this address.
        limit: run at most this many points now.
        on_progress: `on_progress(runs, failed)` after each finished batch.

    Returns:
        The experiment session's outcome.

    Raises:
        ExperimentError: the folder holds another design (other settings) or is in use.
    """
    folder = Path(folder)
    experiment = design_experiment(settings, folder)
    return run_experiment(
        experiment,
        out=folder,
        workers=workers,
        dask_local=dask_local,
        dask_scheduler=dask_scheduler,
        resume=(folder / MANIFEST).exists(),
        limit=limit,
        on_progress=on_progress,
        simulator=evaluate_targets,
    )


def read_design(
    folder: str | Path, priors: tuple[Prior, ...] = PRIORS
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The design's finished points: parameter values, their unit-cube positions, target values.

    Args:
        folder: the design's results folder.
        priors: the priors the design was drawn from.

    Returns:
        (values, unit positions, target values), one row per successful run, by point.
    """
    targets = [t.id for t in fit_targets()]
    runs, _ = read_dataset(Path(folder) / RUNS, ("run_id", "status"))
    if runs is None:
        empty = pd.DataFrame(columns=[p.key for p in priors])
        return empty, empty.copy(), pd.DataFrame(columns=targets)
    runs = runs[runs["status"] == "ok"].drop_duplicates("run_id").sort_values("point_id")
    runs = runs.reset_index(drop=True)
    values = runs[[p.key for p in priors]].astype(float)
    unit = pd.DataFrame(to_unit(values, priors), columns=values.columns)
    return values, unit, runs[targets].astype(float)


def settings_dict(settings: DesignSettings) -> dict:
    """The settings as a plain mapping (for provenance)."""
    return asdict(settings)
