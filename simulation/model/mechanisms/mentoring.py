"""Peer mentors: who is matched with whom, contact, and what contact does.

Mentors are people in longer recovery (at least `eligibility_days_abstinent`). Each day, people
without a mentor are matched to mentors with room in their caseload, by the scenario's matching
rule; caseloads fill evenly. Mentoring acts only through delivered contact: a contact tops up
the mentee's `support` (which then fades with a half-life) and self-efficacy, each scaled by the
mentor's quality (training, burnout) and the pair's alliance; support lowers the lapse hazard.
A lapse is answered quickly — and so escalates less often, and costs less self-efficacy — only
when the mentor knows of it (a contact within `alliance.awareness_window_days`, which includes
digital check-ins), and as much as the alliance lets the answer land. A mentor who relapses,
dies or leaves frees their mentees, who are rematched on a later day.
"""

from __future__ import annotations

import numpy as np

from simulation.model.mechanisms.mentoring_params import MentoringParams
from simulation.model.population import DECEASED, NEVER, PARTICIPANT, USING, PopulationState
from simulation.model.units import per_day, rate_to_probability


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
    people: PopulationState, params: MentoringParams, draws: np.ndarray
) -> np.ndarray:
    """Pairs that break up today for reasons outside the alliance's own collapse.

    Args:
        people: population state.
        params: mentoring parameters (`match_failure_rate_per_year`).
        draws: one uniform draw per person.

    Returns:
        Rows of the mentees whose pair breaks up: weak alliances break up more often.
    """
    p = rate_to_probability(
        per_day(params.match_failure_rate_per_year, "year") * (1.0 - people.alliance)
    )
    return np.flatnonzero((people.mentor != NEVER) & (draws < p))


def make_contact(
    people: PopulationState,
    params: MentoringParams,
    draws: np.ndarray,
    contact_probability: np.ndarray | float | None = None,
    intensity: np.ndarray | float = 1.0,
    effectiveness: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Mentor contact today: support fades, then a contact tops it up.

    Args:
        people: population state (`support`, `self_efficacy` change).
        params: mentoring parameters.
        draws: one uniform draw per person.
        contact_probability: chance of a contact today (default: `contacts_per_week / 7`).
        intensity: support one contact gives (digital contacts give less).
        effectiveness: the mentor's quality times the pair's alliance, scaling the
            self-efficacy a contact builds.

    Returns:
        Mask of people who had a contact.
    """
    if contact_probability is None:
        contact_probability = min(1.0, params.contacts_per_week / 7.0)
    people.support *= 0.5 ** (1.0 / params.support_half_life_days)
    contact = (people.mentor != NEVER) & (draws < contact_probability)
    people.support[contact] = np.maximum(
        people.support[contact], np.broadcast_to(intensity, people.support.shape)[contact]
    )
    gain = params.self_efficacy_gain_per_contact * np.broadcast_to(
        np.asarray(effectiveness, dtype=float), people.support.shape
    )
    people.self_efficacy[contact] += gain[contact] * (1.0 - people.self_efficacy[contact])
    return contact


def hazard_ratio(
    people: PopulationState, params: MentoringParams, quality: np.ndarray | float = 1.0
) -> np.ndarray:
    """Lapse hazard ratio from recent mentor support (dose), its quality and the alliance.

    Args:
        people: population state.
        params: mentoring parameters (`support_effect`).
        quality: the mentor's support quality (training, burnout), per mentee or one number.

    Returns:
        `exp(-support_effect * support * alliance * quality)`; 1 for people without support.
    """
    alliance = np.where(people.mentor != NEVER, people.alliance, 1.0)
    return np.exp(-params.support_effect * people.support * alliance * quality)


def rapid_response_ratio(
    people: PopulationState, params: MentoringParams, aware: np.ndarray
) -> np.ndarray:
    """A mentor's quick answer to a lapse they know of, as a ratio on its harm.

    Used both for the chance that a lapse escalates and for the self-efficacy it costs (the
    mentee's `answered` factor).

    Args:
        people: population state.
        params: mentoring parameters (`rapid_response_effect`).
        aware: mask of mentees whose mentor knows of a lapse today.

    Returns:
        `1 - rapid_response_effect * alliance` where the mentor knows, 1 elsewhere.
    """
    # Worked out for the aware mentees only; everyone else keeps exactly 1.
    rows = np.flatnonzero(aware)
    ratio = np.ones(people.size)
    ratio[rows] = 1.0 - params.rapid_response_effect * people.alliance[rows]
    return ratio
