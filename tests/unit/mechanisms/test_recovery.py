"""New recovery attempts after relapse, and deaths (simulation.model.mechanisms.recovery)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import recovery
from simulation.model.population import (
    COMMUNITY,
    DECEASED,
    LAPSED,
    MENTOR,
    NEVER,
    NOT_AFFECTED,
    PARTICIPANT,
    RECOVERING,
    USING,
)
from simulation.model.units import rate_to_probability
from simulation.scenario.parameters import SUBSTANCES

PARAMS = recovery.RecoveryCycleParams()


def _within(share: float, p: float, n: int, sigmas: float = 4.0) -> bool:
    return abs(share - p) < sigmas * math.sqrt(p * (1 - p) / n)


def test_episode_lengths_are_lognormal_around_the_substance_median():
    n = 100_000
    params = recovery.RecoveryCycleParams(
        episode_median_days={"alcohol": 300.0, "opioids": 60.0}, episode_spread=0.8
    )
    people = make_people(n, substance=np.arange(n) % 2, status=USING)
    draws = np.random.default_rng(3).random(n)
    recovery.start_episodes(people, params, np.ones(n, dtype=bool), draws)
    for code, median in ((0, 300.0), (1, 60.0)):
        lengths = people.use_days_left[people.substance == code]
        assert np.median(lengths) == pytest.approx(median, rel=0.03)
        assert np.log(lengths).std() == pytest.approx(0.8, rel=0.03)
    # The same draw gives the same length (common random numbers): the median draw -> median.
    one = make_people(1, status=USING)
    recovery.start_episodes(one, params, np.array([True]), np.array([0.5]))
    assert one.use_days_left[0] == pytest.approx(300.0)


def test_an_episode_ends_in_a_new_attempt_after_its_length():
    people = make_people(3, status=USING, days_abstinent=9, recovery_attempts=1)
    people.use_days_left[:] = [3.0, 1.0, 5.0]
    relapsed_today = np.array([False, False, True])
    ended = []
    for _ in range(3):
        ended.append(recovery.start_new_attempts(people, relapsed_today).tolist())
        relapsed_today[:] = False
    # Person 1 ends on the first day, person 0 on the third; person 2 relapsed on the first
    # day, so its episode only starts counting the next day.
    assert ended == [[False, True, False], [False, False, False], [True, False, False]]
    assert people.status.tolist() == [RECOVERING, RECOVERING, USING]
    assert people.days_abstinent.tolist() == [0, 0, 9]
    assert people.recovery_attempts.tolist() == [2, 2, 1]


def test_friends_in_recovery_run_an_episode_faster_and_others_never_attempt():
    people = make_people(
        4,
        kind=[PARTICIPANT, PARTICIPANT, COMMUNITY, MENTOR],
        status=[USING, USING, USING, USING],
    )
    people.use_days_left[:] = 2.0
    ratio = np.array([1.0, 2.0, 5.0, 2.0])
    attempting = recovery.start_new_attempts(people, np.zeros(4, dtype=bool), ratio)
    # Community members are background; mentors cycle like participants.
    assert attempting.tolist() == [False, True, False, True]
    assert people.use_days_left.tolist() == [1.0, 0.0, 2.0, 0.0]


def test_record_quarter_counts_changes_of_quarterly_state():
    q = recovery.QUARTER_DAYS
    people = make_people(3)
    # Quarter 1: person 0 used, 1 and 2 did not.
    people.last_use_day[:] = [q - 5, NEVER, NEVER]
    recovery.record_quarter(people, q)
    assert people.quarter_pairs.tolist() == [0, 0, 0]  # no quarter before the first
    # Quarter 2: person 0 abstinent now (change), 1 used (change), 2 still abstinent.
    people.last_use_day[:] = [q - 5, 2 * q - 1, NEVER]
    recovery.record_quarter(people, 2 * q - 1)  # not a quarter's end: nothing recorded
    recovery.record_quarter(people, 2 * q)
    assert people.quarter_pairs.tolist() == [1, 1, 1]
    assert people.quarter_changes.tolist() == [1, 1, 0]
    assert people.quarter_abstinent.tolist() == [1, 0, 1]


@pytest.mark.parametrize("substance", SUBSTANCES)
def test_apply_deaths_threshold_by_substance_and_status(substance):
    code = SUBSTANCES.index(substance)
    using_rate = getattr(PARAMS.death_rate_using, substance) / 1000 / 365.25
    recovery_rate = PARAMS.death_rate_in_recovery_per_1000_py / 1000 / 365.25
    p_use, p_rec = rate_to_probability(using_rate), rate_to_probability(recovery_rate)
    people = make_people(4, substance=code, status=[USING, USING, RECOVERING, RECOVERING])
    draws = np.array([p_use * 0.999, p_use * 1.001, p_rec * 0.999, p_rec * 1.001])
    died = recovery.apply_deaths(people, PARAMS, draws, day=17)
    assert died.tolist() == [True, False, True, False]
    assert people.status.tolist() == [DECEASED, USING, DECEASED, RECOVERING]
    assert people.death_day.tolist() == [17, NEVER, 17, NEVER]


def test_apply_deaths_rate_over_many_draws_and_extra_hazard():
    n = 200_000
    params = recovery.RecoveryCycleParams(
        death_rate_using={"alcohol": 1000.0}, death_rate_in_recovery_per_1000_py=0.0
    )
    people = make_people(n, status=USING)
    died = recovery.apply_deaths(people, params, np.random.default_rng(5).random(n), day=1)
    assert _within(died.mean(), 1 - math.exp(-1 / 365.25), n)
    # extra hazard (e.g. overdose) adds to the daily rate
    people = make_people(n, status=RECOVERING)
    died = recovery.apply_deaths(
        people, params, np.random.default_rng(6).random(n), day=1, extra_hazard=0.01
    )
    assert _within(died.mean(), 1 - math.exp(-0.01), n)


def test_apply_deaths_never_touches_community_or_the_dead():
    params = recovery.RecoveryCycleParams(death_rate_in_recovery_per_1000_py=1000.0)
    people = make_people(
        4,
        kind=[COMMUNITY, COMMUNITY, PARTICIPANT, MENTOR],
        status=[USING, NOT_AFFECTED, DECEASED, LAPSED],
        death_day=[NEVER, NEVER, 3, NEVER],
    )
    died = recovery.apply_deaths(people, params, np.zeros(4), day=9)
    assert died.tolist() == [False, False, False, True]
    assert people.death_day.tolist() == [NEVER, NEVER, 3, 9]
