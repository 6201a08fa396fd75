"""The daily summary's compiled counts give exactly the values (and types) the NumPy gave.

`_old_summarize_day` is the body `daily.summarize_day` had before issue 17's kernels; the new
one must return the same dictionary, value for value and type for type, on seeded random
populations of several sizes (cohort smaller than the population, every status present).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from simulation.model import daily
from simulation.model.mechanisms.mentor_wellbeing import BURNOUT_SIGNS_LEVEL
from simulation.model.population import (
    DECEASED,
    LAPSED,
    RECOVERING,
    STATUS_NAMES,
    USING,
)


def _old_summarize_day(people, n_participants, n_ties, recovery_ties, day, events, costs):
    n = n_participants
    status = people.status[:n]
    counts = np.bincount(status, minlength=len(STATUS_NAMES))
    alive = status != DECEASED
    n_alive = max(1, int(counts.sum() - counts[DECEASED]))
    enrolled = people.enrolled[:n]

    def alive_mean(values):
        return float(np.sum(values[:n], where=alive) / n_alive)

    return {
        "day": day,
        "in_recovery": int(counts[RECOVERING]),
        "lapsed": int(counts[LAPSED]),
        "relapsed": int(counts[USING]),
        "deceased": int(counts[DECEASED]),
        **{k: events.get(k, 0) for k in daily.EVENT_SERIES},
        "lapse_free_share": float(np.count_nonzero(people.first_lapse_day[:n] < 0) / max(1, n)),
        "mentors_active": int(np.count_nonzero(people.is_mentor)),
        "mentees_matched": int(np.count_nonzero(people.mentor[:n] >= 0)),
        "self_efficacy_mean": alive_mean(people.self_efficacy),
        "isolation_mean": alive_mean(people.isolation),
        "recovery_tie_share": recovery_ties / n_ties if n_ties else 0.0,
        "enrolled": int(np.count_nonzero(enrolled)),
        "residents": int(np.count_nonzero(people.residence_days_left[:n])),
        "engagement_mean": _old_mean(people.engagement[:n], enrolled),
        "mentor_burnout_mean": _old_mean(people.burnout, people.is_mentor),
        "mentor_burnout_share": _old_mean(people.burnout >= BURNOUT_SIGNS_LEVEL, people.is_mentor),
        "stigma_mean": alive_mean(people.stigma),
        "mental_health_mean": alive_mean(people.mental_health),
        "cost_to_date": float(sum(costs.values())),
    }


def _old_mean(values, mask):
    count = int(np.count_nonzero(mask))
    return float(np.sum(values, where=mask) / count) if count else 0.0


def _people(size: int, seed: int) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    status = rng.choice(len(STATUS_NAMES), size, p=[0.6, 0.1, 0.15, 0.1, 0.05]).astype(np.int8)
    status[: min(size, len(STATUS_NAMES))] = np.arange(min(size, len(STATUS_NAMES)))
    is_mentor = rng.uniform(0, 1, size) < 0.2
    burnout = rng.uniform(0, 1, size)
    burnout[rng.uniform(0, 1, size) < 0.05] = BURNOUT_SIGNS_LEVEL  # the >= edge
    return SimpleNamespace(
        status=status,
        first_lapse_day=np.where(rng.uniform(0, 1, size) < 0.5, -1, rng.integers(0, 90, size)),
        mentor=np.where(rng.uniform(0, 1, size) < 0.4, rng.integers(0, 50, size), -1),
        is_mentor=is_mentor,
        enrolled=rng.uniform(0, 1, size) < 0.7,
        residence_days_left=np.where(
            rng.uniform(0, 1, size) < 0.2, rng.integers(-3, 9, size), 0
        ).astype(np.int32),
        self_efficacy=rng.uniform(0, 1, size),
        isolation=rng.uniform(0, 1, size),
        engagement=rng.uniform(0, 1, size),
        burnout=burnout,
        stigma=rng.uniform(0, 1, size),
        mental_health=rng.uniform(0, 1, size),
    )


@pytest.mark.parametrize("size", [0, 1, 2, 6, 300, 20_000])
def test_summary_matches_numpy_value_and_type(size):
    events = {"lapses": 3, "deaths": 1}
    costs = {"mentor_time": 125.5, "contacts": 30.25}
    for seed in range(3):
        people = _people(size, seed)
        for n in sorted({0, size // 2, size}):
            args = (people, n, 40, 13, 7, events, costs)
            new, old = daily.summarize_day(*args), _old_summarize_day(*args)
            assert list(new) == list(old)
            for key in old:
                assert type(new[key]) is type(old[key]), key
                assert new[key] == old[key] or (new[key] != new[key] and old[key] != old[key]), key


def test_summary_counts_what_it_says():
    people = _people(6, 0)  # statuses 0-4 then one more
    people.status[:] = [RECOVERING, LAPSED, USING, DECEASED, RECOVERING, DECEASED]
    people.is_mentor[:] = [False, False, False, False, True, True]
    people.burnout[:] = [0.0, 0.0, 0.0, 0.0, 0.9, 0.1]
    values = daily.summarize_day(people, 6, 0, 0, 1, {}, {})
    assert (values["in_recovery"], values["lapsed"], values["relapsed"], values["deceased"]) == (
        2,
        1,
        1,
        2,
    )
    assert values["mentors_active"] == 2 and values["mentor_burnout_share"] == 0.5
    alive = people.status[:6] != DECEASED
    assert values["stigma_mean"] == pytest.approx(people.stigma[alive].mean())


def test_a_status_code_outside_the_names_is_refused():
    people = _people(4, 0)
    people.status[1] = len(STATUS_NAMES)
    with pytest.raises(ValueError, match="status code"):
        daily.summarize_day(people, 4, 0, 0, 1, {}, {})


@pytest.mark.parametrize(
    "n", [0, 1, 7, 8, 9, 15, 16, 127, 128, 129, 256, 1000, 8191, 8192, 8193, 65_537, 170_000]
)
def test_masked_sum_is_numpys_masked_sum_to_the_last_bit(n):
    rng = np.random.default_rng(n)
    for density in (0.0, 0.01, 0.3, 0.71, 0.97, 0.999, 1.0):
        values = rng.uniform(-1, 1, n) * rng.choice([1.0, 1e-9, 1e9], n)
        values[rng.uniform(0, 1, n) < 0.05] = -0.0
        mask = rng.uniform(0, 1, n) < density
        mask[: n // 3] = density > 0.5  # long runs as well as scattered ones
        expected = np.sum(values, where=mask)
        got = daily._masked_sum(values, mask, n)
        assert np.float64(got).tobytes() == expected.tobytes(), density
    special = np.array([np.inf, 1.0, -np.inf, np.nan, -0.0, -0.0] * max(1, n // 6))[:n]
    mask = np.ones(len(special), bool)
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, on purpose
        expected = np.sum(special, where=mask)
    assert np.float64(daily._masked_sum(special, mask, len(special))).tobytes() == (
        expected.tobytes()
    )


def test_masked_sum_of_float32_values_is_numpys_own():
    values = np.random.default_rng(0).uniform(0, 1, 1000).astype(np.float32)
    mask = np.random.default_rng(1).uniform(0, 1, 1000) < 0.5
    got = daily._masked_sum(values, mask, 1000)
    assert np.asarray(got).dtype == np.float32 and got == np.sum(values, where=mask)


@pytest.mark.parametrize("n", [0, 1, 8, 9, 64, 3001])
def test_masked_sums_share_one_mask_and_equal_numpy_for_each_array(n):
    rng = np.random.default_rng(n + 11)
    arrays = (rng.uniform(-1, 1, n), rng.uniform(0, 1e6, n + 5), rng.uniform(0, 1, n))
    arrays += (arrays[2].astype(np.float32),)  # not float64: NumPy's own sum, its dtype
    for pattern in range(4):
        if pattern == 0:
            mask = rng.uniform(0, 1, n) < 0.5
        else:
            # Runs that start and stop at every offset within the mask's 8-row words, long
            # stretches of whole words inside and outside runs.
            mask = np.zeros(n, dtype=bool)
            start = pattern
            while start < n:
                length = int(rng.integers(1, 40))
                mask[start : start + length] = True
                start += length + int(rng.integers(1, 30))
        got = daily._masked_sums(arrays, mask, n)
        for values, total in zip(arrays, got, strict=True):
            expected = np.sum(values[:n], where=mask)
            assert np.asarray(total).dtype == expected.dtype
            assert np.asarray(total).tobytes() == expected.tobytes()
