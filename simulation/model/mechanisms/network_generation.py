"""Network generation: who knows whom at the start of a run.

Graphs come from networkx generators or a vectorized stochastic block model, seeded from the
model's `network` streams; mentors' ties are drawn from a stream of their own so that adding
mentors never redraws anyone else's ties (common random numbers).
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from simulation.model.mechanisms.network import NetworkParams
from simulation.model.random_streams import RandomStreams


def population_edges(
    params: NetworkParams,
    cultural_group: np.ndarray,
    is_mentor: np.ndarray,
    streams: RandomStreams,
) -> np.ndarray:
    """Everyone's ties, from separate random streams.

    The base network among participants and community members, then each mentor's ties into it
    (mentors are the last rows).
    """
    mentor_rows = np.flatnonzero(is_mentor)
    n_others = len(cultural_group) - len(mentor_rows)
    base = build_edges(params, cultural_group[:n_others], streams.seed_for("network"))
    mentors = mentor_edges(mentor_rows, n_others, params, streams.seed_for("network/mentors"))
    return merged_edges(base, canonical_edges(mentors))


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


def canonical_edges(edges: np.ndarray) -> np.ndarray:
    """Ties as sorted, unique (low, high) pairs without self-ties: the form tie updates keep.

    Worked on one int64 key per tie (low * n + high), in place where it can be: at a million
    people the ties take ~90 MB, and each extra copy of them counts towards peak memory.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    n = int(edges.max()) + 1 if len(edges) else 1
    a, b = edges[:, 0], edges[:, 1]
    keys = np.minimum(a, b)
    keys *= n
    keys += np.maximum(a, b)
    self_ties = a == b
    if self_ties.any():
        keys = keys[~self_ties]
    del self_ties
    keys.sort()
    return _pairs(_drop_repeats(keys), n)


def merged_edges(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The canonical union of two canonical edge arrays, without sorting them all again."""
    if len(second) == 0 or len(first) == 0:
        return first if len(second) == 0 else second
    n = int(max(first[:, 1].max(), second[:, 1].max())) + 1
    first_keys, second_keys = _keys(first, n), _keys(second, n)
    at = np.searchsorted(first_keys, second_keys)
    fresh = (at == len(first_keys)) | (
        first_keys[np.minimum(at, len(first_keys) - 1)] != second_keys
    )
    keys = np.insert(first_keys, at[fresh], second_keys[fresh])
    del first_keys
    return _pairs(keys, n)


def _keys(edges: np.ndarray, n: int) -> np.ndarray:
    keys = edges[:, 0] * n
    keys += edges[:, 1]
    return keys


def _drop_repeats(ordered: np.ndarray) -> np.ndarray:
    """A sorted array without its repeated values (what `sorted_unique` does after sorting)."""
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered if keep.all() else ordered[keep]


def _pairs(keys: np.ndarray, n: int) -> np.ndarray:
    """(low, high) pairs of keys low * n + high, written straight into one (k, 2) array."""
    pairs = np.empty((len(keys), 2), dtype=np.int64)
    np.floor_divide(keys, n, out=pairs[:, 0])
    np.remainder(keys, n, out=pairs[:, 1])
    return pairs
