"""The duration-dependent lapse hazard and what a lapse becomes (simulation.model.mechanisms.relapse)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import lapse_course, relapse
from simulation.model.population import DECEASED, LAPSED, NEVER, NOT_AFFECTED, RECOVERING, USING
from simulation.model.units import rate_to_probability
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES

PARAMS = relapse.RelapseParams()
ALCOHOL, OPIOIDS = SUBSTANCES.index("alcohol"), SUBSTANCES.index("opioids")


@pytest.mark.parametrize("substance", SUBSTANCES)
def test_duration_hazard_early_part_halves_at_halving_days(substance):
    code = SUBSTANCES.index(substance)
    curve = getattr(PARAMS, substance)
    floor = curve.long_term_lapse_rate_per_year / 365.25
    h = relapse.duration_hazard(
        np.array([0.0, curve.hazard_halving_days]), np.array([code, code]), PARAMS
    )
    assert h[0] == pytest.approx(curve.initial_lapse_rate_per_day + floor, rel=1e-12)
    assert h[1] - floor == pytest.approx(curve.initial_lapse_rate_per_day / 2, rel=1e-12)


def test_duration_hazard_falls_with_days_abstinent_toward_the_floor():
    days = np.arange(0, 5000)
    h = relapse.duration_hazard(days, np.full(len(days), ALCOHOL), PARAMS)
    assert np.all(np.diff(h) < 0)
    floor = PARAMS.alcohol.long_term_lapse_rate_per_year / 365.25
    # Far out, only the floor and a small remainder of the early part are left.
    tail = PARAMS.alcohol.initial_lapse_rate_per_day / (
        1 + (days[-1] / PARAMS.alcohol.hazard_halving_days) ** PARAMS.alcohol.hazard_shape
    )
    assert h[-1] == pytest.approx(floor + tail, rel=1e-9)
    assert tail < 0.15 * floor
    # log-logistic form at d = 3 * halving: initial / (1 + 3**shape)
    d = 3 * PARAMS.alcohol.hazard_halving_days
    expected = PARAMS.alcohol.initial_lapse_rate_per_day / (1 + 3**PARAMS.alcohol.hazard_shape)
    got = relapse.duration_hazard(np.array([d]), np.array([ALCOHOL]), PARAMS)[0]
    assert got == pytest.approx(expected + floor, rel=1e-12)


def test_duration_hazard_reads_each_persons_substance():
    h = relapse.duration_hazard(np.array([0, 0]), np.array([ALCOHOL, OPIOIDS]), PARAMS)
    assert h[1] / h[0] == pytest.approx(
        (
            PARAMS.opioids.initial_lapse_rate_per_day
            + PARAMS.opioids.long_term_lapse_rate_per_year / 365.25
        )
        / (
            PARAMS.alcohol.initial_lapse_rate_per_day
            + PARAMS.alcohol.long_term_lapse_rate_per_year / 365.25
        )
    )


def test_state_of_mind_ratio_is_one_at_midpoint_and_moves_both_ways():
    people = make_people(3, self_efficacy=[0.5, 1.0, 0.5], isolation=[0.5, 0.5, 1.0])
    ratio = relapse.state_of_mind_ratio(people, PARAMS)
    assert ratio[0] == pytest.approx(1.0)
    assert ratio[1] == pytest.approx(math.exp(-PARAMS.self_efficacy_effect * 0.5))
    assert ratio[2] == pytest.approx(math.exp(PARAMS.isolation_effect * 0.5))


def test_lapse_hazard_multiplies_age_ratio_and_frailty():
    youth, adult = AGE_GROUPS.index("youth"), AGE_GROUPS.index("adult")
    people = make_people(3, age_group=[adult, youth, adult], frailty=[1.0, 1.0, 2.5])
    h = relapse.lapse_hazard(people, PARAMS)
    assert h[1] / h[0] == pytest.approx(PARAMS.age_hazard_ratio.youth)
    assert h[2] / h[0] == pytest.approx(2.5)


def test_apply_lapses_only_people_in_recovery_and_threshold_is_the_probability():
    hazard = np.full(6, 0.2)
    p = rate_to_probability(0.2)
    status = [RECOVERING, RECOVERING, USING, DECEASED, NOT_AFFECTED, LAPSED]
    people = make_people(6, status=status, first_lapse_day=[NEVER, 3, NEVER, NEVER, NEVER, 2])
    draws = np.array([p - 1e-9, p + 1e-9, 0.0, 0.0, 0.0, 0.0])
    lapsed = lapse_course.apply_lapses(people, hazard, draws, day=10)
    assert lapsed.tolist() == [True, False, False, False, False, False]
    assert people.status.tolist() == [LAPSED, RECOVERING, USING, DECEASED, NOT_AFFECTED, LAPSED]
    assert people.lapses.tolist() == [1, 0, 0, 0, 0, 0]
    assert people.first_lapse_day.tolist() == [10, 3, NEVER, NEVER, NEVER, 2]


def test_apply_lapses_keeps_first_lapse_day():
    people = make_people(1, first_lapse_day=4, lapses=1)
    lapse_course.apply_lapses(people, np.array([100.0]), np.array([0.5]), day=9)
    assert people.first_lapse_day[0] == 4
    assert people.lapses[0] == 2


def test_resolve_lapses_escalates_or_catches():
    esc = PARAMS.alcohol.escalation_probability
    people = make_people(
        5,
        status=[LAPSED, LAPSED, LAPSED, RECOVERING, USING],
        days_abstinent=[40, 40, 40, 40, 0],
        first_relapse_day=[NEVER, NEVER, 7, NEVER, NEVER],
    )
    draws = np.array([esc - 1e-9, esc + 1e-9, 0.0, 0.0, 0.0])
    relapsed = lapse_course.resolve_lapses(people, PARAMS, 1.0, draws, day=12)
    assert relapsed.tolist() == [True, False, True, False, False]
    assert people.status.tolist() == [USING, RECOVERING, USING, RECOVERING, USING]
    assert people.relapses.tolist() == [1, 0, 1, 0, 0]
    assert people.first_relapse_day.tolist() == [12, NEVER, 7, NEVER, NEVER]
    # a caught lapse keeps the attempt's clock
    assert people.days_abstinent[1] == 40


def test_resolve_lapses_escalation_ratio_and_self_efficacy_scale_the_probability():
    esc = PARAMS.opioids.escalation_probability
    ratio = 0.5
    se = 0.9
    p = esc * ratio * math.exp(-PARAMS.self_efficacy_effect * (se - 0.5))
    people = make_people(2, status=LAPSED, substance=OPIOIDS, self_efficacy=se)
    relapsed = lapse_course.resolve_lapses(
        people, PARAMS, np.array([ratio, ratio]), np.array([p - 1e-9, p + 1e-9]), day=1
    )
    assert relapsed.tolist() == [True, False]


def test_resolve_lapses_probability_is_clipped_to_one():
    people = make_people(3, status=LAPSED, self_efficacy=0.0)
    relapsed = lapse_course.resolve_lapses(people, PARAMS, 100.0, np.array([0.0, 0.5, 0.999999]), 1)
    assert relapsed.all()


def test_escalation_share_over_many_draws():
    n = 40_000
    people = make_people(n, status=LAPSED)
    draws = np.random.default_rng(3).random(n)
    share = lapse_course.resolve_lapses(people, PARAMS, 1.0, draws, 1).mean()
    p = PARAMS.alcohol.escalation_probability
    assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_lapse_lengths_are_geometric_with_the_substance_mean():
    n = 200_000
    params = relapse.RelapseParams(
        alcohol={"lapse_mean_days": 3.0}, opioids={"lapse_mean_days": 1.0}
    )
    people = make_people(n, substance=np.arange(n) % 2)
    days = lapse_course.lapse_durations(people, params, np.random.default_rng(5).random(n))
    alcohol, opioids = days[people.substance == 0], days[people.substance == 1]
    assert alcohol.min() == 1 and alcohol.mean() == pytest.approx(3.0, rel=0.02)
    # Geometric: P(length > 1) = 1 - 1/mean.
    assert (alcohol > 1).mean() == pytest.approx(2 / 3, abs=0.01)
    assert np.all(opioids == 1)


def test_a_lapse_lasts_its_length_then_resolves():
    params = relapse.RelapseParams(alcohol={"escalation_probability": 0.0})
    people = make_people(2, days_abstinent=40)
    lapse_course.apply_lapses(
        people, np.array([100.0, 100.0]), np.zeros(2), day=5, durations=np.array([3, 1])
    )
    statuses = []
    for day in (6, 7, 8):
        lapse_course.resolve_lapses(people, params, 1.0, np.ones(2), day)
        statuses.append(people.status.tolist())
    # A 3-day lapse covers days 5-7 and is caught on day 8; a 1-day lapse is caught on day 6.
    assert statuses == [[LAPSED, RECOVERING], [LAPSED, RECOVERING], [RECOVERING, RECOVERING]]
    assert people.caught_lapse_day.tolist() == [8, 6]


@pytest.mark.parametrize(("setback", "kept"), [(0.0, 40), (0.5, 20), (1.0, 0)])
def test_a_caught_lapse_sets_the_clock_back(setback, kept):
    params = relapse.RelapseParams(lapse_clock_setback=setback)
    people = make_people(1, status=LAPSED, days_abstinent=40)
    lapse_course.resolve_lapses(people, params, 0.0, np.ones(1), day=3)
    assert people.status[0] == RECOVERING and people.days_abstinent[0] == kept


def test_risk_after_a_caught_lapse_is_raised_and_fades_by_half_lives():
    params = relapse.RelapseParams(post_lapse_rate_per_day=0.04, post_lapse_half_life_days=30.0)
    people = make_people(3, days_abstinent=400)
    people.caught_lapse_day[:] = [100, 70, NEVER]
    extra = relapse.post_lapse_hazard(people, params, day=100)
    assert extra.tolist() == pytest.approx([0.04, 0.02, 0.0])
    base = relapse.lapse_hazard(people, params)
    person = relapse.lapse_hazard(people, params) / relapse.duration_hazard(
        people.days_abstinent, people.substance, params
    )  # age, frailty and state of mind scale the added hazard too
    assert relapse.lapse_hazard(people, params, day=100) == pytest.approx(base + extra * person)
    # A relapse ends the attempt's raised risk (the new attempt's clock restarts instead).
    people.status[:] = LAPSED
    lapse_course.resolve_lapses(people, params, 1.0, np.zeros(3), day=101)  # all escalate
    assert people.caught_lapse_day.tolist() == [NEVER] * 3


def test_record_use_counts_use_days_of_participants_and_mentors():
    from simulation.model.population import COMMUNITY, MENTOR

    people = make_people(
        4, status=[LAPSED, USING, RECOVERING, USING], kind=[0, MENTOR, 0, COMMUNITY]
    )
    lapse_course.record_use(people, day=7)
    lapse_course.record_use(people, day=8)
    assert people.use_days.tolist() == [2, 2, 0, 0]
    assert people.last_use_day.tolist() == [8, 8, NEVER, NEVER]
    # In regular use, a day counts when the draw falls below the share of days with use;
    # a lapse is use every day.
    lapse_course.record_use(people, 9, use_share=0.5, draws=np.array([0.9, 0.9, 0.0, 0.0]))
    lapse_course.record_use(people, 10, use_share=0.5, draws=np.array([0.9, 0.1, 0.0, 0.0]))
    assert people.use_days.tolist() == [4, 3, 0, 0]
    assert people.last_use_day.tolist() == [10, 10, NEVER, NEVER]
