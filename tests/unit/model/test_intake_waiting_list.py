"""Intake (referrals over the run), the waiting list and hired mentors (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.errors import ScenarioError
from simulation.model.mechanisms import intake, meetings, waiting_list
from simulation.model.mechanisms.intake import DAYS_PER_MONTH, IntakeParams, draw_referrals
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import (
    NEVER,
    NOT_AFFECTED,
    NOT_YET_ARRIVED,
    PARTICIPANT,
    Arrivals,
    build_population,
)
from simulation.model.population_params import PopulationParams
from simulation.model.random_streams import RandomStreams
from simulation.running.runner import simulate
from simulation.scenario.schema import Scenario


def _model(days=60, size=200, seed=3, **sections):
    scenario = Scenario(
        days=days,
        population={"size": size},
        mentoring={
            "enabled": True,
            "mentors_per_100_participants": 5,
            **sections.pop("mentoring", {}),
        },
        intake={"enabled": True, "referrals_per_month": 60, **sections.pop("intake", {})},
        **sections,
    )
    return RecoveryCommunityModel(scenario, seed=seed)


def test_expected_referrals_follow_the_profile_and_the_last_month_pro_rata():
    profile = [2.0] + [1.0] * 11
    expected = IntakeParams(enabled=True, referrals_per_month=10, monthly_profile=profile)
    by_month = expected.expected_by_month(int(2.5 * DAYS_PER_MONTH))
    assert by_month[0] == pytest.approx(20.0)
    assert by_month[1] == pytest.approx(10.0)
    assert by_month[2] == pytest.approx(
        10.0 * (int(2.5 * DAYS_PER_MONTH) - 2 * DAYS_PER_MONTH) / DAYS_PER_MONTH
    )
    listed = IntakeParams(enabled=True, referrals_by_month=[5, 7])
    assert listed.expected_by_month(120).tolist()[:2] == [5.0, 7.0]
    assert listed.expected_by_month(120)[2:].sum() == 0.0  # months past the list get none


def test_referral_counts_are_poisson_around_the_rate_and_days_fall_in_their_month():
    params = IntakeParams(enabled=True, referrals_per_month=40)
    rng = np.random.default_rng(0)
    counts, first_month = [], []
    for _ in range(400):
        stream = draw_referrals(params, 365, rng)
        assert np.all(np.diff(stream.days) >= 0) and stream.days.min() >= 1
        assert stream.days.max() <= 365
        counts.append(len(stream))
        first_month.append(np.count_nonzero(stream.days <= 30))
    # 12 months x 40 (the last month is 365 - 11 x 30.44 = 30.2 days long: 39.7 expected).
    expected = 40 * 365 / DAYS_PER_MONTH
    assert np.mean(counts) == pytest.approx(expected, abs=4 * np.sqrt(expected / 400))
    assert np.var(counts) == pytest.approx(expected, rel=0.25)  # Poisson: variance = mean
    assert np.mean(first_month) == pytest.approx(40, abs=4 * np.sqrt(40 / 400))


def test_referral_sources_follow_their_shares():
    params = IntakeParams(enabled=True, referrals_per_month=2000)
    stream = draw_referrals(params, 365, np.random.default_rng(1))
    shares = np.bincount(stream.sources, minlength=5) / len(stream)
    assert shares == pytest.approx(params.sources.shares(), abs=0.01)


@pytest.mark.parametrize(
    ("intake_section", "named"),
    [
        ({"monthly_profile": [1.0] * 11}, "monthly_profile"),
        ({"referrals_by_month": [3, -1]}, "referrals_by_month"),
        ({"sources": {"self": 0.9}}, "sources"),
        ({"waiting_list": {"rule": "loudest_first"}}, "rule"),
    ],
)
def test_bad_intake_values_are_scenario_errors_naming_the_key(intake_section, named):
    with pytest.raises(ScenarioError, match=named):
        Scenario(intake={"enabled": True, **intake_section})


def test_without_intake_the_population_has_no_extra_rows():
    model = RecoveryCommunityModel(Scenario(days=5, population={"size": 100}), seed=1)
    assert model.intake is None
    assert not np.any(model.people.kind == NOT_YET_ARRIVED)
    assert "waiting_list" not in model.datacollector.model_reporters


def test_presized_rows_keep_their_draws_and_the_day_0_cohort_is_unchanged():
    params = PopulationParams(size=50)
    plain = build_population(params, 10, (180, 200), 0.5, RandomStreams(4))
    grown = build_population(
        params, 10, (180, 200), 0.5, RandomStreams(4), arrivals=Arrivals(30, 3)
    )
    assert np.array_equal(plain.frailty[:50], grown.frailty[:50])
    assert np.all(grown.kind[50:80] == NOT_YET_ARRIVED)
    assert np.all(grown.kind[-3:] == NOT_YET_ARRIVED) and grown.days_abstinent[-3:].min() >= 180
    assert np.all(grown.status[grown.kind == NOT_YET_ARRIVED] == NOT_AFFECTED)


def test_arrivals_are_a_prefix_and_nobody_acts_before_arriving():
    model = _model(days=60)
    people, referral_days = model.people, model.intake.stream.days
    first = model.intake.first_row
    for _ in range(60):
        model.step()
        arrived = np.count_nonzero(referral_days <= model.day)
        participants = np.flatnonzero(people.kind == PARTICIPANT)
        assert participants.tolist() == list(range(first + arrived))
        pending = slice(first + arrived, first + len(referral_days))
        assert not people.enrolled[pending].any()
        assert np.all(people.first_lapse_day[pending] == NEVER)
        assert np.all(people.death_day[pending] == NEVER)
    entry = people.entry_day[first : first + len(referral_days)]
    assert np.array_equal(entry, referral_days)


def test_referrals_enrol_at_about_the_starting_share():
    model = _model(days=180, size=100, intake={"referrals_per_month": 300})
    model.run()
    referred = model.people.entry_day > 0
    share = model.people.ever_enrolled[referred].mean()
    # Starting share 0.75 at average stigma (scepticism lowers it), plus later enrolment.
    assert 0.6 < share < 0.9


def test_first_come_orders_by_referral_and_highest_risk_by_hazard():
    model = _model(days=1)
    people = model.people
    rows = np.flatnonzero(people.kind == PARTICIPANT)
    people.entry_day[rows] = np.arange(len(rows))[::-1]  # later rows referred earlier
    draws = np.random.default_rng(0).random(people.size)
    hazard = np.zeros(people.size)
    hazard[rows] = np.linspace(0.0, 1.0, len(rows))
    first_come = waiting_list.queue_priority(
        people, waiting_list.WaitingListParams(rule="first_come"), draws, hazard
    )
    assert np.all(np.diff(first_come[rows]) < 0)
    risk = waiting_list.queue_priority(
        people, waiting_list.WaitingListParams(rule="highest_risk"), draws, hazard
    )
    assert np.all(np.diff(risk[rows]) < 0)
    others = people.kind != PARTICIPANT
    assert np.array_equal(first_come[others], draws[others])  # mentors keep their draws


def test_people_give_up_waiting_at_the_monthly_rate():
    model = _model(days=1, size=20_000, intake={"referrals_per_month": 0})
    people = model.people
    people.enrolled[:20_000] = True
    params = waiting_list.WaitingListParams(give_up_rate_per_month=0.5)
    left = waiting_list.give_up(people, params, np.random.default_rng(2).random(people.size), 7)
    p = 1 - np.exp(-0.5 / DAYS_PER_MONTH)
    assert left.sum() / 20_000 == pytest.approx(p, abs=4 * np.sqrt(p / 20_000))
    assert np.all(people.left_waiting_day[left] == 7) and not people.enrolled[left].any()


def test_courses_of_mentoring_end_after_their_length_and_free_the_slot():
    model = _model(days=120, intake={"mentoring_episode_days": 30})
    model.run()
    people = model.people
    done = (people.first_served_day != NEVER) & (120 - people.first_served_day >= 30)
    assert done.any()
    assert np.all(people.mentor[done] == NEVER)
    served = people.first_served_day != NEVER
    assert np.all(people.first_served_day[served] >= people.entry_day[served])


def test_hired_mentors_join_on_their_days_and_are_costed():
    hires = {"recruitment_per_month": 2.0, "recruitment_cost_per_mentor": 1000.0}
    model = _model(days=61, mentoring=hires, training={"enabled": False})
    start = int(model.people.is_mentor.sum())
    assert intake.hire_days(2.0, 61).tolist() == [16, 31, 46, 61]
    model.run(15)
    assert model.costs["training"] == 0.0
    model.run(1)
    assert model.costs["training"] == pytest.approx(1000.0)
    model.run(45)
    hired = model.hire_rows
    assert np.all(model.people.kind[hired] != NOT_YET_ARRIVED)
    assert model.ever_mentor[hired].all()
    assert model.costs["training"] == pytest.approx(4000.0)
    assert int(model.ever_mentor.sum()) == start + 4


def test_referral_stream_is_the_same_whatever_the_design():
    few = _model(days=30, mentoring={"mentors_per_100_participants": 2})
    many = _model(days=30, mentoring={"mentors_per_100_participants": 40})
    assert np.array_equal(few.intake.stream.days, many.intake.stream.days)
    assert np.array_equal(few.intake.stream.sources, many.intake.stream.sources)


def test_meeting_seats_turn_away_the_least_keen():
    model = _model(days=1, size=500, intake={"referrals_per_month": 0})
    people = model.people
    people.enrolled[:500] = True
    people.engagement[:500] = 1.0
    draws = np.random.default_rng(5).random(people.size)
    params = meetings.MeetingParams(enabled=True, meetings_per_week=7, seats_per_meeting_day=50)
    attending = meetings.attend(people, params, draws)
    assert attending.sum() == 50
    unlimited = meetings.attend(
        people, params.model_copy(update={"seats_per_meeting_day": 0}), draws
    )
    assert unlimited.sum() > 50
    assert draws[attending].max() <= draws[unlimited & ~attending].min()


def test_a_meetings_only_program_serves_people_at_their_first_meeting():
    model = _model(
        days=40,
        mentoring={"enabled": False},
        meetings={"enabled": True, "meetings_per_week": 2, "seats_per_meeting_day": 5},
    )
    model.run()
    people = model.people
    served = people.first_served_day != NEVER
    assert served.any()
    assert model.summary()["waiting_list"] > 0  # 5 seats cannot seat everyone enrolled
    # Nobody is served on a day they could not attend: before they enrolled or arrived.
    assert np.all(people.first_served_day[served] >= people.entry_day[served])


def test_a_two_year_intake_run_reports_each_budget_year():
    scenario = Scenario(
        days=400,
        population={"size": 100},
        mentoring={"enabled": True, "mentors_per_100_participants": 5},
        intake={"enabled": True, "referrals_per_month": 20},
    )
    result = simulate(scenario, 2)
    metrics = result.metrics
    assert metrics["referrals_year_1"] + metrics["referrals_year_2"] == metrics["referrals"]
    assert metrics["served_year_1"] + metrics["served_year_2"] == metrics["participants_served"]
    assert metrics["cost_year_2"] > 0 and "cost_year_3" not in metrics
    months = result.breakdowns["by_entry_month"]
    assert len(months) == 14  # 400 days = 13.1 months


def test_referrals_take_up_the_self_guided_tool_on_arrival():
    model = _model(
        days=30,
        mentoring={"enabled": False},
        setting={"self_guided_tool": {"enabled": True}},
    )
    model.run(15)
    referred = np.flatnonzero(model.people.entry_day > 0)
    assert len(referred) > 10
    assert np.count_nonzero(model.digital.tool_use[referred] > 0) > 0
    pending = model.people.kind == NOT_YET_ARRIVED
    assert pending.any() and not np.any(model.digital.tool_use[pending] > 0)


def test_a_referral_volume_too_large_to_hold_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="referrals over 3650 days"):
        Scenario(days=3650, intake={"enabled": True, "referrals_per_month": 90_000})
    Scenario(days=3650, intake={"enabled": False, "referrals_per_month": 90_000})  # off: fine
