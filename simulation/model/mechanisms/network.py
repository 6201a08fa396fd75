"""Social exposure: how friends' use and recovery move a person's risk.

The network's parameters live here; the graph is drawn by `network_generation`. Neighbour
counts are sparse matrix-vector products on a CSR adjacency matrix, kept current by changes. Friends who use
add risk (Rosenquist et al. 2010: +18% per heavy-drinking contact); a network rich in people in
recovery protects (Litt et al. 2009, network support).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import scipy.sparse as sp

from simulation.model.compiled import kernel
from simulation.model.population import COMMUNITY, LAPSED, RECOVERING, USING, PopulationState
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
    """What each person sees among their ties at the start of the day."""

    using_contacts: np.ndarray
    recovery_contacts: np.ndarray
    degree: np.ndarray

    @property
    def recovery_share(self) -> np.ndarray:
        """Each person's share of ties who are in recovery (0 for people with no ties)."""
        return np.divide(
            self.recovery_contacts,
            self.degree,
            out=np.zeros_like(self.recovery_contacts),
            where=self.degree > 0,
        )


class ContactCounts:
    """Each person's using and recovering contacts, kept current by updating only what changed.

    A day changes the status of a few hundred people; recounting everyone's contacts is a full
    sparse product over every tie. Instead, the counts of the changed people's neighbours move
    by the change (exact: the counts are small whole numbers), and so does the number of ties
    between two people in recovery. When ties change, `change_ties` moves the counts of the
    two ends of each changed tie; `reset` recounts everything.

    Attributes:
        adjacency: the ties the counts are on.
        degree: each person's (weighted) ties.
        using_contacts: each person's contacts who use (lapsed or relapsed).
        recovery_contacts: each person's contacts in recovery (participants and mentors).
        recovery_ties: ties between two people in recovery (each tie once).
    """

    def __init__(self, adjacency: sp.csr_array, people: PopulationState):
        self.reset(adjacency, people)

    def reset(self, adjacency: sp.csr_array, people: PopulationState) -> None:
        """Count everyone's contacts afresh on new ties."""
        self.adjacency = adjacency
        self.degree = node_degree(adjacency)
        self.using, self.recovering = _contact_flags(people)
        self.using_contacts = adjacency @ self.using.astype(adjacency.dtype)
        self.recovery_contacts = adjacency @ self.recovering.astype(adjacency.dtype)
        both = np.sum(self.recovery_contacts, where=self.recovering, dtype=np.float64)
        self.recovery_ties = round(both / 2)

    def update(self, people: PopulationState) -> None:
        """Bring the counts to the statuses `people` have now (only changed people cost)."""
        using, recovering = _contact_flags(people)
        # Most changes move both flags (a lapse ends recovery and starts use): one pass over
        # the changed people's ties serves both counts.
        changed = np.flatnonzero((self.using != using) | (self.recovering != recovering))
        if len(changed):
            ties = neighbour_entries(self.adjacency, changed)
            before = self.recovery_contacts[changed]
            for old, new, counts in (
                (self.using, using, self.using_contacts),
                (self.recovering, recovering, self.recovery_contacts),
            ):
                delta = _delta(old, new, changed, counts.dtype)
                add_to_neighbours(self.adjacency, ties, delta, counts)
            # With r the recovering flags and A the ties, twice the ties within recovery is
            # r.A.r; a change d of r moves it by d.(A r + A r'), read off the changed rows.
            after = self.recovery_contacts[changed]
            d = _delta(self.recovering, recovering, changed, np.float64)
            self.recovery_ties += round(np.dot(d, before.astype(np.float64) + after) / 2)
        self.using, self.recovering = using, recovering

    def exposure(self, people: PopulationState) -> SocialExposure:
        """Today's exposure (the counts are updated for status changes since the last call)."""
        self.update(people)
        return SocialExposure(
            self.using_contacts.copy(), self.recovery_contacts.copy(), self.degree
        )

    def change_ties(
        self,
        adjacency: sp.csr_array,
        removed: np.ndarray,
        added: np.ndarray,
        people: PopulationState,
    ) -> None:
        """Move onto new ties: `adjacency` is the old one without `removed`, with `added`.

        Both are (k, 2) arrays of ties of weight 1, each tie once; the result equals `reset`
        on the new adjacency (the counts are whole numbers, so exactly).
        """
        self.update(people)
        degree = self.degree.copy()  # an earlier exposure may still hold the old degrees
        counts = (
            (self.using, self.using_contacts),
            (self.recovering, self.recovery_contacts),
            (None, degree),
        )
        for ties, sign in ((removed, -1), (added, 1)):
            if len(ties) == 0:
                continue
            ends = np.concatenate([ties[:, 0], ties[:, 1]])
            others = np.concatenate([ties[:, 1], ties[:, 0]])
            for flags, total in counts:
                step = np.ones(len(ends), total.dtype) if flags is None else flags[others]
                np.add.at(total, ends, sign * step.astype(total.dtype))
            within = self.recovering[ties[:, 0]] & self.recovering[ties[:, 1]]
            self.recovery_ties += sign * int(np.count_nonzero(within))
        self.adjacency, self.degree = adjacency, degree


def recovery_tie_count(counts: ContactCounts, people: PopulationState) -> int:
    """Ties between two people in recovery now (each tie counted once)."""
    counts.update(people)
    return counts.recovery_ties


class NeighbourEntries(NamedTuple):
    """The CSR entries of some rows: where they are, how many per row, their columns."""

    entries: np.ndarray
    lengths: np.ndarray
    columns: np.ndarray


def neighbour_entries(adjacency: sp.csr_array, rows: np.ndarray) -> NeighbourEntries:
    """Positions, per-row counts and column numbers of the stored entries of `rows`."""
    starts = adjacency.indptr[rows]
    lengths = adjacency.indptr[rows + 1] - starts
    entries = row_ranges(starts, lengths)
    return NeighbourEntries(entries, lengths, adjacency.indices[entries])


def add_to_neighbours(
    adjacency: sp.csr_array, ties: NeighbourEntries, values: np.ndarray, out: np.ndarray
) -> None:
    """Add `adjacency[rows].T @ values` to `out` in place, reading only those rows.

    Args:
        adjacency: CSR matrix.
        ties: `neighbour_entries(adjacency, rows)` for distinct row numbers `rows`.
        values: one value per row.
        out: one total per column, added to.
    """
    weighted = adjacency.data[ties.entries] * np.repeat(values, ties.lengths)
    np.add.at(out, ties.columns, weighted.astype(out.dtype, copy=False))


def row_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions start, start + 1, ..., start + length - 1 of each range, end to end."""
    lengths = lengths.astype(np.int64, copy=False)
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(ends[-1] if len(ends) else 0)


def _delta(old: np.ndarray, new: np.ndarray, rows: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return new[rows].astype(dtype) - old[rows].astype(dtype)


def _contact_flags(people: PopulationState) -> tuple[np.ndarray, np.ndarray]:
    using = (people.status == USING) | (people.status == LAPSED)
    recovering = (people.kind != COMMUNITY) & (people.status == RECOVERING)
    return using, recovering


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
