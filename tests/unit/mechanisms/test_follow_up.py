"""Follow-up interviews: Dennis et al.'s next-year abstinence, counted at every quarter end."""

from __future__ import annotations

import numpy as np
from people_factory import make_people

from simulation.model.mechanisms import follow_up
from simulation.model.mechanisms.recovery import QUARTER_DAYS
from simulation.model.population import DECEASED, NEVER, USING

YEAR = follow_up.FOLLOW_UP_QUARTERS * QUARTER_DAYS


def _quarters(people, last, days_of_use=()):
    """Run the interviews quarter by quarter up to `last`, with use on `days_of_use`."""
    for day in range(QUARTER_DAYS, last + 1, QUARTER_DAYS):
        for person, used_on in days_of_use:
            if used_on <= day:
                people.last_use_day[person] = max(people.last_use_day[person], used_on)
        follow_up.record_interview(people, day)


def test_duration_groups_are_the_studys():
    days = np.array([0, 29, 30, 364, 365, 1094, 1095, 5000])
    assert follow_up.duration_group(days).tolist() == [-1, -1, 0, 0, 1, 1, 2, 2]


def test_the_population_holds_one_slot_per_quarter_of_the_year_and_per_group():
    people = make_people(3)
    assert people.interview_group.shape == (3, follow_up.FOLLOW_UP_QUARTERS)
    assert people.next_year_interviews.shape == (3, len(follow_up.GROUPS))


def test_every_interview_is_followed_up_a_year_later_by_its_group():
    # 0 never uses; 1 uses on day 100; 2 is using at every interview.
    people = make_people(3, last_use_day=NEVER)
    people.status[2] = USING
    _quarters(people, 2 * YEAR, days_of_use=[(1, 100)])
    # Quarter ends 91..728: the interviews at 91..364 (all under a year abstinent) are followed
    # up at 455..728; the later ones are not followed up yet.
    assert people.next_year_interviews[0].tolist() == [4, 0, 0]
    assert people.next_year_abstinent[0].tolist() == [4, 0, 0]
    # Person 1 at 91 (91 days), then used on day 100: that year was not abstinent; at 182, 273
    # and 364 (82, 173, 264 days) the next year was.
    assert people.next_year_interviews[1].tolist() == [4, 0, 0]
    assert people.next_year_abstinent[1].tolist() == [3, 0, 0]
    assert people.next_year_interviews[2].tolist() == [0, 0, 0]  # never in recovery


def test_the_dead_are_not_followed_up():
    people = make_people(2, last_use_day=NEVER)
    follow_up.record_interview(people, QUARTER_DAYS)
    people.status[1] = DECEASED
    for day in range(2 * QUARTER_DAYS, YEAR + QUARTER_DAYS + 1, QUARTER_DAYS):
        follow_up.record_interview(people, day)
    assert people.next_year_interviews.sum(axis=1).tolist() == [1, 0]


def test_long_abstinence_reaches_the_later_groups_and_entrants_count_from_entry():
    people = make_people(2, last_use_day=NEVER, entry_day=[0, 400])
    _quarters(people, 1183 + YEAR)
    # Person 0 abstinent from day 0: interviews 91..1183 followed up to 1547.
    assert people.next_year_interviews[0].tolist() == [4, 8, 1]
    # Person 1 entered on day 400: first interview at 455 (55 days), last followed-up 1183.
    assert people.next_year_interviews[1].tolist() == [4, 5, 0]
    assert (people.next_year_abstinent == people.next_year_interviews).all()
    assert follow_up.DAYS_TO_FOLLOW_UP_EVERY_GROUP == 1183 + YEAR
