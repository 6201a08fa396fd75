"""The network reconstructs itself: ties to people who use fade, recovery ties form.

Once a week, a participant in recovery drops each tie to someone using with a probability (the
"reconstruction of social dynamics" the source describes; Litt et al. 2009, 2015: network support
raised the share of non-drinkers in the network). New recovery ties come from meetings (see
`meetings.new_ties`) and from mentors introducing mentees to people in recovery they know
(triadic closure).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from simulation.model.compiled import kernel
from simulation.model.mechanisms.network import sorted_unique
from simulation.model.population import (
    LAPSED,
    MENTOR,
    NEVER,
    PARTICIPANT,
    RECOVERING,
    USING,
    PopulationState,
)
from simulation.model.random_streams import keyed_uniform_at, salt_word
from simulation.scenario.parameters import Section, parameter


class TieDynamicsParams(Section):
    """How ties change."""

    enabled: bool = parameter(
        True,
        unit="switch",
        source="scenario design",
        description="whether ties change over time",
    )
    using_tie_dissolution_per_week: float = parameter(
        0.02,
        unit="probability per week",
        source="assumption; Litt et al. 2015 (networks change slowly)",
        description="weekly chance that a person in recovery drops a tie to someone using",
        ge=0.0,
        le=1.0,
    )
    mentor_introduction_per_week: float = parameter(
        0.05,
        unit="probability per week",
        source="assumption (triadic closure through the mentor)",
        description="weekly chance a mentee is introduced to someone in recovery the mentor knows",
        ge=0.0,
        le=1.0,
    )
    recovery_contagion: float = parameter(
        0.15,
        unit="rate increase per recovery contact",
        source="assumption; Rosenquist et al. 2010 (spread along ties)",
        description="relative increase in the pace of a relapse episode per contact in recovery",
        ge=0.0,
        le=5.0,
    )


def recovery_contagion_ratio(
    recovery_contacts: np.ndarray, params: TieDynamicsParams
) -> np.ndarray | float:
    """How much faster a relapse episode runs its course with friends in recovery.

    Args:
        recovery_contacts: each person's contacts in recovery today.
        params: the tie-dynamics section (no contagion when ties do not change).

    Returns:
        A rate ratio per person (1 = no friends in recovery).
    """
    if not params.enabled:
        return 1.0
    return 1.0 + params.recovery_contagion * recovery_contacts


#: Bits a row number may use in a packed tie key: (a << 32) | b is unique for any pair of rows
#: below 2**32 (populations are at most a few million people).
ROW_BITS = 32


def dissolve_using_ties(
    edges: np.ndarray, people: PopulationState, params: TieDynamicsParams, salt: int
) -> np.ndarray:
    """Edges kept after people in recovery drop some ties to people using (see `ties_to_dissolve`)."""
    dropped = ties_to_dissolve(edges, people, params, salt)
    if len(dropped) == 0:
        return edges
    return np.delete(edges, dropped, axis=0)


def ties_to_dissolve(
    edges: np.ndarray, people: PopulationState, params: TieDynamicsParams, salt: int
) -> np.ndarray:
    """Positions in `edges` (ascending) of the ties people in recovery drop this week.

    Each tie between someone in recovery and someone using gets one draw keyed by the tie
    itself and `salt` (the run's seed and the week), so a tie's fate does not depend on which
    other ties exist — common random numbers across designs.
    """
    if len(edges) == 0:
        return np.empty(0, dtype=np.int64)
    # One small code per person: a tie is mixed when its two ends' codes add up to MIXED_TIE.
    side = np.empty(people.size, dtype=np.int8)
    _sides(people.status, people.kind, side)
    dropped = np.empty(len(edges), dtype=np.int64)
    k = _dissolved(
        np.ascontiguousarray(edges, dtype=np.int64),
        side,
        salt_word(salt),
        float(params.using_tie_dissolution_per_week),
        dropped,
    )
    return dropped[:k]


def ties_to_dissolve_in(
    adjacency: sp.csr_array, people: PopulationState, params: TieDynamicsParams, salt: int
) -> np.ndarray:
    """`ties_to_dissolve` read off the adjacency: the dropped ties as (low, high) pairs.

    The same ties, with the same draws (keyed by the row pair), in the same ascending order as
    `edges[ties_to_dissolve(edges, ...)]` for the adjacency's canonical edge list. Each mixed
    tie is met once, from its end that uses: at a million people a fifth of the rows use and
    three fifths are in recovery, so this reads a third of the entries the other end would.
    """
    side = np.empty(people.size, dtype=np.int8)
    _sides(people.status, people.kind, side)
    keys = _dissolved_from_using(
        adjacency.indptr,
        adjacency.indices,
        side,
        salt_word(salt),
        float(params.using_tie_dissolution_per_week),
    )
    keys.sort()
    out = np.empty((len(keys), 2), dtype=np.int64)
    np.right_shift(keys, ROW_BITS, out=out[:, 0])
    np.bitwise_and(keys, (1 << ROW_BITS) - 1, out=out[:, 1])
    return out


#: How many mixed ties `_dissolved_from_using` gathers before drawing for them: a block that
#: stays in the first-level cache (32 KB of keys), so its two branch-free passes stay cheap.
MIXED_BLOCK = 4096


@kernel
def _dissolved_from_using(indptr, indices, side, salt, probability):  # pragma: no cover
    # The keys (low << ROW_BITS) | high of the mixed ties whose keyed draw falls below
    # `probability`, unsorted. A mixed tie has one end USING_SIDE and one IN_RECOVERY_SIDE
    # (the two exclude each other), so walking the rows that use meets each one exactly once.
    # Without branches on the data (every entry writes at place k, kept when the other end
    # is in recovery): a block of mixed ties, then `_keep_dropped` draws for them.
    block = np.empty(MIXED_BLOCK, dtype=np.int64)
    out = np.empty(MIXED_BLOCK, dtype=np.int64)
    k = m = 0
    for a in range(len(indptr) - 1):
        if side[a] != USING_SIDE:
            continue
        row = np.int64(a)
        for e in range(indptr[a], indptr[a + 1]):
            b = np.int64(indices[e])
            block[k] = (min(row, b) << ROW_BITS) | max(row, b)
            k += side[b] == IN_RECOVERY_SIDE
            if k == MIXED_BLOCK:
                out, m = _keep_dropped(block, k, out, m, salt, probability)
                k = 0
    out, m = _keep_dropped(block, k, out, m, salt, probability)
    return out[:m]


@kernel
def _keep_dropped(block, k, out, m, salt, probability):  # pragma: no cover - compiled
    # Appends to out[:m] the first k keys of `block` whose draw falls below `probability`
    # (without branches: each key writes at place m); returns the buffer (doubled when it
    # might not hold them all) and the new count.
    if len(out) - m < k:
        grown = np.empty(max(2 * len(out), m + k), dtype=np.int64)
        grown[:m] = out[:m]
        out = grown
    for j in range(k):
        key = block[j]
        out[m] = key
        m += keyed_uniform_at(key, salt) < probability
    return out, m


@kernel
def _sides(status, kind, side):  # pragma: no cover - compiled
    # IN_RECOVERY_SIDE for participants and mentors in recovery, USING_SIDE for anyone using or
    # lapsed, 0 for everyone else.
    for i in range(len(status)):
        s = status[i]
        in_recovery = ((kind[i] == PARTICIPANT) | (kind[i] == MENTOR)) & (s == RECOVERING)
        using = (s == USING) | (s == LAPSED)
        side[i] = USING_SIDE if using else (IN_RECOVERY_SIDE if in_recovery else 0)


@kernel
def _dissolved(edges, side, salt, probability, out):  # pragma: no cover - compiled
    # The mixed ties (their two ends' codes add up to MIXED_TIE) whose draw, keyed by the row
    # pair (a << ROW_BITS) | b — the same in every design — falls below `probability`; their
    # positions go to `out` (ascending) and their count is returned. Two passes written
    # without branches (every tie writes at place k): the mixed ties, then those dropped.
    k = 0
    for t in range(edges.shape[0]):
        out[k] = t
        k += side[edges[t, 0]] + side[edges[t, 1]] == MIXED_TIE
    m = 0
    for j in range(k):
        t = out[j]
        out[m] = t
        m += keyed_uniform_at((edges[t, 0] << ROW_BITS) | edges[t, 1], salt) < probability
    return m


#: `ties_to_dissolve`'s codes for a person in recovery and a person using (anyone else: 0);
#: only a tie between one of each adds up to MIXED_TIE (the two states exclude each other).
IN_RECOVERY_SIDE, USING_SIDE = 1, 2
MIXED_TIE = IN_RECOVERY_SIDE + USING_SIDE


def mentor_introductions(
    adjacency: sp.csr_array,
    people: PopulationState,
    params: TieDynamicsParams,
    draws: np.ndarray,
    picks: np.ndarray,
) -> np.ndarray:
    """New (mentee, contact) ties: a mentor's contacts in recovery, introduced to a mentee.

    `draws` (who is introduced this week) and `picks` (which of the mentor's contacts) hold one
    uniform per person; `picks` is read at the introduced mentees only (so `RowDraws`, which
    makes the draws of the rows asked for, will do).

    Reads each mentor's contacts straight from the CSR rows (already grouped by person), so the
    weekly cost grows with the number of introductions, not the number of ties.
    """
    mentees = np.flatnonzero(
        (people.mentor != NEVER) & (draws < params.mentor_introduction_per_week)
    )
    if len(mentees) == 0:
        return np.empty((0, 2), dtype=np.int64)
    mentors = people.mentor[mentees]
    starts, ends = adjacency.indptr[mentors], adjacency.indptr[mentors + 1]
    has_contacts = ends > starts
    mentees, starts, ends = mentees[has_contacts], starts[has_contacts], ends[has_contacts]
    offset = (picks[mentees] * (ends - starts)).astype(np.int64)
    contacts = adjacency.indices[starts + offset]
    ok = (contacts != mentees) & (people.status[contacts] == RECOVERING)
    return np.column_stack([mentees[ok], contacts[ok]]).astype(np.int64)


def add_ties(edges: np.ndarray, new: np.ndarray, n: int) -> np.ndarray:
    """Edges with new ties added (duplicates and self-ties dropped), as (low, high) pairs."""
    if len(new) == 0:
        return edges
    old_keys = np.minimum(edges[:, 0], edges[:, 1]) * n + np.maximum(edges[:, 0], edges[:, 1])
    new_keys = tie_keys(new, n)
    if len(old_keys) and np.all(old_keys[1:] > old_keys[:-1]):
        # Already sorted and unique (every call after the first): insert the new keys in place,
        # O(ties) instead of re-sorting all ties; the result is what np.unique would give.
        pos = np.searchsorted(old_keys, new_keys)
        fresh = old_keys[np.minimum(pos, len(old_keys) - 1)] != new_keys
        fresh |= pos == len(old_keys)
        keys = np.insert(old_keys, pos[fresh], new_keys[fresh])
    else:
        keys = sorted_unique(np.concatenate([old_keys, new_keys]))
    return np.column_stack([keys // n, keys % n])


def tie_pairs(new: np.ndarray, n: int) -> np.ndarray:
    """New ties as sorted, distinct (low, high) pairs without self-ties (rows below `n`)."""
    keys = tie_keys(new, n)
    return np.column_stack([keys // n, keys % n])


def tie_keys(new: np.ndarray, n: int) -> np.ndarray:
    """Sorted distinct keys low * n + high of ties given as row pairs in either order."""
    low = np.minimum(new[:, 0], new[:, 1]).astype(np.int64)
    high = np.maximum(new[:, 0], new[:, 1]).astype(np.int64)
    distinct = low != high
    return sorted_unique(low[distinct] * n + high[distinct])
