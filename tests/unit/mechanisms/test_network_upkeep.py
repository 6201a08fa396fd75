"""The network's fast paths equal their plain definitions (network_upkeep, network's CSR builder).

Each helper is checked against the straightforward computation it replaces: scipy's COO
conversion for the adjacency, np.unique/np.searchsorted for sorted ties, a full recount for the
contact counts and the ties within recovery.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from simulation.model import network_upkeep
from simulation.model.mechanisms import contact_counts, network, network_generation, tie_dynamics


def _scipy_adjacency(edges: np.ndarray, n: int, weights: np.ndarray | None = None):
    """The definition: both directions of every tie through scipy's COO conversion."""
    if weights is None:
        weights = np.ones(len(edges), dtype=np.float32)
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    matrix = sp.csr_array((np.concatenate([weights, weights]), (rows, cols)), shape=(n, n))
    matrix.sort_indices()
    return matrix


def _random_ties(n: int, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return network_generation.canonical_edges(rng.integers(0, n, size=(count, 2)))


def _assert_same_matrix(actual: sp.csr_array, expected: sp.csr_array) -> None:
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual.indptr, expected.indptr)
    np.testing.assert_array_equal(actual.indices, expected.indices)
    np.testing.assert_array_equal(actual.data, expected.data)


@pytest.mark.parametrize(
    ("n", "count", "seed"), [(50, 0, 0), (1, 0, 1), (40, 300, 2), (500, 900, 3)]
)
def test_csr_builder_equals_scipy_on_canonical_ties(n, count, seed):
    edges = _random_ties(n, count, seed) if count else np.empty((0, 2), dtype=np.int64)
    assert network.is_canonical(edges, n)
    built = network.adjacency_from_edges(edges, n)
    _assert_same_matrix(built, _scipy_adjacency(edges, n))
    assert built.indices.dtype == np.int32 and built.indptr.dtype == np.int32
    assert built.has_sorted_indices


def test_csr_builder_keeps_weights_and_their_dtype():
    edges = _random_ties(60, 200, seed=4)
    weights = np.random.default_rng(4).random(len(edges))
    _assert_same_matrix(
        network.adjacency_from_edges(edges, 60, weights), _scipy_adjacency(edges, 60, weights)
    )


def test_ties_in_any_order_or_orientation_give_the_same_adjacency():
    edges = _random_ties(80, 400, seed=5)
    shuffled = np.random.default_rng(5).permutation(edges[:, ::-1])
    assert not network.is_canonical(shuffled, 80)
    dense = network.adjacency_from_edges(shuffled, 80).toarray()
    np.testing.assert_array_equal(dense, network.adjacency_from_edges(edges, 80).toarray())


@pytest.mark.parametrize(
    ("edges", "canonical"),
    [
        ([[0, 1], [0, 2], [1, 2]], True),
        ([[0, 2], [0, 1]], False),  # out of order
        ([[1, 0]], False),  # (high, low)
        ([[0, 1], [0, 1]], False),  # a tie twice
        ([[1, 1]], False),  # a self-tie
        ([[0, 5]], False),  # a row beyond n = 5
    ],
)
def test_is_canonical(edges, canonical):
    assert network.is_canonical(np.array(edges), 5) is canonical


@pytest.mark.parametrize("seed", range(3))
def test_edge_positions_equal_searchsorted_on_tie_keys(seed):
    n = 400
    edges = _random_ties(n, 1500, seed)
    pairs = tie_dynamics.tie_pairs(np.random.default_rng(seed).integers(0, n, (300, 2)), n)
    pairs = np.concatenate([pairs, edges[:: len(edges) // 20], [[n - 2, n - 1], [0, 1]]])
    expected = np.searchsorted(edges[:, 0] * n + edges[:, 1], pairs[:, 0] * n + pairs[:, 1])
    np.testing.assert_array_equal(network_upkeep.edge_positions(edges, pairs), expected)
    assert network_upkeep.edge_positions(edges[:0], pairs).tolist() == [0] * len(pairs)


@pytest.mark.parametrize("seed", range(4))
def test_spliced_ties_equal_sorting_and_building_afresh(seed):
    n = 500
    rng = np.random.default_rng(seed)
    edges = _random_ties(n, 2000, seed)
    adjacency = network.adjacency_from_edges(edges, n)
    dropped = np.sort(rng.choice(len(edges), size=rng.integers(0, 200), replace=False))
    keys = edges[:, 0] * n + edges[:, 1]
    candidate = tie_dynamics.tie_pairs(rng.integers(0, n, size=(150, 2)), n)
    absent = ~np.isin(candidate[:, 0] * n + candidate[:, 1], keys)
    fresh = candidate[absent]
    at = network_upkeep.edge_positions(edges, fresh)
    assert np.array_equal(at, np.searchsorted(keys, fresh[:, 0] * n + fresh[:, 1]))
    kept_keys = np.delete(keys, dropped)
    expected_keys = np.union1d(kept_keys, fresh[:, 0] * n + fresh[:, 1])
    spliced = np.column_stack([expected_keys // n, expected_keys % n])
    matrix = network_upkeep.spliced_adjacency(adjacency, edges[dropped], fresh)
    _assert_same_matrix(matrix, _scipy_adjacency(spliced, n))
    _assert_same_matrix(network.adjacency_from_edges(edges, n), adjacency)  # left as it was


def _model(seed: int = 3):
    from simulation.model.model import RecoveryCommunityModel

    return RecoveryCommunityModel(seed=seed, population={"size": 400}, mentoring__enabled=True)


def _assert_counts_equal_a_recount(model) -> None:
    fresh = contact_counts.ContactCounts(model.adjacency, model.people)
    kept = model.contacts
    kept.update(model.people)
    for name in ("degree", "using_contacts", "recovery_contacts"):
        np.testing.assert_array_equal(getattr(kept, name), getattr(fresh, name))
        assert getattr(kept, name).dtype == getattr(fresh, name).dtype
    assert kept.recovery_ties == fresh.recovery_ties
    a, b = model.edges[:, 0], model.edges[:, 1]
    assert kept.recovery_ties == np.count_nonzero(fresh.recovering[a] & fresh.recovering[b])


@pytest.mark.parametrize("seed", range(3))
def test_change_ties_equals_building_everything_afresh(seed):
    model = _model(seed)
    rng = np.random.default_rng(seed)
    for _ in range(4):
        flip = rng.choice(model.people.size, size=30, replace=False)
        model.people.status[flip] = rng.choice([0, 1, 2], size=30).astype(np.int8)
        before = {tuple(e) for e in model.edges.tolist()}
        dropped = np.sort(rng.choice(len(model.edges), size=25, replace=False))
        again = model.edges[dropped[:3], ::-1]  # dropped and formed again: these stay
        new = np.concatenate([rng.integers(0, model.people.size, size=(40, 2)), again])
        gone = {tuple(e) for e in model.edges[dropped[3:]].tolist()}
        network_upkeep.change_ties(model, dropped, new)
        formed = {(min(a, b), max(a, b)) for a, b in new.tolist() if a != b}
        assert {tuple(e) for e in model.edges.tolist()} == (before - gone) | formed
        assert network.is_canonical(model.edges, model.people.size)
        _assert_same_matrix(model.adjacency, _scipy_adjacency(model.edges, model.people.size))
        _assert_counts_equal_a_recount(model)


def test_recovery_tie_count_follows_status_changes_exactly():
    model = _model(4)
    rng = np.random.default_rng(4)
    counts = []
    for _ in range(6):
        flip = rng.choice(model.people.size, size=60, replace=False)
        model.people.status[flip] = rng.choice([0, 1, 2], size=60).astype(np.int8)
        counts.append(contact_counts.recovery_tie_count(model.contacts, model.people))
        _assert_counts_equal_a_recount(model)
    assert len(set(counts)) > 1  # the statuses did move the count


def test_a_model_week_keeps_ties_adjacency_and_counts_consistent():
    model = _model(5)
    for _ in range(21):
        model.step()
    assert model.network_version == 3
    _assert_same_matrix(model.adjacency, _scipy_adjacency(model.edges, model.people.size))
    _assert_counts_equal_a_recount(model)


def _canonical_by_unique(edges: np.ndarray) -> np.ndarray:
    """The plain definition: sorted unique (low, high) rows without self-ties."""
    pairs = np.sort(edges, axis=1)
    return np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0).reshape(-1, 2)


@pytest.mark.parametrize("seed", range(3))
def test_canonical_and_merged_edges_equal_sorting_all_ties(seed):
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 200, size=(1500, 2))  # repeats, both orientations, self-ties
    canonical = network_generation.canonical_edges(raw)
    np.testing.assert_array_equal(canonical, _canonical_by_unique(raw))
    assert canonical.dtype == np.int64 and canonical.flags.c_contiguous
    other = network_generation.canonical_edges(rng.integers(0, 260, size=(300, 2)))
    merged = network_generation.merged_edges(canonical, other)
    np.testing.assert_array_equal(merged, _canonical_by_unique(np.concatenate([raw, other])))
    empty = np.empty((0, 2), dtype=np.int64)
    assert network_generation.merged_edges(canonical, empty) is canonical
    assert network_generation.merged_edges(empty, other) is other
    assert network_generation.canonical_edges(empty).shape == (0, 2)
    assert network_generation.canonical_edges(np.array([[3, 3]])).shape == (0, 2)
