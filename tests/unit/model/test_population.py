"""Who is in the model: kinds, attribute mixes, starting states (simulation.model.population)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from simulation.model.population import (
    COMMUNITY,
    MENTOR,
    NOT_AFFECTED,
    PARTICIPANT,
    RECOVERING,
    USING,
    build_population,
)
from simulation.model.population_params import AgeMix, PopulationParams, SubstanceMix
from simulation.model.random_streams import RandomStreams
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES


def _build(size=20_000, mentors=500, seed=1, **params):
    return build_population(
        PopulationParams(size=size, **params),
        mentor_count=mentors,
        mentor_days_abstinent=(180, 180 + 5 * 365),
        frailty_variance=0.45,
        streams=RandomStreams(seed),
    )


def test_kinds_counts_and_row_order():
    people = _build(size=1000, mentors=40, community_members_per_participant=0.5)
    assert people.size == 1000 + 500 + 40
    assert (people.kind == PARTICIPANT).sum() == 1000
    assert (people.kind == COMMUNITY).sum() == 500
    assert (people.kind == MENTOR).sum() == 40
    # participants first, then community, then mentors
    assert np.all(np.diff(people.kind.astype(int)[:1500]) >= 0)
    assert np.all(people.kind[1500:] == MENTOR)
    assert people.cohort.sum() == 1000
    assert people.participants == slice(0, 1000)


def test_participants_count_the_participant_code_whatever_writes_kind():
    # The count is NumPy's count of kind == PARTICIPANT (what it was before it counted the
    # non-zero codes), after kind is written directly, with every kind code present.
    people = _build(size=1000, mentors=40, community_members_per_participant=0.5)
    rng = np.random.default_rng(3)
    for share in (0.0, 0.01, 0.5, 1.0):
        people.kind[rng.random(people.size) < share] = rng.integers(0, 4)
        people.kind[:3] = [PARTICIPANT, MENTOR, COMMUNITY]
        expected = int(np.count_nonzero(people.kind == PARTICIPANT))
        assert people.participants == slice(0, expected)
    people.kind[:] = PARTICIPANT
    assert people.participants == slice(0, people.size)


def test_every_array_has_one_row_per_person():
    people = _build(size=300, mentors=10)
    for name in people.array_names():
        array = getattr(people, name)
        assert len(array) == people.size, name


def test_starting_states():
    people = _build()
    part, comm, ment = (people.kind == k for k in (PARTICIPANT, COMMUNITY, MENTOR))
    assert np.all(people.status[part] == RECOVERING)
    assert np.all(people.days_abstinent[part] == 0)
    assert np.all(people.status[ment] == RECOVERING)
    assert people.days_abstinent[ment].min() >= 180
    assert people.days_abstinent[ment].max() <= 180 + 5 * 365
    assert np.all(people.is_mentor == ment)
    assert set(np.unique(people.status[comm])) <= {USING, NOT_AFFECTED}
    share = (people.status[comm] == USING).mean()
    p, n = PopulationParams().community_using_share, comm.sum()
    assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / n)
    # mentors are adults
    assert not np.any(people.age_group[ment] == AGE_GROUPS.index("youth"))


def test_substance_and_age_mix_follow_shares():
    people = _build(size=40_000, mentors=0)
    part = people.cohort
    n = part.sum()
    for code, name in enumerate(SUBSTANCES):
        p = getattr(SubstanceMix(), name)
        assert abs((people.substance[part] == code).mean() - p) < 4 * math.sqrt(p * (1 - p) / n)
    for code, name in enumerate(AGE_GROUPS):
        p = getattr(AgeMix(), name)
        assert abs((people.age_group[part] == code).mean() - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_frailty_has_mean_one_and_the_set_variance():
    people = _build(size=50_000, mentors=0)
    assert people.frailty.mean() == pytest.approx(1.0, abs=0.02)
    assert people.frailty.var() == pytest.approx(0.45, rel=0.08)


def test_scores_start_in_unit_interval():
    people = _build(initial_self_efficacy=0.99, initial_isolation=0.01)
    for score in (people.self_efficacy, people.isolation):
        assert score.min() >= 0.0 and score.max() <= 1.0


def test_participants_do_not_change_when_mentor_pool_changes():
    # common random numbers: the mentor pool draws from its own stream
    a = _build(size=500, mentors=0, seed=3)
    b = _build(size=500, mentors=100, seed=3)
    part = a.cohort
    for name in ("substance", "age_group", "veteran", "frailty", "self_efficacy", "isolation"):
        assert np.array_equal(getattr(a, name)[part], getattr(b, name)[: part.sum()]), name


@pytest.mark.parametrize(
    "bad",
    [
        {"substance_mix": {"alcohol": 0.9}},  # shares sum to 1.4
        {"cultural_group_shares": [0.5, 0.2]},
        {"size": 0},
        {"veteran_share": 1.5},
    ],
)
def test_invalid_population_parameters_are_rejected(bad):
    with pytest.raises(ValidationError):
        PopulationParams(**bad)


def test_schema_categories_follow_the_declared_names():
    # Substances and age groups are declared once (simulation.scenario.parameters); every
    # section keyed by them must list exactly those names, in that order.
    from simulation.model.mechanisms.recovery import DeathRates
    from simulation.model.mechanisms.relapse import AgeHazardRatios, RelapseParams

    assert tuple(SubstanceMix.model_fields) == SUBSTANCES
    assert tuple(DeathRates.model_fields) == SUBSTANCES
    assert tuple(RelapseParams.model_fields)[: len(SUBSTANCES)] == SUBSTANCES
    assert tuple(AgeMix.model_fields) == AGE_GROUPS
    assert tuple(AgeHazardRatios.model_fields) == AGE_GROUPS


def test_status_and_kind_codes_are_positions_of_their_names():
    from simulation.model import population

    for code, name in enumerate(population.STATUS_NAMES):
        constant = {"in_recovery": "RECOVERING", "lapsed": "LAPSED", "relapsed": "USING"}.get(
            name, name.upper()
        )
        assert getattr(population, constant) == code
    for code, name in enumerate(population.KIND_NAMES):
        constant = {"community_member": "COMMUNITY"}.get(name, name.upper())
        assert getattr(population, constant) == code
