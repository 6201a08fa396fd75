"""The compiled lapse-hazard passes give exactly what the NumPy they replaced gives.

Each reference below is the function's NumPy body as it was before the kernels (issue 17),
run on seeded random populations of every size in `SIZES`; results must be equal bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from random_people import SIZES, random_people

from simulation.model.mechanisms import relapse
from simulation.model.population import NEVER

PARAMS = relapse.RelapseParams(
    self_efficacy_effect=1.37, isolation_effect=0.91, post_lapse_half_life_days=41.3
)
DAY = 400


def _state_of_mind_ratio(people, params):
    return np.exp(
        -params.self_efficacy_effect * (people.self_efficacy - 0.5)
        + params.isolation_effect * (people.isolation - 0.5)
    )


def _post_lapse_hazard(people, params, day):
    rows = np.flatnonzero(people.caught_lapse_day != NEVER)
    since = day - people.caught_lapse_day[rows]
    excess = np.zeros(people.size)
    excess[rows] = params.post_lapse_rate_per_day * 0.5 ** (
        np.maximum(since, 0) / params.post_lapse_half_life_days
    )
    return excess


def _lapse_hazard(people, params, table=None, day=None):
    if table is None:
        by_duration = relapse.duration_hazard(people.days_abstinent, people.substance, params)
    else:
        by_duration = table[people.substance, np.minimum(people.days_abstinent, table.shape[1] - 1)]
    if day is not None:
        by_duration = by_duration + _post_lapse_hazard(people, params, day)
    return (
        by_duration
        * params.age_ratios()[people.age_group]
        * people.frailty
        * _state_of_mind_ratio(people, params)
    )


def _same(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.dtype == expected.dtype and np.array_equal(got, expected)


@pytest.mark.parametrize("n", SIZES)
def test_state_of_mind_ratio_is_the_numpy_expression(n):
    people = random_people(n, seed=n)
    assert _same(relapse.state_of_mind_ratio(people, PARAMS), _state_of_mind_ratio(people, PARAMS))


@pytest.mark.parametrize("n", SIZES)
def test_post_lapse_hazard_is_the_numpy_expression(n):
    people = random_people(n, seed=n + 1)
    for day in (0, DAY // 2, DAY):  # day 0 and mid-run: some caught days lie after `day`
        assert _same(
            relapse.post_lapse_hazard(people, PARAMS, day), _post_lapse_hazard(people, PARAMS, day)
        )


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("day", [None, DAY])
def test_lapse_hazard_is_the_numpy_expression(n, day):
    people = random_people(n, seed=n + 2)
    # A short table: many rows are past its end and use its last column.
    table = relapse.duration_hazard_table(PARAMS, DAY)
    for t in (table, None):
        expected = _lapse_hazard(people, PARAMS, t, day)
        assert _same(relapse.lapse_hazard(people, PARAMS, t, day), expected)
    if n > 100:
        assert (people.days_abstinent >= table.shape[1]).any()
        assert (people.caught_lapse_day != NEVER).any() and (people.caught_lapse_day > 0).any()
