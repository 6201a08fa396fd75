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

from simulation.model.compiled import kernel, require_per_person
from simulation.model.mechanisms.relapse import RelapseParams
from simulation.model.population import (
    COMMUNITY,
    LAPSED,
    NEVER,
    RECOVERING,
    USING,
    PopulationState,
)
from simulation.model.random_streams import RowDraws
from simulation.scenario.parameters import SUBSTANCES


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
        draws: one uniform draw per person (the `lapse_length` stream), or the `RowDraws` that
            make the draws of the rows asked for.
    """

    params: RelapseParams
    draws: np.ndarray | RowDraws


def apply_lapses(
    people: PopulationState,
    hazard: np.ndarray,
    draws: np.ndarray,
    day: int,
    durations: np.ndarray | int | LengthDraws = 1,
    at_risk: np.ndarray | None = None,
) -> np.ndarray:
    """Turn today's hazards into lapses among people in recovery; returns who lapsed.

    Args:
        people: the population (status, counters and lapse lengths are updated).
        hazard: each person's daily lapse hazard; with `at_risk`, the hazards of those rows.
        draws: one uniform per person.
        day: today.
        durations: each person's lapse length if they lapse today (`lapse_durations`), or a
            `LengthDraws` to draw the lengths of today's lapses alone.
        at_risk: the rows (ascending) that could lapse today, if known
            (`lapse_risk.hazards_at_risk`): no other row lapses, and only these are read.

    Returns:
        Who lapsed today.
    """
    # Only people in recovery can lapse, and only if their draw is at most their hazard (the
    # bound): their hazards alone become probabilities (rate_to_probability, -expm1(-hazard),
    # the expm1 in NumPy on those rows alone).
    hazard = np.asarray(hazard)
    require_per_person(people, "apply_lapses", draws=draws)
    every_row = at_risk is None
    if every_row:
        require_per_person(people, "apply_lapses", hazard=hazard)
        at_risk = np.empty(0, dtype=np.int64)  # not read: hazard[i] is row i's
    elif hazard.shape != at_risk.shape:
        raise ValueError(
            f"apply_lapses: `hazard` has shape {hazard.shape}; with `at_risk` it needs one "
            f"hazard per row of `at_risk`, shape {at_risk.shape}."
        )
    rows = np.empty(len(hazard), dtype=np.int64)
    minus_rate = np.empty(len(hazard), dtype=np.result_type(hazard, 1.0))
    k = _could_lapse(
        people.status,
        every_row,
        at_risk,
        hazard,
        draws,
        _BOUND_MARGIN,
        _BOUNDED_FROM,
        rows,
        minus_rate,
    )
    expm1 = np.expm1(minus_rate[:k], out=minus_rate[:k])
    lapsed = np.zeros(people.size, dtype=bool)
    m = _lapse(
        rows[:k], expm1, draws, day, people.status, people.lapses, people.first_lapse_day, lapsed
    )
    rows = rows[:m]
    if isinstance(durations, LengthDraws):
        # Lengths for today's lapses only (the same numbers `lapse_durations` gives them).
        mean = durations.params.by_substance("lapse_mean_days")[people.substance[rows]]
        people.lapse_days_left[rows] = geometric_lengths(mean, durations.draws[rows])
    else:
        people.lapse_days_left[rows] = np.broadcast_to(durations, people.size)[rows]
    return lapsed


#: A lapse needs draw < -expm1(-hazard), and -expm1(-h) <= h for h >= 0: a row whose draw is
#: above its hazard times this margin cannot lapse, so its expm1 is not needed. The margin
#: (0.1%) is far wider than the error of NumPy's expm1 (a few units in the last place, 1e-15
#: in float64, 1e-7 in float32), so the rows left out are exactly rows that would not lapse.
_BOUND_MARGIN = 1.001
#: Hazards below this (and negative or NaN ones) are not bounded: their rows always get the
#: expm1 (subnormal numbers have few significant bits).
_BOUNDED_FROM = 1e-30


@kernel
def _could_lapse(status, every_row, at_risk, hazard, draws, margin, bounded_from, rows, minus_rate):
    # Compacts the rows in recovery that could lapse today, and their -hazard, into the first
    # k places (written for every row, kept where it could lapse). hazard[j] is row j's, or
    # with `at_risk` (every_row False) row at_risk[j]'s.
    # A hazard of exactly 0 (a row `lapse_risk.daily_hazard` left out) is bounded too: a draw
    # above 0 cannot pass -expm1(-0.0), which is 0.
    k = 0
    for j in range(len(hazard)):
        i = j if every_row else np.int64(at_risk[j])
        h = hazard[j]
        rows[k] = i
        minus_rate[k] = -h
        bounded = ((h >= bounded_from) | (h == 0)) & (draws[i] > h * margin)
        k += (status[i] == RECOVERING) & (not bounded)
    return k


@kernel
def _lapse(rows, expm1, draws, day, status, lapses, first_lapse_day, lapsed):
    # A row in recovery lapses when its draw is below -expm1(-hazard); the lapsed rows are
    # moved to the front of `rows` (ascending), and their count returned.
    m = 0
    for j in range(len(rows)):
        i = rows[j]
        if draws[i] < -expm1[j]:
            lapsed[i] = True
            status[i] = LAPSED
            lapses[i] += 1
            if first_lapse_day[i] == NEVER:
                first_lapse_day[i] = day
            rows[m] = i
            m += 1
    return m


def resolve_lapses(
    people: PopulationState,
    params: RelapseParams,
    escalation_ratio: np.ndarray | float,
    draws: np.ndarray | RowDraws,
    day: int,
) -> np.ndarray:
    """Lapses that have run their length end today: caught (back in recovery) or escalated.

    A caught lapse sets the attempt's clock back by `lapse_clock_setback`; an escalated one
    becomes a relapse (regular use; `recovery.start_episodes` gives it its length).

    Args:
        people: the population (status, clocks and counters are updated).
        params: the relapse section.
        escalation_ratio: the protective effect of a mentor's or program's rapid response.
        draws: one uniform per person (or `RowDraws`: only the ending lapses' are made).
        day: today.

    Returns:
        Who relapsed today.
    """
    # One pass counts the lapses' days down and finds those ending today (few rows); the
    # chance of escalating is worked out in NumPy for those rows alone.
    require_per_person(people, "resolve_lapses", draws=draws)
    rows = np.empty(people.size, dtype=np.int64)
    rows = rows[: _count_down(people.status, people.lapse_days_left, rows)]
    ratio = np.asarray(escalation_ratio, dtype=float)
    p_escalate = np.clip(
        params.by_substance("escalation_probability")[people.substance[rows]]
        * (ratio[rows] if ratio.ndim else ratio)
        * np.exp(-params.self_efficacy_effect * (people.self_efficacy[rows] - 0.5)),
        0.0,
        1.0,
    )
    relapsed = np.zeros(people.size, dtype=bool)
    caught = rows.copy()
    m = _end_lapses(
        rows,
        draws[rows],
        p_escalate,
        day,
        people.status,
        people.relapses,
        people.first_relapse_day,
        people.caught_lapse_day,
        people.lapse_days_left,
        relapsed,
        caught,
    )
    caught = caught[:m]
    kept = np.rint(people.days_abstinent[caught] * (1.0 - params.lapse_clock_setback))
    people.days_abstinent[caught] = kept.astype(people.days_abstinent.dtype)
    return relapsed


@kernel
def _count_down(status, lapse_days_left, rows):
    # A day off each lapse; the rows whose lapse has run its length go to `rows` (ascending).
    k = 0
    for i in range(len(status)):
        if status[i] == LAPSED:
            lapse_days_left[i] -= 1
            if lapse_days_left[i] <= 0:
                rows[k] = i
                k += 1
    return k


@kernel
def _end_lapses(
    rows,
    draws,
    p_escalate,
    day,
    status,
    relapses,
    first_relapse_day,
    caught_lapse_day,
    lapse_days_left,
    relapsed,
    caught,
):
    # Each ending lapse escalates (its draw, draws[j], below its chance) or is caught; the
    # caught rows are written to the front of `caught` (ascending), and their count returned.
    m = 0
    for j in range(len(rows)):
        i = rows[j]
        if draws[j] < p_escalate[j]:
            relapsed[i] = True
            status[i] = USING
            relapses[i] += 1
            if first_relapse_day[i] == NEVER:
                first_relapse_day[i] = day
            caught_lapse_day[i] = NEVER
        else:
            status[i] = RECOVERING
            caught_lapse_day[i] = day
            caught[m] = i
            m += 1
        lapse_days_left[i] = 0
    return m


def record_use(
    people: PopulationState,
    day: int,
    use_share: np.ndarray | float = 1.0,
    draws: np.ndarray | RowDraws | None = None,
    substance_share: np.ndarray | None = None,
) -> None:
    """End of the day: count a day of use for everyone lapsed or in an episode of use.

    People in an episode of regular use use on a share of days (participants and mentors;
    community members' use is background).

    Args:
        people: the population (`use_days`, `last_use_day` are updated).
        day: today.
        use_share: each person's share of days with use during regular use.
        draws: one uniform per person (needed when the share is below 1), or the `RowDraws`
            that make them: only the rows in use (lapsed or in regular use, not community
            members) are asked for theirs, and only those in regular use compare it.
        substance_share: one share per substance (indexed by `people.substance`), in place of
            `use_share`: looked up in the pass, with no per-person array.
    """
    # With no draws every row in use uses; the shares and draws are then not read.
    drawn = draws is not None
    if drawn:
        require_per_person(people, "record_use", draws=draws)
    by_substance = drawn and substance_share is not None
    if by_substance:
        share = np.asarray(substance_share, dtype=float)
        if share.shape != (len(SUBSTANCES),):
            raise ValueError(
                f"record_use: `substance_share` has shape {share.shape}; it needs one share per "
                f"substance ({len(SUBSTANCES)}: {', '.join(SUBSTANCES)})."
            )
    else:
        share = np.broadcast_to(np.asarray(use_share), people.size) if drawn else np.ones(1)
    # A vectorised pass flags the rows in use (not community members), NumPy lists them, and
    # the draws are made (or read) for those alone: lapsed rows use whatever their draw.
    in_use = np.empty(people.size, dtype=np.uint8)
    _in_use(people.status, people.kind, in_use)
    rows = np.flatnonzero(in_use.view(bool))
    _record_use(
        rows,
        people.status,
        people.substance,
        drawn,
        draws[rows] if drawn else np.ones(1, dtype=np.float32),
        share,
        by_substance,
        day,
        people.use_days,
        people.last_use_day,
    )


@kernel
def _in_use(status, kind, in_use):  # pragma: no cover - compiled
    # Lapsed or in an episode of use, and not a community member, as 0/1 bytes (uint8
    # arithmetic and no branches: the loop vectorises).
    for i in range(len(status)):
        s = status[i]
        in_use[i] = np.uint8(kind[i] != COMMUNITY) & (np.uint8(s == LAPSED) | np.uint8(s == USING))


@kernel
def _record_use(
    rows, status, substance, drawn, draws, share, by_substance, day, use_days, last_use_day
):  # pragma: no cover - compiled
    # Each row in use (rows[j], its draw draws[j] when drawn) uses today if lapsed, if not
    # drawn, or if its draw is below its share. The rows that use are compacted to the front
    # (without branches: they are unpredictable), then only they are updated. Without draws,
    # element 0 of the one-element `draws` is read, and not used.
    m = 0
    for j in range(len(rows)):
        i = rows[j]
        s = share[substance[i]] if by_substance else share[i if drawn else 0]
        rows[m] = i
        m += (status[i] == LAPSED) | (not drawn) | (draws[j if drawn else 0] < s)
    for j in range(m):
        use_days[rows[j]] += 1
        last_use_day[rows[j]] = day
