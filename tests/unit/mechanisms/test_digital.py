"""Unit tests of digital preference and the self-guided digital tool."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import digital
from simulation.model.mechanisms.digital import (
    MIN_ENGAGEMENT_RATIO,
    DigitalPreferenceParams,
    SelfGuidedToolParams,
)
from simulation.model.population import COMMUNITY, DECEASED, PARTICIPANT
from simulation.scenario.parameters import AGE_GROUPS

TOOL = SelfGuidedToolParams(enabled=True)


def test_age_group_means_follow_the_declared_age_groups():
    params = DigitalPreferenceParams(youth_mean=0.7, adult_mean=0.5, older_adult_mean=0.3)
    assert dict(zip(AGE_GROUPS, params.means(), strict=True)) == pytest.approx(
        {"youth": 0.7, "adult": 0.5, "older_adult": 0.3}
    )


def test_preference_is_the_mean_plus_the_spread_clipped_to_the_scale():
    params = DigitalPreferenceParams(spread=0.15)
    people = make_people(4, age_group=[0, 1, 2, 0])
    pref = digital.draw_preference(people, params, np.array([1.0, -2.0, -3.0, 3.0]))
    assert pref.tolist() == pytest.approx([0.85, 0.2, 0.0, 1.0])
    no_spread = params.model_copy(update={"spread": 0.0})
    assert digital.draw_preference(people, no_spread, np.full(4, 5.0)).tolist() == pytest.approx(
        [0.7, 0.5, 0.3, 0.7]
    )


def test_participants_take_the_tool_up_in_proportion_to_preference():
    params = SelfGuidedToolParams(enabled=True, uptake_at_full_preference=0.8)
    people = make_people(4, kind=[PARTICIPANT, PARTICIPANT, PARTICIPANT, COMMUNITY])
    preference = np.array([0.5, 0.5, 0.0, 1.0])
    draws = np.array([0.399, 0.401, 0.0, 0.0])  # chance 0.8 x 0.5 = 0.4 for the first two
    assert digital.start_tool(people, params, preference, draws).tolist() == [1.0, 0.0, 0.0, 0.0]
    off = params.model_copy(update={"enabled": False})
    assert digital.start_tool(people, off, np.ones(4), np.zeros(4)).tolist() == [0.0] * 4


def test_use_halves_over_its_half_life_and_stops_at_death():
    params = SelfGuidedToolParams(enabled=True, use_half_life_days=120.0)
    people = make_people(2)
    use = np.array([1.0, 1.0])
    for _ in range(120):
        digital.fade_use(people, params, use)
    assert use.tolist() == pytest.approx([0.5, 0.5])
    people.status[1] = DECEASED
    digital.fade_use(people, params, use)
    assert use[0] == pytest.approx(0.5 * 0.5 ** (1 / 120)) and use[1] == 0.0


def test_the_tool_lowers_the_hazard_by_its_log_hazard_ratio_times_use():
    params = SelfGuidedToolParams(enabled=True, hazard_effect=0.15)
    use = np.array([1.0, 0.5, 0.0])
    assert digital.hazard_ratio(params, use).tolist() == pytest.approx(
        [math.exp(-0.15), math.exp(-0.075), 1.0]
    )
    assert digital.hazard_ratio(params.model_copy(update={"enabled": False}), use) == 1.0


def test_users_check_in_while_use_is_at_or_above_the_level():
    params = SelfGuidedToolParams(enabled=True, check_in_use_level=0.25)
    use = np.array([0.25, 0.2499, 0.9])
    assert digital.checking_in(params, use).tolist() == [True, False, True]
    no_alerts = params.model_copy(update={"check_in_alerts_mentor": False})
    assert not digital.checking_in(no_alerts, use).any()
    assert not digital.checking_in(params.model_copy(update={"enabled": False}), use).any()


def test_engagement_ratio_is_linear_in_preference_with_a_floor():
    params = DigitalPreferenceParams(youth_mean=0.7, adult_mean=0.5)
    people = make_people(5)
    preference = np.array([0.5, 0.7, 0.9, 0.3, 0.0])
    ratio = digital.engagement_ratio(people, params, preference, 1.5)
    # Slope (1.5 - 1) / (0.7 - 0.5) = 2.5 per unit of preference, from 1 at the adult mean.
    assert ratio.tolist() == pytest.approx([1.0, 1.5, 2.0, 0.5, MIN_ENGAGEMENT_RATIO])


def test_without_an_age_gap_preference_does_not_set_engagement():
    flat = DigitalPreferenceParams(youth_mean=0.5, adult_mean=0.5)
    people = make_people(2)
    ratio = digital.engagement_ratio(people, flat, np.array([0.0, 1.0]), 1.5)
    assert ratio.tolist() == [1.0, 1.0]
