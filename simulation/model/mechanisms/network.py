"""Social exposure: how friends' use and recovery move a person's risk.

The network's parameters live here; the graph is drawn by `network_generation`, and the
neighbour counts are kept current by `contact_counts`. Friends who use
add risk (Rosenquist et al. 2010: +18% per heavy-drinking contact); a network rich in people in
recovery protects (Litt et al. 2009, network support).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import scipy.sparse as sp

from simulation.model.compiled import kernel
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


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-D integer array: what `np.unique` returns, faster.

    NumPy 2's `np.unique` hashes before sorting, which at a million tie keys costs about 20x a
    plain sort followed by dropping repeats.

    Args:
        keys: 1-D integer array.

    Returns:
        Its distinct values in ascending order.
    """
    ordered = np.sort(keys)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def adjacency_from_edges(
    edges: np.ndarray, n: int, weights: np.ndarray | None = None
) -> sp.csr_array:
    """Symmetric CSR adjacency from an (m, 2) edge array (faster than nx.to_scipy_sparse_array).

    Ties given as sorted, distinct (low, high) pairs — the form the model keeps — are laid out
    straight into the matrix in linear time (`symmetric_csr`); any other edge list goes through
    scipy's COO conversion, where a tie given twice adds its weights.

    Args:
        edges: (m, 2) row pairs, each below `n`.
        n: number of people (rows and columns).
        weights: one weight per tie (default 1, as float32: counts stay exact, half the bandwidth).

    Returns:
        The (n, n) adjacency with sorted column indices in every row.
    """
    if weights is None:
        weights = np.ones(len(edges), dtype=np.float32)
    if is_canonical(edges, n):
        return symmetric_csr(edges, n, weights)
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    data = np.concatenate([weights, weights])
    return sp.csr_array((data, (rows, cols)), shape=(n, n))


def index_dtype(n: int, entries: int) -> type[np.signedinteger]:
    """int32 when `n` rows and `entries` stored entries fit (half the memory), else int64."""
    return np.int32 if max(n, entries) < np.iinfo(np.int32).max else np.int64


def is_canonical(edges: np.ndarray, n: int) -> bool:
    """Whether ties are distinct (low, high) pairs with low < high < n, in ascending order."""
    if len(edges) == 0:
        return True
    low, high = edges[:, 0], edges[:, 1]
    if low[0] < 0 or not np.all(low < high) or high.max() >= n:
        return False
    rises = low[1:] > low[:-1]
    return bool(np.all(rises | ((low[1:] == low[:-1]) & (high[1:] > high[:-1]))))


def symmetric_csr(edges: np.ndarray, n: int, weights: np.ndarray) -> sp.csr_array:
    """The symmetric adjacency of canonical ties (see `is_canonical`), built in linear time.

    The ties already are the upper triangle in CSR order; its transpose (scipy's counting sort)
    is the lower triangle, and adding the two merges each row's sorted columns: no sort, about
    a third of the time and two thirds of the memory of the COO conversion at a million people.

    Args:
        edges: canonical (m, 2) ties.
        n: number of people.
        weights: one non-zero weight per tie.

    Returns:
        What scipy's COO conversion gives for both directions of every tie, with int32 indices
        where they fit.
    """
    idx = index_dtype(n, 2 * len(edges))
    upper_ptr = np.zeros(n + 1, dtype=idx)
    np.cumsum(np.bincount(edges[:, 0], minlength=n), out=upper_ptr[1:])
    upper = sp.csr_array((weights, edges[:, 1].astype(idx), upper_ptr), shape=(n, n))
    return upper + upper.T


@dataclass
class SocialExposure:
    """What each person sees among their ties at the start of the day (read, not changed)."""

    using_contacts: np.ndarray
    recovery_contacts: np.ndarray
    degree: np.ndarray

    @cached_property
    def recovery_share(self) -> np.ndarray:
        """Each person's share of ties who are in recovery (0 for people with no ties).

        Worked out once, in one compiled pass, and read-only: the lapse hazard and isolation
        both read it.
        """
        contacts = self.recovery_contacts
        share = np.zeros_like(contacts)
        _share(contacts, np.broadcast_to(self.degree, contacts.shape), share)
        share.flags.writeable = False
        return share


@kernel
def _share(contacts, degree, out):  # pragma: no cover - compiled
    # np.divide(contacts, degree, out=out, where=degree > 0), in the dtypes NumPy uses.
    for i in range(len(out)):
        if degree[i] > 0:
            out[i] = contacts[i] / degree[i]


def node_degree(adjacency: sp.csr_array) -> np.ndarray:
    """Weighted ties per person."""
    return np.asarray(adjacency.sum(axis=1)).ravel()


def hazard_ratio(
    exposure: SocialExposure, params: NetworkParams, rows: np.ndarray | None = None
) -> np.ndarray:
    """Friends' influence on the lapse hazard: risk from using contacts, protection from recovery ties.

    `(1 + using_contact_risk) ** min(using, max_counted) * exp(-protection * recovery share)`
    for every row, or for `rows` alone (in that order): then the power of a whole count comes
    from a table NumPy works out once, the exponent from one compiled pass, the exp from NumPy.
    """
    using, counts, degree = exposure.using_contacts, exposure.recovery_contacts, exposure.degree
    if rows is None or counts.dtype != degree.dtype:  # the share divides in the counts' dtype
        using = np.minimum(using, params.max_using_contacts_counted)
        ratio = (1.0 + params.using_contact_risk) ** using * np.exp(
            -params.recovery_tie_protection * exposure.recovery_share
        )
        return ratio if rows is None else ratio[rows]
    most = np.minimum(using[:0], params.max_using_contacts_counted).dtype.type(
        params.max_using_contacts_counted
    )
    powers = (1.0 + params.using_contact_risk) ** np.arange(int(most) + 1, dtype=most.dtype)
    minus_effect = (-params.recovery_tie_protection * counts[:0]).dtype.type(
        -params.recovery_tie_protection
    )
    power, exponent = np.empty(len(rows), powers.dtype), np.empty(len(rows), counts.dtype)
    zero = counts.dtype.type(0)
    if _exposure_terms(
        rows, using, counts, degree, most, powers, minus_effect, zero, power, exponent
    ):
        odd = np.flatnonzero(np.isnan(power))  # counts that are not whole (ties of other weights)
        counted = np.minimum(using[rows[odd]], params.max_using_contacts_counted)
        power[odd] = (1.0 + params.using_contact_risk) ** counted
    return np.multiply(power, np.exp(exponent, out=exponent), out=exponent)


@kernel
def _exposure_terms(rows, using, counts, degree, most, powers, minus_effect, zero, power, exponent):
    # The table's power of each row's counted users (NaN where the count is not one of its
    # whole numbers; their number is returned), and -protection * (recovery contacts / degree,
    # 0 without ties), as `recovery_share` divides them.
    missed = 0
    for j in range(len(rows)):
        i = rows[j]
        counted = min(using[i], most)
        k = int(counted) if counted >= 0 and counted <= most else -1
        whole = k >= 0 and counted == k
        power[j] = powers[k] if whole else np.nan
        missed += not whole
        exponent[j] = minus_effect * (counts[i] / degree[i] if degree[i] > 0 else zero)
    return missed
