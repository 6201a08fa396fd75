"""The run plan: design points (base scenario x design row), runs and their seeds.

A design point is one base scenario with one row of factor values; `point_id` interleaves
scenarios (row 0 of every scenario, then row 1, ...). A run is a point and a replicate;
`run_id = replicate * points + point_id`, so runs are numbered replicate by replicate and
`--limit` looks at every point once before it repeats any. Seeds come from
(master seed, point, replicate) — or (master seed, replicate) with common random numbers —
so every run's numbers are the same whatever the executor, worker count or order
(`simulation.running.seeds.run_seed`).
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.designs import Design, make_design
from simulation.experiments.loading import LoadedExperiment
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


class Plan:
    """Every run of an experiment, enumerated lazily."""

    def __init__(self, experiment: LoadedExperiment, design: Design | None = None):
        self.experiment = experiment
        self.design = design or make_design(experiment.spec, experiment.factors)
        self.scenarios: tuple[Scenario, ...] = experiment.scenarios
        self.factor_keys = [f.key for f in experiment.factors]
        self.replicates = experiment.spec.replicates
        self.points = len(self.design) * len(self.scenarios)
        self._columns = {k: self.design.values[k].tolist() for k in self.factor_keys}

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
        return Run(run_id, point_id, replicate, seed, scenario_index, values)

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
