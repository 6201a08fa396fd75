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

from simulation.model.compiled import kernel
from simulation.model.mechanisms.mentoring_params import MentoringParams
from simulation.model.population import DECEASED, NEVER, PARTICIPANT, USING, PopulationState
from simulation.model.units import per_day, rate_to_probability


def release_mentees(people: PopulationState, mentees_end: int | None = None) -> np.ndarray:
    """Mentors who relapsed, died or left the role free their mentees; returns who was freed.

    Args:
        people: population state (pairs end).
        mentees_end: rows from here on have no mentor (in a model: the participants' end,
            as only participants are matched); default: any row may.

    Returns:
        Rows of the freed mentees.
    """
    end = len(people.mentor) if mentees_end is None else mentees_end
    freed = _gone_kernel(people.mentor, people.is_mentor, people.status, end)
    end_pairs(people, freed)
    return freed


@kernel
def _gone_kernel(mentor, is_mentor, status, end):
    """Rows (before `end`) of the mentees whose mentor left, relapsed or died, or who died."""
    freed = np.zeros(end, dtype=np.bool_)
    for i in range(end):  # branch-free: row 0 stands in for NEVER, as np.where(.., 0)
        m = max(mentor[i], 0)
        left = (is_mentor[m] ^ True) | (status[m] == USING) | (status[m] == DECEASED)
        freed[i] = (mentor[i] != NEVER) & (left | (status[i] == DECEASED))
    return np.flatnonzero(freed)


def mentors_leave(
    people: PopulationState,
    params: MentoringParams,
    draws: np.ndarray,
    rate_multiplier: np.ndarray | float = 1.0,
    mentors: np.ndarray | None = None,
) -> np.ndarray:
    """Mentors leave the role at the attrition rate (raised by burnout), or when they relapse or die.

    Args:
        people: population state (`is_mentor` changes).
        params: mentoring parameters (`attrition_rate_per_year`).
        draws: one uniform draw per person, read at the mentors' rows only (so `RowDraws`,
            which makes the draws of the rows asked for, will do).
        rate_multiplier: ratio on the attrition rate: one number, one per person, or (with
            `mentors`) one per mentor.
        mentors: the rows of `np.flatnonzero(people.is_mentor)`, if already found.

    Returns:
        Rows of the mentors who left the role today, ascending.
    """
    # Worked out for the mentors' rows only: nobody else can leave the role.
    given = mentors is not None
    mentors = mentors if given else np.flatnonzero(people.is_mentor)
    rate = per_day(params.attrition_rate_per_year, "year")
    if np.ndim(rate_multiplier) == 0:  # one number: a scalar chance, as before
        p_leave = rate_to_probability(rate * rate_multiplier)
    else:  # NumPy's expm1 on the mentors' rates, each as in the whole array
        shape = mentors.shape if given else people.is_mentor.shape
        ratio = np.broadcast_to(rate_multiplier, shape)
        p_leave = _daily_chance(np.multiply(ratio if given else ratio[mentors], rate))
    status = people.status[mentors]
    gone = mentors[(draws[mentors] < p_leave) | (status == USING) | (status == DECEASED)]
    people.is_mentor[gone] = False
    return gone


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
    if len(rows) == 0:  # most calls: no pair ends
        return
    rows = rows[people.mentor[rows] != NEVER]
    np.subtract.at(people.caseload, people.mentor[rows], 1)
    people.mentor[rows] = NEVER
    people.support[rows] = 0.0
    people.alliance[rows] = 0.0


def failing_matches(
    people: PopulationState,
    params: MentoringParams,
    draws: np.ndarray,
    mentees: np.ndarray | None = None,
) -> np.ndarray:
    """Pairs that break up today for reasons outside the alliance's own collapse.

    Args:
        people: population state.
        params: mentoring parameters (`match_failure_rate_per_year`).
        draws: one uniform draw per person.
        mentees: the rows of `np.flatnonzero(people.mentor != NEVER)`, if already found.

    Returns:
        Rows of the mentees whose pair breaks up: weak alliances break up more often.
    """
    if mentees is None:
        mentees = np.flatnonzero(people.mentor != NEVER)
    # The chance of the mentees' rows only, each as NumPy gives it in the whole array.
    p = rate_to_probability(
        per_day(params.match_failure_rate_per_year, "year") * (1.0 - people.alliance[mentees])
    )
    return mentees[draws[mentees] < p]


def breaking_pairs(
    people: PopulationState, params: MentoringParams, draws: np.ndarray, end: int
) -> np.ndarray:
    """Pairs that end today: the alliance has collapsed (`alliance.dissolving`) or they fail.

    Args:
        people: population state.
        params: mentoring parameters (`alliance.dissolution_alliance`, match failure rate).
        draws: one uniform draw per person (`failing_matches`).
        end: rows from here on have no mentor (in a model: the participants' end).

    Returns:
        Rows of the mentees of those pairs, ascending (`np.union1d` of the two).
    """
    rate = per_day(params.match_failure_rate_per_year, "year")
    dissolution = params.alliance.dissolution_alliance
    # Only pairs whose draw is below their chance can fail, and the chance 1 - exp(-x) is
    # below x, by far more than rounding (x + |x|: twice x, or 0 for x < 0, is a safe bound),
    # so only those chances are worked out, each as NumPy gives it in the whole array.
    rows = np.flatnonzero(
        _breaking_kernel(
            people.mentor[:end], people.alliance[:end], draws[:end], dissolution, rate
        ).view(bool)
    )
    alliance = people.alliance[rows]
    chance = rate_to_probability(rate * (1.0 - alliance))
    return rows[(alliance < dissolution) | (draws[rows] < chance)]


@kernel
def _breaking_kernel(mentor, alliance, draws, dissolution, rate):
    """Mentees whose alliance is below `dissolution` or whose draw is below x + |x|.

    As 0/1 bytes (uint8 arithmetic and no branches: the loop vectorises).
    """
    flags = np.empty(len(mentor), dtype=np.uint8)
    for i in range(len(mentor)):
        a = alliance[i]
        x = rate * (1.0 - a)
        ends = np.uint8(a < dissolution) | np.uint8(np.float64(draws[i]) < x + abs(x))
        flags[i] = np.uint8(mentor[i] != NEVER) & ends
    return flags


def seekers(people: PopulationState, wait_until: np.ndarray, day: int, end: int) -> np.ndarray:
    """Rows of `seeking_mentor` who may be matched today (`alliance.may_be_matched`).

    Args:
        people: population state.
        wait_until: each person's first day to be matched again (`PairRecord.wait_until`).
        day: today.
        end: rows from here on are not participants (the participants come first).

    Returns:
        The rows, ascending.
    """
    return _seekers_kernel(
        (people.kind, people.enrolled, people.status, people.mentor, people.is_mentor),
        wait_until,
        day,
        end,
    )


@kernel
def _seekers_kernel(state, wait_until, day, end):
    """`np.flatnonzero(seeking_mentor(people) & (wait_until <= day))` over the first rows."""
    kind, enrolled, status, mentor, is_mentor = state
    seeking = np.zeros(end, dtype=np.bool_)
    for i in range(end):  # branch-free (`&`: no short circuits)
        seeking[i] = (
            (kind[i] == PARTICIPANT)
            & enrolled[i]
            & (status[i] != DECEASED)
            & (mentor[i] == NEVER)
            & (is_mentor[i] ^ True)
            & (wait_until[i] <= day)
        )
    return np.flatnonzero(seeking)


def _daily_chance(rate: np.ndarray) -> np.ndarray:
    """`units.rate_to_probability(rate)` of an array of daily rates (`rate` is overwritten).

    The same NumPy operations on the same values (`-expm1(-rate * 1 day)`; times 1 changes
    nothing), with one temporary instead of three (expm1 in place is slower).
    """
    chance = np.expm1(np.negative(rate, out=rate))
    return np.negative(chance, out=chance)


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
    # `draws < p` compares in the dtype NumPy promotes the two to (a Python float: the draws').
    below = np.asarray(contact_probability, dtype=np.result_type(draws, contact_probability))
    shape = people.support.shape
    return _contact_kernel(
        (people.mentor, np.broadcast_to(draws, shape), np.broadcast_to(below, shape)),
        (people.support, 0.5 ** (1.0 / params.support_half_life_days)),
        np.broadcast_to(np.asarray(intensity, dtype=float), shape),
        (people.self_efficacy, params.self_efficacy_gain_per_contact),
        np.broadcast_to(np.asarray(effectiveness, dtype=float), shape),
    )


@kernel
def _contact_kernel(chance, support_fade, intensity, self_efficacy_gain, effectiveness):
    """`make_contact` in one pass: every row's support fades, contacts top it up."""
    mentor, draws, below = chance
    support, fade = support_fade
    self_efficacy, gain_per_contact = self_efficacy_gain
    contact = np.empty(len(mentor), dtype=np.bool_)
    for i in range(len(mentor)):  # branch-free (selects): mentees are spread over the rows
        met = (mentor[i] != NEVER) & (draws[i] < below[i])
        s, se = support[i] * fade, self_efficacy[i]
        topped = s if s > intensity[i] or s != s else intensity[i]  # np.maximum
        support[i] = topped if met else s
        self_efficacy[i] = se + gain_per_contact * effectiveness[i] * (1.0 - se) if met else se
        contact[i] = met
    return contact


def hazard_ratio(
    people: PopulationState,
    params: MentoringParams,
    quality: np.ndarray | float = 1.0,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Lapse hazard ratio from recent mentor support (dose), its quality and the alliance.

    Args:
        people: population state.
        params: mentoring parameters (`support_effect`).
        quality: the mentor's support quality (training, burnout), per mentee or one number.
        rows: the rows to work out, in this order (default: every row).

    Returns:
        `exp(-support_effect * support * alliance * quality)`; 1 for people without support.
    """
    quality = np.broadcast_to(np.asarray(quality, dtype=float), people.support.shape)
    rows = np.arange(people.size) if rows is None else rows
    # The dose is 0 without support (exp(-0.0) is exactly 1): only the others need the exp.
    ratio, at, dose = np.empty(len(rows)), np.empty(len(rows), np.int64), np.empty(len(rows))
    mentor, support, alliance = people.mentor, people.support, people.alliance
    m = _dose_kernel(
        rows, mentor, support, alliance, quality, -params.support_effect, ratio, at, dose
    )
    ratio[at[:m]] = np.exp(dose[:m], out=dose[:m])
    return ratio


@kernel
def _dose_kernel(rows, mentor, support, alliance, quality, effect, ratio, at, dose):
    # 1 per row, and the nonzero `effect * support * alliance * quality` (alliance 1 without a
    # mentor) with their places at the front, in one pass.
    m = 0
    for j in range(len(rows)):
        i = rows[j]
        ratio[j] = 1.0
        at[m] = j
        dose[m] = effect * support[i] * (alliance[i] if mentor[i] != NEVER else 1.0) * quality[i]
        m += dose[m] != 0
    return m


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
    aware = np.broadcast_to(aware, people.alliance.shape)
    return _answer_kernel(aware, people.alliance, params.rapid_response_effect)


@kernel
def _answer_kernel(aware, alliance, effect):
    """`1 - effect * alliance` where aware, exactly 1 elsewhere, in one pass."""
    ratio = np.empty(len(aware))
    for i in range(len(aware)):  # branch-free (a select)
        ratio[i] = 1.0 - effect * alliance[i] if aware[i] else 1.0
    return ratio
