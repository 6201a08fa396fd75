"""The recovery cycle: people who relapsed start new recovery attempts; people die.

Recovery is cyclical: most people make several attempts (Kelly et al. 2019: median 2, mean 5.35)
and about a third change state every quarter (Scott, Dennis & Foss 2005). A new attempt starts the
count of days abstinent again, and with it the high early hazard.
"""

from __future__ import annotations

import numpy as np

from simulation.model.population import (
    COMMUNITY,
    DECEASED,
    MENTOR,
    PARTICIPANT,
    RECOVERING,
    USING,
    PopulationState,
)
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.parameters import SUBSTANCES, Section, parameter


class DeathRates(Section):
    """All-cause death rate while using regularly, per 1,000 person-years, by substance."""

    alcohol: float = parameter(
        20.0,
        unit="per 1,000 person-years",
        source="assumption (about 3x general-population mortality)",
        description="death rate while drinking heavily",
        ge=0.0,
        le=1000.0,
    )
    opioids: float = parameter(
        36.1,
        unit="per 1,000 person-years",
        source="Sordo et al. 2017, BMJ 357:j1550 (out of treatment)",
        description="death rate while using opioids out of treatment",
        ge=0.0,
        le=1000.0,
    )
    stimulants: float = parameter(
        20.0,
        unit="per 1,000 person-years",
        source="assumption",
        description="death rate while using stimulants regularly",
        ge=0.0,
        le=1000.0,
    )
    cannabis: float = parameter(
        5.0,
        unit="per 1,000 person-years",
        source="assumption",
        description="death rate while using cannabis regularly",
        ge=0.0,
        le=1000.0,
    )


class RecoveryCycleParams(Section):
    """New recovery attempts after relapse, and mortality."""

    new_attempt_rate_per_year: float = parameter(
        1.6,
        unit="per year",
        source="Scott, Dennis & Foss 2005 (about 1/3 change state each quarter)",
        description="rate at which people using regularly start a new recovery attempt",
        ge=0.0,
        le=52.0,
    )
    death_rate_using: DeathRates = DeathRates()
    death_rate_in_recovery_per_1000_py: float = parameter(
        5.0,
        unit="per 1,000 person-years",
        source="assumption (Sordo et al. 2017: 11.3 in treatment, all causes)",
        description="death rate while in recovery",
        ge=0.0,
        le=1000.0,
    )


def start_new_attempts(
    people: PopulationState,
    params: RecoveryCycleParams,
    draws: np.ndarray,
    rate_ratio: np.ndarray | float = 1.0,
) -> np.ndarray:
    """People using regularly start a new recovery attempt at a rate (raised by `rate_ratio`,
    e.g. by friends in recovery)."""
    p_attempt = rate_to_probability(per_day(params.new_attempt_rate_per_year, "year") * rate_ratio)
    attempting = (people.status == USING) & (people.kind != COMMUNITY) & (draws < p_attempt)
    people.status[attempting] = RECOVERING
    people.days_abstinent[attempting] = 0
    people.recovery_attempts[attempting] += 1
    return attempting


def apply_deaths(
    people: PopulationState,
    params: RecoveryCycleParams,
    draws: np.ndarray,
    day: int,
    extra_hazard: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Participants and mentors die at a rate set by their status and substance.

    `extra_hazard` (per day) carries risks from other mechanisms, e.g. overdose after lost
    tolerance. Community members are background: their deaths are not modelled.
    """
    using_rate = np.array([getattr(params.death_rate_using, s) for s in SUBSTANCES]) / 1000.0
    yearly = np.where(
        people.status == USING,
        using_rate[people.substance],
        params.death_rate_in_recovery_per_1000_py / 1000.0,
    )
    hazard = per_day(yearly, "year") + extra_hazard
    modelled = (people.kind == PARTICIPANT) | (people.kind == MENTOR)
    died = modelled & (people.status != DECEASED) & (draws < rate_to_probability(hazard))
    people.status[died] = DECEASED
    people.death_day[died] = day
    return died
