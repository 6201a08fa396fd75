"""Designs: which factor values to run. Each design is one small sampler.

- factorial: every combination of levels (itertools.product);
- lhs: a Latin hypercube (scipy.stats.qmc.LatinHypercube) scaled to the ranges;
- sobol: Saltelli's extension of Sobol' sequences (SALib.sample.sobol), for Sobol indices;
- morris: Morris trajectories (SALib.sample.morris), for elementary-effects screening.

Samplers work in the SALib problem space: a range is [low, high] (or [log low, log high] on a
log scale) and a factor given as levels is [0, number of levels), read back by flooring to a
level index. Designs are seeded from the experiment's master seed, so they are reproducible.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from simulation.experiments.design_size import (  # noqa: F401 - expected_rows re-exported
    check_design_size,
    expected_rows,
)
from simulation.experiments.loading import FactorSpec
from simulation.experiments.schema import Experiment
from simulation.optional import require

#: Mixed into the master seed so the design's draws never coincide with a run's.
DESIGN_STREAM = 0x0DE5_1611


@dataclass(frozen=True)
class Design:
    """The design's rows: samples in the SALib problem space and the factor values they mean."""

    kind: str
    problem: dict
    samples: np.ndarray  # rows x factors
    values: pd.DataFrame  # rows x factors, one column per dotted key, in the schema's types

    def __len__(self) -> int:
        return len(self.values)


def salib_problem(factors: tuple[FactorSpec, ...]) -> dict:
    """The SALib problem dict: factor names and the bounds samplers draw from."""
    bounds = []
    for f in factors:
        if f.levels is not None:
            bounds.append([0.0, float(len(f.levels))])
        elif f.scale == "log":
            bounds.append([float(np.log(f.low)), float(np.log(f.high))])
        else:
            bounds.append([f.low, f.high])
    return {"num_vars": len(factors), "names": [f.key for f in factors], "bounds": bounds}


def factor_values(samples: np.ndarray, factors: tuple[FactorSpec, ...]) -> pd.DataFrame:
    """Factor values (levels, scaled, rounded for whole-number parameters) of sample rows."""
    columns = {}
    for j, f in enumerate(factors):
        x = samples[:, j]
        if f.levels is not None:
            index = np.clip(np.floor(x).astype(int), 0, len(f.levels) - 1)
            column = [f.levels[i] for i in index]
        else:
            value = np.exp(x) if f.scale == "log" else x
            value = np.clip(value, f.low, f.high)
            column = np.rint(value).astype(np.int64) if f.kind == "int" else value.astype(float)
        columns[f.key] = pd.Series(column, dtype=column_dtype(f.kind))
    return pd.DataFrame(columns)


def column_dtype(kind: str) -> str:
    """The pandas dtype a factor of this kind is stored as."""
    return {"int": "int64", "float": "float64", "bool": "bool"}.get(kind, "object")


def design_seed(master_seed: int) -> int:
    """The seed of the design's sampler, derived from the master seed."""
    return int(np.random.SeedSequence([master_seed, DESIGN_STREAM]).generate_state(1)[0])


def make_design(spec: Experiment, factors: tuple[FactorSpec, ...]) -> Design:
    """The design rows of an experiment.

    Raises:
        ExperimentError: the design would have more than MAX_DESIGN_POINTS rows.

    Example:
        >>> from simulation.experiments.loading import load_experiment
        >>> exp = load_experiment("experiments/caseload_training.yaml")
        >>> len(make_design(exp.spec, exp.factors)) == len(exp.factors[0].levels) * len(
        ...     exp.factors[1].levels)
        True
    """
    check_design_size(spec, factors, 1, "design")  # before anything is drawn
    problem = salib_problem(factors)
    seed = design_seed(spec.seed)
    design = spec.design
    if design.kind == "factorial":
        grids = [range(len(f.levels or ())) for f in factors]
        samples = np.array(list(itertools.product(*grids)), dtype=float) + 0.5
    elif design.kind == "lhs":
        unit = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(seed)).random(
            design.points
        )
        bounds = np.array(problem["bounds"])
        samples = qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    elif design.kind == "sobol":
        sobol_sample = require("SALib.sample.sobol", "sensitivity", "A Sobol design")
        samples = sobol_sample.sample(
            problem, design.base_samples, calc_second_order=design.second_order, seed=seed
        )
    else:
        morris_sample = require("SALib.sample.morris", "sensitivity", "A Morris design")
        samples = morris_sample.sample(
            problem, design.trajectories, num_levels=design.levels, seed=seed
        )
    return Design(design.kind, problem, samples, factor_values(samples, factors))
