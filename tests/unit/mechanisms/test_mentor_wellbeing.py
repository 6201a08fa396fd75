"""Unit tests of mentor wellbeing: helper therapy, burnout build-up and drain, incidents, loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import mentor_boundaries, mentor_wellbeing
from simulation.model.mechanisms.mentor_wellbeing import MentorWellbeingParams
from simulation.model.population import NEVER

PARAMS = MentorWellbeingParams()
OFF = MentorWellbeingParams(enabled=False)
YEAR = 365.25


def test_helping_lowers_a_mentors_hazard_and_burnout_raises_it():
    params = MentorWellbeingParams(helper_hazard_ratio=0.6, burnout_hazard_effect=1.0)
    people = make_people(
        4,
        is_mentor=[True, True, True, False],
        caseload=[2, 0, 3, 0],
        burnout=[0.0, 0.5, 1.0, 0.9],
    )
    ratio = mentor_wellbeing.hazard_ratio(people, params)
    assert ratio.tolist() == pytest.approx([0.6, math.exp(0.5), 0.6 * math.e, 1.0])
    assert mentor_wellbeing.hazard_ratio(people, OFF).tolist() == [1.0] * 4


def test_over_helping_starts_above_the_caseload_and_not_when_switched_off():
    params = MentorWellbeingParams(over_helping_caseload=8, over_helping_risk_per_mentee=0.08)
    people = make_people(3, is_mentor=True, caseload=[8, 9, 12])
    assert mentor_wellbeing.over_helping_ratio(people, params).tolist() == pytest.approx(
        [1.0, 1.08, 1.32]
    )
    assert mentor_wellbeing.over_helping_ratio(people, OFF).tolist() == [1.0, 1.0, 1.0]


def test_mentees_get_the_support_quality_their_mentors_burnout_leaves():
    params = MentorWellbeingParams(burnout_quality_loss=0.5)
    people = make_people(
        4,
        mentor=[2, NEVER, NEVER, 3],
        is_mentor=[False, False, True, True],
        burnout=[0.9, 0.9, 0.4, 1.0],
    )
    # Row 0's mentor (row 2) is at 0.4; row 1 has no mentor (its own burnout does not count).
    assert mentor_wellbeing.support_quality_ratio(people, params).tolist() == pytest.approx(
        [0.8, 1.0, 1.0, 0.5]
    )
    assert mentor_wellbeing.support_quality_ratio(people, OFF).tolist() == [1.0] * 4


def test_boundary_incidents_happen_at_the_yearly_rate_scaled_by_over_involvement():
    params = MentorWellbeingParams(
        boundary_incident_rate_per_year=1.0, burnout_per_boundary_incident=0.05
    )
    # At contacts only: each carries a 52nd of the yearly rate; over-involvement 0.5 halves it.
    p = 1 - math.exp(-1.0 / 52 * 0.5)
    people = make_people(
        5,
        mentor=[3, 3, 4, NEVER, NEVER],
        is_mentor=[False, False, False, True, True],
        burnout=[0.0, 0.0, 0.0, 0.2, 0.2],
    )
    draws = np.array([p * 0.999, p * 0.999, p * 1.001, 0.0, 0.0])
    contact = np.array([True, True, True, False, False])
    hit = mentor_boundaries.boundary_incidents(people, params, 0.5, draws, contact)
    assert hit.tolist() == [True, True, False, False, False]
    # Two incidents for mentor 3: each adds 0.05 of what is left below full burnout.
    assert people.burnout.tolist() == pytest.approx([0.0, 0.0, 0.0, 0.2 + 2 * 0.05 * 0.8, 0.2])


def test_no_boundary_incidents_when_switched_off_or_fully_trained():
    people = make_people(2, mentor=[1, NEVER], is_mentor=[False, True], burnout=[0.0, 0.3])
    met = np.ones(2, dtype=bool)
    assert not mentor_boundaries.boundary_incidents(people, OFF, 1.0, np.zeros(2), met).any()
    assert not mentor_boundaries.boundary_incidents(people, PARAMS, 0.0, np.zeros(2), met).any()
    assert not mentor_boundaries.boundary_incidents(people, PARAMS, 1.0, np.zeros(2), ~met).any()
    assert people.burnout.tolist() == [0.0, 0.3]


def test_burnout_builds_with_caseload_and_crises_then_drains_by_itself():
    params = MentorWellbeingParams(
        burnout_per_mentee_per_year=0.4,
        burnout_per_mentee_crisis=0.02,
        burnout_recovery_per_year=1.0,
    )
    people = make_people(
        5,
        mentor=[3, 3, NEVER, NEVER, NEVER],
        is_mentor=[False, False, False, True, True],
        caseload=[0, 0, 0, 2, 0],
        burnout=[0.0, 0.0, 0.3, 0.2, 0.5],
        strain_susceptibility=[1.0, 1.0, 1.0, 2.0, 1.0],
    )
    lapses = np.array([True, False, True, False, False])  # one crisis for mentor 3
    mentor_wellbeing.update_burnout(people, params, lapses, build_multiplier=0.5)
    build = (0.4 / YEAR * 2 + 0.02 * 1) * 0.5 * 2.0  # halved by training, doubled by strain
    built = 0.2 + build * (1 - 0.2)
    assert people.burnout[3] == pytest.approx(built * (1 - 1.0 / YEAR))
    assert people.burnout[4] == pytest.approx(0.5 * (1 - 1.0 / YEAR))  # no mentees: drains only
    assert people.burnout[:3].tolist() == [0.0, 0.0, 0.3]  # not mentors: untouched


def test_burnout_does_not_move_when_switched_off():
    people = make_people(
        2, mentor=[1, NEVER], is_mentor=[False, True], caseload=[0, 1], burnout=0.4
    )
    mentor_wellbeing.update_burnout(people, OFF, np.array([True, False]), 1.0)
    assert people.burnout.tolist() == [0.4, 0.4]


def test_a_year_of_drain_alone_leaves_about_exp_of_minus_the_rate():
    params = MentorWellbeingParams(burnout_recovery_per_year=1.0)
    people = make_people(1, is_mentor=True, burnout=0.8)
    for _ in range(365):
        mentor_wellbeing.update_burnout(people, params, np.zeros(1, bool), 1.0)
    assert people.burnout[0] == pytest.approx(0.8 * math.exp(-365 / YEAR), rel=2e-3)


def test_attrition_rises_linearly_to_its_ratio_at_full_burnout():
    params = MentorWellbeingParams(burnout_attrition_ratio=4.0)
    people = make_people(3, is_mentor=True, burnout=[0.0, 0.5, 1.0])
    assert mentor_wellbeing.attrition_multiplier(people, params).tolist() == [1.0, 2.5, 4.0]
    assert mentor_wellbeing.attrition_multiplier(people, OFF).tolist() == [1.0, 1.0, 1.0]


def test_mentees_who_lose_their_mentor_lose_a_share_of_self_efficacy():
    params = MentorWellbeingParams(mentor_loss_self_efficacy=0.05)
    people = make_people(3, self_efficacy=0.6)
    mentor_wellbeing.feel_mentor_loss(people, params, np.array([0, 2]))
    assert people.self_efficacy.tolist() == pytest.approx([0.57, 0.6, 0.57])
    mentor_wellbeing.feel_mentor_loss(people, params, np.array([], dtype=np.int64))
    mentor_wellbeing.feel_mentor_loss(people, OFF, np.array([1]))
    assert people.self_efficacy.tolist() == pytest.approx([0.57, 0.6, 0.57])
