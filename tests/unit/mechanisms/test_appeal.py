"""Unit tests of a program's appeal: who a design fits, and the extra joining it brings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import appeal
from simulation.model.mechanisms.appeal import NEUTRAL_PREFERENCE, AppealParams
from simulation.model.population import COMMUNITY, DECEASED, PARTICIPANT, RECOVERING

PARAMS = AppealParams(veteran_uptake_ratio=1.5, digital_uptake_ratio=1.5)


def test_digital_lift_is_linear_above_neutral_and_never_deters():
    people = make_people(5)
    preference = np.array([0.0, 0.3, NEUTRAL_PREFERENCE, 0.75, 1.0])
    ratio = appeal.fit_ratio(people, PARAMS, False, True, preference)
    # 1 + (1.5 - 1) x (preference - 0.5) / 0.5, and at least 1.
    assert ratio.tolist() == pytest.approx([1.0, 1.0, 1.0, 1.25, 1.5])


def test_a_veteran_who_prefers_digital_gets_both_ratios():
    people = make_people(3, veteran=[True, True, False])
    preference = np.array([1.0, 0.2, 1.0])
    both = appeal.fit_ratio(people, PARAMS, True, True, preference)
    assert both.tolist() == pytest.approx([1.5 * 1.5, 1.5, 1.5])
    veteran_only = appeal.fit_ratio(people, PARAMS, True, False, preference)
    assert veteran_only.tolist() == pytest.approx([1.5, 1.5, 1.0])


def test_ratios_of_one_make_no_design_more_appealing():
    people = make_people(2, veteran=True)
    neutral = AppealParams(veteran_uptake_ratio=1.0, digital_uptake_ratio=1.0)
    ratio = appeal.fit_ratio(people, neutral, True, True, np.array([1.0, 0.9]))
    assert ratio.tolist() == [1.0, 1.0]
    assert not appeal.extra_enrolment(people, 52.0, np.zeros(2), ratio, np.zeros(2)).any()


def test_the_extra_rate_is_the_base_rate_times_the_ratio_above_one_and_the_odds():
    base, ratio, shift = 0.5, 2.0, math.log(0.5)
    # Extra daily rate 0.5 / 365.25 x (2 - 1) x 0.5, as a daily chance 1 - exp(-rate).
    p = 1 - math.exp(-0.5 / 365.25 * 1.0 * 0.5)
    people = make_people(2)
    joined = appeal.extra_enrolment(
        people, base, np.full(2, shift), np.full(2, ratio), np.array([p * 0.999, p * 1.001])
    )
    assert joined.tolist() == [True, False]
    assert people.enrolled.tolist() == [True, False]
    assert people.ever_enrolled.tolist() == [True, False]


def test_only_living_participants_not_enrolled_can_join():
    people = make_people(
        4,
        kind=[PARTICIPANT, COMMUNITY, PARTICIPANT, PARTICIPANT],
        status=[RECOVERING, RECOVERING, DECEASED, RECOVERING],
        enrolled=[False, False, False, True],
        ever_enrolled=[False, False, False, True],
    )
    joined = appeal.extra_enrolment(people, 52.0, np.zeros(4), np.full(4, 3.0), np.zeros(4))
    assert joined.tolist() == [True, False, False, False]


def test_at_a_zero_base_rate_nobody_joins_for_fit():
    people = make_people(2)
    joined = appeal.extra_enrolment(people, 0.0, np.zeros(2), np.full(2, 5.0), np.zeros(2))
    assert not joined.any() and not people.enrolled.any()


def test_over_a_year_the_extra_joining_share_follows_the_rate():
    n = 5000
    people = make_people(n)
    rng = np.random.default_rng(2)
    ratio = np.full(n, 1.5)
    for _ in range(365):
        appeal.extra_enrolment(people, 1.0, np.zeros(n), ratio, rng.random(n))
    expected = 1 - math.exp(-1.0 * 0.5 * 365 / 365.25)
    assert abs(people.enrolled.mean() - expected) < 4 * math.sqrt(expected * (1 - expected) / n)
