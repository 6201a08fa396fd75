"""Unit tests of the program's daily costs, item by item, and of training costs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import costs, engagement
from simulation.model.mechanisms.meetings import MEETING_GROUP_SIZE
from simulation.model.population import COMMUNITY, DECEASED, PARTICIPANT, RECOVERING
from simulation.scenario.schema import Scenario

YEAR = 365.25


def _scenario(**sections) -> Scenario:
    sections.setdefault("mentoring", {"enabled": True})
    return Scenario(population={"size": 10}, **sections)


def _spend(scenario, people, contacts=None, day=1, **kwargs):
    contacts = np.zeros(people.size, dtype=bool) if contacts is None else contacts
    return costs.daily_costs(people, scenario, contacts, day, **kwargs)


def test_every_item_is_reported_and_an_empty_program_costs_nothing():
    scenario = _scenario(mentoring={"enabled": False})
    spend = _spend(scenario, make_people(4))
    assert tuple(spend) == costs.ITEMS
    assert sum(spend.values()) == 0.0


def test_active_mentors_cost_a_daily_stipend_only_while_mentoring_runs():
    people = make_people(4, is_mentor=[False, True, True, True])
    on = _scenario(costs={"mentor_cost_per_day": 25.0})
    assert _spend(on, people)["mentor_time"] == 3 * 25.0
    off = _scenario(mentoring={"enabled": False})
    assert _spend(off, people)["mentor_time"] == 0.0
    assert _spend(off, people, day=14)["supervision"] == 0.0  # a review day, but no mentoring


def test_contacts_are_priced_by_their_hours_in_person_and_digital():
    people = make_people(4)
    contacts = np.array([True, True, True, False])
    c = {"contact_hour_cost": 30.0, "hours_per_contact": 1.0, "digital_hours_per_contact": 0.2}
    community = _scenario(costs=c)
    assert _spend(community, people, contacts)["contacts"] == pytest.approx(3 * 1.0 * 30.0)
    # In the digital setting every contact is digital unless told otherwise.
    digital_setting = _scenario(costs=c, setting={"kind": "digital"})
    assert _spend(digital_setting, people, contacts)["contacts"] == pytest.approx(3 * 0.2 * 30.0)
    # A digital flag on a day without a contact costs nothing.
    flags = np.array([True, False, False, True])
    hybrid = _scenario(costs=c, setting={"kind": "hybrid"})
    assert _spend(hybrid, people, contacts, digital_contacts=flags)["contacts"] == pytest.approx(
        (1 * 0.2 + 2 * 1.0) * 30.0
    )


def test_a_digital_platform_costs_a_fixed_yearly_sum_plus_a_monthly_fee_per_user():
    c = {"platform_cost_per_year": 40_000.0, "platform_cost_per_user_month": 8.0}
    people = make_people(4, enrolled=[True, True, True, False])
    digital_setting = _scenario(costs=c, setting={"kind": "digital"})
    per_user_day = 8.0 * 12 / YEAR
    assert _spend(digital_setting, people)["platform"] == pytest.approx(
        40_000.0 / YEAR + 3 * per_user_day
    )
    # A self-guided tool in a community program pays for the platform and its users only.
    community = _scenario(costs=c)
    assert _spend(community, people, tool_users=2)["platform"] == pytest.approx(
        40_000.0 / YEAR + 2 * per_user_day
    )
    assert _spend(community, people)["platform"] == 0.0
    # Without mentoring a digital setting has no platform to run (unless a tool is offered).
    no_mentors = _scenario(costs=c, setting={"kind": "digital"}, mentoring={"enabled": False})
    assert _spend(no_mentors, people)["platform"] == 0.0


def test_residents_cost_a_bed_day_each():
    people = make_people(4, residence_days_left=[3, 0, 90, 1])
    scenario = _scenario(costs={"bed_day_cost": 150.0}, setting={"kind": "residential"})
    assert _spend(scenario, people)["residential"] == 3 * 150.0


@pytest.mark.parametrize("enrolled", [0, 1, 20, 21, 40, 41])
def test_meetings_cost_one_group_per_twenty_enrolled_at_the_weekly_frequency(enrolled):
    n = 45
    people = make_people(n, enrolled=np.arange(n) < enrolled)
    scenario = _scenario(
        meetings={"enabled": True, "meetings_per_week": 2.0}, costs={"meeting_cost": 150.0}
    )
    groups = math.ceil(enrolled / MEETING_GROUP_SIZE)
    assert _spend(scenario, people)["meetings"] == pytest.approx(groups * 2.0 / 7 * 150.0)
    off = _scenario(meetings={"enabled": False})
    assert _spend(off, people)["meetings"] == 0.0


def test_only_enrolled_participants_count_towards_meeting_groups():
    n = 21
    kind = [PARTICIPANT] * 20 + [COMMUNITY]
    people = make_people(n, kind=kind, enrolled=True)
    scenario = _scenario(meetings={"enabled": True, "meetings_per_week": 7.0})
    assert _spend(scenario, people)["meetings"] == pytest.approx(1 * scenario.costs.meeting_cost)


def test_a_campaign_costs_its_yearly_sum_per_day_from_its_start_day():
    scenario = _scenario(
        stigma={"campaign": True, "campaign_start_day": 30},
        costs={"campaign_cost_per_year": 60_000.0},
    )
    people = make_people(4)
    assert _spend(scenario, people, day=29)["campaign"] == 0.0
    assert _spend(scenario, people, day=30)["campaign"] == pytest.approx(60_000.0 / YEAR)
    assert costs.CostParams().per_day(YEAR) == 1.0


def test_training_costs_hours_times_the_hourly_cost_per_mentor_trained():
    scenario = _scenario(training={"hours": 40.0}, costs={"training_cost_per_hour": 40.0})
    assert costs.training_cost(scenario, 5) == 5 * 40.0 * 40.0
    assert costs.training_cost(scenario, 0) == 0.0
    untrained = _scenario(training={"enabled": False, "hours": 40.0})
    assert costs.training_cost(untrained, 5) == 0.0
    no_mentoring = _scenario(mentoring={"enabled": False})
    assert costs.training_cost(no_mentoring, 5) == 0.0


def test_the_dead_are_not_billed_as_enrolled_users():
    people = make_people(
        4, enrolled=True, status=[DECEASED, DECEASED, RECOVERING, RECOVERING], kind=PARTICIPANT
    )
    scenario = _scenario(setting={"kind": "digital"})
    # The day the dead leave the program (engagement.leave_at_death runs first in the day).
    assert engagement.leave_at_death(people).tolist() == [True, True, False, False]
    c = scenario.costs
    expected = c.per_day(c.platform_cost_per_year) + 2 * c.platform_cost_per_user_month * 12 / YEAR
    assert _spend(scenario, people)["platform"] == pytest.approx(expected)
