"""Costs, health economics and rate conversion give exactly what their old NumPy gave.

The references below are the bodies `costs.daily_costs`, `health_economics.accrue_day` /
`day_values` and `units.rate_to_probability` had before issue 17's kernels and in-place steps;
the new code must match them exactly (every dollar, QALY and probability, dtype and bytes) on
seeded random populations and arrays of several sizes.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from simulation.model.mechanisms import costs, health_economics
from simulation.model.mechanisms.costs import ITEMS, MEETING_GROUP_SIZE, CostParams
from simulation.model.mechanisms.health_economics import (
    BUDGET_YEAR_DAYS,
    EconomicsParams,
    discount_factor,
)
from simulation.model.population import (
    DECEASED,
    LAPSED,
    PARTICIPANT,
    RECOVERING,
    STATUS_NAMES,
    USING,
)
from simulation.model.units import rate_to_probability
from simulation.scenario.schema import Scenario

SIZES = (0, 1, 2, 9, 500, 20_000)


def _old_rate_to_probability(rate, dt_days=1.0):
    return -np.expm1(-np.asarray(rate) * dt_days)


def _old_daily_costs(people, scenario, contacts, day, digital_contacts=None, tool_users=0):
    c: CostParams = scenario.costs
    enrolled = int((people.enrolled & (people.kind == PARTICIPANT)).sum())
    active_mentors = int(people.is_mentor.sum()) if scenario.mentoring.enabled else 0
    digital = scenario.setting.kind in ("digital", "hybrid")
    if digital_contacts is None:
        digital_contacts = (
            contacts if scenario.setting.kind == "digital" else np.zeros_like(contacts)
        )
    n_digital = int(np.count_nonzero(contacts & digital_contacts))
    n_in_person = int(np.count_nonzero(contacts)) - n_digital
    spend = dict.fromkeys(ITEMS, 0.0)
    spend["mentor_time"] = active_mentors * c.mentor_cost_per_day
    spend["contacts"] = (
        n_in_person * c.hours_per_contact + n_digital * c.digital_hours_per_contact
    ) * c.contact_hour_cost
    if (
        scenario.mentoring.enabled
        and scenario.supervision.enabled
        and day % scenario.supervision.review_interval_days == 0
    ):
        spend["supervision"] = active_mentors * c.supervision_cost_per_review
    platform_users = (enrolled if digital and scenario.mentoring.enabled else 0) + tool_users
    if platform_users or (digital and scenario.mentoring.enabled):
        spend["platform"] = (
            c.per_day(c.platform_cost_per_year)
            + platform_users * c.platform_cost_per_user_month * 12 / 365.25
        )
    spend["residential"] = int((people.residence_days_left > 0).sum()) * c.bed_day_cost
    if scenario.meetings.enabled:
        groups = -(-enrolled // MEETING_GROUP_SIZE)
        spend["meetings"] = groups * scenario.meetings.meetings_per_week / 7.0 * c.meeting_cost
    if scenario.stigma.campaign and day >= scenario.stigma.campaign_start_day:
        spend["campaign"] = c.per_day(c.campaign_cost_per_year)
    return spend


def _old_day_values(status, overdose_deaths_today, params):
    counts = np.bincount(status, minlength=len(STATUS_NAMES))
    recovering, lapsed, using = counts[RECOVERING], counts[LAPSED], counts[USING]
    utility = (
        recovering * params.utility_in_recovery
        + lapsed * params.utility_lapsed
        + using * params.utility_using
        + counts[DECEASED] * health_economics.UTILITY_DEAD
    )
    use_days = lapsed + using
    days = health_economics.DAYS_PER_YEAR
    return {
        "qalys": float(utility / days),
        "health_care_cost": float(
            (recovering + lapsed) * params.health_care_cost_in_recovery_per_year
            + using * params.health_care_cost_using_per_year
        )
        / days,
        "emergency_cost": float(
            use_days
            * params.emergency_visits_per_using_year
            / days
            * params.cost_per_emergency_visit
            + overdose_deaths_today * params.cost_per_overdose_death
        ),
        "criminal_justice_cost": float(use_days * params.criminal_justice_cost_per_using_day),
    }


def _old_accrue_day(accounts, status, overdose_deaths_today, spend_to_date, params, day, offered):
    today = _old_day_values(status, overdose_deaths_today, params)
    spend = spend_to_date - accounts["program_spend_seen"]
    accounts["program_spend_seen"] = spend_to_date
    if day == 1 and offered:
        spend += params.startup_cost
    factor = float(discount_factor(day, params.discount_rate))
    accounts["qalys_undiscounted"] += today["qalys"]
    for name, value in today.items():
        accounts[name] += value * factor
    accounts["program_cost"] += spend * factor
    accounts["deaths_all_cause"] = float(np.count_nonzero(status == DECEASED))
    accounts["overdose_deaths"] += overdose_deaths_today
    year = f"cost_year_{(day - 1) // BUDGET_YEAR_DAYS + 1}"
    downstream = today["health_care_cost"] + today["emergency_cost"]
    downstream += today["criminal_justice_cost"]
    accounts[year] = accounts.get(year, 0.0) + spend + downstream


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rate_to_probability_matches_numpy(n, dtype):
    rng = np.random.default_rng(n)
    rates = (rng.exponential(0.01, n) * rng.choice([1e-6, 1.0, 100.0], n)).astype(dtype)
    rates[: min(n, 3)] = [0.0, -0.0, np.inf][: min(n, 3)]
    for dt in (1.0, 0.5, 7, 2.5):
        new, old = rate_to_probability(rates, dt), _old_rate_to_probability(rates, dt)
        assert _same(new, old)
    strong = np.float64(0.5)  # a NumPy scalar is not weak: float32 rates become float64
    assert _same(rate_to_probability(rates, strong), _old_rate_to_probability(rates, strong))
    assert _same(rate_to_probability(rates[:, None]), _old_rate_to_probability(rates[:, None]))


def test_rate_to_probability_leaves_its_input_alone_and_keeps_scalars_scalar():
    rates = np.array([0.1, 0.2])
    rate_to_probability(rates)
    assert rates.tolist() == [0.1, 0.2]
    assert _same(rate_to_probability(0.1), _old_rate_to_probability(0.1))
    assert _same(rate_to_probability(np.arange(3)), _old_rate_to_probability(np.arange(3)))


def _people(n: int, seed: int) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    return SimpleNamespace(
        size=n,
        enrolled=rng.uniform(0, 1, n) < 0.6,
        kind=rng.integers(0, 4, n).astype(np.int8),
        is_mentor=rng.uniform(0, 1, n) < 0.15,
        residence_days_left=rng.integers(-2, 5, n).astype(np.int32),
    )


SCENARIOS = [
    Scenario(population={"size": 10}, mentoring={"enabled": True}),
    Scenario(population={"size": 10}, mentoring={"enabled": False}),
    Scenario(population={"size": 10}, mentoring={"enabled": True}, setting={"kind": "digital"}),
    Scenario(
        population={"size": 10},
        mentoring={"enabled": True},
        setting={"kind": "hybrid"},
        meetings={"enabled": True},
        stigma={"campaign": True, "campaign_start_day": 3},
    ),
    Scenario(population={"size": 10}, setting={"kind": "residential"}),
]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_daily_costs_match_numpy(n, scenario):
    rng = np.random.default_rng(7 + n)
    for day, flags in ((1, None), (14, "random"), (28, None)):
        people = _people(n, day)
        contacts = rng.uniform(0, 1, n) < 0.3
        digital = None if flags is None else rng.uniform(0, 1, n) < 0.5
        new = costs.daily_costs(people, scenario, contacts, day, digital, tool_users=day % 3)
        old = _old_daily_costs(people, scenario, contacts, day, digital, tool_users=day % 3)
        assert new == old
        assert all(type(new[k]) is type(old[k]) for k in old)


def _status(n: int, seed: int) -> np.ndarray:
    status = np.random.default_rng(seed).integers(0, len(STATUS_NAMES), n).astype(np.int8)
    status[: min(n, len(STATUS_NAMES))] = np.arange(min(n, len(STATUS_NAMES)))
    return status


@pytest.mark.parametrize("n", SIZES)
def test_day_values_and_accrual_match_numpy(n):
    params = EconomicsParams()
    accounts, reference = health_economics.start_accounts(), health_economics.start_accounts()
    for day in (1, 2, 200, 365, 366, 800):
        status = _status(n, day)
        overdoses = day % 4
        assert health_economics.day_values(status, overdoses, params) == _old_day_values(
            status, overdoses, params
        )
        health_economics.accrue_day(accounts, status, overdoses, 10.5 * day, params, day, True)
        _old_accrue_day(reference, status, overdoses, 10.5 * day, params, day, True)
        assert accounts == reference
        assert all(type(accounts[k]) is type(reference[k]) for k in reference)


def test_a_status_code_outside_the_names_is_refused():
    with pytest.raises(ValueError, match="status code"):
        health_economics.day_values(np.array([0, len(STATUS_NAMES)], np.int8), 0, EconomicsParams())
