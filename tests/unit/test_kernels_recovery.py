"""The compiled recovery-cycle and overdose passes give exactly what the NumPy they replaced gives.

Each reference below is the function's NumPy body as it was before the kernels (issue 17),
run on copies of one seeded random population (every status, kind and substance present,
sizes in `SIZES`); every array of the population and the returned mask must be equal bit for
bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from random_people import SIZES, copy_people, draws, random_people, same_people
from scipy.special import ndtri

from simulation.model.mechanisms import follow_up, overdose, recovery
from simulation.model.mechanisms.follow_up import FOLLOW_UP_QUARTERS, NO_GROUP, duration_group
from simulation.model.population import (
    COMMUNITY,
    DECEASED,
    MENTOR,
    NEVER,
    PARTICIPANT,
    RECOVERING,
    USING,
)
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.parameters import SUBSTANCES

# Death rates high enough that a few thousand rows see deaths in both states.
PARAMS = recovery.RecoveryCycleParams(
    death_rate_using={"alcohol": 900.0, "opioids": 700.0, "stimulants": 400.0, "cannabis": 300.0},
    death_rate_in_recovery_per_1000_py=500.0,
)
OVERDOSE = overdose.OverdoseParams(death_probability_per_relapse=0.2, tolerance_loss_days=45)
DAY = 400


def _start_episodes(people, params, relapsed, draws):
    median = np.array([getattr(params.episode_median_days, s) for s in SUBSTANCES])
    z = ndtri(np.clip(draws[relapsed], 1e-9, 1 - 1e-9))
    length = median[people.substance[relapsed]] * np.exp(params.episode_spread * z)
    people.use_days_left[relapsed] = np.maximum(length, 1.0)


def _start_new_attempts(people, relapsed_today, rate_ratio=1.0):
    using = np.flatnonzero((people.status == USING) & (people.kind != COMMUNITY) & ~relapsed_today)
    people.use_days_left[using] -= np.broadcast_to(rate_ratio, people.size)[using]
    attempting = np.zeros(people.size, dtype=bool)
    attempting[using[people.use_days_left[using] <= 0]] = True
    people.status[attempting] = RECOVERING
    people.days_abstinent[attempting] = 0
    people.use_days_left[attempting] = 0.0
    people.recovery_attempts[attempting] += 1
    return attempting


def _use_share(people, params):
    shares = np.array([getattr(params.use_days_share, s) for s in SUBSTANCES])
    return shares[people.substance]


def _apply_deaths(people, params, draws, day, extra_hazard=0.0):
    using_rate = np.array([getattr(params.death_rate_using, s) for s in SUBSTANCES]) / 1000.0
    rows = np.flatnonzero(
        ((people.kind == PARTICIPANT) | (people.kind == MENTOR)) & (people.status != DECEASED)
    )
    yearly = np.where(
        people.status[rows] == USING,
        using_rate[people.substance[rows]],
        params.death_rate_in_recovery_per_1000_py / 1000.0,
    )
    extra = np.asarray(extra_hazard, dtype=float)
    hazard = per_day(yearly, "year") + (extra[rows] if extra.ndim else extra)
    died = np.zeros(people.size, dtype=bool)
    died[rows[draws[rows] < rate_to_probability(hazard)]] = True
    people.status[died] = DECEASED
    people.death_day[died] = day
    return died


def _overdose_deaths(people, params, relapsed, days_abstinent_before, draws, day):
    if not params.enabled:
        return np.zeros(people.size, dtype=bool)
    lost = np.minimum(days_abstinent_before / params.tolerance_loss_days, 1.0)
    p = params.death_probability_per_relapse * (1.0 + (params.lost_tolerance_ratio - 1.0) * lost)
    dying = relapsed & (people.substance == overdose.OPIOIDS) & (draws < p)
    people.status[dying] = DECEASED
    people.death_day[dying] = day
    people.overdose_deaths[dying] = True
    return dying


def _record_quarter(people, day):
    if day % recovery.QUARTER_DAYS != 0:
        return
    rows = people.participants
    alive = people.status[rows] != DECEASED
    abstinent = (people.last_use_day[rows] <= day - recovery.QUARTER_DAYS).astype(np.int8)
    before = people.quarter_abstinent[rows]
    seen = alive & (before >= 0)
    people.quarter_pairs[rows][seen] += 1
    people.quarter_changes[rows][seen & (before != abstinent)] += 1
    people.quarter_abstinent[rows] = np.where(alive, abstinent, -1)


def _record_interview(people, day):
    quarter = recovery.QUARTER_DAYS
    if day % quarter != 0:
        return
    rows = people.participants
    slot = (day // quarter) % FOLLOW_UP_QUARTERS
    alive = people.status[rows] != DECEASED
    earlier = people.interview_group[rows, slot]
    followed = np.flatnonzero(alive & (earlier != NO_GROUP))
    groups = earlier[followed]
    stayed = people.last_use_day[rows][followed] <= day - FOLLOW_UP_QUARTERS * quarter
    np.add.at(people.next_year_interviews[rows], (followed, groups), 1)
    np.add.at(people.next_year_abstinent[rows], (followed[stayed], groups[stayed]), 1)
    entry = people.entry_day[rows]
    arrived = (entry != NEVER) & (entry <= day)
    since = day - np.maximum(people.last_use_day[rows], entry)
    group = duration_group(since)
    interviewed = arrived & alive & (people.status[rows] == RECOVERING)
    people.interview_group[rows, slot] = np.where(interviewed, group, NO_GROUP)


def _check(n, seed, compiled, reference):
    """Run both on copies of one population: the same result and the same state after."""
    people = random_people(n, seed)
    mine, theirs = copy_people(people), copy_people(people)
    got, expected = compiled(mine), reference(theirs)
    if expected is not None:
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert same_people(mine, theirs)
    return got, theirs


def _mask(n, seed, share=0.3):
    return np.random.default_rng(seed).random(n) < share


@pytest.mark.parametrize("n", SIZES)
def test_start_episodes_is_the_numpy_body(n):
    relapsed, u = _mask(n, n), draws(n, n)
    _check(
        n,
        n,
        lambda p: recovery.start_episodes(p, PARAMS, relapsed, u),
        lambda p: _start_episodes(p, PARAMS, relapsed, u),
    )


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("ratio", ["default", "scalar", "float64", "float32"])
def test_start_new_attempts_is_the_numpy_body(n, ratio):
    relapsed = _mask(n, n + 1)
    ratios = np.random.default_rng(n).uniform(0, 4, n)
    args = {
        "default": (),
        "scalar": (1.7,),
        "float64": (ratios,),
        "float32": (ratios.astype(np.float32),),  # as tie_dynamics gives it
    }
    got, after = _check(
        n,
        n + 1,
        lambda p: recovery.start_new_attempts(p, relapsed, *args[ratio]),
        lambda p: _start_new_attempts(p, relapsed, *args[ratio]),
    )
    if n > 100:
        assert got.any() and (after.status == USING).any()  # some ended, some run on


@pytest.mark.parametrize("n", SIZES)
def test_use_share_is_the_numpy_body(n):
    people = random_people(n, n + 2)
    got, expected = recovery.use_share(people, PARAMS), _use_share(people, PARAMS)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("extra", ["default", "scalar", "nan", "array"])
def test_apply_deaths_is_the_numpy_body(n, extra):
    u = draws(n, n + 3)
    # The default (no extra) and a scalar take the same compiled pass; an array, the NumPy one.
    args = {
        "default": (),
        "scalar": (0.05,),
        "nan": (np.nan,),  # no probability passes a NaN: nobody dies
        "array": (np.random.default_rng(n).random(n) / 10,),
    }
    got, after = _check(
        n,
        n + 3,
        lambda p: recovery.apply_deaths(p, PARAMS, u, DAY, *args[extra]),
        lambda p: _apply_deaths(p, PARAMS, u, DAY, *args[extra]),
    )
    if n > 100 and extra in ("scalar", "array"):  # the default rates kill too few of 2,000
        assert got.any() and (after.status[got] == DECEASED).all()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("days_dtype", [np.int32, np.float64])
@pytest.mark.parametrize("enabled", [True, False])
def test_overdose_deaths_is_the_numpy_body(n, days_dtype, enabled):
    params = OVERDOSE.model_copy(update={"enabled": enabled})
    relapsed, u = _mask(n, n + 4, share=0.6), draws(n, n + 4)
    before = np.random.default_rng(n).integers(0, 90, n).astype(days_dtype)
    got, _ = _check(
        n,
        n + 4,
        lambda p: overdose.overdose_deaths(p, params, relapsed, before, u, DAY),
        lambda p: _overdose_deaths(p, params, relapsed, before, u, DAY),
    )
    if n > 100 and enabled:
        assert got.any()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("day", [91 * 4, 91 * 5 + 3])  # a quarter's end, and not one
def test_record_quarter_is_the_numpy_body(n, day):
    _, after = _check(
        n,
        n + 5,
        lambda p: recovery.record_quarter(p, day),
        lambda p: _record_quarter(p, day),
    )
    if n > 100 and day % 91 == 0:
        assert (after.quarter_abstinent == 1).any() and (after.quarter_abstinent == 0).any()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("day", [91 * 4, 91 * 5 + 3, 91 * 15])
def test_record_interview_is_the_numpy_body(n, day):
    def people_at(p):
        # Durations since the last use of every group, and entries before and after `day`.
        rng = np.random.default_rng(n)
        p.last_use_day[:] = np.where(rng.random(n) < 0.2, NEVER, rng.integers(0, day + 1, n))
        p.entry_day[:] = np.where(rng.random(n) < 0.1, NEVER, rng.integers(0, day + 30, n))
        return p

    _, after = _check(
        n,
        n + 6,
        lambda p: follow_up.record_interview(people_at(p), day),
        lambda p: _record_interview(people_at(p), day),
    )
    if n > 100 and day == 91 * 15:  # over three years: NO_GROUP and all three groups
        slot = (day // 91) % FOLLOW_UP_QUARTERS
        assert len(np.unique(after.interview_group[after.participants, slot])) == 4


def test_a_compiled_pass_refuses_arrays_not_one_per_person():
    # The passes do not check their indexes: a short array is refused before it is read.
    people = random_people(5, seed=1)
    with pytest.raises(ValueError, match=r"apply_deaths: `draws` has shape \(4,\).*\(5,\)"):
        recovery.apply_deaths(people, PARAMS, np.zeros(4, dtype=np.float32), DAY)
    with pytest.raises(ValueError, match="overdose_deaths: `days_abstinent_before`"):
        overdose.overdose_deaths(people, OVERDOSE, np.ones(5, bool), np.zeros(6), draws(5, 1), 1)
    with pytest.raises(ValueError, match="start_new_attempts: `relapsed_today`"):
        recovery.start_new_attempts(people, np.zeros((5, 1), dtype=bool))


@pytest.mark.parametrize("n", SIZES)
def test_relapses_with_row_draws_equal_relapses_with_the_full_draws(n):
    from simulation.model.random_streams import RowDraws

    keys = np.random.default_rng(n).integers(0, 2**63, 2, dtype=np.uint64)
    made = RowDraws(keys[0], keys[1], DAY, max(0, n - n // 4), n)
    full = np.asarray(made)
    relapsed = _mask(n, n + 4, share=0.6)
    before = np.random.default_rng(n).integers(0, 90, n).astype(np.int32)
    _check(
        n,
        n,
        lambda p: recovery.start_episodes(p, PARAMS, relapsed, made),
        lambda p: _start_episodes(p, PARAMS, relapsed, full),
    )
    _check(
        n,
        n + 4,
        lambda p: overdose.overdose_deaths(p, OVERDOSE, relapsed, before, made, DAY),
        lambda p: _overdose_deaths(p, OVERDOSE, relapsed, before, full, DAY),
    )


@pytest.mark.parametrize("n", SIZES)
def test_grow_abstinence_is_the_numpy_body(n):
    def numpy_body(people):
        np.add(
            people.days_abstinent, 1, out=people.days_abstinent, where=people.status == RECOVERING
        )

    mine, theirs = random_people(n, n + 9), random_people(n, n + 9)
    if n:
        mine.days_abstinent[0] = theirs.days_abstinent[0] = np.iinfo(np.int32).max  # wraps
    recovery.grow_abstinence(mine)
    numpy_body(theirs)
    assert same_people(mine, theirs)
    assert mine.days_abstinent.dtype == np.int32
