"""Matching mentees with mentors: by a rule, within caseload caps, evenly, and vectorized.

A rule names the attributes a pair should share (substance, age group, veteran status, cultural
group, or a weighted composite of them). Matching runs in passes from the most to the least
specific set of attributes, ending with a random pass, so nobody waits while a mentor with room
exists. Each pass pairs the i-th seeker with a key with the i-th free slot with that key, in the
order of the day's `matching` draws; a mentor's second slot ranks after every mentor's first, so
caseloads fill evenly. The attributes a pair shares set its starting alliance
(`mentoring.similarity_alliance_gain`, sized in `mentoring_params`).
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.mechanisms import stable_order
from simulation.model.mechanisms.mentoring_params import ATTRIBUTES, MentoringParams
from simulation.model.population import NEVER, RECOVERING, PopulationState

#: Key-packing base: each attribute takes one base-16 digit of the matching key. Every attribute
#: has fewer than 16 categories (cultural groups are capped at 8 by the schema), so keys of
#: different attribute combinations never collide; a code detail, not a behaviour.
KEY_BASE = 16
RULE_ATTRIBUTE = {
    "same_substance": "substance",
    "same_age_group": "age_group",
    "veterans": "veteran",
    "same_cultural_group": "cultural_group",
}


def available_mentors(people: PopulationState, params: MentoringParams) -> np.ndarray:
    """Mentors in recovery with room in their caseload."""
    return (
        people.is_mentor & (people.status == RECOVERING) & (people.caseload < params.caseload_cap)
    )


def matching_passes(params: MentoringParams) -> list[tuple[str, ...]]:
    """Attribute sets to match on, most specific first; the last pass is always random.

    A composite rule matches on every weighted attribute first, then drops the lightest one
    pass by pass, so heavier attributes are kept as long as possible.
    """
    if params.matching == "random":
        return [()]
    if params.matching == "composite":
        ranked = sorted(
            (a for a in ATTRIBUTES if params.composite_weights.get(a, 0) > 0),
            key=lambda a: -params.composite_weights[a],
        )
        return [tuple(ranked[:k]) for k in range(len(ranked), -1, -1)]
    return [(RULE_ATTRIBUTE[params.matching],), ()]


def matching_key(
    people: PopulationState, rows: np.ndarray, attributes: tuple[str, ...]
) -> np.ndarray:
    """One integer per row combining the attributes that mentor and mentee should share."""
    key = np.zeros(len(rows), dtype=np.int64)
    for attribute in attributes:
        key = key * KEY_BASE + getattr(people, attribute)[rows].astype(np.int64)
    return key


def starting_alliance(
    people: PopulationState, mentees: np.ndarray, mentors: np.ndarray, params: MentoringParams
) -> np.ndarray:
    """A new pair's alliance: the base plus a gain for each attribute the two share.

    Veteran status counts as shared only when both are veterans (two non-veterans share
    nothing a veteran program would match on).

    Args:
        people: population state.
        mentees: rows of the mentees.
        mentors: rows of their new mentors.
        params: mentoring parameters (`alliance_base`, `similarity_alliance_gain`).

    Returns:
        The starting alliance of each pair, at most 1.
    """
    gains = params.similarity_alliance_gain
    alliance = np.full(len(mentees), params.alliance_base)
    for attribute in ATTRIBUTES:
        values = getattr(people, attribute)
        shared = values[mentees] == values[mentors]
        if attribute == "veteran":
            shared &= values[mentees].astype(bool)
        alliance += getattr(gains, attribute) * shared
    return np.minimum(alliance, 1.0)


def pair_within_keys(
    seeker_keys: np.ndarray, slot_keys: np.ndarray, seeker_order: np.ndarray, slot_order: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pair seekers with slots that have the same key, in the given priority orders.

    Returns index arrays (into seekers, into slots) of the pairs. The i-th seeker with key k is
    paired with the i-th slot with key k, so each key is filled as far as its slots allow.
    """
    if len(seeker_keys) == 0 or len(slot_keys) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    if len(seeker_keys) > len(slot_keys):
        # Usually many seekers wait for few free slots: rank only those who could match.
        candidates = _possible_seekers(seeker_keys, slot_keys, seeker_order)
        if len(candidates) < len(seeker_keys):
            found_seekers, found_slots = _pair_ranked(
                seeker_keys[candidates], slot_keys, seeker_order[candidates], slot_order
            )
            return candidates[found_seekers], found_slots
    elif len(slot_keys) > len(seeker_keys):
        # Often many free slots wait for few seekers: rank only the slots that could be taken.
        candidates = _possible_slots(seeker_keys, slot_keys, slot_order)
        if len(candidates) < len(slot_keys):
            found_seekers, found_slots = _pair_ranked(
                seeker_keys, slot_keys[candidates], seeker_order, slot_order[candidates]
            )
            return found_seekers, candidates[found_slots]
    return _pair_ranked(seeker_keys, slot_keys, seeker_order, slot_order)


def _possible_seekers(
    seeker_keys: np.ndarray, slot_keys: np.ndarray, seeker_order: np.ndarray
) -> np.ndarray:
    """Seekers who can be paired: their key has a slot; with one key, only the first by order."""
    candidates = np.flatnonzero(np.isin(seeker_keys, slot_keys))
    n_slots = len(slot_keys)
    if len(candidates) > n_slots and (slot_keys == slot_keys[0]).all():
        best = np.argpartition(seeker_order[candidates], n_slots - 1)[:n_slots]
        candidates = np.sort(candidates[best])
    return candidates


def _possible_slots(
    seeker_keys: np.ndarray, slot_keys: np.ndarray, slot_order: np.ndarray
) -> np.ndarray:
    """Slots that can be taken: their key has a seeker; with one key, the first by order.

    Every slot ranked ahead of a kept slot is kept too (ties at the cut-off included), so each
    kept slot's rank within its key, and hence the pairs, are what ranking all slots gives.
    """
    candidates = np.flatnonzero(np.isin(slot_keys, seeker_keys))
    n_seekers = len(seeker_keys)
    if len(candidates) > n_seekers and (slot_keys[candidates] == slot_keys[candidates[0]]).all():
        order = slot_order[candidates]
        cut_off = np.partition(order, n_seekers - 1)[n_seekers - 1]
        candidates = candidates[order <= cut_off]
    return candidates


def _pair_in_order(
    seeker_order: np.ndarray, slot_order: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`pair_within_keys` with one key for all and no fewer slots than seekers, in rank order.

    The i-th seeker by order (ties by position) takes the i-th slot by order (ties by
    position). Only the first slots need ranking: `stable_order.first_by_order` keeps the
    slots that can be among them and radix sorts those alone.
    """
    seekers = stable_order.stable_argsort(seeker_order)
    return seekers, stable_order.first_by_order(slot_order, len(seekers))


def _rank_within_key(keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Each item's position among the items with the same key, by `order`."""
    idx = np.lexsort((order, keys))
    sorted_keys = keys[idx]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_keys)) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[idx] = np.arange(len(keys)) - group_start
    return rank


def _pair_ranked(
    seeker_keys: np.ndarray, slot_keys: np.ndarray, seeker_order: np.ndarray, slot_order: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    if len(seeker_keys) == 0 or len(slot_keys) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    seeker_rank = _rank_within_key(seeker_keys, seeker_order)
    slot_rank = _rank_within_key(slot_keys, slot_order)
    width = int(max(seeker_rank.max(), slot_rank.max())) + 1
    _, seekers, slots = np.intersect1d(
        seeker_keys * width + seeker_rank,
        slot_keys * width + slot_rank,
        assume_unique=True,
        return_indices=True,
    )
    return seekers, slots


def assign_mentors(
    people: PopulationState,
    params: MentoringParams,
    seeking: np.ndarray,
    priority: np.ndarray,
) -> np.ndarray:
    """Match people in `seeking` (a mask) to free mentors.

    Args:
        people: population state (`mentor`, `alliance`, `caseload`, `mentor_changes` change).
        params: mentoring parameters.
        seeking: mask of people looking for a mentor.
        priority: one uniform draw per person (the `matching` stream): it orders seekers and
            breaks ties between mentors, so the same seed gives the same pairs.

    Returns:
        The rows newly matched.
    """
    seekers = _seekers_kernel(np.broadcast_to(seeking, people.mentor.shape), people.mentor)
    return assign_rows(people, params, seekers, priority)


def assign_rows(
    people: PopulationState,
    params: MentoringParams,
    seekers: np.ndarray,
    priority: np.ndarray,
    mentors: np.ndarray | None = None,
) -> np.ndarray:
    """`assign_mentors` for the rows of the seekers (ascending, each without a mentor).

    Args:
        people: population state (`mentor`, `alliance`, `caseload`, `mentor_changes` change).
        params: mentoring parameters.
        seekers: rows of the people looking for a mentor, ascending.
        priority: one uniform draw per person (see `assign_mentors`), read at the seekers' and
            the available mentors' rows only (so `RowDraws`, made for the rows asked for, will
            do).
        mentors: the rows of `np.flatnonzero(people.is_mentor)` (any ascending rows that hold
            them will do), if already found.

    Returns:
        The rows newly matched.
    """
    if len(seekers) == 0:  # nobody to match, no slots to list
        return np.empty(0, dtype=np.int64)
    # Slot j of a mentor ranks after slot j-1 of every mentor: caseloads fill evenly.
    # Arrays (and scalars) broadcast; anything else is read as `priority[rows]` alone (a
    # RowDraws, or waiting_list.QueuePriority with intake).
    if isinstance(priority, np.ndarray | float | int):
        priority = np.broadcast_to(priority, people.mentor.shape)
    mentors = np.flatnonzero(people.is_mentor) if mentors is None else mentors
    passes = matching_passes(params)
    state = (mentors, people.is_mentor, people.status, people.caseload, params.caseload_cap)
    # Random matching with at least as many free mentors as seekers: with draws in [0, 1) the
    # first slots by order (j + draw) are all slots 0, so those alone are listed (the kernel
    # says if it did), kept in the same relative order; other draws list every slot again.
    slot_mentor, slot_rank, first_only = _slots_kernel(
        *state, len(seekers) if passes == [()] else -1
    )
    draws = priority[slot_mentor]
    if first_only and not ((draws >= 0.0) & (draws < 1.0)).all():
        slot_mentor, slot_rank, first_only = _slots_kernel(*state, -1)
        draws = priority[slot_mentor]
    if len(slot_mentor) == 0:  # no available mentor
        return np.empty(0, dtype=np.int64)
    slot_order = _slot_order_kernel(slot_rank, draws)

    if passes == [()] and len(seekers) <= len(slot_mentor):  # random matching, slots enough
        matched_seekers, matched_slots = _pair_in_order(priority[seekers], slot_order)
        return _record_pairs(people, params, seekers[matched_seekers], slot_mentor[matched_slots])
    matched_seekers = np.empty(0, dtype=np.int64)
    matched_slots = np.empty(0, dtype=np.int64)
    seeker_open = np.ones(len(seekers), dtype=bool)
    slot_open = np.ones(len(slot_mentor), dtype=bool)
    for attributes in passes:
        # Each pass matches whoever is left on fewer shared attributes; the last is random.
        seeker_open[matched_seekers] = False
        slot_open[matched_slots] = False
        left_seekers = np.flatnonzero(seeker_open)
        left_slots = np.flatnonzero(slot_open)
        if len(left_seekers) == 0 or len(left_slots) == 0:
            break
        if not attributes and len(left_seekers) <= len(left_slots):  # the usual random pass
            new_seekers, new_slots = _pair_in_order(
                priority[seekers[left_seekers]], slot_order[left_slots]
            )
        else:
            new_seekers, new_slots = pair_within_keys(
                matching_key(people, seekers[left_seekers], attributes),
                matching_key(people, slot_mentor[left_slots], attributes),
                priority[seekers[left_seekers]],
                slot_order[left_slots],
            )
        matched_seekers = np.r_[matched_seekers, left_seekers[new_seekers]]
        matched_slots = np.r_[matched_slots, left_slots[new_slots]]

    return _record_pairs(people, params, seekers[matched_seekers], slot_mentor[matched_slots])


def _record_pairs(
    people: PopulationState, params: MentoringParams, rows: np.ndarray, chosen: np.ndarray
) -> np.ndarray:
    """The new pairs (mentees `rows`, mentors `chosen`) start; returns `rows`."""
    people.mentor[rows] = chosen
    people.alliance[rows] = starting_alliance(people, rows, chosen, params)
    np.add.at(people.caseload, chosen, 1)
    people.mentor_changes[rows] += 1
    return rows


@kernel
def _seekers_kernel(seeking, mentor):
    """`np.flatnonzero(seeking & (mentor == NEVER))`: a count (no branches), then the rows."""
    count = 0
    for i in range(len(mentor)):
        count += seeking[i] & (mentor[i] == NEVER)
    rows = np.empty(count, dtype=np.int64)
    k = 0
    for i in range(len(mentor)):
        if seeking[i] & (mentor[i] == NEVER):
            rows[k] = i
            k += 1
    return rows


@kernel
def _slot_order_kernel(slot_rank, draws):
    """`slot_rank + np.asarray(draws, dtype=np.float64)`, in one pass.

    Slot j of a mentor is ordered j + the mentor's draw, added in float64 (NumPy's promotion).
    """
    order = np.empty(len(slot_rank), dtype=np.float64)
    for i in range(len(slot_rank)):
        order[i] = np.float64(slot_rank[i]) + np.float64(draws[i])
    return order


@kernel
def _slots_kernel(rows, is_mentor, status, caseload, cap, first_for):
    """The free slots of `available_mentors` in `rows` (ascending): each slot's mentor, rank j.

    The same as repeating each available mentor once per free slot, with slot indices 0, 1, ...
    If `first_for` (>= 0) mentors are available, each one's slot 0 alone (and True).
    """
    count = 0
    available = np.empty(len(rows), dtype=np.int64)
    n_available = 0
    for i in rows:  # the mentors' rows (or rows that hold them)
        if is_mentor[i] and status[i] == RECOVERING and caseload[i] < cap:
            count += cap - caseload[i]
            available[n_available] = i
            n_available += 1
    if 0 <= first_for <= n_available:
        return available[:n_available].copy(), np.zeros(n_available, dtype=np.int64), True
    slot_mentor = np.empty(count, dtype=np.int64)
    slot_rank = np.empty(count, dtype=np.int64)
    k = 0
    for a in range(n_available):
        i = available[a]
        for j in range(cap - caseload[i]):
            slot_mentor[k] = i
            slot_rank[k] = j
            k += 1
    return slot_mentor, slot_rank, False
