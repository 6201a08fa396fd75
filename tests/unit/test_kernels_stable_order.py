"""The radix-sorted ranking of floats is NumPy's stable argsort, element for element.

`np.argsort(kind="stable")` is the oracle: on float32 and float64 of every sign, with ties,
±inf, -0.0 beside 0.0 (a tie), and NaN (last, ties by position), for every k.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_people import SEEDS, SIZES

from simulation.model.mechanisms import stable_order


def _values(rng, n, dtype, kind):
    """Seeded values: spread, tied (a few repeated draws), or with special floats mixed in."""
    if kind == "spread":
        values = rng.normal(0.0, 1e3, n) * rng.choice([1e-30, 1.0, 1e30], n)
    elif kind == "tied":
        values = rng.integers(-3, 4, n) + rng.choice(rng.random(4), n)
    else:
        values = rng.integers(-2, 3, n) + rng.random(n)
        specials = rng.choice([np.inf, -np.inf, np.nan, -np.nan, 0.0, -0.0], n)
        values = np.where(rng.random(n) < 0.3, specials, values)
    return values.astype(dtype)


@pytest.mark.parametrize("n", [*SIZES, 20000])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["spread", "tied", "special"])
def test_stable_argsort_matches_numpy(n, seed, dtype, kind):
    values = _values(np.random.default_rng(seed + 43), n, dtype, kind)
    got = stable_order.stable_argsort(values)
    assert got.dtype == np.int64
    assert np.array_equal(got, np.argsort(values, kind="stable"))


@pytest.mark.parametrize("n", [*SIZES, 20000])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["spread", "tied", "special"])
def test_first_by_order_matches_numpy_for_every_k(n, seed, dtype, kind):
    values = _values(np.random.default_rng(seed + 47), n, dtype, kind)
    want = np.argsort(values, kind="stable")
    for k in sorted({0, 1, 2, n // 100, n // 3, n - 1, n, n + 5} - {-1}):
        got = stable_order.first_by_order(values, k)
        assert got.dtype == np.int64
        assert np.array_equal(got, want[:k]), k


def test_first_by_order_widens_a_short_guess():
    """A sample that guesses too low a cut-off is widened, or everything is ranked: still exact.

    The sample reads every 10th item here: first they are all 0.0 (the k first include 1.0s,
    so all items are ranked), then they lie lower than the rest (the cut-off is raised).
    """
    rng = np.random.default_rng(7)
    zeros, low = np.ones(10240), rng.uniform(0.5, 1.0, 10240)
    zeros[::10] = 0.0
    low[::10] = rng.random(1024)
    for values in (zeros, low):
        for k in (1, 1023, 1024, 1025, 3000, 10239):
            got = stable_order.first_by_order(values, k)
            assert np.array_equal(got, np.argsort(values, kind="stable")[:k]), k


def test_strided_and_other_dtypes_rank_as_numpy():
    rng = np.random.default_rng(5)
    strided = rng.random(6000)[::3]
    assert np.array_equal(stable_order.stable_argsort(strided), np.argsort(strided, kind="stable"))
    integers = rng.integers(0, 9, 500)
    assert np.array_equal(
        stable_order.first_by_order(integers, 7), np.argsort(integers, kind="stable")[:7]
    )
    assert stable_order.stable_argsort(integers).dtype == np.int64


def test_first_by_order_rejects_a_negative_count():
    with pytest.raises(ValueError, match="`k` is -1"):
        stable_order.first_by_order(np.zeros(3), -1)
