"""One candidate design, measured against the same population without the program.

Every candidate runs the same replicate seeds as the program-free baseline (common random
numbers), so the relapses averted are paired differences: the noise the two arms share cancels,
and two candidates are compared on the same simulated people.

With parameter uncertainty (`search_draws`) replicate i of the baseline and of every candidate
also runs the same posterior draw, chosen from the replicate's seed exactly as `compare` chooses
it (`simulation.running.parameter_draws`), so a candidate's effect and its intervals are the
numbers `compare` reports for it at the same seeds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulation.analysis.compare import paired_difference, run_metrics_with_derived
from simulation.analysis.statistics import per_replicate, with_total
from simulation.api import resolve_scenario
from simulation.running.parameter_draws import ParameterDraws, plan_draws
from simulation.running.pool import run_each
from simulation.running.runner import simulate
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
        averted: relapses averted per 100 participants as `compare` reports them: `mean`,
            `ci95` (with parameter uncertainty the spread of the per-replicate effects across
            posterior draws, else the paired t-interval), `ci95_stochastic` (the paired
            t-interval of the mean) and `spread95` (percentiles of the per-replicate effects);
            an interval is None with one replicate.
    """

    cost_per_participant: float
    averted: dict[str, Any]


def run_arm(
    scenario: Scenario,
    seeds: Sequence[int],
    executor: Executor,
    draws: ParameterDraws | None = None,
) -> Arm:
    """Run `scenario` once per seed on `executor` and keep the two outcomes the search needs.

    Args:
        scenario: what to run.
        seeds: the replicate seeds.
        executor: where the replicates run.
        draws: replicate i runs its posterior draw (None: the scenario's own parameters).

    Returns:
        The per-replicate relapses per 100 and cost per participant, in seed order.
    """
    jobs = [
        (scenario if draws is None else draws.scenario(scenario, i), seed)
        for i, seed in enumerate(seeds)
    ]
    results = run_each(simulate, jobs, executor=executor)
    rows = [run_metrics_with_derived(r) for r in results]
    return Arm(
        np.array([row["relapsed_per_100"] for row in rows], dtype=float),
        np.array([row["cost_per_participant"] for row in rows], dtype=float),
    )


def program_free(scenario: Scenario) -> Scenario:
    """The same scenario and population with every program lever off (see `PROGRAM_OFF`)."""
    off = resolve_scenario(scenario, PROGRAM_OFF)
    return off.model_copy(update={"name": f"{scenario.name}_without_program"})


def search_draws(
    base: Scenario,
    seeds: Sequence[int],
    posterior: pd.DataFrame,
    stated: Iterable[str] = (),
) -> ParameterDraws:
    """The posterior draw of each replicate, the same for the baseline and every candidate.

    Args:
        base: the scenario the search starts from (population and days already set).
        seeds: the replicate seeds; each chooses its draw as in `compare`.
        posterior: the ensemble (one row a draw, one column a dotted scenario key).
        stated: dotted keys the base's file states, and the levers: a posterior key among them
            (or set away from its default) keeps the scenario's or the candidate's value.

    Returns:
        The plan; the program-free baseline keeps exactly the keys the base keeps.
    """
    draws = plan_draws([base], seeds, posterior, {base.name: list(stated)})
    draws.pinned[program_free(base).name] = list(draws.pinned[base.name])
    return draws


def measure(
    base: Scenario,
    overrides: Mapping[str, Any],
    baseline: Arm,
    seeds: Sequence[int],
    executor: Executor,
    draws: ParameterDraws | None = None,
) -> Measurement:
    """Run one candidate (the base scenario with `overrides`) and compare it with `baseline`.

    Args:
        base: the scenario the search starts from (population and days already set).
        overrides: the candidate's lever values, by dotted key.
        baseline: the program-free arm, run on the same `seeds`.
        seeds: the replicate seeds, the same for every candidate.
        executor: where the replicates run.
        draws: the posterior draws the baseline ran (None: the fitted parameters).

    Returns:
        The candidate's mean cost per participant and relapses averted per 100 with intervals.

    Raises:
        ScenarioError: a lever value is not valid in the base scenario.
    """
    arm = run_arm(resolve_scenario(base, dict(overrides)), seeds, executor, draws)
    without, with_program = baseline.relapsed_per_100.tolist(), arm.relapsed_per_100.tolist()
    averted = with_total(
        paired_difference(without, with_program),
        per_replicate(without, with_program),
        parameters=draws is not None,
    )
    return Measurement(float(arm.cost_per_participant.mean()), averted)
