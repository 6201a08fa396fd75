"""Supervision and monitoring: supervisors review mentor-mentee pairs at an interval.

At each review, failing pairs (an alliance below `failing_alliance_threshold`) are ended and the
mentee rematched at once, before the pair breaks down by itself (a breakdown costs a wait for a
new mentor); a strained mentor's burnout is eased. Between reviews, a supervisor who hears of a
mentee's lapse from the mentor helps answer it, so fewer lapses escalate — only when the mentor
knows of the lapse (Bell et al. 2025: supervision protects peer workers).
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel
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
    """Whether today is a review day.

    Args:
        params: supervision parameters.
        day: today.

    Returns:
        True on every `review_interval_days`-th day of a supervised program.
    """
    return params.enabled and day % params.review_interval_days == 0


def failing_pairs(people: PopulationState, params: SupervisionParams) -> np.ndarray:
    """Mentees whose pair is failing (weak alliance) and should be rematched.

    Args:
        people: population state.
        params: supervision parameters.

    Returns:
        Mask of matched mentees with an alliance below the threshold.
    """
    return (people.mentor != NEVER) & (people.alliance < params.failing_alliance_threshold)


def relieve_burnout(
    people: PopulationState, params: SupervisionParams, mentors: np.ndarray | None = None
) -> None:
    """A review eases a share of every mentor's burnout.

    Args:
        people: population state (`burnout` changes).
        params: supervision parameters.
        mentors: the rows of `np.flatnonzero(people.is_mentor)`, if already found.
    """
    people.burnout[people.is_mentor if mentors is None else mentors] *= 1.0 - params.burnout_relief


def escalation_ratio(params: SupervisionParams, aware: np.ndarray) -> np.ndarray | float:
    """Chance-of-escalation ratio from a supervisor's help with a lapse the mentor knows of.

    Args:
        params: supervision parameters.
        aware: mask of mentees whose mentor knows of a lapse today.

    Returns:
        `1 - lapse_response_effect` where the mentor knows, 1 elsewhere (1 unsupervised).
    """
    if not params.enabled:
        return 1.0
    return _escalation_kernel(np.asarray(aware), 1.0 - params.lapse_response_effect)


@kernel
def _escalation_kernel(aware, helped):
    """`np.where(aware, helped, 1.0)` for a mask, in one pass."""
    ratio = np.empty(aware.shape)
    for i in range(len(aware)):
        ratio[i] = helped if aware[i] else 1.0
    return ratio
