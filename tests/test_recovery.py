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


def test_start_new_attempts_rate_over_many_draws():
    n = 200_000
    people = make_people(n, status=USING, days_abstinent=0, recovery_attempts=1)
    draws = np.random.default_rng(11).random(n)
    attempting = recovery.start_new_attempts(people, PARAMS, draws)
    p = 1 - math.exp(-PARAMS.new_attempt_rate_per_year / 365.25)
    assert _within(attempting.mean(), p, n)
    assert np.all(people.status[attempting] == RECOVERING)
    assert np.all(people.recovery_attempts[attempting] == 2)
    assert np.all(people.status[~attempting] == USING)


def test_start_new_attempts_resets_clock_and_skips_others():
    p = rate_to_probability(PARAMS.new_attempt_rate_per_year / 365.25)
    people = make_people(
        5,
        kind=[PARTICIPANT, MENTOR, COMMUNITY, PARTICIPANT, PARTICIPANT],
        status=[USING, USING, USING, RECOVERING, USING],
        days_abstinent=[9, 9, 9, 9, 9],
    )
    draws = np.array([p / 2, p / 2, p / 2, p / 2, p * 1.0001])
    attempting = recovery.start_new_attempts(people, PARAMS, draws)
    # Community members are background; people already in recovery do not restart.
    assert attempting.tolist() == [True, True, False, False, False]
    assert people.days_abstinent.tolist() == [0, 0, 9, 9, 9]
    assert people.status.tolist() == [RECOVERING, RECOVERING, USING, RECOVERING, USING]


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
