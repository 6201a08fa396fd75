"""Self-efficacy and isolation updates (simulation.model.mechanisms.psychology)."""

from __future__ import annotations

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import psychology
from simulation.model.population import LAPSED, RECOVERING, USING

PARAMS = psychology.PsychologyParams()


def test_self_efficacy_grows_while_abstinent_and_drops_at_lapse_and_relapse():
    people = make_people(4, status=[RECOVERING, LAPSED, USING, USING], self_efficacy=0.5)
    lapsed = np.array([False, True, False, False])
    relapsed = np.array([False, False, True, False])
    psychology.update_self_efficacy(people, PARAMS, lapsed, relapsed)
    growth = PARAMS.self_efficacy_growth_per_day
    assert people.self_efficacy.tolist() == pytest.approx(
        [
            0.5 + growth * 0.5,
            0.5 * (1 - PARAMS.lapse_self_efficacy_loss),
            0.5 * (1 - PARAMS.relapse_self_efficacy_loss),
            0.5,
        ]
    )


def test_loss_softening_scales_the_loss():
    people = make_people(2, status=LAPSED, self_efficacy=0.8)
    lapsed = np.array([True, True])
    psychology.update_self_efficacy(
        people, PARAMS, lapsed, np.zeros(2, bool), loss_softening=np.array([1.0, 0.0])
    )
    assert people.self_efficacy.tolist() == pytest.approx(
        [0.8 * (1 - PARAMS.lapse_self_efficacy_loss), 0.8]
    )


def test_self_efficacy_converges_toward_one_never_past():
    params = psychology.PsychologyParams(self_efficacy_growth_per_day=1.0)
    people = make_people(1, self_efficacy=0.3)
    psychology.update_self_efficacy(people, params, np.zeros(1, bool), np.zeros(1, bool))
    assert people.self_efficacy[0] == 1.0


def test_isolation_moves_toward_target_set_by_ties_and_support():
    people = make_people(3, isolation=0.5, support=[0.0, 0.0, 1.0])
    share = np.array([0.0, 1.0, 1.0])
    psychology.update_isolation(people, PARAMS, share)
    base = PARAMS.isolation_without_ties
    targets = np.array(
        [
            base,
            base * (1 - PARAMS.belonging_from_recovery_ties),
            base * (1 - PARAMS.belonging_from_recovery_ties) * (1 - PARAMS.belonging_from_support),
        ]
    )
    expected = 0.5 + PARAMS.isolation_adjustment_per_day * (targets - 0.5)
    assert people.isolation.tolist() == pytest.approx(expected.tolist())


def test_isolation_reaches_target_after_many_days_and_extra_belonging():
    people = make_people(1, isolation=0.1)
    for _ in range(2000):
        psychology.update_isolation(people, PARAMS, np.zeros(1), extra_belonging=0.5)
    assert people.isolation[0] == pytest.approx(PARAMS.isolation_without_ties * 0.5, rel=1e-6)
