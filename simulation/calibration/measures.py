"""How a set of runs is measured as a published study measured its cohort.

Kaplan-Meier event-free fractions and medians, next-year abstinence by duration, point
prevalence and days abstinent, odds of being in recovery and mentors' relapse rate: the
statistics `targets` (baseline curves) and `anchors` (program effects) compare with their bands.
Every measure is a mean (or a pooled rate) over the runs it is given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from simulation.analysis.metrics import survival_curve
from simulation.running.runner import RunResult
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES


def km(runs: Sequence[RunResult], event: str, day: int, substance=None, age=None) -> float:
    """Mean over runs of the Kaplan-Meier event-free fraction at `day` in a subgroup."""
    values = []
    for run in runs:
        out = run.outcomes
        mask = np.ones(len(out.lapse_day), dtype=bool)
        if substance is not None:
            mask &= out.substance == SUBSTANCES.index(substance)
        if age is not None:
            mask &= out.age_group == AGE_GROUPS.index(age)
        sub = out.subset(mask)
        times, seen = getattr(sub, f"{event}_day"), getattr(sub, f"{event}_observed")
        values.append(survival_curve(times, seen, np.array([day]))[0])
    return float(np.nanmean(values))


def median_days(runs: Sequence[RunResult], event: str, age: str) -> float:
    """Mean over runs of the Kaplan-Meier median time to `event` (the run length if not reached)."""
    medians = []
    for run in runs:
        sub = run.outcomes.subset(run.outcomes.age_group == AGE_GROUPS.index(age))
        grid = np.arange(run.days + 1)
        curve = survival_curve(
            getattr(sub, f"{event}_day"), getattr(sub, f"{event}_observed"), grid
        )
        below = np.flatnonzero(curve <= 0.5)
        medians.append(float(grid[below[0]]) if len(below) else float(run.days))
    return float(np.mean(medians))


def next_year_abstinent(runs: Sequence[RunResult], group: int) -> float:
    """Mean over runs of the share still abstinent a year after an interview in `group`.

    Pooled over every quarterly interview of every participant in that duration group whose
    follow-up they lived to (Dennis, Foss & Scott 2007's measure; `mechanisms.follow_up`).
    """
    values = []
    for run in runs:
        out = run.outcomes
        interviews = int(out.next_year_interviews[:, group].sum())
        if interviews:
            values.append(float(out.next_year_abstinent[:, group].sum()) / interviews)
    return float(np.mean(values)) if values else float("nan")


def point_prevalence(runs: Sequence[RunResult], substance: str | None) -> float:
    """Mean over runs of the share of the living subgroup with no use in the last 90 days."""
    values = []
    for run in runs:
        out = run.outcomes
        mask = out.alive_end.copy()
        if substance is not None:
            mask &= out.substance == SUBSTANCES.index(substance)
        if mask.any():
            values.append(float(np.mean(out.last_use_day[mask] <= run.days - 90)))
    return float(np.mean(values)) if values else float("nan")


def days_abstinent_among_users(runs: Sequence[RunResult], substance: str | None) -> float:
    """Mean over runs of percent days abstinent in the last 90 days.

    Among the living subgroup who used at all in them (Project MATCH's drinkers).
    """
    values = []
    for run in runs:
        out = run.outcomes
        used = out.window_use_days
        mask = out.alive_end & (used > 0)
        if substance is not None:
            mask &= out.substance == SUBSTANCES.index(substance)
        if mask.any():
            values.append(float(np.mean(1.0 - used[mask] / 90.0)))
    return float(np.mean(values)) if values else float("nan")


def odds_in_recovery(runs: Sequence[RunResult], day: int) -> float:
    """Odds of being in recovery on `day`, from the share in recovery averaged over runs."""
    shares = [
        r.daily.loc[r.daily["day"] == day, "in_recovery"].iloc[0] / len(r.outcomes.lapse_day)
        for r in runs
    ]
    share = float(np.mean(shares))
    return share / (1.0 - share) if share < 1 else math.inf


def percent_days_abstinent(runs: Sequence[RunResult]) -> float:
    """Mean over runs of the share of living participant-days spent in recovery."""
    shares = []
    for r in runs:
        alive = len(r.outcomes.lapse_day) - r.daily["deceased"]
        shares.append(float((r.daily["in_recovery"] / alive.clip(lower=1)).mean()))
    return float(np.mean(shares))


def mentor_relapse_rate(runs: Sequence[RunResult]) -> float:
    """Relapses of mentors in the role per mentor-day in the role, pooled over runs.

    A mentor who relapses leaves the role, so this is the hazard of a first relapse while
    mentoring (person-time: the mentors in the role at the end of each day).
    """
    events = sum(float(r.daily["mentor_relapses"].sum()) for r in runs)
    exposure = sum(float(r.daily["mentors_active"].sum()) for r in runs)
    return events / exposure if exposure > 0 else math.nan


def mentor_relapse_rate_ratio(
    design: Sequence[RunResult], comparison: Sequence[RunResult]
) -> float:
    """Mentors' relapse rate in the design over that in the comparison (nan without events)."""
    reference = mentor_relapse_rate(comparison)
    return mentor_relapse_rate(design) / reference if reference > 0 else math.nan
