"""How many design points an experiment asks for, counted before any design is drawn.

A design is built in memory (its samples, its factor values, the `design.parquet` table), at
about 700 bytes per point with ten factors. Ten factors of ten levels is 10^10 points, a Latin
hypercube of 10^8 points would need tens of gigabytes: both are refused here, from the design's
arithmetic alone, with the count, the limit and what to lower.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from simulation.errors import ExperimentError
from simulation.experiments.schema import Experiment


class HasLevels(Protocol):
    """A factor as the file gives it (`schema.Factor`) or as checked (`loading.FactorSpec`)."""

    @property
    def levels(self) -> Sequence[Any] | None:
        """The levels the factor lists, or None for a range."""


#: The most design points (design rows x base scenarios) an experiment may have. 200,000 points
#: take about 0.3 GB to plan, and already mean days of computing at a few runs per second;
#: larger studies are better split into several experiment files.
MAX_DESIGN_POINTS = 200_000


def expected_rows(spec: Experiment, factors: Sequence[HasLevels]) -> int:
    """How many rows the design has, without drawing it (exact, however large).

    Example:
        >>> from simulation.experiments.loading import load_experiment
        >>> exp = load_experiment("experiments/relapse_sobol.yaml")
        >>> expected_rows(exp.spec, exp.factors) == 64 * (len(exp.factors) + 2)
        True
    """
    d, design = len(factors), spec.design
    if design.kind == "factorial":
        return math.prod(len(f.levels or ()) for f in factors)
    if design.kind == "lhs":
        return design.points
    if design.kind == "sobol":
        return design.base_samples * (2 * d + 2 if design.second_order else d + 2)
    return design.trajectories * (d + 1)


def _how_to_lower(spec: Experiment) -> str:
    design = spec.design
    if design.kind == "factorial":
        return "fewer factors or fewer levels (every combination of levels is a point)"
    if design.kind == "lhs":
        return "a smaller design.points"
    if design.kind == "sobol":
        lower = "a smaller design.base_samples (a power of two)"
        return lower + (", or second_order: false" if design.second_order else "")
    return "fewer design.trajectories"


def check_design_size(
    spec: Experiment, factors: Sequence[HasLevels], scenarios: int, source: str
) -> int:
    """The number of design points (rows x scenarios), or an ExperimentError above the limit.

    Args:
        spec: the validated experiment.
        factors: its factors (as given, or checked); only their number and levels count.
        scenarios: how many base scenarios every design row runs with.
        source: the experiment file, for the message.

    Returns:
        The number of design points.

    Raises:
        ExperimentError: more than MAX_DESIGN_POINTS points; says how many and what to lower.
    """
    rows = expected_rows(spec, factors)
    points = rows * max(scenarios, 1)
    if points <= MAX_DESIGN_POINTS:
        return points
    count = f"{rows:,} rows" if scenarios <= 1 else f"{rows:,} rows x {scenarios} scenarios"
    if points != rows:
        count += f" = {points:,} points"
    raise ExperimentError(
        source,
        "design",
        problem=f"asks for {count} ({spec.design.kind}), more than the limit of "
        f"{MAX_DESIGN_POINTS:,} design points",
        allowed=f"at most {MAX_DESIGN_POINTS:,} points: use {_how_to_lower(spec)}, "
        "or split the study into several experiment files",
    )
