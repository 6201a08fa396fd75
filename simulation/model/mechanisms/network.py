"""Social exposure: how friends' use and recovery move a person's risk.

The network's parameters live here; the graph is drawn by `network_generation`. Neighbour
counts are sparse matrix-vector products on a CSR adjacency matrix, kept current by changes. Friends who use
add risk (Rosenquist et al. 2010: +18% per heavy-drinking contact); a network rich in people in
recovery protects (Litt et al. 2009, network support).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

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
    """Symmetric CSR adjacency from an (m, 2) edge array (faster than nx.to_scipy_sparse_array)."""
    if weights is None:
        weights = np.ones(len(edges), dtype=np.float32)  # counts stay exact; half the bandwidth
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    data = np.concatenate([weights, weights])
    return sp.csr_array((data, (rows, cols)), shape=(n, n))


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
    by the change (exact: the counts are small whole numbers). Call `reset` when ties change.
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
