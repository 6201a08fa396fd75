"""Unit tests of fatal overdose after lost tolerance (opioid relapses only)."""

from __future__ import annotations

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import overdose
from simulation.model.mechanisms.overdose import OPIOIDS, OverdoseParams
from simulation.model.population import DECEASED, NEVER, USING
from simulation.scenario.parameters import SUBSTANCES

PARAMS = OverdoseParams(
    death_probability_per_relapse=0.01, lost_tolerance_ratio=4.0, tolerance_loss_days=30
)


def _chance(days_abstinent_before: float) -> float:
    """The documented risk: base x (1 + (ratio - 1) x share of tolerance lost), by hand."""
    lost = min(days_abstinent_before / 30, 1.0)
    return 0.01 * (1 + 3.0 * lost)


def test_opioid_codes_follow_the_declared_substances():
    assert SUBSTANCES[OPIOIDS] == "opioids"


@pytest.mark.parametrize("days_before", [0, 15, 30, 400])
def test_risk_grows_with_lost_tolerance_and_saturates(days_before):
    p = _chance(days_before)
    assert p == pytest.approx({0: 0.01, 15: 0.025, 30: 0.04, 400: 0.04}[days_before])
    people = make_people(2, substance=OPIOIDS, status=USING)
    draws = np.array([p * 0.999, p * 1.001])  # just inside and just outside the chance
    dying = overdose.overdose_deaths(
        people, PARAMS, np.ones(2, bool), np.full(2, days_before), draws, day=7
    )
    assert dying.tolist() == [True, False]


def test_a_fatal_overdose_records_the_death():
    people = make_people(3, substance=OPIOIDS, status=USING)
    dying = overdose.overdose_deaths(
        people, PARAMS, np.ones(3, bool), np.zeros(3), np.array([0.0, 0.5, 0.0]), day=12
    )
    assert dying.tolist() == [True, False, True]
    assert people.status.tolist() == [DECEASED, USING, DECEASED]
    assert people.death_day.tolist() == [12, NEVER, 12]
    assert people.overdose_deaths.tolist() == [True, False, True]


def test_only_opioid_relapses_today_can_be_fatal():
    substance = [OPIOIDS, SUBSTANCES.index("alcohol"), SUBSTANCES.index("stimulants"), OPIOIDS]
    people = make_people(4, substance=substance, status=USING)
    relapsed = np.array([True, True, True, False])  # the last relapsed on an earlier day
    dying = overdose.overdose_deaths(people, PARAMS, relapsed, np.full(4, 365), np.zeros(4), 3)
    assert dying.tolist() == [True, False, False, False]


def test_switched_off_nobody_dies_of_overdose():
    people = make_people(2, substance=OPIOIDS, status=USING)
    off = PARAMS.model_copy(update={"enabled": False})
    dying = overdose.overdose_deaths(people, off, np.ones(2, bool), np.full(2, 99), np.zeros(2), 1)
    assert not dying.any() and (people.status == USING).all()
    assert not people.overdose_deaths.any()


def test_the_share_dying_matches_the_chance_over_many_relapses():
    n = 200_000
    people = make_people(n, substance=OPIOIDS, status=USING)
    draws = np.random.default_rng(11).random(n)
    dying = overdose.overdose_deaths(people, PARAMS, np.ones(n, bool), np.full(n, 10), draws, 1)
    p = _chance(10)
    assert abs(dying.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
