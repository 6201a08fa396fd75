"""The lapse hazard: the duration-dependent daily risk of using again in recovery.

The daily lapse hazard of a person in recovery is highest at the start of a recovery attempt and
falls with days abstinent, toward a small long-run floor:

    h(d) = initial_rate / (1 + (d / halving_days) ** shape) + long_term_rate

(a log-logistic-like decline: Kirshenbaum, Olsen & Bickel 2009). It is multiplied by the
person's age-group ratio, a gamma frailty (unmeasured differences between people, mean 1), and
the state of mind that every study of relapse names: self-efficacy lowers it, isolation raises
it. Other mechanisms (friends, mentors, program) contribute their own hazard ratios.

What a lapse becomes (its length, caught or escalated to relapse) is in `lapse_course`.
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.population import NEVER, PopulationState
from simulation.model.units import per_day
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES, Section, parameter

_CALIBRATED = "calibrated to targets.yaml baseline_relapse_curves (see docs/validation.md)"
_LAPSE_DAYS = (
    "assumption (a lapse is one to a few days of use before it is stopped or becomes regular "
    "use; no study gives its length by substance; plausible range 1-7 days)"
)


class SubstanceHazard(Section):
    """The lapse hazard curve and escalation risk of one substance."""

    initial_lapse_rate_per_day: float = parameter(
        0.0265,
        unit="per day",
        source=_CALIBRATED,
        description="lapse hazard on the first day of a recovery attempt",
        ge=0.0,
        le=5.0,
    )
    hazard_halving_days: float = parameter(
        15.0,
        unit="days",
        source=_CALIBRATED,
        description="days abstinent at which the early part of the hazard has halved",
        gt=0.0,
    )
    hazard_shape: float = parameter(
        1.0,
        unit="dimensionless",
        source=_CALIBRATED,
        description="steepness of the hazard's fall with days abstinent",
        gt=0.0,
        le=10.0,
    )
    long_term_lapse_rate_per_year: float = parameter(
        0.3,
        unit="per year",
        source="Dennis, Foss & Scott 2007 (86% stay abstinent a year after 3+ years)",
        description="lapse hazard that remains after years of abstinence",
        ge=0.0,
        le=10.0,
    )
    escalation_probability: float = parameter(
        0.11,
        unit="probability",
        source=_CALIBRATED,
        description="chance that a lapse becomes a relapse to regular use, without support",
        ge=0.0,
        le=1.0,
    )
    lapse_mean_days: float = parameter(
        2.0,
        unit="days",
        source=_LAPSE_DAYS,
        description="mean length of a lapse (geometric; 1 = every lapse lasts one day)",
        ge=1.0,
        le=30.0,
    )


class AgeHazardRatios(Section):
    """Lapse hazard ratio by age group (adults = 1)."""

    youth: float = parameter(
        2.5,
        unit="hazard ratio",
        source="Cornelius et al. 2003 (median 54 days to relapse in adolescents); calibrated",
        description="hazard ratio for people under 25",
        gt=0.0,
        le=10.0,
    )
    adult: float = parameter(
        1.0,
        unit="hazard ratio",
        source="reference group",
        description="hazard ratio for people aged 25-54",
        gt=0.0,
        le=10.0,
    )
    older_adult: float = parameter(
        0.8,
        unit="hazard ratio",
        source="assumption (older adults relapse somewhat less)",
        description="hazard ratio for people aged 55 and over",
        gt=0.0,
        le=10.0,
    )


class RelapseParams(Section):
    """Lapse hazard by substance and age group, and the state of mind that modifies it."""

    alcohol: SubstanceHazard = SubstanceHazard()
    opioids: SubstanceHazard = SubstanceHazard(
        initial_lapse_rate_per_day=0.25,
        hazard_halving_days=10.0,
        hazard_shape=1.2,
        long_term_lapse_rate_per_year=0.3,
        escalation_probability=0.7,
        lapse_mean_days=1.5,
    )
    stimulants: SubstanceHazard = SubstanceHazard(
        initial_lapse_rate_per_day=0.03,
        hazard_halving_days=45.0,
        hazard_shape=1.2,
        long_term_lapse_rate_per_year=0.3,
        escalation_probability=0.03,
    )
    cannabis: SubstanceHazard = SubstanceHazard(
        initial_lapse_rate_per_day=0.025,
        hazard_halving_days=50.0,
        hazard_shape=1.2,
        long_term_lapse_rate_per_year=0.3,
        escalation_probability=0.04,
        lapse_mean_days=3.0,
    )
    age_hazard_ratio: AgeHazardRatios = AgeHazardRatios()
    frailty_variance: float = parameter(
        0.45,
        unit="variance",
        source="assumption; gamma frailty gives the plateau of Hunt et al. 1971",
        description="variance of the person-level risk multiplier (mean 1); 0 = everyone alike",
        ge=0.0,
        le=5.0,
    )
    self_efficacy_effect: float = parameter(
        1.2,
        unit="log hazard ratio per unit",
        source="assumption (self-efficacy predicts relapse: Litt et al. 2009)",
        description="how much higher self-efficacy lowers the lapse hazard and escalation",
        ge=0.0,
        le=10.0,
    )
    isolation_effect: float = parameter(
        0.8,
        unit="log hazard ratio per unit",
        source="assumption",
        description="how much isolation raises the lapse hazard",
        ge=0.0,
        le=10.0,
    )
    lapse_clock_setback: float = parameter(
        0.0,
        unit="share",
        source=(
            "Dennis, Foss & Scott 2007 (abstinence counted from the last use; risk falls with "
            "that duration); Shiffman et al. 1996 and Witkiewitz & Marlatt 2004 (a lapse "
            "predicts relapse); 0 by default: with the clock restarting, slowly falling curves "
            "(stimulants, cannabis) gave about 19 lapses a person-year; the raised risk after a "
            "lapse is carried by post_lapse_rate_per_day instead (plausible range 0-1)"
        ),
        description=(
            "share of the attempt's days abstinent lost at a caught lapse (0 = the clock runs "
            "on, 1 = it restarts the day after the lapse)"
        ),
        ge=0.0,
        le=1.0,
    )

    post_lapse_rate_per_day: float = parameter(
        0.02,
        unit="per day",
        source=(
            "Shiffman et al. 1996, J Consult Clin Psychol 64:993 and Kirshenbaum et al. 2009 "
            "(after a first lapse, further use comes much sooner); Witkiewitz & Marlatt 2004; "
            "size calibrated to Project MATCH's 3-year point prevalence (targets-more.yaml; "
            "plausible range 0.005-0.1)"
        ),
        description=(
            "lapse hazard added the day a lapse is caught (before age, frailty and state of "
            "mind), fading with post_lapse_half_life_days"
        ),
        ge=0.0,
        le=5.0,
    )
    post_lapse_half_life_days: float = parameter(
        365.0,
        unit="days",
        source="assumption (the raised risk fades over months; plausible range 30-365)",
        description="days after a caught lapse at which the post-lapse excess has halved",
        gt=0.0,
        le=3650.0,
    )

    def by_substance(self, field: str) -> np.ndarray:
        """One value per substance code, in SUBSTANCES order."""
        return np.array([getattr(getattr(self, s), field) for s in SUBSTANCES])

    def age_ratios(self) -> np.ndarray:
        """The age hazard ratios in `AGE_GROUPS` order."""
        return np.array([getattr(self.age_hazard_ratio, a) for a in AGE_GROUPS])


def duration_hazard(
    days_abstinent: np.ndarray, substance: np.ndarray, params: RelapseParams
) -> np.ndarray:
    """Daily lapse hazard from days abstinent alone (the curve before any modifier)."""
    initial = params.by_substance("initial_lapse_rate_per_day")[substance]
    halving = params.by_substance("hazard_halving_days")[substance]
    shape = params.by_substance("hazard_shape")[substance]
    floor = per_day(params.by_substance("long_term_lapse_rate_per_year"), "year")[substance]
    return initial / (1.0 + (days_abstinent / halving) ** shape) + floor


def duration_hazard_table(params: RelapseParams, max_days: int) -> np.ndarray:
    """`duration_hazard` for every substance (rows) and day 0..max_days (columns).

    Looking up a row of this table is much cheaper than evaluating the power law for every
    person every day; the model builds it once per run.
    """
    days = np.arange(max_days + 1)
    return np.vstack(
        [duration_hazard(days, np.full(len(days), code), params) for code in range(len(SUBSTANCES))]
    )


def state_of_mind_ratio(
    people: PopulationState, params: RelapseParams, rows: np.ndarray | None = None
) -> np.ndarray:
    """Hazard ratio from self-efficacy (protective) and isolation (harmful), 1 at the midpoint.

    Args:
        people: the population.
        params: the relapse section.
        rows: the rows to work out, in this order (default: every row).

    Returns:
        The ratio per row asked for.
    """
    # exp(-effect * (self_efficacy - 0.5) + effect * (isolation - 0.5)): the exponent in one
    # compiled pass (each constant in the dtype NumPy would use), the exp in NumPy.
    se, iso = people.self_efficacy, people.isolation
    rows = np.arange(len(se)) if rows is None else rows
    exponent = np.empty(len(rows), dtype=np.result_type(se, iso))
    _state_of_mind_exponent(
        rows,
        se,
        iso,
        se.dtype.type(-params.self_efficacy_effect),
        se.dtype.type(0.5),
        iso.dtype.type(params.isolation_effect),
        iso.dtype.type(0.5),
        exponent,
    )
    return np.exp(exponent, out=exponent)


@kernel
def _state_of_mind_exponent(rows, se, iso, minus_se_effect, se_mid, iso_effect, iso_mid, out):
    for j in range(len(out)):
        i = rows[j]
        out[j] = minus_se_effect * (se[i] - se_mid) + iso_effect * (iso[i] - iso_mid)


def _post_lapse_powers(people: PopulationState, params: RelapseParams, day: int) -> np.ndarray:
    """`0.5 ** (since / half_life)` for every whole number of days `since` a row can have.

    Days since a caught lapse are whole numbers from 0 to `day - earliest caught day`, so the
    power (a transcendental, kept in NumPy) is worked out once per value instead of per row.
    """
    caught = people.caught_lapse_day
    longest = max(day - int(caught.min()), 0) if len(caught) else 0
    return 0.5 ** (np.arange(longest + 1) / params.post_lapse_half_life_days)


@kernel
def _post_lapse_kernel(caught_lapse_day, day, rate, powers, out):
    for i in range(len(out)):
        caught = caught_lapse_day[i]
        excess = rate * powers[max(day - caught, 0)]
        out[i] = excess if caught != NEVER else 0.0


def post_lapse_hazard(people: PopulationState, params: RelapseParams, day: int) -> np.ndarray:
    """Raised risk after a caught lapse.

    `post_lapse_rate_per_day` is added the day it ends, fading by half every
    `post_lapse_half_life_days` (0 for people with no caught lapse in this attempt; after a
    relapse the new attempt's restarted clock carries the raised risk).
    """
    excess = np.empty(people.size)
    powers = _post_lapse_powers(people, params, day)
    rate = float(params.post_lapse_rate_per_day)
    _post_lapse_kernel(people.caught_lapse_day, day, rate, powers, excess)
    return excess


def lapse_hazard(
    people: PopulationState,
    params: RelapseParams,
    table: np.ndarray | None = None,
    day: int | None = None,
    rows: np.ndarray | None = None,
    state_of_mind: bool = True,
) -> np.ndarray:
    """Each person's daily lapse hazard before social and program modifiers.

    Args:
        people: the population.
        params: the relapse section.
        table: an optional `duration_hazard_table` (days past its end use its last column).
        day: today, for the raised risk after a caught lapse (`post_lapse_hazard`); None
            leaves it out.
        rows: the rows to work out, in this order (default: every row).
        state_of_mind: False leaves its ratio out (times `state_of_mind_ratio` of the same
            rows, that is the hazard: the same numbers, as it is the last factor).

    Returns:
        The daily hazard per row asked for.
    """
    ages = params.age_ratios()
    if table is None:
        by_duration = duration_hazard(people.days_abstinent, people.substance, params)
        if day is not None:
            by_duration = by_duration + post_lapse_hazard(people, params, day)
        full = by_duration * ages[people.age_group] * people.frailty
        full = full * state_of_mind_ratio(people, params) if state_of_mind else full
        return full[slice(None) if rows is None else rows]
    rows = np.arange(people.size) if rows is None else rows
    ratio = state_of_mind_ratio(people, params, rows) if state_of_mind else np.ones(0)
    out = np.empty(len(rows), dtype=np.result_type(table, ages, people.frailty, ratio))
    powers = np.ones(1) if day is None else _post_lapse_powers(people, params, day)
    _lapse_hazard_kernel(
        rows,
        table,
        people.substance,
        people.days_abstinent,
        people.caught_lapse_day,
        day is not None,
        0 if day is None else day,
        float(params.post_lapse_rate_per_day),
        powers,
        ages,
        people.age_group,
        people.frailty,
        state_of_mind,
        ratio,
        out,
    )
    return out


@kernel
def _lapse_hazard_kernel(
    rows,
    table,
    substance,
    days_abstinent,
    caught_lapse_day,
    post_lapse,
    day,
    rate,
    powers,
    ages,
    age_group,
    frailty,
    state_of_mind,
    ratio,
    out,
):
    # (table[substance, min(days, last)] + post-lapse excess) * age ratio * frailty * state of
    # mind (if asked for), in that order, for each row asked for (the excess as
    # `_post_lapse_kernel` gives it; left out without a day; `ratio` is per row asked for).
    last = table.shape[1] - 1
    for j in range(len(out)):
        i = rows[j]
        h = table[substance[i], min(days_abstinent[i], last)]
        if post_lapse:
            caught = caught_lapse_day[i]
            excess = rate * powers[max(day - caught, 0)]
            h = h + (excess if caught != NEVER else 0.0)
        h = h * ages[age_group[i]] * frailty[i]
        out[j] = h * ratio[j] if state_of_mind else h
