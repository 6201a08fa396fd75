"""Unit tests of supervision: review days, failing pairs, burnout relief, help with lapses."""

from __future__ import annotations

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import costs, supervision
from simulation.model.mechanisms.supervision import SupervisionParams
from simulation.model.population import NEVER
from simulation.scenario.schema import Scenario


def test_reviews_fall_on_every_interval_th_day_and_never_when_switched_off():
    params = SupervisionParams(review_interval_days=14)
    review_days = [day for day in range(1, 60) if supervision.is_review_day(params, day)]
    assert review_days == [14, 28, 42, 56]
    off = params.model_copy(update={"enabled": False})
    assert not any(supervision.is_review_day(off, day) for day in range(1, 60))
    daily = SupervisionParams(review_interval_days=1)
    assert all(supervision.is_review_day(daily, day) for day in range(1, 10))


def test_supervision_is_billed_on_the_days_supervisors_review():
    scenario = Scenario(
        mentoring={"enabled": True}, supervision={"review_interval_days": 7}, population={"size": 3}
    )
    people = make_people(3, is_mentor=[False, True, True])
    for day in range(1, 30):
        spend = costs.daily_costs(people, scenario, np.zeros(3, bool), day)["supervision"]
        reviewed = supervision.is_review_day(scenario.supervision, day)
        assert spend == (2 * scenario.costs.supervision_cost_per_review if reviewed else 0.0)


def test_failing_pairs_are_matched_mentees_below_the_threshold():
    params = SupervisionParams(failing_alliance_threshold=0.35)
    people = make_people(
        5,
        mentor=[4, 4, 4, NEVER, NEVER],
        alliance=[0.1, 0.35, 0.9, 0.0, 0.0],
        is_mentor=[False, False, False, False, True],
    )
    # At the threshold is not failing; the unmatched (alliance 0) have no pair to fail.
    assert supervision.failing_pairs(people, params).tolist() == [True, False, False, False, False]
    none_fail = params.model_copy(update={"failing_alliance_threshold": 0.0})
    assert not supervision.failing_pairs(people, none_fail).any()


def test_each_review_relieves_a_share_of_mentors_burnout_only():
    params = SupervisionParams(burnout_relief=0.1)
    people = make_people(3, is_mentor=[True, True, False], burnout=[0.5, 0.0, 0.5])
    for _ in range(3):
        supervision.relieve_burnout(people, params)
    assert people.burnout.tolist() == pytest.approx([0.5 * 0.9**3, 0.0, 0.5])
    no_relief = params.model_copy(update={"burnout_relief": 0.0})
    supervision.relieve_burnout(people, no_relief)
    assert people.burnout[0] == pytest.approx(0.5 * 0.9**3)


def test_a_supervisor_answers_only_the_lapses_the_mentor_knows_of():
    params = SupervisionParams(lapse_response_effect=0.15)
    aware = np.array([True, False, True])
    assert supervision.escalation_ratio(params, aware).tolist() == pytest.approx([0.85, 1.0, 0.85])
    assert supervision.escalation_ratio(params.model_copy(update={"enabled": False}), aware) == 1.0
    no_effect = params.model_copy(update={"lapse_response_effect": 0.0})
    assert supervision.escalation_ratio(no_effect, aware).tolist() == [1.0, 1.0, 1.0]
