"""Stigma's compiled kernels and in-place steps give byte-identical numbers to the old NumPy.

Each reference below is the NumPy body the module had before issue 17's kernels; the new code
must match it bit for bit (dtype and bytes) on seeded random populations of several sizes with
every kind and status present, stigma on and off, campaigns and inclusive programs on and off.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from kernel_people import row_draws

from simulation.model.mechanisms import stigma
from simulation.model.population import DECEASED, PARTICIPANT, STATUS_NAMES
from simulation.model.units import per_day, rate_to_probability

SIZES = (0, 1, 2, 9, 257, 3000)
KINDS = 4  # participant, mentor, community member, not yet arrived: codes 0-3


def _old_later_enrolment(people, params, draws):
    base = rate_to_probability(per_day(params.enrolment_rate_per_year, "year"))
    waiting = np.flatnonzero(
        (people.kind == PARTICIPANT) & ~people.enrolled & (people.status != DECEASED)
    )
    p = base * np.exp(stigma.enrolment_odds_shift(people, params, waiting))
    joining = np.zeros(people.size, dtype=bool)
    joining[waiting[draws[waiting] < p]] = True
    people.enrolled[joining] = True
    people.ever_enrolled[joining] = True
    return joining


def _old_enrolment_odds_shift(people, params, rows=slice(None)):
    part = np.log(params.stigma_odds_ratio) * (people.stigma[rows] - 0.5) if params.enabled else 0.0
    sceptic = np.where(people.sceptical[rows], np.log(params.sceptic_enrolment_ratio), 0.0)
    return part + sceptic


def _old_update_stigma(people, params, day):
    rate = np.zeros(people.size)
    if params.campaign and day >= params.campaign_start_day:
        rate += per_day(params.campaign_strength_per_year, "year")
    if params.inclusive_program:
        rate += np.where(people.enrolled, per_day(params.inclusive_strength_per_year, "year"), 0.0)
    if rate.any():
        people.stigma -= rate * (people.stigma - params.stigma_floor).clip(min=0.0)


def _old_engagement_ratio(people, params):
    part = (
        np.maximum(1.0 + params.engagement_effect * (people.stigma - 0.5), stigma.MIN_DECAY_RATIO)
        if params.enabled
        else 1.0
    )
    return part * np.where(people.sceptical, params.sceptic_engagement_ratio, 1.0)


def _old_hazard_ratio(people, params):
    if not params.enabled:
        return 1.0
    return np.exp(params.shame_hazard_effect * (people.stigma - 0.5))


def _old_withdrawal(people, params):
    if not params.enabled:
        return 0.0
    return params.isolation_effect * (people.stigma - 0.5)


def _people(n: int, seed: int, dtype=np.float64) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    score = rng.uniform(-0.5, 1.5, n)  # beyond [0, 1] too, so the 0.1 floor is reached
    score[rng.integers(0, 10, n) == 0] = np.nan
    status = rng.integers(0, len(STATUS_NAMES), n).astype(np.int8)
    kind = rng.integers(0, KINDS, n).astype(np.int8)
    status[: min(n, len(STATUS_NAMES))] = np.arange(min(n, len(STATUS_NAMES)))
    kind[: min(n, KINDS)] = np.arange(min(n, KINDS))
    enrolled = rng.uniform(0, 1, n) < 0.4
    return SimpleNamespace(
        size=n,
        kind=kind,
        status=status,
        enrolled=enrolled,
        ever_enrolled=enrolled | (rng.uniform(0, 1, n) < 0.2),
        stigma=score.astype(dtype),
        sceptical=rng.uniform(0, 1, n) < 0.3,
    )


def _copy(people):
    return SimpleNamespace(
        **{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in vars(people).items()}
    )


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


PARAMS = [
    stigma.StigmaParams(),
    stigma.StigmaParams(enabled=False),
    stigma.StigmaParams(enrolment_rate_per_year=40.0, engagement_effect=2.5),
]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("params", PARAMS)
def test_later_enrolment_matches_numpy(n, params):
    for seed in range(3):
        people = _people(n, seed)
        people.stigma = np.nan_to_num(people.stigma, nan=0.5)
        reference = _copy(people)
        draws = np.random.default_rng(seed + 50).random(n, dtype=np.float32)
        joining = stigma.later_enrolment(people, params, draws)
        assert _same(joining, _old_later_enrolment(reference, params, draws))
        assert _same(people.enrolled, reference.enrolled)
        assert _same(people.ever_enrolled, reference.ever_enrolled)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", PARAMS)
def test_enrolment_odds_shift_matches_numpy_for_every_kind_of_rows(n, dtype, params):
    people = _people(n, n, dtype)
    rng = np.random.default_rng(n)
    for rows in (
        slice(None),
        slice(1, None, 3),
        rng.permutation(n)[: n // 2],
        rng.uniform(0, 1, n) < 0.5,
        np.arange(-min(n, 3), 0),
        [],
    ):
        new = stigma.enrolment_odds_shift(people, params, rows)
        assert _same(new, _old_enrolment_odds_shift(people, params, rows))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("others", [True, False])
def test_later_enrolment_with_row_draws_equals_the_full_draws(n, others):
    """The draws made for the waiting rows alone (`RowDraws`) enrol the same people."""
    people = _people(n, n)
    people.stigma = np.nan_to_num(people.stigma, nan=0.5)
    reference = _copy(people)
    made, full = row_draws(n, n + 1, others=others)
    joining = stigma.later_enrolment(people, PARAMS[2], made)
    assert _same(joining, stigma.later_enrolment(reference, PARAMS[2], full))
    assert _same(people.enrolled, reference.enrolled)
    assert _same(people.ever_enrolled, reference.ever_enrolled)
    if n == SIZES[-1]:  # not vacuous: some join, some still wait
        waiting = (people.kind == PARTICIPANT) & (people.status != DECEASED) & ~people.enrolled
        assert joining.any() and waiting.any()


def test_enrolment_odds_shift_refuses_a_row_outside_the_population():
    with pytest.raises(IndexError, match="row outside"):
        stigma.enrolment_odds_shift(_people(4, 0), PARAMS[0], np.array([1, 4]))


def test_later_enrolment_enrols_someone_at_a_high_rate():
    people = _people(3000, 1)
    people.stigma[:] = 0.5
    joining = stigma.later_enrolment(
        people, PARAMS[2], np.random.default_rng(0).random(3000, dtype=np.float32)
    )
    assert joining.any() and people.enrolled[joining].all()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", PARAMS)
def test_ratios_and_withdrawal_match_numpy(n, dtype, params):
    for seed in range(3):
        people = _people(n, seed, dtype)
        assert _same(stigma.engagement_ratio(people, params), _old_engagement_ratio(people, params))
        for end in (0, n // 2, n):  # the first rows alone: the same numbers there
            got = stigma.engagement_ratio(people, params, end)
            assert _same(got, _old_engagement_ratio(people, params)[:end])
        assert _same(stigma.hazard_ratio(people, params), _old_hazard_ratio(people, params))
        assert _same(stigma.withdrawal(people, params), _old_withdrawal(people, params))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("campaign", [False, True])
@pytest.mark.parametrize("inclusive", [False, True])
def test_update_stigma_matches_numpy(n, campaign, inclusive):
    params = stigma.StigmaParams(
        campaign=campaign, campaign_start_day=5, inclusive_program=inclusive
    )
    for day in (1, 5, 30):
        people = _people(n, day)
        reference = _copy(people)
        stigma.update_stigma(people, params, day)
        _old_update_stigma(reference, params, day)
        assert _same(people.stigma, reference.stigma)
