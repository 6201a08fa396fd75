"""The program's day with intake (issue 15): queue order, courses that end, who is served.

Called from `program` only when people are referred over the run (`model.intake`); each function
works through the `waiting_list` mechanism. Without intake none of this runs, so every number of
a day-0-cohort run stays as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.model.mechanisms import mentoring, waiting_list
from simulation.model.mechanisms.waiting_list import first_meeting_due
from simulation.model.random_streams import RowDraws

if TYPE_CHECKING:
    from simulation.model.model import RecoveryCommunityModel

__all__ = [
    "capacity_use",
    "end_finished_courses",
    "first_meeting_due",
    "queue_priority",
    "serve_and_wait",
]


def queue_priority(
    model: RecoveryCommunityModel,
    draws: np.ndarray | RowDraws,
    queue: np.ndarray | None = None,
) -> np.ndarray | waiting_list.QueuePriority:
    """The day's draws reordered so that the queue comes in the queue rule's order.

    Args:
        model: the model (with intake).
        draws: the day's draws for the queue (`matching` or `residence`), or the `RowDraws`
            that make them (see `waiting_list.queue_priority`).
        queue: mask of who waits for this kind of slot (default: every participant).

    Returns:
        Priorities, lower first (`waiting_list.queue_priority`).
    """
    return waiting_list.queue_priority(
        model.people, model.scenario.intake.waiting_list, draws, model.last_hazard, queue
    )


def end_finished_courses(
    model: RecoveryCommunityModel, seeking: np.ndarray, today: int
) -> np.ndarray:
    """Mentees whose course of mentoring is over leave the caseload, freeing the slot.

    Args:
        model: the model (with intake).
        seeking: mask of people seeking a mentor today.
        today: today.

    Returns:
        `seeking` without the people who have finished their course.
    """
    finished = waiting_list.course_finished(
        model.people, model.scenario.intake.mentoring_episode_days, today
    )
    mentoring.end_pairs(model.people, np.flatnonzero(finished))
    return seeking & ~finished


def serve_and_wait(
    model: RecoveryCommunityModel, contacts: np.ndarray, attended: np.ndarray, today: int
) -> None:
    """Note who was served today (mentor contact, place); people still waiting may give up.

    Programs with neither mentors nor residential places serve people at their first meeting
    (or, without meetings either, on enrolment).

    Args:
        model: the model (with intake).
        contacts: who had a mentor contact today.
        attended: who attended a meeting today.
        today: today.
    """
    people, p = model.people, model.scenario
    served = contacts | (people.residence_days_left > 0)
    if not p.mentoring.enabled and p.setting.kind != "residential":
        served = served | (attended if p.meetings.enabled else people.enrolled)
    waiting_list.record_served(people, served, today)
    gave_up = waiting_list.give_up(
        people, p.intake.waiting_list, model.row_draws("give_up", participants_only=True), today
    )  # read at the people waiting only: made for them alone
    mentoring.end_pairs(people, np.flatnonzero(gave_up))  # matched, but never contacted


def capacity_use(model: RecoveryCommunityModel) -> dict[str, float | int]:
    """Today's queue length, people served and referred so far, and capacity in use.

    Args:
        model: the model (with intake).

    Returns:
        The values of the intake runs' daily series (`daily.INTAKE_SERIES`).
    """
    p = model.scenario
    places = 0
    if p.setting.kind == "residential":
        places = round(p.setting.residential_places_per_100 * p.population.size / 100)
    return waiting_list.capacity_use(model.people, p.mentoring.caseload_cap, places)
