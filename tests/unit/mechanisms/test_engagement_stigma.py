"""Engagement and use feed each other; stigma's channels (mechanisms.engagement, .stigma)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import engagement, psychology, stigma
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import LAPSED, NEVER, RECOVERING, USING


def _enrolled(n, **arrays):
    people = make_people(n, **arrays)
    people.enrolled[:] = True
    people.ever_enrolled[:] = True
    people.engagement[:] = 0.8
    return people


def test_use_speeds_disengagement_by_the_use_ratio():
    params = engagement.EngagementParams(use_decay_ratio=4.0, alliance_gain_per_day=0.0)
    people = _enrolled(3, status=[RECOVERING, LAPSED, USING])
    ones, none = np.ones(3), np.zeros(3, dtype=bool)
    engagement.update(people, params, ones, none, ones)
    rate = params.decay_per_year / 365.25  # per_day of a yearly rate
    lost = 0.8 - people.engagement
    assert lost[0] == pytest.approx(0.8 * rate, rel=1e-3)
    assert lost[1] == pytest.approx(0.8 * 4 * rate, rel=1e-3)
    assert lost[2] == pytest.approx(lost[1])


def test_dropping_out_raises_the_hazard_and_the_program_can_end():
    params = engagement.EngagementParams(disengaged_hazard_ratio=1.4, program_end_day=100)
    people = _enrolled(3)
    people.enrolled[1] = False  # dropped out
    people.ever_enrolled[2] = people.enrolled[2] = False  # never enrolled
    assert engagement.hazard_ratio(people, params).tolist() == [1.0, 1.4, 1.0]
    assert not engagement.program_has_ended(params, 100)
    assert engagement.program_has_ended(params, 101)
    assert not engagement.program_has_ended(engagement.EngagementParams(), 10_000)
    left = engagement.end_program(people)
    assert left.tolist() == [True, False, False] and not people.enrolled.any()
    # Finishing the program at its end is not dropping out: no extra risk, no outreach.
    assert people.completed.tolist() == [True, False, False]
    assert engagement.hazard_ratio(people, params).tolist() == [1.0, 1.4, 1.0]
    back = engagement.outreach(
        people, engagement.EngagementParams(outreach_rate_per_year=52.0), np.zeros(3)
    )
    assert back.tolist() == [False, True, False]


def test_by_default_dropping_out_adds_no_risk_beyond_losing_the_support():
    people = _enrolled(2)
    people.enrolled[1] = False  # dropped out
    assert engagement.hazard_ratio(people, engagement.EngagementParams()) == 1.0


def test_a_time_limited_program_stops_enrolment_and_mentoring():
    model = RecoveryCommunityModel(
        seed=4, population={"size": 300}, mentoring__enabled=True, engagement__program_end_day=30
    )
    for _ in range(30):
        model.step()
    assert model.people.enrolled.any() and (model.people.mentor != NEVER).any()
    for _ in range(10):
        model.step()
    assert not model.people.enrolled.any()
    assert np.all(model.people.mentor == NEVER)
    assert np.all(model.people.support == 0.0)
    # Those enrolled when it closed finished it; dropouts before the end did not.
    assert model.people.completed.any()
    assert not (model.people.completed & ~model.people.ever_enrolled).any()


def test_a_closing_program_ends_residence_and_withdraws_the_tool():
    model = RecoveryCommunityModel(
        seed=4,
        population={"size": 300},
        mentoring__enabled=True,
        setting={"kind": "residential", "self_guided_tool": {"enabled": True}},
        engagement__program_end_day=30,
    )
    model.run(30)
    assert (model.people.residence_days_left > 0).any() and (model.digital.tool_use > 0).any()
    model.run(5)
    assert not (model.people.residence_days_left > 0).any()
    assert not (model.digital.tool_use > 0).any()


def test_stigma_channels_are_centred_at_mid_scale():
    params = stigma.StigmaParams(
        shame_hazard_effect=0.6, isolation_effect=0.3, engagement_effect=1.0
    )
    people = make_people(3, stigma=[0.0, 0.5, 1.0], sceptical=[False, False, True])
    assert stigma.hazard_ratio(people, params).tolist() == pytest.approx(
        [math.exp(-0.3), 1.0, math.exp(0.3)]
    )
    assert stigma.withdrawal(people, params).tolist() == pytest.approx([-0.15, 0.0, 0.15])
    assert stigma.engagement_ratio(people, params).tolist() == pytest.approx(
        [0.5, 1.0, 1.5 * params.sceptic_engagement_ratio]
    )
    off = stigma.StigmaParams(enabled=False)
    assert stigma.hazard_ratio(people, off) == 1.0 and stigma.withdrawal(people, off) == 0.0


def test_stigma_raises_the_isolation_ties_leave():
    params = psychology.PsychologyParams(isolation_adjustment_per_day=1.0)
    people = make_people(2, isolation=0.0)
    psychology.update_isolation(people, params, np.zeros(2), 0.0, np.array([0.0, 0.2]))
    assert people.isolation.tolist() == pytest.approx(
        [params.isolation_without_ties, params.isolation_without_ties * 1.2]
    )


def test_mental_health_target_weights_are_parameters():
    params = psychology.MentalHealthParams(adjustment_per_day=1.0, stigma_weight=0.4)
    people = make_people(2, stigma=[0.5, 1.0], isolation=0.5, status=[USING, USING])
    psychology.update_mental_health(people, params)
    assert people.mental_health.tolist() == pytest.approx(
        [params.base_level, params.base_level - 0.4 * 0.5]
    )
