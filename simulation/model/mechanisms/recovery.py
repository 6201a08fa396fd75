"""The recovery cycle: relapse episodes, new recovery attempts, quarterly turnover; deaths.

A relapse is an episode of regular use with a length drawn when it starts (log-normal, median by
substance); friends in recovery shorten it (`tie_dynamics.recovery_contagion_ratio`: the episode's
clock runs faster). When it ends the person starts a new recovery attempt, and the count of days
abstinent starts again, with it the high early hazard. Recovery is cyclical: most people make
several attempts (Kelly et al. 2019: median 2, mean 5.35) and about a third change state every
quarter (Scott, Dennis & Foss 2005), which `record_quarter` counts.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

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


_EPISODE = (
    "set by hand (not fitted) against the long-run targets after use episodes were added: "
    "Project MATCH's 3-year point prevalence and percent days abstinent (docs/ODD.md, "
    "validation); 900 days (opioids 480) is what those rows needed here, above the 30-720 "
    "days first assumed, and in keeping with addiction careers of years (Dennis et al. 2005: "
    "9-27 years); the split by substance is an assumption (explore 180-1,500 days); Scott, "
    "Dennis & Foss 2005's quarterly turnover is not matched (docs/ODD.md)"
)


def _episode(default: float, what: str) -> float:
    return parameter(default, unit="days", source=_EPISODE, description=what, ge=1.0, le=36_500.0)


class EpisodeMedians(Section):
    """Median length of a relapse episode (regular use until a new attempt), by substance."""

    alcohol: float = _episode(900.0, "median length of an episode of regular drinking")
    opioids: float = _episode(480.0, "median length of an episode of regular opioid use")
    stimulants: float = _episode(900.0, "median length of an episode of regular stimulant use")
    cannabis: float = _episode(900.0, "median length of an episode of regular cannabis use")


def _share_of_days(default: float, source: str, what: str) -> float:
    return parameter(default, unit="share of days", source=source, description=what, ge=0.0, le=1.0)


class UseDayShares(Section):
    """Share of days with use during an episode of regular use, by substance."""

    alcohol: float = _share_of_days(
        0.45,
        "Project MATCH Research Group 1998 (drinkers at 3 years abstinent on ~2/3 of days, "
        "lapsers included); assumption for regular drinking (plausible range 0.3-0.9)",
        "share of days with drinking during regular drinking",
    )
    opioids: float = _share_of_days(
        0.9,
        "assumption (dependent opioid use is mostly daily; plausible range 0.6-1)",
        "share of days with opioid use during regular use",
    )
    stimulants: float = _share_of_days(
        0.4,
        "assumption (stimulant use often comes in binges; plausible range 0.2-0.8)",
        "share of days with stimulant use during regular use",
    )
    cannabis: float = _share_of_days(
        0.7,
        "assumption (regular cannabis use is often near-daily; plausible range 0.4-1)",
        "share of days with cannabis use during regular use",
    )


class RecoveryCycleParams(Section):
    """Relapse episodes and new recovery attempts, and mortality."""

    episode_median_days: EpisodeMedians = EpisodeMedians()
    use_days_share: UseDayShares = UseDayShares()
    episode_spread: float = parameter(
        1.0,
        unit="log-normal sigma",
        source=(
            "assumption (episode lengths are right-skewed: most end within months, some last "
            "years; Dennis et al. 2005 careers of 9-27 years; plausible range 0.5-1.5)"
        ),
        description="spread of relapse-episode lengths (sigma of their logarithm)",
        ge=0.0,
        le=3.0,
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


def start_episodes(
    people: PopulationState,
    params: RecoveryCycleParams,
    relapsed: np.ndarray,
    draws: np.ndarray,
) -> None:
    """Give each of today's relapses its length: log-normal around the substance's median.

    Args:
        people: the population (`use_days_left` is set for `relapsed`).
        params: the recovery-cycle section.
        relapsed: who relapsed today.
        draws: one uniform per person (inverse CDF, so a person's length lines up across designs).
    """
    median = np.array([getattr(params.episode_median_days, s) for s in SUBSTANCES])
    z = ndtri(np.clip(draws[relapsed], 1e-9, 1 - 1e-9))
    length = median[people.substance[relapsed]] * np.exp(params.episode_spread * z)
    people.use_days_left[relapsed] = np.maximum(length, 1.0)


def start_new_attempts(
    people: PopulationState,
    relapsed_today: np.ndarray,
    rate_ratio: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Relapse episodes run on; those that have run their length end in a new recovery attempt.

    Args:
        people: the population (status, clocks and attempt counts are updated).
        relapsed_today: who relapsed today (their episode starts tomorrow's count).
        rate_ratio: how much faster an episode runs its course (friends in recovery).

    Returns:
        Who started a new attempt today.
    """
    # Work on the rows in an episode of use only (index arrays, not full-width masks).
    using = np.flatnonzero((people.status == USING) & (people.kind != COMMUNITY) & ~relapsed_today)
    people.use_days_left[using] -= np.broadcast_to(rate_ratio, people.size)[using]
    attempting = np.zeros(people.size, dtype=bool)
    attempting[using[people.use_days_left[using] <= 0]] = True
    people.status[attempting] = RECOVERING
    people.days_abstinent[attempting] = 0
    people.use_days_left[attempting] = 0.0
    people.recovery_attempts[attempting] += 1
    return attempting


def use_share(people: PopulationState, params: RecoveryCycleParams) -> np.ndarray:
    """Each person's share of days with use while in an episode of regular use."""
    shares = np.array([getattr(params.use_days_share, s) for s in SUBSTANCES])
    return shares[people.substance]


#: Days in a follow-up quarter: Scott, Dennis & Foss interviewed every three months.
QUARTER_DAYS = 91


def record_quarter(people: PopulationState, day: int) -> None:
    """At the end of each quarter, record each living participant's state and its change.

    The state is abstinent the whole quarter, or not; the change since the last quarter is
    Scott et al.'s turnover.
    """
    if day % QUARTER_DAYS != 0:
        return
    rows = people.participants
    alive = people.status[rows] != DECEASED
    abstinent = (people.last_use_day[rows] <= day - QUARTER_DAYS).astype(np.int8)
    before = people.quarter_abstinent[rows]
    seen = alive & (before >= 0)
    people.quarter_pairs[rows][seen] += 1
    people.quarter_changes[rows][seen & (before != abstinent)] += 1
    people.quarter_abstinent[rows] = np.where(alive, abstinent, -1)


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
    # Only living participants and mentors can die: the hazard is worked out for them alone.
    rows = np.flatnonzero(
        ((people.kind == PARTICIPANT) | (people.kind == MENTOR)) & (people.status != DECEASED)
    )
    yearly = np.where(
        people.status[rows] == USING,
        using_rate[people.substance[rows]],
        params.death_rate_in_recovery_per_1000_py / 1000.0,
    )
    extra = np.asarray(extra_hazard, dtype=float)
    hazard = per_day(yearly, "year") + (extra[rows] if extra.ndim else extra)
    died = np.zeros(people.size, dtype=bool)
    died[rows[draws[rows] < rate_to_probability(hazard)]] = True
    people.status[died] = DECEASED
    people.death_day[died] = day
    return died
