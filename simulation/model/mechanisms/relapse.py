"""Lapse and relapse: the duration-dependent hazard of using again, and what a lapse becomes.

The daily lapse hazard of a person in recovery is highest at the start of a recovery attempt and
falls with days abstinent, toward a small long-run floor:

    h(d) = initial_rate / (1 + (d / halving_days) ** shape) + long_term_rate

(a log-logistic-like decline: Kirshenbaum, Olsen & Bickel 2009). It is multiplied by the
person's age-group ratio, a gamma frailty (unmeasured differences between people, mean 1), and
the state of mind that every study of relapse names: self-efficacy lowers it, isolation raises
it. Other mechanisms (friends, mentors, program) contribute their own hazard ratios.

A lapse (any use) lasts a day; then it is either caught — the person is back in recovery, in
the same recovery attempt, so the attempt's clock (`days_abstinent`) keeps running — or it
escalates into a relapse (return to regular use); the clock restarts with the next attempt. A mentor's rapid response and high self-efficacy make escalation less likely.
"""

from __future__ import annotations

import numpy as np

from simulation.model.population import LAPSED, NEVER, RECOVERING, USING, PopulationState
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES, Section, parameter

_CALIBRATED = "calibrated to targets.yaml baseline_relapse_curves (see docs/validation.md)"


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
        0.25,
        unit="probability",
        source=_CALIBRATED,
        description="chance that a lapse becomes a relapse to regular use, without support",
        ge=0.0,
        le=1.0,
    )


class AgeHazardRatios(Section):
    """Lapse hazard ratio by age group (adults = 1)."""

    youth: float = parameter(
        1.8,
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
    )
    stimulants: SubstanceHazard = SubstanceHazard(
        initial_lapse_rate_per_day=0.03,
        hazard_halving_days=45.0,
        hazard_shape=1.2,
        long_term_lapse_rate_per_year=0.3,
        escalation_probability=0.3,
    )
    cannabis: SubstanceHazard = SubstanceHazard(
        initial_lapse_rate_per_day=0.025,
        hazard_halving_days=50.0,
        hazard_shape=1.2,
        long_term_lapse_rate_per_year=0.3,
        escalation_probability=0.23,
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

    def by_substance(self, field: str) -> np.ndarray:
        """One value per substance code, in SUBSTANCES order."""
        return np.array([getattr(getattr(self, s), field) for s in SUBSTANCES])

    def age_ratios(self) -> np.ndarray:
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


def state_of_mind_ratio(people: PopulationState, params: RelapseParams) -> np.ndarray:
    """Hazard ratio from self-efficacy (protective) and isolation (harmful), 1 at the midpoint."""
    return np.exp(
        -params.self_efficacy_effect * (people.self_efficacy - 0.5)
        + params.isolation_effect * (people.isolation - 0.5)
    )


def lapse_hazard(
    people: PopulationState, params: RelapseParams, table: np.ndarray | None = None
) -> np.ndarray:
    """Each person's daily lapse hazard before social and program modifiers.

    `table` is an optional `duration_hazard_table` (days past its end use its last column).
    """
    if table is None:
        by_duration = duration_hazard(people.days_abstinent, people.substance, params)
    else:
        by_duration = table[people.substance, np.minimum(people.days_abstinent, table.shape[1] - 1)]
    return (
        by_duration
        * params.age_ratios()[people.age_group]
        * people.frailty
        * state_of_mind_ratio(people, params)
    )


def apply_lapses(
    people: PopulationState, hazard: np.ndarray, draws: np.ndarray, day: int
) -> np.ndarray:
    """Turn today's hazards into lapses among people in recovery; returns who lapsed."""
    lapsed = (people.status == RECOVERING) & (draws < rate_to_probability(hazard))
    people.status[lapsed] = LAPSED
    people.lapses[lapsed] += 1
    first = lapsed & (people.first_lapse_day == NEVER)
    people.first_lapse_day[first] = day
    return lapsed


def resolve_lapses(
    people: PopulationState,
    params: RelapseParams,
    escalation_ratio: np.ndarray | float,
    draws: np.ndarray,
    day: int,
) -> np.ndarray:
    """Yesterday's lapses end today: caught (back in recovery) or escalated (relapse).

    Returns who relapsed. `escalation_ratio` carries the protective effect of a mentor's or
    program's rapid response.
    """
    lapsed = people.status == LAPSED
    p_escalate = np.clip(
        params.by_substance("escalation_probability")[people.substance]
        * escalation_ratio
        * np.exp(-params.self_efficacy_effect * (people.self_efficacy - 0.5)),
        0.0,
        1.0,
    )
    relapsed = lapsed & (draws < p_escalate)
    caught = lapsed & ~relapsed
    people.status[relapsed] = USING
    people.relapses[relapsed] += 1
    first = relapsed & (people.first_relapse_day == NEVER)
    people.first_relapse_day[first] = day
    # A caught lapse does not end the recovery attempt: the attempt's clock keeps running.
    people.status[caught] = RECOVERING
    return relapsed
