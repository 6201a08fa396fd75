"""Group meetings and team-building.

Enrolled participants attend meetings with a probability set by their engagement. Attending
protects (Kelly, Humphreys & Ferri 2020, Cochrane: continuous abstinence RR 1.21 for mutual-help
facilitation), and co-attendance forms new ties between people in recovery. Team-building raises
belonging. Meetings that are too frequent are an assumption flagged here: above
`helpful_meetings_per_week`, attendance per meeting falls (fatigue), so extra meetings can backfire.
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.population import DECEASED, PopulationState
from simulation.scenario.parameters import Section, parameter

#: Participants per meeting group. Only the cost of meetings depends on it (one group and one
#: meeting cost per this many enrolled); attendance and protection are per person, so it is a
#: planning convention (mutual-help groups of about 20) rather than a behavioural parameter.
MEETING_GROUP_SIZE = 20


class MeetingParams(Section):
    """Group meetings."""

    enabled: bool = parameter(
        False,
        unit="switch",
        source="scenario design",
        description="whether the program runs group meetings",
    )
    meetings_per_week: float = parameter(
        1.0,
        unit="meetings per week",
        source="scenario design",
        description="group meetings offered per week",
        ge=0.0,
        le=14.0,
    )
    attendance_at_full_engagement: float = parameter(
        0.8,
        unit="probability",
        source="Kelly, Stout & Slaymaker 2013 (~3 meetings/week early on)",
        description="chance that a fully engaged participant attends a meeting",
        ge=0.0,
        le=1.0,
    )
    helpful_meetings_per_week: float = parameter(
        3.0,
        unit="meetings per week",
        source="assumption (flagged: frequency beyond this backfires)",
        description="meeting frequency above which attendance per meeting falls",
        gt=0.0,
        le=14.0,
    )
    meeting_protection: float = parameter(
        0.71,
        unit="log hazard ratio",
        source="fitted by recovery-sim calibrate to Kelly, Humphreys & Ferri 2020 (RR 1.21)",
        description="lapse hazard reduction on the day of a meeting (fades afterwards)",
        ge=0.0,
        le=5.0,
    )
    protection_half_life_days: float = parameter(
        7.0,
        unit="days",
        source="assumption (a meeting's lift fades over the following week, like mentor support)",
        description="half-life of a meeting's protection",
        gt=0.0,
        le=365.0,
    )
    tie_formation_per_meeting: float = parameter(
        0.03,
        unit="probability",
        source="assumption; Litt et al. 2009 (network support)",
        description="chance an attendee forms a new tie with another attendee at a meeting",
        ge=0.0,
        le=1.0,
    )
    seats_per_meeting_day: int = parameter(
        0,
        unit="seats",
        source="scenario design (rooms and facilitators)",
        description="most attendees on a meeting day; the rest are turned away (0 = no limit)",
        ge=0,
        le=10_000_000,
    )
    team_building: bool = parameter(
        False,
        unit="switch",
        source="source article",
        description="whether meetings include team-building",
    )
    team_building_belonging: float = parameter(
        0.15,
        unit="share",
        source="assumption",
        description="reduction of isolation for regular attendees when team-building runs",
        ge=0.0,
        le=1.0,
    )


def fade_protection(group_support: np.ndarray, params: MeetingParams) -> None:
    """A meeting's protection fades day by day (in place).

    Args:
        group_support: each person's protection from recent meetings (0-1).
        params: meeting parameters (`protection_half_life_days`).
    """
    group_support *= 0.5 ** (1.0 / params.protection_half_life_days)


def hazard_ratio(group_support: np.ndarray, params: MeetingParams) -> np.ndarray:
    """Lapse hazard ratio from recent meetings.

    Args:
        group_support: each person's protection from recent meetings (1 on a meeting day).
        params: meeting parameters (`meeting_protection`).

    Returns:
        `exp(-meeting_protection * group_support)`.
    """
    ratio = np.multiply(-params.meeting_protection, group_support)
    return np.exp(ratio, out=ratio)  # in place: one new array


def apply_hazard_ratio(
    hazard: np.ndarray, group_support: np.ndarray, params: MeetingParams, rows: np.ndarray
) -> None:
    """Multiply each row's hazard by `hazard_ratio` in place.

    Only rows with some protection left change, and only they need the exp (exp(-0.0) is
    exactly 1, and `h * 1.0` is h).

    Args:
        hazard: one hazard (or ratio) per row of `rows`, changed in place.
        group_support: each person's protection from recent meetings.
        params: meeting parameters (`meeting_protection`).
        rows: the rows the hazards are for.
    """
    dtype = np.multiply(-params.meeting_protection, group_support[:0]).dtype
    at, nonzero = np.empty(len(rows), np.int64), np.empty(len(rows), dtype)
    minus = dtype.type(-params.meeting_protection)
    m = _protection_exponents(rows, group_support, minus, at, nonzero)
    _scale_at(hazard, at[:m], np.exp(nonzero[:m], out=nonzero[:m]))


@kernel
def _protection_exponents(rows, group_support, minus, at, nonzero):
    # The nonzero exponents `minus * group_support` and their places, at the front.
    m = 0
    for j in range(len(rows)):
        x = minus * group_support[rows[j]]
        at[m] = j
        nonzero[m] = x
        m += x != 0
    return m


@kernel
def _scale_at(hazard, at, ratio):
    for m in range(len(at)):
        hazard[at[m]] *= ratio[m]


def attendance_probability(params: MeetingParams) -> float:
    """Chance per day that a fully engaged person attends a meeting (with the fatigue penalty)."""
    per_week = params.meetings_per_week
    fatigue = min(1.0, params.helpful_meetings_per_week / per_week) if per_week > 0 else 0.0
    return min(1.0, per_week / 7.0) * params.attendance_at_full_engagement * fatigue


def attend(people: PopulationState, params: MeetingParams, draws: np.ndarray) -> np.ndarray:
    """Who attends a meeting today (within the seats, if they are limited).

    Args:
        people: the population.
        params: meeting parameters.
        draws: one uniform per person (the `meetings` stream).

    Returns:
        Mask of today's attendees. When more want to come than there are seats, those with the
        lowest draws (the keenest today) get them.
    """
    engagement = people.engagement
    attending = np.empty(engagement.shape, dtype=bool)
    chance = engagement.dtype.type(attendance_probability(params))  # NumPy's weak scalar
    _attend_kernel(people.enrolled, people.status, draws, chance, engagement, DECEASED, attending)
    seats = params.seats_per_meeting_day
    if seats and np.count_nonzero(attending) > seats:
        rows = np.flatnonzero(attending)
        turned_away = rows[np.argsort(draws[rows], kind="stable")[seats:]]
        attending[turned_away] = False
    return attending


@kernel
def _attend_kernel(enrolled, status, draws, chance, engagement, deceased, attending):
    """Enrolled, alive, and the draw (in float64, as NumPy compares) below chance x engagement."""
    for i in range(attending.shape[0]):
        wants = np.float64(draws[i]) < chance * engagement[i]
        attending[i] = enrolled[i] & (status[i] != deceased) & wants  # no branches


def new_ties(attendees: np.ndarray, params: MeetingParams, rng: np.random.Generator) -> np.ndarray:
    """Pairs of attendees who form a tie today: each attendee meets one random other."""
    rows = np.flatnonzero(attendees)
    if len(rows) < 2:
        return np.empty((0, 2), dtype=np.int64)
    partners = rows[rng.permutation(len(rows))]
    forming = (rng.random(len(rows)) < params.tie_formation_per_meeting) & (partners != rows)
    return np.column_stack([rows[forming], partners[forming]])


def belonging(people: PopulationState, params: MeetingParams, attendees: np.ndarray) -> np.ndarray:
    """Extra belonging (isolation reduction) from team-building, for today's attendees."""
    if not params.team_building:
        return np.zeros(people.size)
    return np.where(attendees, params.team_building_belonging, 0.0)
