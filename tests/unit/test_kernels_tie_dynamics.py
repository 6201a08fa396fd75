"""The compiled search for dropped mixed ties gives exactly the ties the NumPy it replaced gave.

`_old_ties_to_dissolve` is `tie_dynamics.ties_to_dissolve` before its kernels (issue 17: the
people's codes, the mixed ties and their keyed draws in NumPy); both
run on seeded random populations (every status and kind; sizes 0, 1, a few and a few thousand)
and ties, with a dissolution chance high enough that many ties go. `_old_ties_to_dissolve_in`
is `ties_to_dissolve_in` before it walked the ties from their end that uses (issue 17): the
rows in recovery scanned, written out in plain Python.
"""

from __future__ import annotations

import numpy as np
import pytest
from random_people import SIZES, random_people

from simulation.model.mechanisms import network_generation, tie_dynamics
from simulation.model.mechanisms.tie_dynamics import (
    IN_RECOVERY_SIDE,
    MIXED_TIE,
    ROW_BITS,
    USING_SIDE,
)
from simulation.model.population import LAPSED, MENTOR, PARTICIPANT, RECOVERING, USING
from simulation.model.random_streams import keyed_uniform, keyed_uniform_at, salt_word


def _old_ties_to_dissolve(edges, people, params, salt):
    if len(edges) == 0:
        return np.empty(0, dtype=np.int64)
    status, kind = people.status, people.kind
    in_recovery = ((kind == PARTICIPANT) | (kind == MENTOR)) & (status == RECOVERING)
    side = np.where(in_recovery, IN_RECOVERY_SIDE, 0).astype(np.int8)
    side[(status == USING) | (status == LAPSED)] = USING_SIDE
    a, b = edges[:, 0], edges[:, 1]
    mixed = np.flatnonzero(side[a] + side[b] == MIXED_TIE)
    keys = (a[mixed] << ROW_BITS) | b[mixed]
    return mixed[keyed_uniform(keys, salt) < params.using_tie_dissolution_per_week]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ties_to_dissolve_equals_numpy(size, seed):
    rng = np.random.default_rng(seed)
    people = random_people(size, seed)
    params = tie_dynamics.TieDynamicsParams(using_tie_dissolution_per_week=0.4)
    raw = rng.integers(0, max(size, 1), size=(4 * size, 2))
    edges = network_generation.canonical_edges(raw) if size > 1 else np.empty((0, 2), np.int64)
    for salt in (0, 17, 2**40 + 3, (2**64 - 1) * 1_000_003 + 400):
        got = tie_dynamics.ties_to_dissolve(edges, people, params, salt)
        expected = _old_ties_to_dissolve(edges, people, params, salt)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
    if size >= 64:
        assert len(got) > 0  # the mixed ties were found, and some dropped


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ties_dissolved_off_the_adjacency_are_those_of_the_edge_list(size, seed):
    from simulation.model.mechanisms import network

    rng = np.random.default_rng(seed + 10)
    people = random_people(size, seed)
    params = tie_dynamics.TieDynamicsParams(using_tie_dissolution_per_week=0.4)
    raw = rng.integers(0, max(size, 1), size=(4 * size, 2))
    edges = network_generation.canonical_edges(raw) if size > 1 else np.empty((0, 2), np.int64)
    adjacency = network.adjacency_from_edges(edges, size)
    for salt in (0, 2**40 + 3, (2**64 - 1) * 1_000_003 + 400):
        got = tie_dynamics.ties_to_dissolve_in(adjacency, people, params, salt)
        expected = edges[_old_ties_to_dissolve(edges, people, params, salt)]
        assert got.dtype == np.int64 and np.array_equal(got.reshape(-1, 2), expected)


def _old_ties_to_dissolve_in(adjacency, people, params, salt):
    # `ties_to_dissolve_in` before it walked the rows that use (issue 17): every entry of the
    # rows in recovery, the mixed ties' keys gathered first, then those dropped, then sorted.
    side = np.empty(people.size, dtype=np.int8)
    tie_dynamics._sides(people.status, people.kind, side)
    indptr, indices = adjacency.indptr, adjacency.indices
    word, probability = salt_word(salt), float(params.using_tie_dissolution_per_week)
    keys = []
    for a in range(len(indptr) - 1):
        if side[a] != IN_RECOVERY_SIDE:
            continue
        for e in range(indptr[a], indptr[a + 1]):
            b = int(indices[e])
            if side[b] == USING_SIDE:
                keys.append((min(a, b) << ROW_BITS) | max(a, b))
    keys = np.array([k for k in keys if keyed_uniform_at(k, word) < probability], np.int64)
    keys = np.sort(keys)
    return np.column_stack([keys >> ROW_BITS, keys & ((1 << ROW_BITS) - 1)])


def _graph(size, ties, seed):
    from simulation.model.mechanisms import network

    rng = np.random.default_rng(seed)
    raw = rng.integers(0, max(size, 1), size=(ties, 2))
    edges = network_generation.canonical_edges(raw) if size > 1 else np.empty((0, 2), np.int64)
    return network.adjacency_from_edges(edges, size)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("chance", [0.0, 0.4, 1.0])
def test_ties_dissolved_from_the_using_end_are_those_from_the_recovery_end(size, seed, chance):
    people = random_people(size, seed)
    params = tie_dynamics.TieDynamicsParams(using_tie_dissolution_per_week=chance)
    adjacency = _graph(size, 4 * size, seed + 20)
    for salt in (0, 2**40 + 3, (2**64 - 1) * 1_000_003 + 400):
        got = tie_dynamics.ties_to_dissolve_in(adjacency, people, params, salt)
        expected = _old_ties_to_dissolve_in(adjacency, people, params, salt)
        assert got.dtype == np.int64 and got.shape == (len(expected), 2)
        assert np.array_equal(got, expected)
    if size >= 64 and chance > 0:
        assert len(got) > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_ties_dissolved_over_many_blocks_of_mixed_ties(seed):
    # Dense ties: several blocks of mixed ties are gathered, and the buffer of dropped ties
    # grows past its first room (nearly every mixed tie goes).
    size = 3_000
    people = random_people(size, seed)
    params = tie_dynamics.TieDynamicsParams(using_tie_dissolution_per_week=0.97)
    adjacency = _graph(size, 300_000, seed)
    got = tie_dynamics.ties_to_dissolve_in(adjacency, people, params, seed)
    assert len(got) > 2 * tie_dynamics.MIXED_BLOCK
    assert np.array_equal(got, _old_ties_to_dissolve_in(adjacency, people, params, seed))
