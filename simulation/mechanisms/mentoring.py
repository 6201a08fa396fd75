"""Peer mentors: who is matched with whom, contact, and what contact does.

Mentors are people in longer recovery (at least `eligibility_days_abstinent`). Each day, people
without a mentor are matched to mentors with room in their caseload, by the scenario's matching
rule; caseloads fill evenly. A contact tops up the mentee's `support` (which then fades with a
half-life); support lowers the lapse hazard and a matched mentee's lapse is answered quickly, so
it escalates less often. A mentor who relapses, dies or leaves frees their mentees, who are
rematched on a later day.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from simulation.params import Section, parameter
from simulation.population import DECEASED, NEVER, PARTICIPANT, RECOVERING, USING, PopulationState
from simulation.units import per_day, rate_to_probability

MatchingRule = Literal[
    "random", "same_substance", "same_age_group", "veterans", "same_cultural_group", "composite"
]
ATTRIBUTES = ("substance", "age_group", "veteran", "cultural_group")
RULE_ATTRIBUTE = {
    "same_substance": "substance",
    "same_age_group": "age_group",
    "veterans": "veteran",
    "same_cultural_group": "cultural_group",
}


class MentoringParams(Section):
    """Peer mentors: how many, how many mentees each, how they are matched, what contact does."""

    enabled: bool = parameter(
        False,
        unit="switch",
        source="scenario design",
        description="whether the program provides peer mentors",
    )
    mentors_per_100_participants: float = parameter(
        20.0,
        unit="mentors per 100 participants",
        source="Tracy et al. MAP pilot (about 1 mentor : 3 mentees); assumption",
        description="size of the mentor pool",
        ge=0.0,
        le=200.0,
    )
    caseload_cap: int = parameter(
        5,
        unit="mentees",
        source="assumption (MAP pilot: 3; peer-worker caseloads 5-15)",
        description="most mentees one mentor takes on",
        ge=1,
        le=100,
    )
    matching: MatchingRule = parameter(
        "random",
        unit="choice",
        source="scenario design",
        description="how mentees are paired with mentors; unmatched people fall back to any free mentor",
    )
    contacts_per_week: float = parameter(
        1.0,
        unit="contacts per week",
        source="scenario design (community programs: weekly)",
        description="planned mentor contacts per mentee",
        ge=0.0,
        le=14.0,
    )
    support_half_life_days: float = parameter(
        7.0,
        unit="days",
        source="assumption",
        description="how fast the protective effect of a contact fades",
        gt=0.0,
        le=365.0,
    )
    support_effect: float = parameter(
        0.19,
        unit="log hazard ratio",
        source="fitted by recovery-sim calibrate to Bernstein et al. 2005 (adjusted OR ~1.5)",
        description="lapse hazard reduction at full support (a contact today)",
        ge=0.0,
        le=5.0,
    )
    rapid_response_effect: float = parameter(
        0.13,
        unit="share",
        source="fitted by recovery-sim calibrate with support_effect (assumed channel of the same anchor)",
        description="reduction in the chance that a mentee's lapse escalates to relapse",
        ge=0.0,
        le=1.0,
    )
    self_efficacy_gain_per_contact: float = parameter(
        0.0085,
        unit="0-1 score per contact",
        source="fitted by recovery-sim calibrate with support_effect (assumed channel of the same anchor)",
        description="self-efficacy gained from one mentor contact (toward 1)",
        ge=0.0,
        le=1.0,
    )
    eligibility_days_abstinent: int = parameter(
        180,
        unit="days",
        source="Tracy et al. MAP pilot (>= 6 months abstinent)",
        description="shortest abstinence a mentor has when the program starts",
        ge=0,
        le=20_000,
    )
    composite_weights: dict[str, float] = parameter(
        {"substance": 1.0, "age_group": 0.5, "veteran": 0.5, "cultural_group": 1.0},
        unit="weights",
        source="assumption",
        description="composite matching: weight of each shared attribute (substance, age_group, veteran, cultural_group)",
    )
    mentor_cultural_group_shares: list[float] | None = parameter(
        None,
        unit="shares",
        source="scenario design (diversity of the mentor pool)",
        description="cultural-group mix of mentors; null = same as participants",
    )
    alliance_base: float = parameter(
        0.5,
        unit="0-1 alliance",
        source="assumption",
        description="alliance of a pair sharing no attribute; a full match reaches 1",
        ge=0.0,
        le=1.0,
    )
    match_failure_rate_per_year: float = parameter(
        1.0,
        unit="per year at zero alliance",
        source="assumption",
        description="rate at which weak pairs break up (lower with a strong alliance)",
        ge=0.0,
        le=52.0,
    )
    attrition_rate_per_year: float = parameter(
        0.25,
        unit="per year",
        source="assumption (peer-worker turnover)",
        description="rate at which mentors leave the role for reasons other than relapse",
        ge=0.0,
        le=52.0,
    )

    def mentor_count(self, participants: int) -> int:
        if not self.enabled:
            return 0
        return round(participants * self.mentors_per_100_participants / 100.0)


def available_mentors(people: PopulationState, params: MentoringParams) -> np.ndarray:
    """Mentors in recovery with room in their caseload."""
    return (
        people.is_mentor & (people.status == RECOVERING) & (people.caseload < params.caseload_cap)
    )


def release_mentees(people: PopulationState) -> np.ndarray:
    """Mentors who relapsed, died or left the role free their mentees; returns who was freed."""
    has_mentor = people.mentor != NEVER
    mentor = np.where(has_mentor, people.mentor, 0)
    mentor_status = people.status[mentor]
    gone = has_mentor & (
        ~people.is_mentor[mentor]
        | (mentor_status == USING)
        | (mentor_status == DECEASED)
        | (people.status == DECEASED)
    )
    freed = np.flatnonzero(gone)
    end_pairs(people, freed)
    return freed


def mentors_leave(
    people: PopulationState,
    params: MentoringParams,
    draws: np.ndarray,
    rate_multiplier: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Mentors leave the role at the attrition rate (raised by burnout), or when they relapse or die."""
    p_leave = rate_to_probability(per_day(params.attrition_rate_per_year, "year") * rate_multiplier)
    leaving = people.is_mentor & (
        (draws < p_leave) | (people.status == USING) | (people.status == DECEASED)
    )
    people.is_mentor[leaving] = False
    return leaving


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
        key = key * 16 + getattr(people, attribute)[rows].astype(np.int64)
    return key


def match_quality(
    people: PopulationState, mentees: np.ndarray, mentors: np.ndarray, params: MentoringParams
) -> np.ndarray:
    """Weighted share of attributes a mentee shares with their mentor (0-1)."""
    weights = params.composite_weights
    total = sum(weights.values()) or 1.0
    shared = sum(
        weights.get(a, 0.0) * (getattr(people, a)[mentees] == getattr(people, a)[mentors])
        for a in ATTRIBUTES
    )
    return np.asarray(shared, dtype=float) / total


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
    """Match people in `seeking` (a mask) to free mentors; returns the rows newly matched.

    `priority` is one uniform draw per person (the `matching` stream): it orders seekers and
    breaks ties between mentors, so the same seed gives the same pairs.
    """
    mentors = np.flatnonzero(available_mentors(people, params))
    seekers = np.flatnonzero(seeking & (people.mentor == NEVER))
    if len(mentors) == 0 or len(seekers) == 0:
        return np.empty(0, dtype=np.int64)
    spare = params.caseload_cap - people.caseload[mentors]
    slot_mentor = np.repeat(mentors, spare)
    # Slot j of a mentor ranks after slot j-1 of every mentor: caseloads fill evenly.
    slot_index = np.arange(len(slot_mentor)) - np.repeat(np.cumsum(spare) - spare, spare)
    slot_order = slot_index + priority[slot_mentor]

    matched_seekers = np.empty(0, dtype=np.int64)
    matched_slots = np.empty(0, dtype=np.int64)
    seeker_open = np.ones(len(seekers), dtype=bool)
    slot_open = np.ones(len(slot_mentor), dtype=bool)
    for attributes in matching_passes(params):
        # Each pass matches whoever is left on fewer shared attributes; the last is random.
        seeker_open[matched_seekers] = False
        slot_open[matched_slots] = False
        left_seekers = np.flatnonzero(seeker_open)
        left_slots = np.flatnonzero(slot_open)
        if len(left_seekers) == 0 or len(left_slots) == 0:
            break
        new_seekers, new_slots = pair_within_keys(
            matching_key(people, seekers[left_seekers], attributes),
            matching_key(people, slot_mentor[left_slots], attributes),
            priority[seekers[left_seekers]],
            slot_order[left_slots],
        )
        matched_seekers = np.r_[matched_seekers, left_seekers[new_seekers]]
        matched_slots = np.r_[matched_slots, left_slots[new_slots]]

    rows = seekers[matched_seekers]
    chosen = slot_mentor[matched_slots]
    people.mentor[rows] = chosen
    people.alliance[rows] = params.alliance_base + (1.0 - params.alliance_base) * match_quality(
        people, rows, chosen, params
    )
    np.add.at(people.caseload, chosen, 1)
    people.mentor_changes[rows] += 1
    return rows


def seeking_mentor(people: PopulationState) -> np.ndarray:
    """Enrolled participants, alive, without a mentor, who are not mentors themselves."""
    return (
        (people.kind == PARTICIPANT)
        & people.enrolled
        & (people.status != DECEASED)
        & (people.mentor == NEVER)
        & ~people.is_mentor
    )


def end_pairs(people: PopulationState, rows: np.ndarray) -> None:
    """End the pairs of these mentees (failed match, dropout, review); they may be rematched."""
    rows = rows[people.mentor[rows] != NEVER]
    np.subtract.at(people.caseload, people.mentor[rows], 1)
    people.mentor[rows] = NEVER
    people.support[rows] = 0.0
    people.alliance[rows] = 0.0


def failing_matches(
    people: PopulationState, params: MentoringParams, failure_multiplier: float, draws: np.ndarray
) -> np.ndarray:
    """Pairs that break up today: weak alliances fail more often."""
    p = rate_to_probability(
        per_day(params.match_failure_rate_per_year, "year")
        * failure_multiplier
        * (1.0 - people.alliance)
    )
    return np.flatnonzero((people.mentor != NEVER) & (draws < p))


def make_contact(
    people: PopulationState,
    params: MentoringParams,
    draws: np.ndarray,
    contact_probability: np.ndarray | float | None = None,
    intensity: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Mentor contact today: support fades, then a contact tops it up; returns who had contact."""
    if contact_probability is None:
        contact_probability = min(1.0, params.contacts_per_week / 7.0)
    people.support *= 0.5 ** (1.0 / params.support_half_life_days)
    contact = (people.mentor != NEVER) & (draws < contact_probability)
    people.support[contact] = np.maximum(
        people.support[contact], np.broadcast_to(intensity, people.support.shape)[contact]
    )
    people.self_efficacy[contact] += params.self_efficacy_gain_per_contact * (
        1.0 - people.self_efficacy[contact]
    )
    return contact


def hazard_ratio(
    people: PopulationState, params: MentoringParams, quality: np.ndarray | float = 1.0
) -> np.ndarray:
    """Lapse hazard ratio from recent mentor support, scaled by the pair's alliance and the
    quality of the mentor's support (1 for people without support)."""
    alliance = np.where(people.mentor != NEVER, people.alliance, 1.0)
    return np.exp(-params.support_effect * people.support * alliance * quality)


def escalation_ratio(people: PopulationState, params: MentoringParams) -> np.ndarray:
    """Chance-of-escalation ratio for a lapse: a mentor answers quickly."""
    return np.where(people.mentor != NEVER, 1.0 - params.rapid_response_effect, 1.0)
