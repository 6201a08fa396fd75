"""Network upkeep: the weekly reconstruction of ties and what must be rebuilt after it.

A week changes a few thousand of the ties, so nothing is rebuilt from scratch: the CSR adjacency
is spliced (`adjacency_splice`: the changed ties found by binary search, the rest copied with no
sort), and the contact counts move for the ends of the changed ties only. The sorted edge list
is read off the adjacency only when someone asks for `model.edges`. The result is exactly what
sorting all ties and building the adjacency afresh gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from simulation.model.adjacency_splice import row_positions, spliced_adjacency
from simulation.model.compiled import kernel
from simulation.model.mechanisms import tie_dynamics

if TYPE_CHECKING:
    from simulation.model.model import RecoveryCommunityModel


def reconstruct_network(model: RecoveryCommunityModel) -> None:
    """Weekly: ties to people using fade; introductions and the week's meeting ties join."""
    people, p = model.people, model.scenario
    new = model._pending_ties
    model._pending_ties = []
    dropped = np.empty((0, 2), dtype=np.int64)
    if p.tie_dynamics.enabled:
        new.append(
            tie_dynamics.mentor_introductions(
                model.adjacency,
                people,
                p.tie_dynamics,
                model.draws("introductions", participants_only=True),
                # Read at the week's introduced mentees only: made for them alone.
                model.row_draws("introduction_picks", participants_only=True),
            )
        )
        dropped = tie_dynamics.ties_to_dissolve_in(
            model.adjacency, people, p.tie_dynamics, salt=model.seed * 1_000_003 + model.day
        )
    if new or p.tie_dynamics.enabled:
        change_tie_pairs(model, dropped, np.concatenate(new) if new else np.empty((0, 2), np.int64))


def add_ties(model: RecoveryCommunityModel, new: np.ndarray) -> None:
    """Add ties and update what depends on them (adjacency, contact counts, graph version)."""
    change_tie_pairs(model, np.empty((0, 2), dtype=np.int64), new)


def change_ties(model: RecoveryCommunityModel, dropped: np.ndarray, new: np.ndarray) -> None:
    """Drop the ties at positions `dropped` of `model.edges`, add `new` row pairs.

    Args:
        model: the model (its `adjacency`, `contacts` and `network_version` change).
        dropped: ascending positions in `model.edges`.
        new: (k, 2) row pairs in either order; self-ties and ties that exist are ignored.
    """
    change_tie_pairs(model, model.edges[np.asarray(dropped, dtype=np.int64)], new)


def change_tie_pairs(model: RecoveryCommunityModel, removed: np.ndarray, new: np.ndarray) -> None:
    """Drop the ties `removed`, add `new` row pairs; a tie both dropped and formed stays.

    The adjacency is spliced and the contact counts move; the edge list is rebuilt from the
    adjacency only when someone asks for `model.edges` (`current_edges`), so a week does not
    copy every tie twice.

    Args:
        model: the model (its `adjacency`, `contacts` and `network_version` change).
        removed: (k, 2) ties present in the network as (low, high) pairs, each once.
        new: (k, 2) row pairs in either order; self-ties and ties that exist are ignored.
    """
    n, adjacency = model.people.size, model.adjacency
    pairs = tie_dynamics.tie_pairs(new, n) if len(new) else np.empty((0, 2), dtype=np.int64)
    exists = tie_exists(adjacency, pairs)
    removed = np.asarray(removed, dtype=np.int64).reshape(-1, 2)
    if len(removed) and exists.any():
        formed = pairs[exists]
        again = np.isin(removed[:, 0] * n + removed[:, 1], formed[:, 0] * n + formed[:, 1])
        removed = removed[~again]
    added = pairs[~exists]
    model.adjacency = spliced_adjacency(adjacency, removed, added)
    del adjacency  # the old ties go before anything else is made (peak memory at 1M people)
    model.contacts.change_ties(model.adjacency, removed, added, model.people)
    model.network_version += 1
    model._edges = None  # stale: rebuilt when asked for


def current_edges(model: RecoveryCommunityModel) -> np.ndarray:
    """`model.edges`: the ties as sorted (low, high) pairs, rebuilt from the adjacency if stale."""
    if model._edges_version != model.network_version:
        model._edges = edges_from_adjacency(model.adjacency)
        model._edges_version = model.network_version
    return model._edges


def edges_from_adjacency(adjacency: sp.csr_array) -> np.ndarray:
    """The ties of a symmetric CSR adjacency with sorted rows as sorted (low, high) int64 pairs.

    The upper triangle read row by row: exactly the canonical edge list the adjacency was built
    from (`network.is_canonical`).
    """
    indptr, indices = adjacency.indptr, adjacency.indices
    out = np.empty((_upper_count(indptr, indices), 2), dtype=np.int64)
    _upper_ties(indptr, indices, out)
    return out


def tie_exists(adjacency: sp.csr_array, pairs: np.ndarray) -> np.ndarray:
    """Whether each (low, high) pair is a tie of the adjacency (rows sorted)."""
    if len(pairs) == 0:
        return np.zeros(0, dtype=bool)
    at = row_positions(adjacency, pairs[:, 0], pairs[:, 1])
    inside = at < adjacency.indptr[pairs[:, 0] + 1]
    found = np.zeros(len(pairs), dtype=bool)
    found[inside] = adjacency.indices[at[inside]] == pairs[inside, 1]
    return found


@kernel
def _upper_count(indptr, indices):  # pragma: no cover - compiled
    count = 0
    for i in range(len(indptr) - 1):
        for e in range(indptr[i], indptr[i + 1]):
            count += indices[e] > i
    return count


@kernel
def _upper_ties(indptr, indices, out):  # pragma: no cover - compiled
    t = 0
    for i in range(len(indptr) - 1):
        for e in range(indptr[i], indptr[i + 1]):
            if indices[e] > i:
                out[t, 0] = i
                out[t, 1] = indices[e]
                t += 1


def edge_positions(edges: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Where each (low, high) pair is or would go in sorted `edges`: the first edge not below it."""
    out = np.empty(len(pairs), dtype=np.int64)
    _edge_lower_bound(edges, np.ascontiguousarray(pairs).reshape(-1, 2), out)
    return out


@kernel
def _edge_lower_bound(edges, pairs, out):  # pragma: no cover - compiled
    # A binary search per pair (as np.searchsorted on the tie keys low * n + high).
    for p in range(pairs.shape[0]):
        low, high = pairs[p, 0], pairs[p, 1]
        lo, hi = 0, edges.shape[0]
        while lo < hi:
            mid = (lo + hi) >> 1
            if edges[mid, 0] < low or (edges[mid, 0] == low and edges[mid, 1] < high):
                lo = mid + 1
            else:
                hi = mid
        out[p] = lo
