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

from simulation.model.mechanisms.matching import (  # noqa: F401 - matching is part of mentoring's API
    ATTRIBUTES,
    assign_mentors,
    available_mentors,
    match_quality,
    matching_key,
    matching_passes,
    pair_within_keys,
)
from simulation.model.population import DECEASED, NEVER, PARTICIPANT, USING, PopulationState
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.parameters import Section, parameter

MatchingRule = Literal[
    "random", "same_substance", "same_age_group", "veterans", "same_cultural_group", "composite"
]


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
