"""Supervision and monitoring: supervisors review mentor-mentee pairs at an interval.

At each review, failing pairs (a weak alliance) are rematched, and a strained mentor's burnout is
eased. Between reviews, a supervised program notices a mentee's lapse sooner and answers it, so
fewer lapses escalate (Bell et al. 2025: supervision protects peer workers).
"""

from __future__ import annotations

import numpy as np

from simulation.model.population import NEVER, PopulationState
from simulation.scenario.parameters import Section, parameter


class SupervisionParams(Section):
    """Supervision of mentors."""

    enabled: bool = parameter(
        True,
        unit="switch",
        source="scenario design",
        description="whether mentors are supervised",
    )
    review_interval_days: int = parameter(
        14,
        unit="days",
        source="assumption (fortnightly supervision)",
        description="days between reviews of each mentor's pairs",
        ge=1,
        le=365,
    )
    failing_alliance_threshold: float = parameter(
        0.35,
        unit="0-1 alliance",
        source="assumption",
        description="pairs with an alliance below this are rematched at review",
        ge=0.0,
        le=1.0,
    )
    burnout_relief: float = parameter(
        0.1,
        unit="share",
        source="assumption; RTI 2024 / Bell et al. 2025",
        description="share of a mentor's burnout relieved at each review",
        ge=0.0,
        le=1.0,
    )
    lapse_response_effect: float = parameter(
        0.15,
        unit="share",
        source="assumption",
        description="further reduction in a supervised mentee's chance that a lapse escalates",
        ge=0.0,
        le=1.0,
    )


def is_review_day(params: SupervisionParams, day: int) -> bool:
    return params.enabled and day % params.review_interval_days == 0


def failing_pairs(people: PopulationState, params: SupervisionParams) -> np.ndarray:
    """Mentees whose pair is failing (weak alliance) and should be rematched."""
    return (people.mentor != NEVER) & (people.alliance < params.failing_alliance_threshold)


def relieve_burnout(people: PopulationState, params: SupervisionParams) -> None:
    people.burnout[people.is_mentor] *= 1.0 - params.burnout_relief


def escalation_ratio(people: PopulationState, params: SupervisionParams) -> np.ndarray | float:
    if not params.enabled:
        return 1.0
    return np.where(people.mentor != NEVER, 1.0 - params.lapse_response_effect, 1.0)
