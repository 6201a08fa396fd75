"""The run plan: design points (base scenario x design row), runs and their seeds.

A design point is one base scenario with one row of factor values; `point_id` interleaves
scenarios (row 0 of every scenario, then row 1, ...). A run is a point and a replicate;
`run_id = replicate * points + point_id`, so runs are numbered replicate by replicate and
`--limit` looks at every point once before it repeats any. Seeds come from
(master seed, point, replicate) — or (master seed, replicate) with common random numbers —
so every run's numbers are the same whatever the executor, worker count or order
(`simulation.running.seeds.run_seed`).

With parameter uncertainty (the experiment's `uncertainty`, by default) replicate r of every
point runs the same posterior draw, chosen from the seed (master seed, replicate) whether or not
the points share seeds; the draw's values join the run's values, except the keys the experiment
varies or sets and the keys a base scenario pins (`simulation.running.parameter_draws`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.designs import Design, make_design
from simulation.experiments.loading import LoadedExperiment
from simulation.running.parameter_draws import (
    PARAMETERS_AND_STOCHASTIC,
    ParameterDraws,
    default_posterior,
    file_stated_keys,
    plan_draws,
)
from simulation.running.seeds import run_seed
from simulation.scenario.schema import Scenario


@dataclass(frozen=True)
class Run:
    """One run to do: ids, seed and what to run."""

    run_id: int
    point_id: int
    replicate: int
    seed: int
    scenario_index: int
    values: dict[str, Any]
    draw: Any = None  # the posterior draw's label, with parameter uncertainty


class Plan:
    """Every run of an experiment, enumerated lazily."""

    def __init__(
        self,
        experiment: LoadedExperiment,
        design: Design | None = None,
        posterior: pd.DataFrame | None = None,
    ):
        """Enumerate the experiment's points; with parameter uncertainty, plan the draws.

        Args:
            experiment: the loaded experiment.
            design: its design (default: made from the file).
            posterior: the ensemble to draw from (default: `load_posterior()`).
        """
        self.experiment = experiment
        self.design = design or make_design(experiment.spec, experiment.factors)
        self.scenarios: tuple[Scenario, ...] = experiment.scenarios
        self.factor_keys = [f.key for f in experiment.factors]
        self.replicates = experiment.spec.replicates
        self.points = len(self.design) * len(self.scenarios)
        self._columns = {k: self.design.values[k].tolist() for k in self.factor_keys}
        self.draws: ParameterDraws | None = None
        if experiment.spec.uncertainty == PARAMETERS_AND_STOCHASTIC:
            self.draws = self._plan_draws(default_posterior() if posterior is None else posterior)

    def _plan_draws(self, posterior: pd.DataFrame) -> ParameterDraws:
        spec = self.experiment.spec
        fixed = [*self.factor_keys, *spec.set]
        stated = {}
        files = self.experiment.scenario_files or tuple(
            self.experiment.path.parent / entry for entry in spec.scenarios
        )  # a bundled name's file, as loading resolved it
        for path, scenario in zip(files, self.scenarios, strict=True):
            stated[scenario.name] = fixed + (file_stated_keys(path) if path.exists() else [])
        seeds = [run_seed(spec.seed, 0, r, common=True) for r in range(self.replicates)]
        return plan_draws(self.scenarios, seeds, posterior, stated)

    @property
    def plan_hash(self) -> str:
        """The experiment's fingerprint, and the posterior's when runs draw from it.

        A results folder resumes only under the same fingerprint, so runs drawn from another
        ensemble are never mixed with these.
        """
        if self.draws is None:
            return self.experiment.plan_hash
        drawn = pd.util.hash_pandas_object(self.draws.posterior, index=True).to_numpy()
        text = self.experiment.plan_hash + hashlib.sha256(drawn.tobytes()).hexdigest()
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def total_runs(self) -> int:
        """Design points times replicates."""
        return self.points * self.replicates

    def point(self, point_id: int) -> tuple[int, int]:
        """(scenario index, design row) of a point."""
        return point_id % len(self.scenarios), point_id // len(self.scenarios)

    def point_table(self) -> pd.DataFrame:
        """One row per point: point_id, scenario, design_row, factor values, raw samples."""
        rows = len(self.design)
        frame = pd.DataFrame(
            {
                "point_id": np.arange(self.points, dtype=np.int64),
                "scenario": [s.name for s in self.scenarios] * rows,
                "design_row": np.repeat(np.arange(rows, dtype=np.int64), len(self.scenarios)),
            }
        )
        values = self.design.values.iloc[frame["design_row"]].reset_index(drop=True)
        samples = pd.DataFrame(
            self.design.samples[frame["design_row"]],
            columns=[f"sample:{k}" for k in self.factor_keys],
        )
        return pd.concat([frame, values, samples], axis=1)

    def run(self, run_id: int) -> Run:
        """The run with this id: its point, replicate, seed and factor values."""
        replicate, point_id = divmod(run_id, self.points)
        scenario_index, row = self.point(point_id)
        seed = run_seed(
            self.experiment.spec.seed,
            point_id,
            replicate,
            self.experiment.spec.common_random_numbers,
        )
        values = {k: self._columns[k][row] for k in self.factor_keys}
        if self.draws is None:
            return Run(run_id, point_id, replicate, seed, scenario_index, values)
        pinned = set(self.draws.pinned[self.scenarios[scenario_index].name])
        drawn = {k: v for k, v in self.draws.values(replicate).items() if k not in pinned}
        draw = self.draws.label(replicate)
        return Run(run_id, point_id, replicate, seed, scenario_index, values | drawn, draw)

    def runs(self, skip: Container[int] = (), limit: int | None = None) -> Iterator[Run]:
        """Runs in run_id order, leaving out `skip`, at most `limit` of them."""
        count = 0
        for run_id in range(self.total_runs):
            if limit is not None and count >= limit:
                return
            if run_id in skip:
                continue
            count += 1
            yield self.run(run_id)
