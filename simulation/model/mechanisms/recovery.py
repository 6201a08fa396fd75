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

from simulation.model.compiled import kernel, require_per_person
from simulation.model.population import (
    COMMUNITY,
    DECEASED,
    MENTOR,
    PARTICIPANT,
    RECOVERING,
    USING,
    PopulationState,
)
from simulation.model.random_streams import RowDraws
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
    draws: np.ndarray | RowDraws,
) -> None:
    """Give each of today's relapses its length: log-normal around the substance's median.

    Args:
        people: the population (`use_days_left` is set for `relapsed`).
        params: the recovery-cycle section.
        relapsed: who relapsed today.
        draws: one uniform per person (inverse CDF, so a person's length lines up across
            designs), or the `RowDraws` that make today's relapses'.
    """
    median = np.array([getattr(params.episode_median_days, s) for s in SUBSTANCES])
    rows = np.flatnonzero(relapsed)  # one pass over the mask, then the few rows alone
    z = ndtri(np.clip(draws[rows], 1e-9, 1 - 1e-9))
    length = median[people.substance[rows]] * np.exp(params.episode_spread * z)
    people.use_days_left[rows] = np.maximum(length, 1.0)


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
    require_per_person(people, "start_new_attempts", relapsed_today=relapsed_today)
    attempting = np.zeros(people.size, dtype=bool)
    _start_new_attempts(
        people.status,
        people.kind,
        relapsed_today,
        np.broadcast_to(np.asarray(rate_ratio), people.size),
        people.use_days_left,
        people.days_abstinent,
        people.recovery_attempts,
        attempting,
    )
    return attempting


@kernel
def _start_new_attempts(
    status, kind, relapsed_today, rate_ratio, use_days_left, days_abstinent, attempts, attempting
):
    # Episodes of use (not community members', not today's new ones) run on by the rate ratio;
    # those that have run their length become new recovery attempts. The rows in an episode
    # are listed first (without branches), then only they are updated.
    rows = np.empty(len(status), dtype=np.int64)
    k = 0
    for i in range(len(status)):
        rows[k] = i
        k += (status[i] == USING) & (kind[i] != COMMUNITY) & (not relapsed_today[i])
    for j in range(k):
        i = rows[j]
        left = use_days_left[i] - rate_ratio[i]
        use_days_left[i] = left
        if left <= 0:
            attempting[i] = True
            status[i] = RECOVERING
            days_abstinent[i] = 0
            use_days_left[i] = 0.0
            attempts[i] += 1


def grow_abstinence(people: PopulationState) -> None:
    """End of the day: a day more abstinent for everyone in recovery (one compiled pass)."""
    _grow_abstinence(people.status, people.days_abstinent)


@kernel
def _grow_abstinence(status, days_abstinent):  # pragma: no cover - compiled
    # np.add(days, 1, where=status == RECOVERING): the sum in int64, stored in the array's
    # dtype (wrapping as NumPy's int32 + 1 would), without branches.
    for i in range(len(status)):
        days_abstinent[i] += np.int64(status[i] == RECOVERING)


def use_shares(params: RecoveryCycleParams) -> np.ndarray:
    """The share of days with use in an episode of regular use, by substance (`SUBSTANCES`)."""
    return np.array([getattr(params.use_days_share, s) for s in SUBSTANCES])


def use_share(people: PopulationState, params: RecoveryCycleParams) -> np.ndarray:
    """Each person's share of days with use while in an episode of regular use."""
    shares = use_shares(params)
    out = np.empty(people.size, dtype=shares.dtype)
    _look_up(shares, people.substance, out)  # shares[substance], in one compiled pass
    return out


@kernel
def _look_up(values, codes, out):
    for i in range(len(out)):
        out[i] = values[codes[i]]


#: Days in a follow-up quarter: Scott, Dennis & Foss interviewed every three months.
QUARTER_DAYS = 91


def record_quarter(people: PopulationState, day: int) -> None:
    """At the end of each quarter, record each living participant's state and its change.

    The state is abstinent the whole quarter, or not; the change since the last quarter is
    Scott et al.'s turnover.
    """
    if day % QUARTER_DAYS != 0:
        return
    _record_quarter(
        people.participants.stop,
        people.status,
        people.last_use_day,
        day - QUARTER_DAYS,
        people.quarter_abstinent,
        people.quarter_pairs,
        people.quarter_changes,
    )


@kernel
def _record_quarter(participants, status, last_use_day, quarter_start, state, pairs, changes):
    # For the participants' rows (the first ones): abstinent all quarter (1) or not (0), -1
    # once dead; a pair and maybe a change for each living row with a state last quarter.
    for i in range(participants):
        alive = status[i] != DECEASED
        abstinent = 1 if last_use_day[i] <= quarter_start else 0
        before = state[i]
        if alive and before >= 0:
            pairs[i] += 1
            if before != abstinent:
                changes[i] += 1
        state[i] = abstinent if alive else -1


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
    extra = np.asarray(extra_hazard, dtype=float)
    if extra.ndim:
        return _apply_deaths_by_row(people, params, using_rate, extra, draws, day)
    # With one extra hazard for all, a row's hazard is one of len(SUBSTANCES) + 1 values (using
    # one substance, or not using): their probabilities are worked out once, as an array, the
    # same arithmetic the rows would get, and one compiled pass compares each row's draw.
    require_per_person(people, "apply_deaths", draws=draws)
    yearly = np.append(using_rate, params.death_rate_in_recovery_per_1000_py / 1000.0)
    probability = rate_to_probability(per_day(yearly, "year") + extra)
    died = np.zeros(people.size, dtype=bool)
    _apply_deaths(
        people.kind,
        people.status,
        people.substance,
        probability,
        draws,
        day,
        people.death_day,
        died,
    )
    return died


@kernel
def _apply_deaths(kind, status, substance, probability, draws, day, death_day, died):
    # A draw at or above the largest probability cannot be below the row's own: only the few
    # rows below it are looked at further (NaN probabilities, never passed, are left out).
    not_using = len(probability) - 1
    largest = -np.inf
    for p in probability:
        largest = p if p > largest else largest
    for i in range(len(status)):
        if draws[i] < largest:
            alive = (kind[i] == PARTICIPANT or kind[i] == MENTOR) and status[i] != DECEASED
            code = substance[i] if status[i] == USING else not_using
            if alive and draws[i] < probability[code]:
                died[i] = True
                status[i] = DECEASED
                death_day[i] = day


def _apply_deaths_by_row(
    people: PopulationState,
    params: RecoveryCycleParams,
    using_rate: np.ndarray,
    extra: np.ndarray,
    draws: np.ndarray,
    day: int,
) -> np.ndarray:
    """`apply_deaths` with an extra hazard per person: each living row's own hazard."""
    # Only living participants and mentors can die: the hazard is worked out for them alone.
    rows = np.flatnonzero(
        ((people.kind == PARTICIPANT) | (people.kind == MENTOR)) & (people.status != DECEASED)
    )
    yearly = np.where(
        people.status[rows] == USING,
        using_rate[people.substance[rows]],
        params.death_rate_in_recovery_per_1000_py / 1000.0,
    )
    hazard = per_day(yearly, "year") + extra[rows]
    died = np.zeros(people.size, dtype=bool)
    died[rows[draws[rows] < rate_to_probability(hazard)]] = True
    people.status[died] = DECEASED
    people.death_day[died] = day
    return died
