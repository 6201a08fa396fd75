"""Psychology's compiled kernels give byte-identical numbers to the NumPy they replaced.

Each reference below is the NumPy body the module had before its kernel (issue 17): the kernel
must match it bit for bit (dtype and bytes, so -0.0 and NaN count) on seeded random inputs of
several sizes, with every status present and values outside [0, 1] so each clip is exercised.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from simulation.model.mechanisms import psychology
from simulation.model.population import RECOVERING, STATUS_NAMES

SIZES = (0, 1, 2, 7, 64, 1001)
PSY = psychology.PsychologyParams()
MENTAL = psychology.MentalHealthParams()


def _old_update_mental_health(people, params):
    target = np.clip(
        params.base_level
        + params.abstinence_weight * (people.status == RECOVERING)
        + params.support_weight * people.support
        - params.isolation_weight * (people.isolation - 0.5)
        - params.stigma_weight * (people.stigma - 0.5),
        0.0,
        1.0,
    )
    people.mental_health += params.adjustment_per_day * (target - people.mental_health)
    np.clip(people.mental_health, 0.0, 1.0, out=people.mental_health)


def _old_mental_health_ratio(people, params):
    return np.exp(params.hazard_effect * (0.5 - people.mental_health))


def _old_update_self_efficacy(people, params, lapsed, relapsed, loss_softening=1.0):
    se = people.self_efficacy
    abstinent = people.status == RECOVERING
    np.add(se, params.self_efficacy_growth_per_day * (1.0 - se), out=se, where=abstinent)
    loss = np.broadcast_to(np.asarray(loss_softening, dtype=float), se.shape)
    se[lapsed] *= 1.0 - params.lapse_self_efficacy_loss * loss[lapsed]
    se[relapsed] *= 1.0 - params.relapse_self_efficacy_loss * loss[relapsed]
    np.clip(se, 0.0, 1.0, out=se)


def _old_update_isolation(people, params, recovery_share, extra_belonging=0.0, withdrawal=0.0):
    target = np.clip(
        params.isolation_without_ties
        * (1.0 - params.belonging_from_recovery_ties * recovery_share)
        * (1.0 - params.belonging_from_support * people.support)
        * (1.0 - np.clip(extra_belonging, 0.0, 1.0))
        * (1.0 + np.asarray(withdrawal)),
        0.0,
        1.0,
    )
    people.isolation += params.isolation_adjustment_per_day * (target - people.isolation)
    np.clip(people.isolation, 0.0, 1.0, out=people.isolation)


def _people(n: int, seed: int, dtype=np.float64) -> SimpleNamespace:
    """Scores mostly in [0, 1], a few outside and some exact 0, 1, -0.0 and NaN (clip edges)."""
    rng = np.random.default_rng(seed)

    def score() -> np.ndarray:
        values = rng.uniform(-0.2, 1.2, n)
        edges = rng.integers(0, 8, n)
        values[edges == 0] = 0.0
        values[edges == 1] = 1.0
        values[edges == 2] = -0.0
        values[(edges == 3) & (rng.uniform(0, 1, n) < 0.1)] = np.nan
        return values.astype(dtype)

    status = rng.integers(0, len(STATUS_NAMES), n).astype(np.int8)
    status[: min(n, len(STATUS_NAMES))] = np.arange(min(n, len(STATUS_NAMES)))
    return SimpleNamespace(
        status=status,
        support=score(),
        isolation=score(),
        stigma=score(),
        mental_health=score(),
        self_efficacy=score(),
    )


def _copy(people: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(**{k: v.copy() for k, v in vars(people).items()})


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mental_health_update_and_ratio_match_numpy(n, dtype):
    for seed in range(3):
        people = _people(n, seed, dtype)
        reference = _copy(people)
        psychology.update_mental_health(people, MENTAL)
        _old_update_mental_health(reference, MENTAL)
        assert _same(people.mental_health, reference.mental_health)
        assert _same(
            psychology.mental_health_ratio(people, MENTAL),
            _old_mental_health_ratio(reference, MENTAL),
        )


def _loss_options(rng, n):
    return [1.0, 0.5, rng.uniform(0, 1, n), rng.uniform(0, 1, n) < 0.5, np.array([0.3])]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_self_efficacy_update_matches_numpy(n, dtype):
    rng = np.random.default_rng(n)
    params = psychology.PsychologyParams(
        self_efficacy_growth_per_day=0.013, lapse_self_efficacy_loss=0.3
    )
    for seed, loss in enumerate(_loss_options(rng, n)):
        people = _people(n, seed, dtype)
        reference = _copy(people)
        lapsed, relapsed = rng.uniform(0, 1, n) < 0.3, rng.uniform(0, 1, n) < 0.3
        psychology.update_self_efficacy(people, params, lapsed, relapsed, loss)
        _old_update_self_efficacy(reference, params, lapsed, relapsed, loss)
        assert _same(people.self_efficacy, reference.self_efficacy)


def test_self_efficacy_takes_row_numbers_as_the_mask_does():
    people = _people(50, 4)
    reference = _copy(people)
    rows = np.array([3, 9, 9, 40])
    psychology.update_self_efficacy(people, PSY, rows, np.array([1, 2]), 0.5)
    _old_update_self_efficacy(reference, PSY, rows, np.array([1, 2]), 0.5)
    assert _same(people.self_efficacy, reference.self_efficacy)


def test_loss_softening_of_the_wrong_length_is_refused():
    people = _people(5, 0)
    with pytest.raises(ValueError, match="loss_softening"):
        psychology.update_self_efficacy(
            people, PSY, np.zeros(5, bool), np.zeros(5, bool), np.ones(3)
        )


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("share_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_isolation_update_matches_numpy(n, share_dtype, dtype):
    rng = np.random.default_rng(100 + n)
    share = rng.uniform(0, 1, n).astype(share_dtype)
    belonging = [0.0, 0.15, rng.uniform(-0.5, 1.5, n), np.where(rng.uniform(0, 1, n) < 0.5, 0.2, 0)]
    withdrawal = [0.0, -0.1, rng.uniform(-0.15, 0.15, n)]
    for seed, (extra, rise) in enumerate([(e, w) for e in belonging for w in withdrawal], start=10):
        people = _people(n, seed, dtype)
        reference = _copy(people)
        psychology.update_isolation(people, PSY, share, extra, rise)
        _old_update_isolation(reference, PSY, share, extra, rise)
        assert _same(people.isolation, reference.isolation)


def test_isolation_with_withdrawal_of_the_wrong_length_is_refused():
    people = _people(4, 0)
    with pytest.raises(ValueError, match="withdrawal"):
        psychology.update_isolation(people, PSY, np.zeros(4), 0.0, np.zeros(3))


def test_a_mask_of_the_wrong_length_is_refused():
    people = _people(5, 0)
    with pytest.raises(ValueError, match="mask"):
        psychology.update_self_efficacy(people, PSY, np.zeros(4, bool), np.zeros(5, bool))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_pass_state_of_mind_is_the_numpy_updates_in_turn(n, dtype):
    from simulation.model.mechanisms import state_of_mind

    rng = np.random.default_rng(300 + n)
    lapsed, relapsed = rng.uniform(0, 1, n) < 0.3, rng.uniform(0, 1, n) < 0.2
    share = rng.uniform(0, 1, n).astype(np.float32)
    for seed, (loss, extra, rise) in enumerate(
        [
            (1.0, 0.0, 0.0),
            (rng.uniform(0, 1, n), np.where(rng.uniform(0, 1, n) < 0.5, 0.2, 0), -0.1),
            (0.4, rng.uniform(-0.5, 1.5, n), rng.uniform(-0.15, 0.15, n)),
        ],
        start=20,
    ):
        people = _people(n, seed, dtype)
        reference = _copy(people)
        state_of_mind.update(people, PSY, MENTAL, lapsed, relapsed, loss, share, extra, rise)
        _old_update_self_efficacy(reference, PSY, lapsed, relapsed, loss)
        _old_update_isolation(reference, PSY, share, extra, rise)
        _old_update_mental_health(reference, MENTAL)
        for name in ("self_efficacy", "isolation", "mental_health"):
            assert _same(getattr(people, name), getattr(reference, name)), name


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("enabled", [True, False])
def test_one_pass_works_out_stigmas_withdrawal_as_stigma_does(n, dtype, enabled):
    from simulation.model.mechanisms import state_of_mind, stigma

    params = stigma.StigmaParams(enabled=enabled, isolation_effect=0.3)
    rng = np.random.default_rng(400 + n)
    lapsed, relapsed = rng.uniform(0, 1, n) < 0.3, rng.uniform(0, 1, n) < 0.2
    share, extra = rng.uniform(0, 1, n), np.where(rng.uniform(0, 1, n) < 0.5, 0.2, 0.0)
    people = _people(n, 41, dtype)
    reference = _copy(people)
    state_of_mind.update(
        people,
        PSY,
        MENTAL,
        lapsed,
        relapsed,
        0.7,
        share,
        extra,
        withdrawal_effect=stigma.withdrawal_effect(params),
    )
    rise = stigma.withdrawal(reference, params)
    _old_update_self_efficacy(reference, PSY, lapsed, relapsed, 0.7)
    _old_update_isolation(reference, PSY, share, extra, rise)
    _old_update_mental_health(reference, MENTAL)
    for name in ("self_efficacy", "isolation", "mental_health"):
        assert _same(getattr(people, name), getattr(reference, name)), name
