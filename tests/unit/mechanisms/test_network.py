"""Graph generators, mentor ties and neighbour counts (mechanisms.network_generation, .network)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import contact_counts, network, network_generation
from simulation.model.population import COMMUNITY, DECEASED, LAPSED, MENTOR, RECOVERING, USING

KINDS = ["watts_strogatz", "barabasi_albert", "powerlaw_cluster", "community_blocks"]


def _edges(params, groups, seed):
    return network_generation.build_edges(params, groups, seed)


def _exposure(adjacency, people) -> network.SocialExposure:
    """A full recount of everyone's contacts: the oracle ContactCounts must agree with."""
    counts = contact_counts.ContactCounts(adjacency, people)
    return counts.exposure(people)


def _groups(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).choice(3, size=n, p=[0.6, 0.25, 0.15]).astype(np.int8)


@pytest.mark.parametrize("kind", KINDS)
def test_build_edges_mean_degree_near_target(kind):
    n = 3000
    params = network.NetworkParams(kind=kind, mean_degree=6.0)
    edges = _edges(params, _groups(n), seed=5)
    assert edges.min() >= 0 and edges.max() < n
    mean_degree = 2 * len(edges) / n
    assert mean_degree == pytest.approx(6.0, rel=0.08)
    assert np.all(edges[:, 0] < edges[:, 1])  # canonical: no self-ties, each tie once


@pytest.mark.parametrize("kind", KINDS)
def test_build_edges_is_seeded(kind):
    params = network.NetworkParams(kind=kind)
    groups = _groups(500)
    a = _edges(params, groups, seed=9)
    b = _edges(params, groups, seed=9)
    c = _edges(params, groups, seed=10)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("homophily", [0.8, 0.5])
def test_community_blocks_homophily_share(homophily):
    n = 4000
    groups = _groups(n, seed=1)
    params = network.NetworkParams(kind="community_blocks", homophily=homophily, mean_degree=8)
    edges = _edges(params, groups, seed=3)
    within = (groups[edges[:, 0]] == groups[edges[:, 1]]).mean()
    assert within == pytest.approx(homophily, abs=0.03)


def test_ring_generators_are_shuffled_across_rows():
    # Without the shuffle, Watts-Strogatz ties would join neighbouring rows (and so one kind).
    params = network.NetworkParams(kind="watts_strogatz", rewire_probability=0.0)
    edges = _edges(params, _groups(1000), seed=2)
    gaps = np.abs(edges[:, 0] - edges[:, 1])
    assert np.median(gaps) > 100


def test_mentor_edges_tie_only_to_the_community():
    mentors = np.arange(50, 55)
    params = network.NetworkParams(mean_degree=4)
    edges = network_generation.canonical_edges(
        network_generation.mentor_edges(mentors, 50, params, seed=1)
    )
    for m in mentors:
        neighbours = edges[edges[:, 1] == m, 0]
        assert 1 <= len(neighbours) <= 4
        assert np.all(neighbours < 50)


def test_adjacency_from_edges_is_symmetric_with_weights():
    edges = np.array([[0, 1], [1, 2]])
    adj = network.adjacency_from_edges(edges, 4, weights=np.array([2.0, 0.5]))
    dense = adj.toarray()
    assert np.array_equal(dense, dense.T)
    assert dense[0, 1] == 2.0 and dense[2, 1] == 0.5
    assert dense[3].sum() == 0


def test_contact_counts_on_on_a_hand_built_graph():
    # 0 is tied to 1 (using community member), 2 (lapsed participant), 3 (participant in
    # recovery), 4 (mentor in recovery), 5 (dead participant); 6 (community, not affected) to 3.
    status = [RECOVERING, USING, LAPSED, RECOVERING, RECOVERING, DECEASED, 4]
    kind = [0, COMMUNITY, 0, 0, MENTOR, 0, COMMUNITY]
    people = make_people(7, status=status, kind=kind)
    edges = np.array([[0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [6, 3]])
    exposure = _exposure(network.adjacency_from_edges(edges, 7), people)
    assert exposure.using_contacts.tolist() == [2, 0, 0, 0, 0, 0, 0]
    assert exposure.recovery_contacts.tolist() == [2, 1, 1, 1, 1, 1, 1]
    assert exposure.degree.tolist() == [5, 1, 1, 2, 1, 1, 1]
    assert exposure.recovery_share.tolist() == pytest.approx([0.4, 1, 1, 0.5, 1, 1, 1])


def test_recovery_share_is_zero_without_ties():
    people = make_people(2)
    exposure = _exposure(network.adjacency_from_edges(np.empty((0, 2), dtype=np.int64), 2), people)
    assert exposure.recovery_share.tolist() == [0.0, 0.0]


def test_hazard_ratio_caps_using_contacts_and_rewards_recovery_ties():
    params = network.NetworkParams(
        using_contact_risk=0.18, max_using_contacts_counted=5, recovery_tie_protection=0.5
    )
    exposure = network.SocialExposure(
        using_contacts=np.array([0.0, 2.0, 9.0, 0.0]),
        recovery_contacts=np.array([0.0, 0.0, 0.0, 4.0]),
        degree=np.array([1.0, 2.0, 9.0, 4.0]),
    )
    ratio = network.hazard_ratio(exposure, params)
    assert ratio.tolist() == pytest.approx([1.0, 1.18**2, 1.18**5, math.exp(-0.5)])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [1, 2, 3, 5, 18])
def test_build_edges_small_populations_with_many_ties(kind, n):
    # mean_degree up to 100 is allowed, population.size down to 1: the graph must still build.
    params = network.NetworkParams(kind=kind, mean_degree=100)
    edges = _edges(params, _groups(n), seed=1)
    assert len(edges) == 0 or (edges.max() < n and np.all(edges[:, 0] < edges[:, 1]))


def _add_ties_by_unique(edges: np.ndarray, new: np.ndarray, n: int) -> np.ndarray:
    """The straightforward definition: all ties as sorted unique (low, high) pairs."""
    new = np.sort(new, axis=1)
    new = new[new[:, 0] != new[:, 1]]
    combined = np.concatenate([np.sort(edges, axis=1), new])
    keys = np.unique(combined[:, 0] * n + combined[:, 1])
    return np.column_stack([keys // n, keys % n])


@pytest.mark.parametrize("seed", range(4))
def test_add_ties_equals_sorted_unique_union(seed):
    from simulation.model.mechanisms import tie_dynamics

    rng = np.random.default_rng(seed)
    n = 300
    edges = rng.integers(0, n, size=(900, 2))
    edges = edges[edges[:, 0] != edges[:, 1]]
    for _ in range(5):  # first call: unsorted input; later calls: sorted unique input
        new = rng.integers(0, n, size=(rng.integers(0, 60), 2))
        new = np.concatenate([new, edges[: rng.integers(0, 5)]])  # some existing ties again
        expected = _add_ties_by_unique(edges, new, n)
        edges = tie_dynamics.add_ties(edges, new, n)
        assert np.array_equal(edges, expected)


def test_contact_counts_kept_by_changes_equal_a_full_recount():
    from simulation.model.model import RecoveryCommunityModel

    model = RecoveryCommunityModel(seed=3, population={"size": 400}, mentoring__enabled=True)
    counts = contact_counts.ContactCounts(model.adjacency, model.people)
    rng = np.random.default_rng(0)
    for _ in range(5):
        # Random status changes, as a day of lapses, relapses and new attempts would make.
        flip = rng.choice(model.people.size, size=40, replace=False)
        model.people.status[flip] = rng.choice([0, 1, 2], size=40).astype(np.int8)
        kept = counts.exposure(model.people)
        full = _exposure(model.adjacency, model.people)
        np.testing.assert_array_equal(kept.using_contacts, full.using_contacts)
        np.testing.assert_array_equal(kept.recovery_contacts, full.recovery_contacts)


def test_recovery_contagion_ratio_grows_with_friends_in_recovery():
    from simulation.model.mechanisms import tie_dynamics

    params = tie_dynamics.TieDynamicsParams(recovery_contagion=0.2)
    ratio = tie_dynamics.recovery_contagion_ratio(np.array([0.0, 1.0, 3.0]), params)
    assert ratio.tolist() == pytest.approx([1.0, 1.2, 1.6])
    off = tie_dynamics.TieDynamicsParams(enabled=False)
    assert tie_dynamics.recovery_contagion_ratio(np.array([3.0]), off) == 1.0
