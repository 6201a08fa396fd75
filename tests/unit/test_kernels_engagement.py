"""Engagement's update kernel gives exactly the numbers of the NumPy body it replaced.

Each reference below is the function's former NumPy body, kept here as the oracle (outreach and
leaving at death kept their NumPy bodies, which measured faster than a loop; they are checked
against them all the same; outreach now lists the living who dropped out and reads their draws
alone, from an array or from `RowDraws`).
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_people import SEEDS, SIZES, draws, random_people, row_draws

from simulation.model.mechanisms import engagement
from simulation.model.mechanisms.engagement import STIMULANTS, EngagementParams
from simulation.model.population import DECEASED, LAPSED, PARTICIPANT, USING
from simulation.model.units import per_day, rate_to_probability

#: Default parameters, and fast decay and outreach so that many rows drop out and come back.
PARAMS = [
    EngagementParams(),
    EngagementParams(decay_per_year=40.0, dropout_threshold=0.5, outreach_rate_per_year=52.0),
]
STATE = ("enrolled", "engagement", "ever_enrolled", "completed")


def _same_state(a, b):
    return all(np.array_equal(getattr(a, name), getattr(b, name)) for name in STATE)


def _update(people, params, decay_ratio, attended, engagement_ratio):
    rows = people.participants
    enrolled = people.enrolled[rows]
    e = people.engagement[rows]
    ratio = engagement_ratio[rows]
    decay = per_day(params.decay_per_year, "year") * decay_ratio[rows] / ratio
    decay = np.where(
        people.substance[rows] == STIMULANTS, decay * params.stimulant_decay_ratio, decay
    )
    status = people.status[rows]
    decay = np.where((status == LAPSED) | (status == USING), decay * params.use_decay_ratio, decay)
    gain = (
        params.alliance_gain_per_day * people.alliance[rows] * ratio
        + params.meeting_gain * attended[rows]
    )
    faded = e - decay * e
    moved = faded + gain * (1.0 - faded)
    np.copyto(e, np.clip(moved, 0.0, 1.0), where=enrolled)
    dropping = np.zeros(people.size, dtype=bool)
    dropping[rows] = enrolled & (e < params.dropout_threshold)
    people.enrolled[dropping] = False
    return dropping


def _participants_first(n, seed):
    """Random people as in a model: participants in the first rows, only they ever enrolled."""
    people = random_people(n, seed)
    others = people.kind[people.kind != PARTICIPANT]
    n_part = n - len(others)
    people.kind[:] = np.concatenate([np.full(n_part, PARTICIPANT), others])
    for name in ("enrolled", "ever_enrolled", "completed"):
        getattr(people, name)[n_part:] = False
    return people


def _leave_at_death(people):
    left = people.enrolled & (people.status == DECEASED)
    people.enrolled[left] = False
    return left


def _outreach(people, params, draws):
    p = rate_to_probability(per_day(params.outreach_rate_per_year, "year"))
    back = engagement.dropped_out(people) & (people.status != DECEASED) & (draws < p)
    people.enrolled[back] = True
    people.engagement[back] = params.initial_engagement
    return back


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("unit", [False, True, 1.5])  # True: 1 everywhere; 1.5: one number
def test_update_matches_numpy(n, seed, params, unit):
    rng = np.random.default_rng(seed + 11)
    people, mine = random_people(n, seed), random_people(n, seed)
    for _ in range(3):  # a few days, so that today's dropouts are not enrolled tomorrow
        decay_ratio = rng.uniform(0.1, 6.0, n)
        engagement_ratio = np.where(rng.random(n) < 0.5, 1.0, rng.uniform(0.5, 2.0, n))
        number = 1.0 if unit is True else (unit or None)  # given as one number, if any
        if number is not None:
            engagement_ratio = np.full(n, number)
        attended = rng.random(n) < 0.3
        args = (decay_ratio, attended, engagement_ratio)
        given = (decay_ratio, attended, engagement_ratio if number is None else number)
        assert np.array_equal(
            engagement.update(mine, params, *given), _update(people, params, *args)
        )
        assert _same_state(mine, people)
    if n > 1000:
        assert (~people.enrolled[people.participants]).sum() > 0


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("draw_dtype", [np.float32, np.float64])
def test_outreach_and_leaving_at_death_match_numpy(n, seed, params, draw_dtype):
    rng = np.random.default_rng(seed + 13)
    people, mine = _participants_first(n, seed), _participants_first(n, seed)
    assert np.array_equal(engagement.leave_at_death(mine), _leave_at_death(people))
    p = rate_to_probability(per_day(params.outreach_rate_per_year, "year"))
    u = draws(rng, n, draw_dtype, near=(p,))
    assert np.array_equal(engagement.outreach(mine, params, u), _outreach(people, params, u))
    assert _same_state(mine, people)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("params", PARAMS)
def test_outreach_with_row_draws_matches_numpy(n, seed, params):
    """The draws made for the living who dropped out alone bring back the same people."""
    people, mine = _participants_first(n, seed), _participants_first(n, seed)
    made, full = row_draws(n, seed + 3, participants=people.participants.stop, others=False)
    back = engagement.outreach(mine, params, made)
    assert np.array_equal(back, _outreach(people, params, full))
    assert _same_state(mine, people)
    if n > 1000 and params.outreach_rate_per_year > 1:  # not vacuous: some come back
        assert 0 < back.sum() < engagement.dropped_out(people).sum() + back.sum()
