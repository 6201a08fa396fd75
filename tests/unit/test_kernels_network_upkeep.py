"""The compiled searches of the network's upkeep give exactly what the NumPy they replaced gives."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from simulation.model import network_upkeep
from simulation.model.mechanisms import network, network_generation, tie_dynamics


def _old_lower_bound(lo, hi, below):
    for _ in range(int(np.max(hi - lo, initial=0)).bit_length()):
        mid = (lo + hi) >> 1
        less = below(mid) & (lo < hi)
        lo = np.where(less, mid + 1, lo)
        hi = np.where(less, hi, mid)
    return lo


def _old_edge_positions(edges, pairs):
    low, high = pairs[:, 0], pairs[:, 1]
    first, second = edges[:, 0], edges[:, 1]
    last = max(len(edges) - 1, 0)

    def below(at):
        at = np.minimum(at, last)
        return (first[at] < low) | ((first[at] == low) & (second[at] < high))

    return _old_lower_bound(np.zeros(len(pairs), np.int64), np.full(len(pairs), len(edges)), below)


def _old_row_positions(adjacency, rows, cols):
    indptr, indices = adjacency.indptr, adjacency.indices
    last = max(len(indices) - 1, 0)

    def below(at):
        return indices[np.minimum(at, last)] < cols

    starts = indptr[rows].astype(np.int64)
    return _old_lower_bound(starts, indptr[rows + 1].astype(np.int64), below)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 3001])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_searches_equal_the_numpy_binary_searches(n, seed):
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, max(n, 1), size=(3 * n, 2))
    edges = network_generation.canonical_edges(raw) if n > 1 else np.empty((0, 2), np.int64)
    pairs = tie_dynamics.tie_pairs(rng.integers(0, max(n, 1), (200, 2)), max(n, 1))
    pairs = np.concatenate([pairs, edges[:: max(1, len(edges) // 20)]])  # present ones too
    got, expected = network_upkeep.edge_positions(edges, pairs), _old_edge_positions(edges, pairs)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
    adjacency = network.adjacency_from_edges(edges, n)
    if n:
        rows = rng.integers(0, n, 300)
        cols = rng.integers(0, n, 300)
        got = network_upkeep.row_positions(adjacency, rows, cols)
        expected = _old_row_positions(adjacency, rows, cols)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 3001])
def test_edges_read_off_the_adjacency_are_the_canonical_edges(n):
    rng = np.random.default_rng(n)
    raw = rng.integers(0, max(n, 1), size=(3 * n, 2))
    edges = network_generation.canonical_edges(raw) if n > 1 else np.empty((0, 2), np.int64)
    got = network_upkeep.edges_from_adjacency(network.adjacency_from_edges(edges, n))
    assert got.dtype == np.int64 and got.flags.c_contiguous and np.array_equal(got, edges)
    adjacency = network.adjacency_from_edges(edges, n)
    pairs = tie_dynamics.tie_pairs(rng.integers(0, max(n, 1), (100, 2)), max(n, 1))
    pairs = np.concatenate([pairs, edges[:10]]).reshape(-1, 2)
    keys = set(map(tuple, edges.tolist()))
    expected = np.array([tuple(p) in keys for p in pairs.tolist()], dtype=bool)
    assert np.array_equal(network_upkeep.tie_exists(adjacency, pairs), expected)


def test_model_edges_follow_the_weekly_changes_and_are_rebuilt_only_when_asked():
    from simulation.model.model import RecoveryCommunityModel

    model = RecoveryCommunityModel(seed=2, population={"size": 300}, mentoring__enabled=True)
    first = model.edges
    assert model.edges is first  # not rebuilt while the ties stay
    for _ in range(14):
        model.step()
    assert model.network_version == 2 and model._edges is None  # stale copy let go
    edges = model.edges
    assert network.is_canonical(edges, model.people.size)
    assert 2 * len(edges) == model.adjacency.nnz and model.edges is edges
    rebuilt = network.adjacency_from_edges(edges, model.people.size)
    assert np.array_equal(rebuilt.indptr, model.adjacency.indptr)
    assert np.array_equal(rebuilt.indices, model.adjacency.indices)


def _canonical(ties: set[tuple[int, int]]) -> np.ndarray:
    return np.array(sorted(ties), dtype=np.int64).reshape(-1, 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weeks_of_splices_share_one_buffer_of_ones_and_equal_building_afresh(seed):
    rng = np.random.default_rng(seed)
    n = 300
    ties = {tuple(sorted(map(int, rng.choice(n, 2, replace=False)))) for _ in range(900)}
    adjacency = network.adjacency_from_edges(_canonical(ties), n)
    buffers = set()
    for week in range(12):  # weeks that grow the ties, then weeks that shrink them
        grow = week < 6
        gone = [t for t in sorted(ties) if rng.random() < (0.01 if grow else 0.08)]
        fresh = {tuple(sorted(map(int, rng.choice(n, 2, replace=False)))) for _ in range(40)}
        fresh = sorted(fresh - ties) if grow else []
        adjacency = network_upkeep.spliced_adjacency(
            adjacency, _canonical(set(gone)), _canonical(set(fresh))
        )
        ties = (ties - set(gone)) | set(fresh)
        expected = network.adjacency_from_edges(_canonical(ties), n)
        assert adjacency.dtype == expected.dtype
        assert np.array_equal(adjacency.indptr, expected.indptr)
        assert np.array_equal(adjacency.indices, expected.indices)
        assert np.array_equal(adjacency.data, np.ones(len(adjacency.indices)))
        buffers.add(id(adjacency.data.base))
    # A new buffer only when the ties outgrow the last one's slack (at most once a growing week).
    assert len(buffers) <= 7


def test_weights_viewing_someone_elses_buffer_are_never_read_past_their_end():
    n = 6
    edges = np.array([[0, 1], [1, 2], [2, 3]])
    plain = network.adjacency_from_edges(edges, n)
    # The stored weights are all 1, but they view a longer buffer whose tail is not ones.
    buffer = np.full(64, 7.0, dtype=plain.dtype)
    buffer[: plain.nnz] = 1.0
    borrowed = sp.csr_array((buffer[: plain.nnz], plain.indices, plain.indptr), shape=(n, n))
    grown = network_upkeep.spliced_adjacency(
        borrowed, np.empty((0, 2), np.int64), np.array([[0, 5], [3, 4]])
    )
    assert np.array_equal(grown.data, np.ones(plain.nnz + 4))
