"""Unit tests of the mentor pipeline: who is recruited, at what daily chance, who graduates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import pipeline
from simulation.model.mechanisms.pipeline import PipelineParams
from simulation.model.population import (
    COMMUNITY,
    LAPSED,
    MENTOR,
    NEVER,
    PARTICIPANT,
    RECOVERING,
    USING,
)

PARAMS = PipelineParams(
    enabled=True,
    min_days_abstinent=180,
    min_self_efficacy=0.6,
    recruitment_rate_per_year=0.5,
    training_delay_days=30,
)
#: The daily chance of a yearly rate of 0.5, by hand: 1 - exp(-0.5 / 365.25).
DAILY = 1 - math.exp(-0.5 / 365.25)


def test_only_eligible_participants_can_be_recruited():
    # Row 0 is eligible exactly at both thresholds; every other row fails one condition.
    people = make_people(
        8,
        days_abstinent=[180, 179, 400, 400, 400, 400, 400, 400],
        self_efficacy=[0.6, 0.9, 0.59, 0.9, 0.9, 0.9, 0.9, 0.9],
        status=[RECOVERING] * 4 + [LAPSED, RECOVERING, RECOVERING, RECOVERING],
        kind=[PARTICIPANT] * 3 + [MENTOR, PARTICIPANT, COMMUNITY, PARTICIPANT, PARTICIPANT],
        is_mentor=[False, False, False, True, False, False, True, False],
        trainee_until=[NEVER] * 7 + [50],
    )
    recruits = pipeline.recruit(people, PARAMS, np.zeros(8), day=10)
    assert recruits.tolist() == [True] + [False] * 7
    assert people.trainee_until.tolist() == [40, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, 50]


def test_the_yearly_rate_becomes_a_daily_chance():
    people = make_people(2, days_abstinent=365, self_efficacy=0.8)
    recruits = pipeline.recruit(people, PARAMS, np.array([DAILY * 0.999, DAILY * 1.001]), day=1)
    assert recruits.tolist() == [True, False]


def test_over_a_year_the_recruited_share_follows_the_rate():
    n = 4000
    people = make_people(n, days_abstinent=365, self_efficacy=0.8)
    rng = np.random.default_rng(3)
    for day in range(1, 366):
        pipeline.recruit(people, PARAMS, rng.random(n), day)
    share = (people.trainee_until != NEVER).mean()
    expected = 1 - (1 - DAILY) ** 365  # about 1 - exp(-0.5)
    assert expected == pytest.approx(1 - math.exp(-0.5), abs=2e-3)
    assert abs(share - expected) < 4 * math.sqrt(expected * (1 - expected) / n)


def test_switched_off_or_at_rate_zero_nobody_is_recruited():
    people = make_people(2, days_abstinent=365, self_efficacy=0.8)
    off = PARAMS.model_copy(update={"enabled": False})
    assert not pipeline.recruit(people, off, np.zeros(2), day=1).any()
    zero = PARAMS.model_copy(update={"recruitment_rate_per_year": 0.0})
    assert not pipeline.recruit(people, zero, np.zeros(2), day=1).any()
    assert (people.trainee_until == NEVER).all()


def test_trainees_in_recovery_graduate_when_training_ends_and_others_leave_it():
    people = make_people(
        4,
        trainee_until=[20, 20, 21, NEVER],
        status=[RECOVERING, USING, RECOVERING, RECOVERING],
    )
    graduates = pipeline.graduate(people, day=20)
    assert graduates.tolist() == [True, False, False, False]
    assert people.is_mentor.tolist() == [True, False, False, False]
    # The one who relapsed leaves training (and can be recruited again later).
    assert people.trainee_until.tolist() == [20, NEVER, 21, NEVER]
    assert pipeline.graduate(people, day=21).tolist() == [False, False, True, False]
    assert not pipeline.graduate(people, day=22).any()  # graduates do not graduate twice


def test_without_a_training_delay_a_recruit_becomes_a_mentor_the_same_day():
    params = PARAMS.model_copy(update={"training_delay_days": 0})
    people = make_people(1, days_abstinent=365, self_efficacy=0.8)
    pipeline.recruit(people, params, np.zeros(1), day=5)
    assert pipeline.graduate(people, day=5).tolist() == [True]
