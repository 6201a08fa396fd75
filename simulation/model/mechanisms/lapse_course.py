"""The course of a lapse: how long it lasts, and whether it is caught or becomes a relapse.

A lapse (any use) is an episode of a few days (a geometric duration with a mean by substance).
When it ends it is either caught — the person is back in recovery, in the same recovery attempt —
or it escalates into a relapse, an episode of regular use that lasts until a new recovery attempt
(`recovery.start_episodes`). A mentor's rapid response and high self-efficacy make escalation
less likely. A caught lapse sets the attempt's clock back (`lapse_clock_setback`; 1 = the clock
counts days since the last use, as Dennis, Foss & Scott 2007 count abstinence), so the high
early hazard returns after a lapse and fades again as abstinence lengthens: the literature's
"a lapse predicts relapse" (Shiffman et al. 1996; Witkiewitz & Marlatt 2004), which the
self-efficacy loss at a lapse (the abstinence-violation effect, `psychology`) adds to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.model.mechanisms.relapse import RelapseParams
from simulation.model.population import (
    COMMUNITY,
    LAPSED,
    NEVER,
    RECOVERING,
    USING,
    PopulationState,
)
from simulation.model.units import rate_to_probability


def lapse_durations(
    people: PopulationState, params: RelapseParams, draws: np.ndarray
) -> np.ndarray:
    """Each person's lapse length in days if a lapse starts today.

    Geometric with the substance's mean, from one uniform draw each (inverse CDF; at least one
    day).
    """
    return geometric_lengths(params.by_substance("lapse_mean_days")[people.substance], draws)


def geometric_lengths(mean: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Lapse lengths in days, geometric with the given means, from one uniform draw each.

    Element by element, so the length of one row is the same whichever other rows are asked for.

    Args:
        mean: each lapse's mean length in days.
        draws: one uniform draw per lapse.

    Returns:
        Whole days, at least 1 and at most `MAX_LAPSE_DAYS`.
    """
    stay = 1.0 - 1.0 / mean  # chance a lapse goes on for another day
    with np.errstate(divide="ignore"):
        extra = np.floor(np.log(np.maximum(draws, 1e-12)) / np.log(stay))
    extra = np.where(stay > 0, extra, 0.0)
    return 1 + np.minimum(extra, MAX_LAPSE_DAYS - 1).astype(np.int32)


#: Longest lapse: a lapse still going after this many days is resolved anyway (a far tail of
#: the geometric length; at a 30-day mean, fewer than 1 in 20,000 lapses reach it).
MAX_LAPSE_DAYS = 365


@dataclass(frozen=True)
class LengthDraws:
    """What a lapse's length is drawn from, left undrawn until we know who lapses today.

    Attributes:
        params: the relapse section (`lapse_mean_days` by substance).
        draws: one uniform draw per person (the `lapse_length` stream).
    """

    params: RelapseParams
    draws: np.ndarray


def apply_lapses(
    people: PopulationState,
    hazard: np.ndarray,
    draws: np.ndarray,
    day: int,
    durations: np.ndarray | int | LengthDraws = 1,
) -> np.ndarray:
    """Turn today's hazards into lapses among people in recovery; returns who lapsed.

    Args:
        people: the population (status, counters and lapse lengths are updated).
        hazard: each person's daily lapse hazard.
        draws: one uniform per person.
        day: today.
        durations: each person's lapse length if they lapse today (`lapse_durations`), or a
            `LengthDraws` to draw the lengths of today's lapses alone.

    Returns:
        Who lapsed today.
    """
    # Only people in recovery can lapse: their hazards alone become probabilities.
    recovering = np.flatnonzero(people.status == RECOVERING)
    lapsed = np.zeros(people.size, dtype=bool)
    lapsed[recovering[draws[recovering] < rate_to_probability(hazard[recovering])]] = True
    people.status[lapsed] = LAPSED
    people.lapses[lapsed] += 1
    if isinstance(durations, LengthDraws):
        # Lengths for today's lapses only (the same numbers `lapse_durations` gives them).
        rows = np.flatnonzero(lapsed)
        mean = durations.params.by_substance("lapse_mean_days")[people.substance[rows]]
        people.lapse_days_left[rows] = geometric_lengths(mean, durations.draws[rows])
    else:
        people.lapse_days_left[lapsed] = np.broadcast_to(durations, people.size)[lapsed]
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
    """Lapses that have run their length end today: caught (back in recovery) or escalated.

    A caught lapse sets the attempt's clock back by `lapse_clock_setback`; an escalated one
    becomes a relapse (regular use; `recovery.start_episodes` gives it its length).

    Args:
        people: the population (status, clocks and counters are updated).
        params: the relapse section.
        escalation_ratio: the protective effect of a mentor's or program's rapid response.
        draws: one uniform per person.
        day: today.

    Returns:
        Who relapsed today.
    """
    lapsed = people.status == LAPSED
    people.lapse_days_left[lapsed] -= 1
    ending = lapsed & (people.lapse_days_left <= 0)
    # Only today's ending lapses can escalate: the chance is worked out for those rows alone.
    rows = np.flatnonzero(ending)
    ratio = np.asarray(escalation_ratio, dtype=float)
    p_escalate = np.clip(
        params.by_substance("escalation_probability")[people.substance[rows]]
        * (ratio[rows] if ratio.ndim else ratio)
        * np.exp(-params.self_efficacy_effect * (people.self_efficacy[rows] - 0.5)),
        0.0,
        1.0,
    )
    relapsed = np.zeros(people.size, dtype=bool)
    relapsed[rows[draws[rows] < p_escalate]] = True
    caught = ending & ~relapsed
    people.status[relapsed] = USING
    people.relapses[relapsed] += 1
    first = relapsed & (people.first_relapse_day == NEVER)
    people.first_relapse_day[first] = day
    people.status[caught] = RECOVERING
    people.caught_lapse_day[caught] = day
    people.caught_lapse_day[relapsed] = NEVER
    kept = np.rint(people.days_abstinent[caught] * (1.0 - params.lapse_clock_setback))
    people.days_abstinent[caught] = kept.astype(people.days_abstinent.dtype)
    people.lapse_days_left[ending] = 0
    return relapsed


def record_use(
    people: PopulationState, day: int, use_share: np.ndarray | float = 1.0, draws=None
) -> None:
    """End of the day: count a day of use for everyone lapsed or in an episode of use.

    People in an episode of regular use use on a share of days (participants and mentors;
    community members' use is background).

    Args:
        people: the population (`use_days`, `last_use_day` are updated).
        day: today.
        use_share: each person's share of days with use during regular use.
        draws: one uniform per person (needed when `use_share` is below 1).
    """
    status = people.status
    # Rows that could use today (lapsed or in an episode, not community); then today's draws.
    rows = np.flatnonzero(((status == USING) | (status == LAPSED)) & (people.kind != COMMUNITY))
    if draws is not None:
        share = np.broadcast_to(use_share, people.size)
        rows = rows[(status[rows] == LAPSED) | (draws[rows] < share[rows])]
    used = np.zeros(people.size, dtype=bool)
    used[rows] = True
    people.use_days[used] += 1
    people.last_use_day[used] = day
