"""Stigma and scepticism: who enrols, who stays, and how shame and withdrawal raise risk.

Perceived stigma acts through three channels: it lowers the chance of seeking help (Keyes et al.
2010: high vs low perceived stigma, OR 0.37 for any alcohol service use), it speeds
disengagement, and it raises the lapse hazard — directly through shame (Randles & Tracy 2013:
shame predicted relapse) and through withdrawal from others, which raises isolation (Link &
Phelan's modified labelling theory; Birtel, Wood & Kempa 2017: stigma, less support, worse
mental health). An advocacy campaign (from a start day, with a strength) and inclusive programs
lower stigma over time. A share of people are sceptical of non-professional help: they enrol
less and disengage faster. Every effect is centred at mid-scale stigma (0.5).
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.population import DECEASED, PARTICIPANT, PopulationState
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.parameters import Section, parameter

_KEYES = "Keyes et al. 2010, Am J Epidemiol 172:1364 (OR 0.37 high vs low stigma)"


class StigmaParams(Section):
    """Stigma, campaigns and scepticism."""

    enabled: bool = parameter(
        True,
        unit="switch",
        source="scenario design",
        description="whether stigma affects enrolment and engagement",
    )
    enrolment_share_at_start: float = parameter(
        0.75,
        unit="share",
        source="assumption (people leaving treatment offered the program)",
        description="share enrolling on day 0 at average stigma, before scepticism",
        ge=0.0,
        le=1.0,
    )
    enrolment_rate_per_year: float = parameter(
        1.0,
        unit="per year",
        source="assumption (outreach to those not enrolled)",
        description="rate at which people not enrolled join later",
        ge=0.0,
        le=52.0,
    )
    stigma_odds_ratio: float = parameter(
        0.37,
        unit="odds ratio (high vs low stigma)",
        source=_KEYES,
        description="odds of enrolling at full vs no perceived stigma",
        gt=0.0,
        le=1.0,
    )
    sceptic_enrolment_ratio: float = parameter(
        0.4,
        unit="ratio",
        source="assumption",
        description="enrolment odds ratio for people sceptical of peer help",
        gt=0.0,
        le=1.0,
    )
    campaign: bool = parameter(
        False,
        unit="switch",
        source="scenario design",
        description="run an advocacy (anti-stigma) campaign",
    )
    campaign_start_day: int = parameter(
        0,
        unit="day",
        source="scenario design",
        description="day the campaign starts",
        ge=0,
        le=36_500,
    )
    campaign_strength_per_year: float = parameter(
        0.5,
        unit="per year",
        source="assumption",
        description="rate at which the campaign moves stigma toward its floor",
        ge=0.0,
        le=10.0,
    )
    inclusive_program: bool = parameter(
        False,
        unit="switch",
        source="source article (inclusive, non-judgemental programs)",
        description="enrolled participants' stigma falls while in the program",
    )
    inclusive_strength_per_year: float = parameter(
        0.4,
        unit="per year",
        source="assumption",
        description="rate at which an inclusive program moves an enrolled person's stigma down",
        ge=0.0,
        le=10.0,
    )
    stigma_floor: float = parameter(
        0.15,
        unit="0-1 score",
        source="assumption",
        description="lowest stigma campaigns can reach",
        ge=0.0,
        le=1.0,
    )
    engagement_effect: float = parameter(
        1.0,
        unit="decay-rate increase per unit stigma",
        source=(
            "assumption; direction from Lappan, Brown & Hendricks 2020 and Keyes et al. 2010 "
            "(stigma keeps people from services); plausible range 0-2"
        ),
        description="how much faster engagement fades per unit of stigma above mid-scale",
        ge=0.0,
        le=10.0,
    )
    sceptic_engagement_ratio: float = parameter(
        1.5,
        unit="ratio",
        source="assumption (scepticism of peer help; plausible range 1-3)",
        description="how much faster a sceptic's engagement fades",
        ge=1.0,
        le=10.0,
    )
    shame_hazard_effect: float = parameter(
        0.5,
        unit="log hazard ratio per unit",
        source=(
            "Randles & Tracy 2013, Clin Psychol Sci 1:149 (shame displays predicted relapse "
            "and drinks in newly sober adults); size an assumption (plausible range 0-1.2)"
        ),
        description="how much stigma (through shame) raises the lapse hazard",
        ge=0.0,
        le=10.0,
    )
    isolation_effect: float = parameter(
        0.3,
        unit="share per unit",
        source=(
            "Link & Phelan 2001 (secrecy and withdrawal); Birtel, Wood & Kempa 2017, Psychiatry "
            "Res 252:1 (stigma lowers social support); size an assumption (range 0-0.6)"
        ),
        description="how far stigma raises the isolation a person's ties would leave them with",
        ge=0.0,
        le=1.0,
    )


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def enrolment_odds_shift(
    people: PopulationState, params: StigmaParams, rows: np.ndarray | slice = slice(None)
) -> np.ndarray:
    """Log-odds shift of enrolling (for `rows`): stigma (centred at 0.5) and scepticism."""
    if isinstance(rows, slice):
        rows = np.arange(people.size)[rows]
    rows = np.asarray(rows)
    if rows.dtype == bool:
        rows = np.flatnonzero(rows)
    elif rows.size == 0:
        rows = rows.astype(np.intp)  # no rows (as `[]`, whatever its dtype)
    shift = np.empty(rows.shape)
    _odds_shift(
        people.stigma,
        people.sceptical,
        rows.reshape(-1),
        params.enabled,
        np.log(params.stigma_odds_ratio),
        people.stigma.dtype.type(0.5),
        np.log(params.sceptic_enrolment_ratio),
        shift.reshape(-1),
    )
    return shift


@kernel
def _odds_shift(stigma, sceptical, rows, enabled, log_odds_ratio, half, log_sceptic, shift):
    """Log OR x (stigma - 0.5) (0 when stigma is off) + log sceptic OR for the sceptical."""
    n = stigma.shape[0]
    for k in range(rows.shape[0]):
        row = rows[k] + n if rows[k] < 0 else rows[k]  # a negative row counts from the end
        if row < 0 or row >= n:
            raise IndexError("enrolment_odds_shift: a row outside the population")
        part = log_odds_ratio * (stigma[row] - half) if enabled else 0.0
        shift[k] = part + (log_sceptic if sceptical[row] else 0.0)


def initial_enrolment(
    people: PopulationState, params: StigmaParams, draws: np.ndarray
) -> np.ndarray:
    """Who enrols on day 0."""
    logit = _logit(params.enrolment_share_at_start) + enrolment_odds_shift(people, params)
    joining = (people.kind == PARTICIPANT) & (draws < 1.0 / (1.0 + np.exp(-logit)))
    people.enrolled[joining] = True
    people.ever_enrolled[joining] = True
    return joining


def later_enrolment(people: PopulationState, params: StigmaParams, draws: np.ndarray) -> np.ndarray:
    """People not enrolled join at a rate scaled by the same stigma and scepticism odds.

    `draws` (one per person) is read at the rows of the living participants not enrolled
    only, so `RowDraws`, which makes the draws of the rows asked for, will do.
    """
    base = rate_to_probability(per_day(params.enrolment_rate_per_year, "year"))
    waiting = np.flatnonzero(
        _waiting(people.kind, people.enrolled, people.status, PARTICIPANT, DECEASED).view(bool)
    )
    p = base * np.exp(enrolment_odds_shift(people, params, waiting))
    joining = np.zeros(people.size, dtype=bool)
    _join(waiting, draws[waiting], p, joining, people.enrolled, people.ever_enrolled)
    return joining


@kernel
def _waiting(kind, enrolled, status, participant, deceased):
    """Living participants not enrolled, as 0/1 bytes (uint8 arithmetic: the loop vectorises)."""
    waiting = np.empty(kind.shape[0], dtype=np.uint8)
    for i in range(kind.shape[0]):
        waiting[i] = (
            np.uint8(kind[i] == participant)
            & np.uint8(not enrolled[i])
            & np.uint8(status[i] != deceased)
        )
    return waiting


@kernel
def _join(waiting, draws, p, joining, enrolled, ever_enrolled):
    """Waiting rows whose draw (theirs, in order) is below their chance join (in float64)."""
    for k in range(waiting.shape[0]):
        row = waiting[k]
        if np.float64(draws[k]) < p[k]:
            joining[row] = True
            enrolled[row] = True
            ever_enrolled[row] = True


def update_stigma(people: PopulationState, params: StigmaParams, day: int) -> None:
    """Campaigns lower everyone's stigma after their start; inclusive programs lower participants'."""
    campaigning = params.campaign and day >= params.campaign_start_day
    if not (campaigning or params.inclusive_program):
        return  # no rate anywhere: stigma stays as it is
    rate = np.zeros(people.size)
    if campaigning:
        rate += per_day(params.campaign_strength_per_year, "year")
    if params.inclusive_program:
        rate += np.where(people.enrolled, per_day(params.inclusive_strength_per_year, "year"), 0.0)
    if rate.any():
        people.stigma -= rate * (people.stigma - params.stigma_floor).clip(min=0.0)


def engagement_ratio(
    people: PopulationState, params: StigmaParams, end: int | None = None
) -> np.ndarray:
    """Stigma and scepticism speed disengagement.

    Args:
        people: the population.
        params: the stigma section.
        end: work out the rows before this one only (default: every row).

    Returns:
        A ratio on each person's engagement decay rate (the stigma part at least 0.1).
    """
    stigma = people.stigma[:end]
    kind = stigma.dtype.type  # NumPy casts each weight to the dtype of the array it meets
    ratio = np.empty(stigma.shape, dtype=np.result_type(stigma, np.float64))
    _engagement_ratio_kernel(
        stigma,
        people.sceptical[:end],
        params.enabled,
        (kind(1.0), kind(params.engagement_effect), kind(0.5), kind(MIN_DECAY_RATIO)),
        params.sceptic_engagement_ratio,
        ratio,
    )
    return ratio


@kernel
def _engagement_ratio_kernel(stigma, sceptical, enabled, weights, sceptic, ratio):
    one, effect, half, floor = weights
    for i in range(stigma.shape[0]):
        factor = sceptic if sceptical[i] else 1.0
        if enabled:
            part = one + effect * (stigma[i] - half)
            part = part if (part >= floor or part != part) else floor  # np.maximum: NaN stays
            ratio[i] = part * factor
        else:
            ratio[i] = 1.0 * factor


#: Low stigma slows disengagement but never stops it: the ratio is kept at or above this.
MIN_DECAY_RATIO = 0.1


def hazard_ratio(
    people: PopulationState, params: StigmaParams, rows: np.ndarray | None = None
) -> np.ndarray | float:
    """Lapse hazard ratio from shame: above 1 for stigma above mid-scale, below it under.

    Args:
        people: the population.
        params: the stigma section.
        rows: the rows to work out, in this order (default: every row).

    Returns:
        A ratio per row asked for, or 1.0 when stigma is switched off.
    """
    if not params.enabled:
        return 1.0
    # exp(shame_hazard_effect * (stigma - 0.5)), each step in place in one new array (on the
    # rows asked for: their exponent in one compiled pass, in the dtype NumPy would use).
    stigma = people.stigma
    if rows is None:
        ratio = np.subtract(stigma, 0.5)
        np.multiply(params.shame_hazard_effect, ratio, out=ratio)
    else:
        ratio = np.empty(len(rows), stigma.dtype)
        effect = stigma.dtype.type(params.shame_hazard_effect)
        _shame_exponent(rows, stigma, stigma.dtype.type(0.5), effect, ratio)
    return np.exp(ratio, out=ratio)


@kernel
def _shame_exponent(rows, stigma, mid, effect, out):
    for j in range(len(rows)):
        out[j] = effect * (stigma[rows[j]] - mid)


def withdrawal_effect(params: StigmaParams) -> float | None:
    """The factor `withdrawal` multiplies stigma above mid-scale by (None when stigma is off)."""
    return params.isolation_effect if params.enabled else None


def withdrawal(people: PopulationState, params: StigmaParams) -> np.ndarray | float:
    """How far stigma raises (or, below mid-scale, lowers) the isolation ties would leave.

    Args:
        people: the population.
        params: the stigma section.

    Returns:
        A relative change of the isolation target per person (0 when stigma is off).
    """
    if not params.enabled:
        return 0.0
    rise = np.subtract(people.stigma, 0.5)
    return np.multiply(params.isolation_effect, rise, out=rise)
