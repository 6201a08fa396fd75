"""Mentor wellbeing: helping protects a mentor's own recovery; overload burns them out.

Helper therapy: mentors with mentees have a lower lapse hazard (Pagano et al. 2004, Project
MATCH: 40% of helpers vs 22% of non-helpers abstinent through 12 months), until their caseload
passes `over_helping_caseload`, beyond which each extra mentee adds risk — as much as the
mentor is over-involved, which boundary-setting training lowers (`training.over_involvement`).
Over-involved mentors also have boundary incidents with their mentees, at contacts only, which
add burnout and cost the pair alliance (`mentor_boundaries.py`; their parameters are here). Burnout
(0-1) builds with caseload and with the mentees' crises the mentor knows of (lapses a mentor
learns of: `program.aware_of_lapse`), and drains by itself and through supervision
(`supervision.relieve_burnout`); boundary-setting training slows it (RTI 2024: ~1 in 4 peer
workers show burnout; workload is the strongest predictor). Burnout lowers support quality,
drives attrition and raises the mentor's own hazard. Mentees who had met a departing mentor lose
some self-efficacy.
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel, mask_words
from simulation.model.population import NEVER, PopulationState
from simulation.model.units import per_day
from simulation.scenario.parameters import Section, parameter


class MentorWellbeingParams(Section):
    """Helper therapy and burnout."""

    enabled: bool = parameter(
        True,
        unit="switch",
        source="scenario design",
        description="whether helper therapy and burnout act",
    )
    helper_hazard_ratio: float = parameter(
        0.6,
        unit="hazard ratio",
        source="fitted to Pagano et al. 2004 (40% vs 22% abstinent)",
        description="lapse hazard ratio of a mentor who has mentees",
        gt=0.0,
        le=2.0,
    )
    over_helping_caseload: int = parameter(
        8,
        unit="mentees",
        source="assumption",
        description="caseload above which helping adds risk",
        ge=1,
        le=100,
    )
    over_helping_risk_per_mentee: float = parameter(
        0.08,
        unit="hazard increase per mentee",
        source="assumption",
        description="relative hazard increase per mentee above the over-helping caseload",
        ge=0.0,
        le=5.0,
    )
    burnout_per_mentee_per_year: float = parameter(
        0.4,
        unit="per mentee per year",
        source="fitted to RTI 2024 (~1 in 4 peer workers with burnout signs at a supervised caseload of 10)",
        description="burnout build-up per mentee",
        ge=0.0,
        le=10.0,
    )
    strain_variance: float = parameter(
        1.0,
        unit="variance",
        source="assumption; RTI 2024 (burnout varies widely between peer workers)",
        description="variance of each person's susceptibility to strain (gamma, mean 1)",
        ge=0.0,
        le=5.0,
    )
    burnout_per_mentee_crisis: float = parameter(
        0.02,
        unit="per lapse",
        source="assumption",
        description="burnout added when a mentee lapses",
        ge=0.0,
        le=1.0,
    )
    burnout_recovery_per_year: float = parameter(
        1.0,
        unit="per year",
        source="assumption",
        description="rate at which burnout drains by itself",
        ge=0.0,
        le=52.0,
    )
    burnout_attrition_ratio: float = parameter(
        4.0,
        unit="ratio at full burnout",
        source="assumption; Bell et al. 2025 (exhaustion drives turnover)",
        description="attrition-rate multiplier at full burnout",
        ge=1.0,
        le=50.0,
    )
    burnout_hazard_effect: float = parameter(
        1.0,
        unit="log hazard ratio",
        source="assumption",
        description="mentor's own hazard increase at full burnout",
        ge=0.0,
        le=5.0,
    )
    burnout_quality_loss: float = parameter(
        0.5,
        unit="share at full burnout",
        source="assumption (exhausted helpers give less; Bell et al. 2025)",
        description="share of support quality a fully burnt-out mentor loses",
        ge=0.0,
        le=1.0,
    )
    boundary_incident_rate_per_year: float = parameter(
        1.0,
        unit="per pair per year at weekly contact",
        source="assumption (untrained, fully over-involved mentor)",
        description=(
            "rate of boundary incidents in a pair with weekly contact whose mentor has no "
            "boundary training; incidents happen at contacts, each carrying a 52nd of it"
        ),
        ge=0.0,
        le=52.0,
    )
    burnout_per_boundary_incident: float = parameter(
        0.05,
        unit="0-1 burnout",
        source="assumption",
        description="burnout a mentor gains from a boundary incident",
        ge=0.0,
        le=1.0,
    )
    mentor_loss_self_efficacy: float = parameter(
        0.05,
        unit="share lost",
        source="assumption",
        description="share of self-efficacy a mentee loses when their mentor leaves or relapses",
        ge=0.0,
        le=1.0,
    )


#: Burnout at or above this level counts as "showing burnout signs" (the RTI 2024 measure).
BURNOUT_SIGNS_LEVEL = 0.5


def hazard_ratio(people: PopulationState, params: MentorWellbeingParams) -> np.ndarray:
    """Mentors' own hazard: helper therapy and burnout (over-helping: `over_helping_ratio`).

    Args:
        people: population state.
        params: wellbeing parameters.

    Returns:
        Hazard ratio per person (1 for everyone who is not a mentor).
    """
    ratio = np.ones(people.size)
    apply_hazard_ratio(ratio, people, params, np.arange(people.size))
    return ratio


def apply_hazard_ratio(
    hazard: np.ndarray, people: PopulationState, params: MentorWellbeingParams, rows: np.ndarray
) -> None:
    """Multiply each row's hazard by `hazard_ratio` in place (mentors' rows alone change).

    Args:
        hazard: one hazard per row of `rows`, changed in place.
        people: population state.
        params: wellbeing parameters.
        rows: the rows the hazards are for.
    """
    if not params.enabled:
        return
    # `helping * exp(burnout_hazard_effect * burnout)` on the mentors' rows, the exp in NumPy
    # (the exponent in the dtype NumPy would work it in).
    effect = (params.burnout_hazard_effect * people.burnout[:0]).dtype.type(
        params.burnout_hazard_effect
    )
    at, helping, exponent = (np.empty(len(rows), t) for t in (np.int64, float, effect.dtype))
    terms = (people.is_mentor, people.caseload, people.burnout, params.helper_hazard_ratio, effect)
    m = _mentor_terms(rows, *terms, at, helping, exponent)
    hazard[at[:m]] *= helping[:m] * np.exp(exponent[:m], out=exponent[:m])


@kernel
def _mentor_terms(rows, is_mentor, caseload, burnout, helper, effect, at, helping, exponent):
    # The mentors' places, helper-therapy ratios and burnout exponents, at the front (mentors'
    # rows come in blocks: the branch is predictable, and others' rows are not read).
    m = 0
    for j in range(len(rows)):
        i = rows[j]
        if is_mentor[i]:
            at[m] = j
            helping[m] = helper if caseload[i] > 0 else 1.0
            exponent[m] = effect * burnout[i]
            m += 1
    return m


def over_helping_ratio(
    people: PopulationState,
    params: MentorWellbeingParams,
    over_involvement: float = 1.0,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Mentors' added hazard from too many mentees, as far as they are over-involved.

    Args:
        people: population state.
        params: wellbeing parameters.
        over_involvement: how over-involved mentors are (1 untrained; boundary training lowers it).
        rows: the rows to work out, in this order (default: every row).

    Returns:
        `1 + over_helping_risk_per_mentee * over_involvement * mentees above the caseload`
        for mentors, 1 for everyone else.
    """
    rows = np.arange(people.size) if rows is None else rows
    if not params.enabled:
        return np.ones(len(rows))
    per_mentee = params.over_helping_risk_per_mentee * over_involvement
    limit = params.over_helping_caseload
    return _over_kernel(rows, people.is_mentor, people.caseload, limit, per_mentee)


@kernel
def _over_kernel(rows, is_mentor, caseload, limit, per_mentee):
    """`1 + per_mentee * max(caseload - limit, 0)` for mentors, 1 for others, in one pass."""
    ratio = np.ones(len(rows))
    for j in range(len(rows)):
        i = rows[j]
        if is_mentor[i]:
            ratio[j] = 1.0 + per_mentee * max(caseload[i] - limit, 0)
    return ratio


def support_quality_ratio(people: PopulationState, params: MentorWellbeingParams) -> np.ndarray:
    """Share of their support quality mentors keep through burnout, per mentee.

    Args:
        people: population state.
        params: wellbeing parameters (`burnout_quality_loss`).

    Returns:
        `1 - burnout_quality_loss * burnout` of each mentee's mentor (1 without a mentor).
    """
    if not params.enabled:
        return np.ones(people.size)
    return _quality_kernel(people.mentor, people.burnout, params.burnout_quality_loss)


@kernel
def _quality_kernel(mentor, burnout, loss):
    """`1 - loss * burnout[mentor]` for mentees, exactly 1 for everyone else, in one pass."""
    ratio = np.empty(len(mentor))
    for i in range(len(mentor)):  # branch-free: row 0 stands in for NEVER, then a select
        kept = 1.0 - loss * burnout[max(mentor[i], 0)]
        ratio[i] = kept if mentor[i] != NEVER else 1.0
    return ratio


def update_burnout(
    people: PopulationState,
    params: MentorWellbeingParams,
    mentee_lapses: np.ndarray,
    build_multiplier: float,
    mentors: np.ndarray | None = None,
) -> None:
    """Burnout builds with caseload and mentee crises, drains with time.

    Args:
        people: population state (`burnout` changes).
        params: wellbeing parameters.
        mentee_lapses: mask of mentees who lapsed today and whose mentor knows of it (a lapse
            the mentor never hears of cannot weigh on them).
        build_multiplier: multiplier on build-up (boundary-setting training lowers it).
        mentors: the rows of `np.flatnonzero(people.is_mentor)` (any ascending rows that hold
            them will do), if known and every other row's burnout is already within 0-1 (as
            this update leaves it): the clip leaves those rows as they are, so only these
            rows are worked on.
    """
    if not params.enabled:
        return
    # Every row (as in NumPy) unless the mentors are given; each row of theirs is the same.
    rows = np.arange(people.size) if mentors is None else mentors
    # The mentors of the day's known lapses (a few), each counted at its place in `rows`.
    lapses = np.broadcast_to(mentee_lapses, people.size)
    crisis_mentors = _crisis_mentors(people.mentor, lapses, mask_words(lapses))
    at = np.searchsorted(rows, crisis_mentors)
    listed = at < len(rows)  # a row not in `rows` is no mentor: its count is never read
    listed[listed] = rows[at[listed]] == crisis_mentors[listed]
    _burnout_kernel(
        (people.burnout, people.is_mentor, people.caseload, people.strain_susceptibility),
        (rows, np.bincount(at[listed], minlength=len(rows))),
        per_day(params.burnout_per_mentee_per_year, "year"),
        params.burnout_per_mentee_crisis,
        build_multiplier,
        per_day(params.burnout_recovery_per_year, "year"),
    )


@kernel
def _crisis_mentors(mentor, lapsed, words):
    """The mentors of the mentees in `lapsed`, by mentee row (one per lapse, repeats kept).

    `words` holds `lapsed`'s first bytes 8 to a word: lapses are rare, so a word of 8 rows
    without one is passed over at once (~3x faster than a branch on every row).
    """
    count = 0
    for i in range(len(lapsed)):  # branch-free count of the mask
        count += lapsed[i]
    found = np.empty(count, dtype=np.int64)
    k = 0
    for w in range(len(words)):
        if words[w] != 0:  # a lapse among these 8 rows: only then is `mentor` read
            for i in range(8 * w, 8 * w + 8):
                if lapsed[i]:
                    found[k] = mentor[i]
                    k += mentor[i] != NEVER
    for i in range(8 * len(words), len(lapsed)):  # the rows after the words
        if lapsed[i]:
            found[k] = mentor[i]
            k += mentor[i] != NEVER
    return found[:k]


@kernel
def _burnout_kernel(state, rows_crises, per_mentee, per_crisis, multiplier, recovery):
    """`update_burnout` for the mentors among `rows` (each with its crises), then each clipped."""
    burnout, is_mentor, caseload, strain = state
    rows, crises = rows_crises
    for k in range(len(rows)):
        i = rows[k]
        b = burnout[i]
        if is_mentor[i]:
            build = (per_mentee * caseload[i] + per_crisis * crises[k]) * multiplier
            build *= strain[i]
            b += build * (1.0 - b)
            b -= recovery * b
        burnout[i] = 0.0 if b < 0.0 else (1.0 if b > 1.0 else b)  # clip


def attrition_multiplier(
    people: PopulationState, params: MentorWellbeingParams, rows: np.ndarray | None = None
) -> np.ndarray:
    """Each person's factor on mentor attrition from burnout (all 1 when the mechanism is off).

    Args:
        people: population state.
        params: wellbeing parameters (`burnout_attrition_ratio`).
        rows: the rows wanted (e.g. the mentors'); default every row.

    Returns:
        One factor per row asked for.
    """
    burnout = people.burnout if rows is None else people.burnout[rows]
    if not params.enabled:
        return np.ones(len(burnout))
    return 1.0 + (params.burnout_attrition_ratio - 1.0) * burnout


def feel_mentor_loss(
    people: PopulationState, params: MentorWellbeingParams, freed: np.ndarray
) -> None:
    """Mentees who lose a mentor they had met (left, relapsed, died) lose some self-efficacy.

    Args:
        people: population state (`self_efficacy` changes).
        params: wellbeing parameters.
        freed: rows of the mentees who had met the mentor they lost.
    """
    if params.enabled and len(freed):
        people.self_efficacy[freed] *= 1.0 - params.mentor_loss_self_efficacy
