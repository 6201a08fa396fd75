"""Mentor pipeline: participants in sustained recovery are trained into new mentors.

A participant abstinent for at least `min_days_abstinent` days with self-efficacy of at least
`min_self_efficacy` is recruited at a rate, trains for `training_delay_days`, then becomes a
mentor (eligibility after the MAP pilot: >= 6 months abstinent; Tracy et al.).
"""

from __future__ import annotations

import numpy as np

from simulation.model.population import NEVER, PARTICIPANT, RECOVERING, PopulationState
from simulation.model.random_streams import RowDraws
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.parameters import Section, parameter


class PipelineParams(Section):
    """Training participants into mentors."""

    enabled: bool = parameter(
        False,
        unit="switch",
        source="scenario design",
        description="whether participants can become mentors",
    )
    min_days_abstinent: int = parameter(
        180,
        unit="days",
        source="Tracy et al. MAP pilot (>= 6 months abstinent)",
        description="abstinence needed before recruitment",
        ge=0,
        le=36_500,
    )
    min_self_efficacy: float = parameter(
        0.6,
        unit="0-1 score",
        source="assumption",
        description="self-efficacy needed before recruitment",
        ge=0.0,
        le=1.0,
    )
    recruitment_rate_per_year: float = parameter(
        0.5,
        unit="per year",
        source="assumption",
        description="rate at which eligible participants are recruited",
        ge=0.0,
        le=52.0,
    )
    training_delay_days: int = parameter(
        30,
        unit="days",
        source="assumption",
        description="days of training before a recruit takes mentees",
        ge=0,
        le=730,
    )


def recruit(
    people: PopulationState, params: PipelineParams, draws: np.ndarray | RowDraws, day: int
) -> np.ndarray:
    """Eligible participants start mentor training.

    Args:
        people: the population (`trainee_until` is set for the recruits).
        params: the pipeline section.
        draws: one uniform draw per person, or the `RowDraws` that make them (only the eligible
            read one).
        day: today.

    Returns:
        Mask of today's recruits.
    """
    if not params.enabled:
        return np.zeros(people.size, dtype=bool)
    eligible = (
        (people.kind == PARTICIPANT)
        & (people.status == RECOVERING)
        & ~people.is_mentor
        & (people.trainee_until == NEVER)
        & (people.days_abstinent >= params.min_days_abstinent)
        & (people.self_efficacy >= params.min_self_efficacy)
    )
    p = rate_to_probability(per_day(params.recruitment_rate_per_year, "year"))
    rows = np.flatnonzero(eligible)
    rows = rows[draws[rows] < p]  # the eligible's draws alone
    recruits = np.zeros(people.size, dtype=bool)
    recruits[rows] = True
    people.trainee_until[rows] = day + params.training_delay_days
    return recruits


def graduate(people: PopulationState, day: int) -> np.ndarray:
    """Trainees who finish training become mentors (if still in recovery)."""
    done = (people.trainee_until != NEVER) & (people.trainee_until <= day) & ~people.is_mentor
    graduates = done & (people.status == RECOVERING)
    people.is_mentor[graduates] = True
    people.trainee_until[done & ~graduates] = NEVER
    return graduates
