"""The waiting list: enrolled people not yet served wait for a mentor slot or a place.

A person is served on their first mentor contact or their first day in a residential place
(programs with neither serve people at their first meeting, or without meetings on enrolment).
Until then an enrolled person is on the waiting list. Mentor slots (`mentoring.caseload_cap` per
mentor), residential places (`setting.residential_places_per_100` of the day-0 cohort) and
meeting seats (`meetings.seats_per_meeting_day`) are the capacity; when people wait
for more than one slot, the queue rule sets who goes first:

- `first_come`: the earliest referral first (people already in the program who need a new
  mentor keep their place from their referral);
- `highest_risk`: the highest lapse hazard first (yesterday's hazard).

Within the rule, the matching rule's passes still pair shared attributes first. People waiting
give up at `give_up_rate_per_month` (they leave the program, and may come back later through the
program's re-enrolment and outreach); a study of drug-treatment waiting lists found about a
quarter of the people on them had no treatment two months later.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from simulation.model.population import DECEASED, NEVER, PARTICIPANT, PopulationState
from simulation.model.random_streams import RowDraws
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.parameters import Section, parameter

QueueRule = Literal["first_come", "highest_risk"]


class WaitingListParams(Section):
    """Who is served first when capacity is short, and how fast people give up waiting."""

    rule: QueueRule = parameter(
        "first_come",
        unit="choice",
        source="scenario design",
        description="queue rule: first_come (earliest referral first) or highest_risk "
        "(highest lapse hazard first)",
    )
    give_up_rate_per_month: float = parameter(
        0.16,
        unit="per month",
        source=(
            "Chun et al. 2008, Am J Drug Alcohol Abuse 34:526 (27% of people on drug-treatment "
            "waiting lists had no treatment 2 months later: -ln(0.73)/2); read as a constant "
            "rate of leaving the list (assumption)"
        ),
        description="rate at which people on the waiting list give up and leave the program",
        ge=0.0,
        le=30.0,
    )
    first_contact_on_matching: bool = parameter(
        True,
        unit="switch",
        source="assumption (a program with a waiting list books the first meeting when it "
        "offers a slot)",
        description="a newly matched person who has never been served meets their mentor that day",
    )


def waiting(people: PopulationState) -> np.ndarray:
    """Mask of the people on the waiting list: enrolled, alive, not yet served.

    Args:
        people: the population.

    Returns:
        One flag per row.
    """
    return (
        (people.kind == PARTICIPANT)
        & people.enrolled
        & (people.status != DECEASED)
        & (people.first_served_day == NEVER)
    )


def queue_priority(
    people: PopulationState,
    params: WaitingListParams,
    draws: np.ndarray | RowDraws,
    hazard: np.ndarray,
    queue: np.ndarray | None = None,
) -> np.ndarray | QueuePriority:
    """Matching priorities (lower goes first) that put the queue in the queue rule's order.

    The people in the queue are ranked by the rule (ties broken by the day's draws) and given
    priorities in [0, 1) in that order; everyone else keeps their draw (mentors' draws break
    ties between mentors' slots in `matching.assign_mentors`).

    Args:
        people: the population.
        params: the waiting-list section.
        draws: the day's `matching` (or `residence`) draws, one per person, or the `RowDraws`
            that make them (then only the queue's draws are made here).
        hazard: yesterday's lapse hazard per person (for `highest_risk`).
        queue: mask of the people waiting for this kind of slot (default: every participant).

    Returns:
        One priority per person (float64): an array, or with `RowDraws` a `QueuePriority`
        that gives the priorities of the rows asked for.
    """
    if queue is None:
        queue = people.kind == PARTICIPANT
    queued = queue & (people.kind == PARTICIPANT)
    rows = np.flatnonzero(queued)
    ranks = np.empty(len(rows))
    if len(rows):
        key = people.entry_day[rows] if params.rule == "first_come" else -hazard[rows]
        ranks[np.lexsort((draws[rows], key))] = np.arange(len(rows)) / len(rows)
    if isinstance(draws, RowDraws):
        return QueuePriority(draws, queued, rows, ranks)
    priority = draws.astype(np.float64)
    priority[rows] = ranks
    return priority


class QueuePriority:
    """`queue_priority`'s priorities, made for the rows asked for (as `RowDraws` makes draws).

    `priority[rows]` equals the array `queue_priority` gives with the full draws at those rows:
    the queue's rank, everyone else's draw in float64. Not an array, so `matching.assign_rows`
    reads it at the seekers' and free mentors' rows alone.

    Attributes:
        shape: `(size,)`, as the full array of priorities would have.
    """

    def __init__(self, draws: RowDraws, queued: np.ndarray, rows: np.ndarray, ranks: np.ndarray):
        self._draws, self._queued, self._rows, self._ranks = draws, queued, rows, ranks
        self.shape = draws.shape

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        """The float64 priorities of `rows` (row numbers below the size, any order)."""
        rows = np.asarray(rows)
        if np.array_equal(rows, self._rows):  # the queue itself (`matching`'s seekers)
            return self._ranks.copy()
        priority = self._draws[rows].astype(np.float64)  # checks the rows
        ranked = np.flatnonzero(self._queued[rows])
        priority[ranked] = self._ranks[np.searchsorted(self._rows, rows[ranked])]
        return priority

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Every row's priority (what `queue_priority` gives with the full draws)."""
        priority = np.asarray(self._draws).astype(np.float64)
        priority[self._rows] = self._ranks
        return priority if dtype is None else priority.astype(dtype)


def give_up(
    people: PopulationState, params: WaitingListParams, draws: np.ndarray | RowDraws, today: int
) -> np.ndarray:
    """People on the waiting list give up at the give-up rate and leave the program.

    Args:
        people: the population (`enrolled` and `left_waiting_day` change).
        params: the waiting-list section.
        draws: one uniform per person (the `give_up` stream), or the `RowDraws` that make them
            (only the people waiting read one).
        today: today.

    Returns:
        Mask of who gave up today.
    """
    p = rate_to_probability(per_day(params.give_up_rate_per_month, "month"))
    rows = np.flatnonzero(waiting(people))
    rows = rows[draws[rows] < p]  # the waiting people's draws alone
    leaving = np.zeros(people.size, dtype=bool)
    leaving[rows] = True
    people.enrolled[rows] = False
    people.left_waiting_day[rows[people.left_waiting_day[rows] == NEVER]] = today
    return leaving


def first_meeting_due(people: PopulationState) -> np.ndarray:
    """People matched with a mentor who have not had their first meeting yet.

    Args:
        people: the population.

    Returns:
        One flag per row.
    """
    return (people.mentor != NEVER) & (people.first_served_day == NEVER)


def record_served(people: PopulationState, served: np.ndarray, today: int) -> np.ndarray:
    """Note the first day each person was served (a mentor contact, a place, a meeting...).

    Args:
        people: the population (`first_served_day` changes).
        served: mask of who was served today.
        today: today.

    Returns:
        Mask of who was served for the first time today.
    """
    first = served & (people.first_served_day == NEVER) & (people.kind == PARTICIPANT)
    people.first_served_day[first] = today
    return first


def course_finished(people: PopulationState, episode_days: int, today: int) -> np.ndarray:
    """Mentees whose planned course of mentoring (from their first service) is over.

    Args:
        people: the population.
        episode_days: planned course length (`intake.mentoring_episode_days`; 0 = no end).
        today: today.

    Returns:
        Mask of who has finished their course.
    """
    if episode_days <= 0:
        return np.zeros(people.size, dtype=bool)
    served = people.first_served_day != NEVER
    return served & (today - people.first_served_day >= episode_days)


def capacity_use(people: PopulationState, caseload_cap: int, places: int) -> dict[str, float | int]:
    """Today's queue and capacity figures (the intake runs' daily series).

    Args:
        people: the population.
        caseload_cap: most mentees per mentor.
        places: residential places (0 outside the residential setting).

    Returns:
        `waiting_list`, `served_to_date`, `referred_to_date`, `caseload_filled` (share of the
        active mentors' slots in use) and `places_filled` (share of places in use).
    """
    participants = people.kind == PARTICIPANT
    slots = int(np.count_nonzero(people.is_mentor)) * caseload_cap
    in_use = int(people.caseload[people.is_mentor].sum())
    residents = int(np.count_nonzero(people.residence_days_left > 0))
    return {
        "waiting_list": int(np.count_nonzero(waiting(people))),
        "served_to_date": int(np.count_nonzero(people.first_served_day[participants] != NEVER)),
        "referred_to_date": int(np.count_nonzero(participants)),
        "caseload_filled": in_use / slots if slots else 0.0,
        "places_filled": residents / places if places else 0.0,
    }
