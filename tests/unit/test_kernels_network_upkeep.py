"""The compiled edge splice gives exactly what deleting and inserting rows with NumPy gives.

`_old_spliced` is the body `network_upkeep._spliced` stands for (issue 17): `np.delete` of the
dropped rows, then `np.insert` of the additions at their positions moved down by the deletions
before them; both run on seeded random rows (sizes 0, 1, a few and a few thousand; additions at
the very start and end, next to dropped rows and several before one row).
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.model import network_upkeep


def _old_spliced(old, dropped, at, added):
    kept = np.delete(old, dropped, axis=0)
    moved = at - np.searchsorted(dropped, at, side="left")
    return np.insert(kept, moved, added, axis=0)


@pytest.mark.parametrize("m", [0, 1, 2, 7, 3001])
@pytest.mark.parametrize(("width", "dtype"), [(2, np.int64), (1, np.int32)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_splice_equals_numpy_delete_then_insert(m, width, dtype, seed):
    rng = np.random.default_rng(seed)
    old = rng.integers(0, 10_000, (m, width)).astype(dtype)
    dropped = np.sort(rng.choice(m, size=int(rng.integers(0, m + 1)), replace=False))
    at = np.sort(rng.integers(0, m + 1, size=int(rng.integers(0, m + 3))))
    if len(at) >= 2:
        at[0], at[-1] = 0, m  # before the first row and after the last
    if len(dropped) and len(at) >= 4:
        at[1:3] = dropped[0]  # two before a dropped row
        at.sort()
    added = rng.integers(0, 10_000, (len(at), width)).astype(dtype)
    d, a, new = network_upkeep._insertion_order(dropped, at, added)
    got = network_upkeep._spliced(old, d, a, new)
    expected = _old_spliced(old, dropped, at, added)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_positions_to_drop_must_be_ascending():
    with pytest.raises(ValueError, match="strictly ascending"):
        network_upkeep.spliced_edges(
            np.zeros((4, 2), np.int64), np.array([2, 2]), np.zeros(0), np.zeros((0, 2))
        )
