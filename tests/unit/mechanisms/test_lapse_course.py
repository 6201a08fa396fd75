"""Unit tests of the course of a lapse: its geometric length, its end, the clock, days of use.

(`test_relapse.py` covers when lapses start and the chance that one escalates.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import lapse_course
from simulation.model.mechanisms.lapse_course import MAX_LAPSE_DAYS
from simulation.model.mechanisms.relapse import RelapseParams
from simulation.model.population import COMMUNITY, LAPSED, NEVER, PARTICIPANT, RECOVERING, USING
from simulation.scenario.parameters import SUBSTANCES

ALCOHOL, OPIOIDS, CANNABIS = (SUBSTANCES.index(s) for s in ("alcohol", "opioids", "cannabis"))


def _params(mean_days: float = 2.0, **fields) -> RelapseParams:
    sections = {s: {"lapse_mean_days": mean_days} for s in SUBSTANCES}
    return RelapseParams(**sections, **fields)


def test_a_lapse_lasts_one_day_plus_a_geometric_number_of_days():
    # Mean 2: the lapse goes on each day with chance 1 - 1/2 = 0.5, so it lasts at least
    # 1 + k days exactly when the draw is at most 0.5**k.
    draws = np.array([0.6, 0.5 + 1e-9, 0.5, 0.3, 0.25, 0.1])
    people = make_people(len(draws))
    days = lapse_course.lapse_durations(people, _params(2.0), draws)
    assert days.tolist() == [1, 1, 2, 2, 3, 4]


def test_with_a_mean_of_one_day_every_lapse_lasts_one_day():
    people = make_people(3)
    days = lapse_course.lapse_durations(people, _params(1.0), np.array([1e-12, 0.5, 0.999]))
    assert days.tolist() == [1, 1, 1]


def test_the_longest_lapse_is_capped():
    people = make_people(2)
    days = lapse_course.lapse_durations(people, _params(30.0), np.array([0.0, 1e-300]))
    assert days.tolist() == [MAX_LAPSE_DAYS, MAX_LAPSE_DAYS]


@pytest.mark.parametrize("substance", [ALCOHOL, OPIOIDS, CANNABIS])
def test_lapse_lengths_have_their_substances_mean(substance):
    params = RelapseParams()  # defaults: 2 days (alcohol), 1.5 (opioids), 3 (cannabis)
    mean = params.by_substance("lapse_mean_days")[substance]
    n = 200_000
    people = make_people(n, substance=substance)
    days = lapse_course.lapse_durations(people, params, np.random.default_rng(substance).random(n))
    variance = (1 - 1 / mean) * mean**2  # a geometric length: s / (1 - s)^2 with s = 1 - 1/mean
    assert abs(days.mean() - mean) < 4 * math.sqrt(variance / n)
    assert abs((days == 1).mean() - 1 / mean) < 0.01  # chance of a one-day lapse is 1/mean


def test_a_lapse_ends_after_its_length_in_days():
    params = _params(2.0, lapse_clock_setback=0.0)
    people = make_people(1, days_abstinent=50)
    lapse_course.apply_lapses(people, np.array([1e6]), np.array([0.0]), day=3, durations=3)
    assert people.status[0] == LAPSED and people.lapse_days_left[0] == 3
    never_escalates = np.ones(1)  # a draw of 1 is never below the escalation chance
    for day in (4, 5):
        lapse_course.resolve_lapses(people, params, 1.0, never_escalates, day)
        assert people.status[0] == LAPSED
    lapse_course.resolve_lapses(people, params, 1.0, never_escalates, 6)
    assert people.status[0] == RECOVERING and people.lapse_days_left[0] == 0
    assert people.caught_lapse_day[0] == 6 and people.days_abstinent[0] == 50


@pytest.mark.parametrize(("setback", "kept"), [(0.0, 40), (0.5, 20), (0.25, 30), (1.0, 0)])
def test_a_caught_lapse_sets_the_clock_back_by_its_share(setback, kept):
    params = _params(2.0, lapse_clock_setback=setback)
    people = make_people(1, status=LAPSED, lapse_days_left=1, days_abstinent=40)
    lapse_course.resolve_lapses(people, params, 0.0, np.zeros(1), day=9)  # ratio 0: caught
    assert people.status[0] == RECOVERING and people.days_abstinent[0] == kept


def test_an_escalated_lapse_forgets_the_last_caught_lapse():
    people = make_people(1, status=LAPSED, lapse_days_left=1, caught_lapse_day=4)
    relapsed = lapse_course.resolve_lapses(people, _params(), 1e6, np.zeros(1), day=9)
    assert relapsed.tolist() == [True] and people.status[0] == USING
    assert people.caught_lapse_day[0] == NEVER


def test_a_day_of_use_counts_for_lapses_and_regular_use_but_not_community_members():
    people = make_people(
        4,
        status=[LAPSED, USING, RECOVERING, USING],
        kind=[PARTICIPANT, PARTICIPANT, PARTICIPANT, COMMUNITY],
        use_days=[2, 5, 0, 0],
    )
    lapse_course.record_use(people, day=8)
    assert people.use_days.tolist() == [3, 6, 0, 0]
    assert people.last_use_day.tolist() == [8, 8, NEVER, NEVER]


def test_in_regular_use_only_the_share_of_days_with_use_counts():
    people = make_people(3, status=[USING, USING, LAPSED])
    # A draw below the share is a day of use; a lapse is use whatever the draw.
    lapse_course.record_use(people, 2, use_share=0.4, draws=np.array([0.39, 0.41, 0.99]))
    assert people.use_days.tolist() == [1, 0, 1]
    n = 50_000
    people = make_people(n, status=USING)
    lapse_course.record_use(people, 2, 0.4, np.random.default_rng(1).random(n))
    assert abs(people.use_days.mean() - 0.4) < 4 * math.sqrt(0.24 / n)
