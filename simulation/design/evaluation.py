"""One candidate design, measured against the same population without the program.

Every candidate runs the same replicate seeds as the program-free baseline (common random
numbers), so the relapses averted are paired differences: the noise the two arms share cancels,
and two candidates are compared on the same simulated people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulation.analysis.compare import paired_difference, run_metrics_with_derived
from simulation.api import resolve_scenario
from simulation.running.runner import run_replicates
from simulation.scenario.schema import Scenario

#: What is switched off to make the population "without a program": peer mentoring, mutual-help
#: meetings and the anti-stigma campaign (every lever that costs money).
PROGRAM_OFF: dict[str, Any] = {
    "mentoring.enabled": False,
    "meetings.enabled": False,
    "stigma.campaign": False,
}


@dataclass(frozen=True)
class Arm:
    """Per-replicate outcomes of one scenario, in replicate-seed order.

    Attributes:
        relapsed_per_100: participants per 100 with a first relapse by the last day.
        cost_per_participant: program cost per cohort member (US dollars).
    """

    relapsed_per_100: np.ndarray
    cost_per_participant: np.ndarray


@dataclass(frozen=True)
class Measurement:
    """A candidate's cost and effect against the baseline.

    Attributes:
        cost_per_participant: mean program cost per participant (US dollars).
        averted: relapses averted per 100 participants, `{"mean": m, "ci95": [low, high]}`
            (a paired t-interval over replicates; None with one replicate).
    """

    cost_per_participant: float
    averted: dict[str, Any]


def run_arm(scenario: Scenario, seeds: Sequence[int], executor: Executor) -> Arm:
    """Run `scenario` once per seed on `executor` and keep the two outcomes the search needs."""
    results = run_replicates(scenario, list(seeds), executor=executor)
    rows = [run_metrics_with_derived(r) for r in results]
    return Arm(
        np.array([row["relapsed_per_100"] for row in rows], dtype=float),
        np.array([row["cost_per_participant"] for row in rows], dtype=float),
    )


def program_free(scenario: Scenario) -> Scenario:
    """The same scenario and population with every program lever off (see `PROGRAM_OFF`)."""
    off = resolve_scenario(scenario, PROGRAM_OFF)
    return off.model_copy(update={"name": f"{scenario.name}_without_program"})


def measure(
    base: Scenario,
    overrides: Mapping[str, Any],
    baseline: Arm,
    seeds: Sequence[int],
    executor: Executor,
) -> Measurement:
    """Run one candidate (the base scenario with `overrides`) and compare it with `baseline`.

    Args:
        base: the scenario the search starts from (population and days already set).
        overrides: the candidate's lever values, by dotted key.
        baseline: the program-free arm, run on the same `seeds`.
        seeds: the replicate seeds, the same for every candidate.
        executor: where the replicates run.

    Returns:
        The candidate's mean cost per participant and relapses averted per 100 with an interval.

    Raises:
        ScenarioError: a lever value is not valid in the base scenario.
    """
    arm = run_arm(resolve_scenario(base, dict(overrides)), seeds, executor)
    averted = paired_difference(baseline.relapsed_per_100.tolist(), arm.relapsed_per_100.tolist())
    return Measurement(float(arm.cost_per_participant.mean()), averted)
