"""Unit tests of group meetings: attendance and fatigue, protection and its fade, new ties."""

from __future__ import annotations

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import meetings
from simulation.model.mechanisms.meetings import MeetingParams
from simulation.model.population import DECEASED, LAPSED, RECOVERING


@pytest.mark.parametrize(
    ("per_week", "daily"),
    [
        (0.0, 0.0),
        (1.0, 1 / 7 * 0.8),
        (3.0, 3 / 7 * 0.8),  # at the helpful frequency: no fatigue yet
        (6.0, 6 / 7 * 0.8 * 0.5),  # twice as frequent: each meeting half as well attended
        (14.0, 1.0 * 0.8 * 3 / 14),  # at most one meeting a day
    ],
)
def test_daily_attendance_from_meetings_per_week_with_fatigue(per_week, daily):
    params = MeetingParams(
        meetings_per_week=per_week, attendance_at_full_engagement=0.8, helpful_meetings_per_week=3
    )
    assert meetings.attendance_probability(params) == pytest.approx(daily)


def test_beyond_the_helpful_frequency_extra_meetings_add_no_attendance():
    weekly = [
        7 * meetings.attendance_probability(MeetingParams(meetings_per_week=k))
        for k in (3, 4, 5, 7)
    ]
    assert weekly == pytest.approx([weekly[0]] * 4)


def test_enrolled_living_people_attend_as_far_as_they_are_engaged():
    params = MeetingParams(meetings_per_week=7.0, attendance_at_full_engagement=0.8)
    p = meetings.attendance_probability(params)
    assert p == pytest.approx(1.0 * 0.8 * 3 / 7)  # a meeting a day, fatigue 3 helpful / 7
    people = make_people(
        5,
        enrolled=[True, True, True, False, True],
        engagement=[1.0, 0.5, 0.5, 1.0, 1.0],
        status=[RECOVERING, LAPSED, RECOVERING, RECOVERING, DECEASED],
    )
    draws = np.array([p * 0.99, p * 0.5 * 0.99, p * 0.5 * 1.01, 0.0, 0.0])
    assert meetings.attend(people, params, draws).tolist() == [True, True, False, False, False]


def test_protection_halves_over_its_half_life_and_lowers_the_hazard():
    params = MeetingParams(protection_half_life_days=7.0, meeting_protection=0.71)
    support = np.array([1.0, 0.25, 0.0])
    assert meetings.hazard_ratio(support, params).tolist() == pytest.approx(
        [np.exp(-0.71), np.exp(-0.71 * 0.25), 1.0]
    )
    for _ in range(7):
        meetings.fade_protection(support, params)
    assert support.tolist() == pytest.approx([0.5, 0.125, 0.0])
    none = params.model_copy(update={"meeting_protection": 0.0})
    assert meetings.hazard_ratio(support, none).tolist() == [1.0, 1.0, 1.0]


def test_new_ties_join_attendees_only_and_never_a_person_to_themselves():
    attendees = np.zeros(50, dtype=bool)
    attendees[::3] = True
    always = MeetingParams(tie_formation_per_meeting=1.0)
    ties = meetings.new_ties(attendees, always, np.random.default_rng(4))
    assert len(ties) > 0
    assert attendees[ties].all() and (ties[:, 0] != ties[:, 1]).all()
    # At a chance of 1 every attendee whose random partner is someone else forms one tie (a
    # random permutation leaves about one attendee paired with themselves).
    assert len(np.unique(ties[:, 0])) == len(ties) >= attendees.sum() - 2
    never = MeetingParams(tie_formation_per_meeting=0.0)
    assert len(meetings.new_ties(attendees, never, np.random.default_rng(4))) == 0


def test_the_share_of_attendees_forming_a_tie_is_the_chance():
    attendees = np.ones(40_000, dtype=bool)
    params = MeetingParams(tie_formation_per_meeting=0.03)
    ties = meetings.new_ties(attendees, params, np.random.default_rng(8))
    n, p = attendees.sum(), 0.03
    assert abs(len(ties) / n - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_one_attendee_or_none_forms_no_tie():
    params = MeetingParams(tie_formation_per_meeting=1.0)
    for attendees in (np.zeros(5, bool), np.array([False, True, False])):
        ties = meetings.new_ties(attendees, params, np.random.default_rng(0))
        assert ties.shape == (0, 2)


def test_team_building_gives_belonging_to_todays_attendees():
    people = make_people(3)
    attendees = np.array([True, False, True])
    on = MeetingParams(team_building=True, team_building_belonging=0.15)
    assert meetings.belonging(people, on, attendees).tolist() == [0.15, 0.0, 0.15]
    off = on.model_copy(update={"team_building": False})
    assert meetings.belonging(people, off, attendees).tolist() == [0.0, 0.0, 0.0]
