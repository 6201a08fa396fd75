"""The speed-ups that must give exactly what the plain NumPy they replace gives."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.model.mechanisms.matching import _possible_slots, _rank_within_key
from simulation.model.mechanisms.network import sorted_unique


@pytest.mark.parametrize("size", [0, 1, 2, 1000])
def test_sorted_unique_is_np_unique(size):
    keys = np.random.default_rng(size).integers(0, max(1, size // 3), size=size)
    assert np.array_equal(sorted_unique(keys), np.unique(keys))


def test_possible_slots_keep_every_slot_ranked_ahead_of_those_taken():
    rng = np.random.default_rng(3)
    slot_keys = np.zeros(500, dtype=np.int64)  # one key: the cut-off shortcut applies
    slot_order = rng.integers(0, 50, size=500)  # many ties
    seekers = np.zeros(7, dtype=np.int64)
    kept = _possible_slots(seekers, slot_keys, slot_order)
    assert len(kept) < 500
    # The 7 best-ranked of all slots are among the kept ones, with the same ranks.
    full_rank = _rank_within_key(slot_keys, slot_order)
    kept_rank = _rank_within_key(slot_keys[kept], slot_order[kept])
    best = np.flatnonzero(full_rank < 7)
    assert set(best) <= set(kept)
    assert sorted(full_rank[best]) == sorted(kept_rank[np.isin(kept, best)])


def test_possible_slots_drop_keys_nobody_seeks():
    slot_keys = np.array([0, 1, 2, 1])
    kept = _possible_slots(np.array([1]), slot_keys, np.array([3, 2, 1, 0]))
    # Only key 1 is sought, by one seeker: of its two slots, the better-ranked one (order 0).
    assert kept.tolist() == [3]
