"""The social network: who knows whom, and how friends' use and recovery move a person's risk.

Graphs come from networkx, seeded from the model's `network` stream. Neighbour counts are sparse
matrix-vector products on a CSR adjacency matrix, refreshed only when ties change. Friends who use
add risk (Rosenquist et al. 2010: +18% per heavy-drinking contact); a network rich in people in
recovery protects (Litt et al. 2009, network support).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import scipy.sparse as sp

from simulation.model.population import COMMUNITY, LAPSED, RECOVERING, USING, PopulationState
from simulation.model.random_streams import RandomStreams
from simulation.scenario.parameters import Section, parameter

GraphKind = Literal["watts_strogatz", "barabasi_albert", "powerlaw_cluster", "community_blocks"]


class NetworkParams(Section):
    """The shape of the social network and the strength of social influence."""

    kind: GraphKind = parameter(
        "community_blocks",
        unit="choice",
        source="assumption",
        description="graph generator; community_blocks = stochastic block model of cultural groups",
    )
    mean_degree: float = parameter(
        6.0,
        unit="ties per person",
        source="assumption (core discussion networks of 4-8 people)",
        description="average number of ties per person",
        ge=2.0,
        le=100.0,
    )
    rewire_probability: float = parameter(
        0.1,
        unit="probability",
        source="assumption (small-world regime)",
        description="Watts-Strogatz rewiring probability",
        ge=0.0,
        le=1.0,
    )
    triangle_probability: float = parameter(
        0.3,
        unit="probability",
        source="assumption",
        description="powerlaw-cluster chance of closing a triangle after each tie",
        ge=0.0,
        le=1.0,
    )
    homophily: float = parameter(
        0.8,
        unit="share",
        source="assumption (strong homophily by cultural group)",
        description="community_blocks: share of ties within one's own cultural group",
        ge=0.0,
        le=1.0,
    )
    using_contact_risk: float = parameter(
        0.18,
        unit="hazard increase per contact",
        source="Rosenquist et al. 2010, Ann Intern Med 152:426",
        description="relative increase in lapse hazard per contact who uses regularly",
        ge=0.0,
        le=5.0,
    )
    max_using_contacts_counted: int = parameter(
        5,
        unit="contacts",
        source="assumption (influence saturates)",
        description="using contacts beyond this add no further risk",
        ge=0,
        le=100,
    )
    recovery_tie_protection: float = parameter(
        0.5,
        unit="log hazard ratio",
        source="assumption; direction from Litt et al. 2009 (network support)",
        description="lapse hazard reduction when every tie is to someone in recovery",
        ge=0.0,
        le=5.0,
    )


def population_edges(
    params: NetworkParams,
    cultural_group: np.ndarray,
    is_mentor: np.ndarray,
    streams: RandomStreams,
) -> np.ndarray:
    """Everyone's ties: the base network among participants and community members, then each
    mentor's ties into it (mentors are the last rows), from separate streams."""
    mentor_rows = np.flatnonzero(is_mentor)
    n_others = len(cultural_group) - len(mentor_rows)
    base = build_edges(params, cultural_group[:n_others], streams.seed_for("network"))
    mentors = mentor_edges(mentor_rows, n_others, params, streams.seed_for("network/mentors"))
    return canonical_edges(np.concatenate([base, mentors]))


def build_graph(params: NetworkParams, cultural_group: np.ndarray, seed: int) -> nx.Graph:
    """A networkx graph on nodes 0..n-1 (node = population row), seeded."""
    graph = nx.Graph()
    graph.add_nodes_from(range(len(cultural_group)))
    graph.add_edges_from(build_edges(params, cultural_group, seed).tolist())
    return graph


def build_edges(params: NetworkParams, cultural_group: np.ndarray, seed: int) -> np.ndarray:
    """The base network's ties as sorted (low, high) row pairs, seeded.

    The stochastic block model is drawn straight into arrays (no networkx graph is built: at
    100,000 people that alone takes seconds); the other kinds come from networkx generators.
    """
    n = len(cultural_group)
    # A small population cannot have more ties per person than it has other people.
    k = min(max(2, round(params.mean_degree)), max(n - 1, 0))
    rng = np.random.default_rng(seed)
    if params.kind == "community_blocks":
        # Blocks are cultural groups; block members are taken in row order.
        _, sizes = np.unique(cultural_group, return_counts=True)
        between_pairs = max(1, n * n - int((sizes.astype(np.int64) ** 2).sum()))
        p_between = min(1.0, (1.0 - params.homophily) * params.mean_degree * n / between_pairs)
        probs = [
            [
                min(1.0, params.homophily * params.mean_degree / max(1, s_i - 1))
                if i == j
                else p_between
                for j in range(len(sizes))
            ]
            for i, s_i in enumerate(sizes)
        ]
        rows = np.argsort(cultural_group, kind="stable")
        return canonical_edges(_block_model(sizes, probs, rows, rng))
    if n < 3:
        graph = nx.complete_graph(n)
    elif params.kind == "watts_strogatz":
        graph = nx.watts_strogatz_graph(n, k, params.rewire_probability, seed=seed)
    elif params.kind == "barabasi_albert":
        graph = nx.barabasi_albert_graph(n, max(1, k // 2), seed=seed)
    else:
        graph = nx.powerlaw_cluster_graph(n, max(1, k // 2), params.triangle_probability, seed=seed)
    # Generators place nodes in order (a ring, arrival order): shuffle so kinds are mixed.
    rows = rng.permutation(n)
    return canonical_edges(rows[np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)])


def _block_model(
    sizes: np.ndarray, probs: list[list[float]], rows: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A stochastic block model: each pair in blocks (i, j) is tied with probability probs[i][j].

    Exact and vectorized: the number of ties in a block pair is Binomial(pairs, p), and the ties
    are that many distinct pairs drawn uniformly — the same distribution as one draw per pair,
    which is what `nx.stochastic_block_model` does in Python (O(n^2) within blocks: minutes at
    100,000 people). Block members are `rows` in block order.
    """
    starts = np.r_[0, np.cumsum(sizes)]
    edges = []
    for i in range(len(sizes)):
        for j in range(i, len(sizes)):
            s_i, s_j = int(sizes[i]), int(sizes[j])
            pairs = s_i * (s_i - 1) // 2 if i == j else s_i * s_j
            if pairs == 0 or probs[i][j] <= 0:
                continue
            count = int(rng.binomial(pairs, min(1.0, probs[i][j])))
            k = rng.choice(pairs, size=count, replace=False) if count < pairs else np.arange(pairs)
            if i == j:
                # k -> (a, b) with b < a: a = largest with a * (a - 1) / 2 <= k
                a = np.floor((1 + np.sqrt(8 * k.astype(float) + 1)) / 2).astype(np.int64)
                a -= a * (a - 1) // 2 > k
                a += (a + 1) * a // 2 <= k
                b = k - a * (a - 1) // 2
                u, v = rows[starts[i] + a], rows[starts[i] + b]
            else:
                u, v = rows[starts[i] + k // s_j], rows[starts[j] + k % s_j]
            edges.append(np.column_stack([u, v]))
    return np.concatenate(edges) if edges else np.empty((0, 2), dtype=np.int64)


def attach_mentors(
    graph: nx.Graph, mentor_rows: np.ndarray, n_others: int, params: NetworkParams, seed: int
) -> None:
    """Give each mentor about `mean_degree` ties to people in the community (rows < n_others).

    Mentors join after the base network is built, from their own stream, so adding mentors to a
    design does not redraw anyone else's ties (common random numbers).
    """
    graph.add_nodes_from(mentor_rows.tolist())
    graph.add_edges_from(mentor_edges(mentor_rows, n_others, params, seed).tolist())


def mentor_edges(
    mentor_rows: np.ndarray, n_others: int, params: NetworkParams, seed: int
) -> np.ndarray:
    """Each mentor's ties to people in the community, as (mentor, other) row pairs."""
    if len(mentor_rows) == 0 or n_others == 0:
        return np.empty((0, 2), dtype=np.int64)
    rng = np.random.default_rng(seed)
    k = max(1, round(params.mean_degree))
    targets = rng.integers(0, n_others, size=(len(mentor_rows), k))
    return np.column_stack([np.repeat(mentor_rows, k), targets.ravel()]).astype(np.int64)


def adjacency_from_edges(
    edges: np.ndarray, n: int, weights: np.ndarray | None = None
) -> sp.csr_array:
    """Symmetric CSR adjacency from an (m, 2) edge array (faster than nx.to_scipy_sparse_array)."""
    if weights is None:
        weights = np.ones(len(edges), dtype=np.float32)  # counts stay exact; half the bandwidth
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    data = np.concatenate([weights, weights])
    return sp.csr_array((data, (rows, cols)), shape=(n, n))


def edge_array(graph: nx.Graph) -> np.ndarray:
    """A networkx graph's ties as sorted, unique (low, high) row pairs."""
    return canonical_edges(np.array(graph.edges(), dtype=np.int64).reshape(-1, 2))


def canonical_edges(edges: np.ndarray) -> np.ndarray:
    """Ties as sorted, unique (low, high) pairs without self-ties: the form tie updates keep."""
    edges = np.sort(np.asarray(edges, dtype=np.int64).reshape(-1, 2), axis=1)
    edges = edges[edges[:, 0] != edges[:, 1]]
    n = int(edges.max()) + 1 if len(edges) else 1
    keys = np.unique(edges[:, 0] * n + edges[:, 1])
    return np.column_stack([keys // n, keys % n])


@dataclass
class SocialExposure:
    """What each person sees among their ties at the start of the day."""

    using_contacts: np.ndarray
    recovery_contacts: np.ndarray
    degree: np.ndarray

    @property
    def recovery_share(self) -> np.ndarray:
        return np.divide(
            self.recovery_contacts,
            self.degree,
            out=np.zeros_like(self.recovery_contacts),
            where=self.degree > 0,
        )


def social_exposure(
    adjacency: sp.csr_array, people: PopulationState, degree: np.ndarray | None = None
) -> SocialExposure:
    """Weighted counts of using and recovering contacts, by sparse matrix-vector products.

    `degree` (ties per person) only changes when ties do; pass it cached to save a column.
    """
    in_program = people.kind != COMMUNITY
    using = (people.status == USING) | (people.status == LAPSED)
    recovering = in_program & (people.status == RECOVERING)
    # Two single-vector products are faster than one product with two columns.
    using_contacts = adjacency @ using.astype(adjacency.dtype)
    recovery_contacts = adjacency @ recovering.astype(adjacency.dtype)
    if degree is None:
        degree = node_degree(adjacency)
    return SocialExposure(using_contacts, recovery_contacts, degree)


class ContactCounts:
    """Each person's using and recovering contacts, kept current by updating only what changed.

    A day changes the status of a few hundred people; recounting everyone's contacts is a full
    sparse product over every tie. Instead, the counts of the changed people's neighbours move
    by the change (exact: the counts are small whole numbers). Call `reset` when ties change.
    """

    def __init__(self, adjacency: sp.csr_array, people: PopulationState):
        self.reset(adjacency, people)

    def reset(self, adjacency: sp.csr_array, people: PopulationState) -> None:
        self.adjacency = adjacency
        self.degree = node_degree(adjacency)
        self.using, self.recovering = _contact_flags(people)
        self.using_contacts = adjacency @ self.using.astype(adjacency.dtype)
        self.recovery_contacts = adjacency @ self.recovering.astype(adjacency.dtype)

    def exposure(self, people: PopulationState) -> SocialExposure:
        """Today's exposure (the counts are updated for status changes since the last call)."""
        using, recovering = _contact_flags(people)
        for old, new, counts in (
            (self.using, using, self.using_contacts),
            (self.recovering, recovering, self.recovery_contacts),
        ):
            changed = np.flatnonzero(old != new)
            if len(changed):
                delta = new[changed].astype(counts.dtype) - old[changed].astype(counts.dtype)
                # The adjacency is symmetric: row j lists j's neighbours.
                counts += self.adjacency[changed].T @ delta
        self.using, self.recovering = using, recovering
        return SocialExposure(
            self.using_contacts.copy(), self.recovery_contacts.copy(), self.degree
        )


def recovery_tie_count(counts: ContactCounts, people: PopulationState) -> int:
    """Ties between two people in recovery now (each tie counted once)."""
    exposure = counts.exposure(people)
    both = np.sum(exposure.recovery_contacts, where=counts.recovering, dtype=np.float64)
    return round(both / 2)


def _contact_flags(people: PopulationState) -> tuple[np.ndarray, np.ndarray]:
    using = (people.status == USING) | (people.status == LAPSED)
    recovering = (people.kind != COMMUNITY) & (people.status == RECOVERING)
    return using, recovering


def node_degree(adjacency: sp.csr_array) -> np.ndarray:
    """Weighted ties per person."""
    return np.asarray(adjacency.sum(axis=1)).ravel()


def hazard_ratio(exposure: SocialExposure, params: NetworkParams) -> np.ndarray:
    """Friends' influence on the lapse hazard: risk from using contacts, protection from recovery ties."""
    using = np.minimum(exposure.using_contacts, params.max_using_contacts_counted)
    return (1.0 + params.using_contact_risk) ** using * np.exp(
        -params.recovery_tie_protection * exposure.recovery_share
    )
