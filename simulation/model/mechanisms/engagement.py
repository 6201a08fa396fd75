"""Engagement and dropout, and how they and use feed each other.

Engagement (0-1) starts high at enrolment and decays; a good alliance with a mentor and meetings
hold it up, stigma and scepticism wear it down, and days of use wear it down faster (use during
treatment predicts dropout). Below a threshold a person drops out of the program, losing their
mentor, meetings and check-ins: dropping out returns a person to usual care's risk by taking the
program's support away. Any extra risk beyond that loss is `disengaged_hazard_ratio` (an
assumption, 1 by default: the observed excess risk of dropouts is largely selection, which
frailty and use-driven dropout already carry). Outreach brings some dropouts back. A program can
end on a chosen day (`program_end_day`): enrolment stops, and everyone still enrolled then
finished the program (`completed`): they are not dropouts, and outreach does not call them back.
Defaults follow Kelly, Stout & Slaymaker 2013 (0.89/0.82/0.76 still attending at 90/180/365
days) and Kelly & Moos 2003 (40% dropped out of groups within a year).
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.population import DECEASED, LAPSED, USING, PopulationState
from simulation.model.random_streams import RowDraws
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.parameters import SUBSTANCES, Section, parameter

STIMULANTS = SUBSTANCES.index("stimulants")


class EngagementParams(Section):
    """Engagement decay, dropout and outreach."""

    enabled: bool = parameter(
        True,
        unit="switch",
        source="scenario design",
        description="whether engagement decays and people drop out",
    )
    initial_engagement: float = parameter(
        0.8,
        unit="0-1 score",
        source="assumption",
        description="engagement at enrolment",
        ge=0.0,
        le=1.0,
    )
    decay_per_year: float = parameter(
        2.0,
        unit="per year",
        source="fitted to Kelly, Stout & Slaymaker 2013 and Kelly & Moos 2003 (community design: ~85% / ~69% still enrolled at 180 / 365 days, with use and weak alliances speeding disengagement)",
        description="rate at which engagement fades without support",
        ge=0.0,
        le=52.0,
    )
    alliance_gain_per_day: float = parameter(
        0.004,
        unit="per day at full alliance",
        source="fitted to Kelly, Stout & Slaymaker 2013 and Kelly & Moos 2003 (community design: ~84% / ~72% still enrolled at 180 / 365 days)",
        description="how fast a strong mentor alliance rebuilds engagement",
        ge=0.0,
        le=1.0,
    )
    meeting_gain: float = parameter(
        0.03,
        unit="per meeting",
        source="assumption",
        description="engagement gained by attending a meeting",
        ge=0.0,
        le=1.0,
    )
    dropout_threshold: float = parameter(
        0.25,
        unit="0-1 score",
        source="assumption",
        description="engagement below which a person drops out",
        ge=0.0,
        le=1.0,
    )
    stimulant_decay_ratio: float = parameter(
        1.4,
        unit="ratio",
        source="Lappan, Brown & Hendricks 2020 (treatment dropout highest for stimulants); assumption for its size",
        description="how much faster engagement fades for people whose substance is stimulants",
        gt=0.0,
        le=10.0,
    )
    outreach_rate_per_year: float = parameter(
        0.5,
        unit="per year",
        source="assumption",
        description="rate at which outreach re-enrols people who dropped out",
        ge=0.0,
        le=52.0,
    )
    use_decay_ratio: float = parameter(
        1.5,
        unit="ratio",
        source=(
            "Brorson et al. 2013, Clin Psychol Rev 33:1010 (substance use during treatment "
            "predicts dropout); size an assumption kept small so that retention stays with Kelly et "
            "al. 2013 and caseloads (hence mentor burnout) with RTI 2024 (plausible range 1-4)"
        ),
        description="how much faster engagement fades on a day of use (lapse or relapse)",
        ge=1.0,
        le=50.0,
    )
    disengaged_hazard_ratio: float = parameter(
        1.0,
        unit="hazard ratio",
        source=(
            "assumption, default 1 (no extra risk), plausible range 1.0-1.5. Dropping out already "
            "costs the program's support (mentor contact, meetings, check-ins, new ties), which "
            "returns a person to usual care's risk. Dropouts do worse than those who stay (Moos & "
            "Moos 2006, Addiction 101:212; Kelly et al. 2013), but that observational excess is "
            "largely selection (people at higher risk leave), which frailty and use-driven "
            "dropout already carry here; no study isolates a demoralisation effect of leaving"
        ),
        description=(
            "extra lapse hazard after dropping out of the program, beyond losing its support "
            "(relative to people who never enrolled; not for those who finished at its end)"
        ),
        ge=1.0,
        le=10.0,
    )
    program_end_day: int = parameter(
        0,
        unit="day",
        source="scenario design",
        description=(
            "last day of the program: after it nobody enrols; mentoring, meetings, residential "
            "places and the self-guided tool stop, and those still enrolled have finished it "
            "(not dropped out) (0 = the program runs for the whole simulation)"
        ),
        ge=0,
        le=36_500,
    )


def start(people: PopulationState, params: EngagementParams, joined: np.ndarray) -> None:
    """People who joined today start at the initial engagement."""
    if joined.any():  # often nobody: a mask is read faster than it is indexed
        people.engagement[joined] = params.initial_engagement


def program_has_ended(params: EngagementParams, day: int) -> bool:
    """Whether `day` comes after the program's last day (never, if it has none)."""
    return 0 < params.program_end_day < day


def end_program(people: PopulationState) -> np.ndarray:
    """The program closes: everyone enrolled finishes it (`completed`), not a dropout.

    Args:
        people: the population (`enrolled`, `completed` and `engagement` change).

    Returns:
        Who finished the program today.
    """
    leaving = people.enrolled.copy()
    people.completed |= leaving
    people.enrolled[:] = False
    people.engagement[:] = 0.0
    return leaving


def dropped_out(people: PopulationState) -> np.ndarray:
    """People who enrolled and left before the program's end (not those who finished it).

    Args:
        people: the population.

    Returns:
        Mask of dropouts.
    """
    return people.ever_enrolled & ~people.enrolled & ~people.completed


def hazard_ratio(people: PopulationState, params: EngagementParams) -> np.ndarray | float:
    """Extra lapse hazard of people who dropped out (1 for everyone else).

    Losing the program's support is not in this ratio: it follows from the support itself
    (contact, meetings, ties) stopping. People who finished the program at its end are not
    dropouts.

    Args:
        people: the population.
        params: the engagement section.

    Returns:
        A ratio per person, or 1.0 when engagement is switched off.
    """
    if not params.enabled or params.disengaged_hazard_ratio == 1.0:
        return 1.0
    return np.where(dropped_out(people), params.disengaged_hazard_ratio, 1.0)


def apply_hazard_ratio(
    hazard: np.ndarray, people: PopulationState, params: EngagementParams, rows: np.ndarray
) -> None:
    """Multiply each row's hazard by `hazard_ratio` in place (dropouts' rows alone change).

    Args:
        hazard: one hazard per row of `rows`, changed in place.
        people: the population.
        params: the engagement section.
        rows: the rows the hazards are for.
    """
    if params.enabled and params.disengaged_hazard_ratio != 1.0:
        hazard[np.flatnonzero(dropped_out(people)[rows])] *= params.disengaged_hazard_ratio


def update(
    people: PopulationState,
    params: EngagementParams,
    decay_ratio: np.ndarray,
    attended: np.ndarray,
    engagement_ratio: np.ndarray | float,
) -> np.ndarray:
    """Engagement moves; returns who drops out today.

    Args:
        people: the population (engagement and enrolment are updated).
        params: the engagement section.
        decay_ratio: per-person ratio on the decay rate (stigma, scepticism).
        attended: who attended a meeting today.
        engagement_ratio: per-person ratio from the setting (slows decay, speeds gains), or
            one number for everyone.

    Returns:
        Who dropped out today (engagement fell below the threshold; days of use speed it).
    """
    if not params.enabled:
        return np.zeros(people.size, dtype=bool)
    # Only participants enrol, and they are the first rows: work on those rows.
    n = people.participants.stop
    ratio = np.asarray(engagement_ratio, float)
    alliance, decay_ratio, engagement_ratio, attended = (
        np.broadcast_to(a if np.ndim(a) == 0 else a[:n], (n,))
        for a in (people.alliance, decay_ratio, ratio, attended)
    )
    dropping = np.zeros(people.size, dtype=bool)
    # A setting ratio of exactly 1 everywhere (outside digital settings) divides and multiplies
    # nothing (x / 1 and x * 1 are x), and a loop without the division vectorises. One number
    # is compared once (comparing its broadcast took ~0.1 ms at 100,000).
    unit = bool(ratio == 1.0) if ratio.ndim == 0 else bool((engagement_ratio == 1.0).all())
    _update_kernel(
        (people.enrolled[:n], people.engagement[:n], people.substance, people.status),
        (alliance, decay_ratio, engagement_ratio, attended, dropping, unit),
        (per_day(params.decay_per_year, "year"), params.stimulant_decay_ratio),
        (params.use_decay_ratio, params.alliance_gain_per_day, params.meeting_gain),
        params.dropout_threshold,
    )
    return dropping


@kernel
def _update_kernel(state, ratios, decay, gains, threshold):
    """`update` in one pass over the participants' rows (the first `len(enrolled)`)."""
    enrolled, engagement, substance, status = state
    alliance, decay_ratio, engagement_ratio, attended, dropping, unit = ratios
    decay_per_day, stimulant_ratio = decay
    use_ratio, alliance_gain, meeting_gain = gains
    if unit:  # every setting ratio is 1: the same steps without it, branch-free (selects)
        for i in range(len(enrolled)):
            on = enrolled[i]  # NumPy's result is discarded for people not enrolled
            rate = decay_per_day * decay_ratio[i]
            rate = rate * stimulant_ratio if substance[i] == STIMULANTS else rate
            rate = rate * use_ratio if (status[i] == LAPSED) | (status[i] == USING) else rate
            gain = alliance_gain * alliance[i] + meeting_gain * attended[i]
            e = engagement[i]
            faded = e - rate * e
            moved = faded + gain * (1.0 - faded)
            moved = 0.0 if moved < 0.0 else (1.0 if moved > 1.0 else moved)  # clip
            engagement[i] = moved if on else e
            drop = on & (moved < threshold)
            dropping[i] = drop
            enrolled[i] = on & (drop ^ True)
        return
    for i in range(len(enrolled)):
        if not enrolled[i]:
            continue  # NumPy's result is discarded for people not enrolled
        ratio = engagement_ratio[i]
        rate = decay_per_day * decay_ratio[i] / ratio
        rate = rate * stimulant_ratio if substance[i] == STIMULANTS else rate  # selects
        rate = rate * use_ratio if (status[i] == LAPSED) | (status[i] == USING) else rate
        gain = alliance_gain * alliance[i] * ratio + meeting_gain * attended[i]
        e = engagement[i]
        faded = e - rate * e
        moved = faded + gain * (1.0 - faded)
        engagement[i] = 0.0 if moved < 0.0 else (1.0 if moved > 1.0 else moved)  # clip
        if engagement[i] < threshold:
            dropping[i] = True
            enrolled[i] = False


def leave_at_death(people: PopulationState) -> np.ndarray:
    """The dead leave the program the day they die (not counted as dropping out).

    Args:
        people: the population (`enrolled` changes).

    Returns:
        Who left the program today because they died.
    """
    left = np.zeros(people.size, dtype=bool)
    n = people.participants.stop  # only participants (the first rows) ever enrol
    _leave_kernel(people.enrolled[:n], people.status[:n], left[:n])
    return left


@kernel
def _leave_kernel(enrolled, status, left):
    """`enrolled & (status == DECEASED)` leave, in one branch-free pass."""
    for i in range(len(enrolled)):
        gone = enrolled[i] & (status[i] == DECEASED)
        left[i] = gone
        enrolled[i] = enrolled[i] & (gone ^ True)


def outreach(
    people: PopulationState, params: EngagementParams, draws: np.ndarray | RowDraws
) -> np.ndarray:
    """Some who dropped out are brought back by outreach (never those who finished the program).

    Args:
        people: the population (`enrolled` and `engagement` change).
        params: the engagement section.
        draws: one uniform draw per person, or the `RowDraws` that make them (only the living
            who dropped out read one).

    Returns:
        Who was re-enrolled today.
    """
    p = rate_to_probability(per_day(params.outreach_rate_per_year, "year"))
    below = float(np.asarray(p, dtype=np.result_type(draws.dtype, p)))  # NumPy's comparison dtype
    back = np.zeros(people.size, dtype=bool)
    n = people.participants.stop  # only participants (the first rows) ever enrol
    dropped = np.empty(n, dtype=np.uint8)
    state = (people.ever_enrolled[:n], people.enrolled[:n], people.completed[:n])
    _dropped_out(state, people.status[:n], dropped)
    rows = np.flatnonzero(dropped.view(bool))
    # The draws of the living who dropped out alone (few: outreach is for them).
    chance = (draws[rows], below, people.engagement, params.initial_engagement)
    _bring_back(rows, chance, people.enrolled, back)
    return back


@kernel
def _dropped_out(state, status, dropped):
    """`dropped_out & alive` (ever enrolled, not enrolled, not completed), as 0/1 bytes."""
    ever_enrolled, enrolled, completed = state
    for i in range(len(enrolled)):  # uint8 arithmetic and no branches: the loop vectorises
        dropped[i] = (
            np.uint8(ever_enrolled[i])
            & (np.uint8(enrolled[i]) ^ np.uint8(1))
            & (np.uint8(completed[i]) ^ np.uint8(1))
            & np.uint8(status[i] != DECEASED)
        )


@kernel
def _bring_back(rows, chance, enrolled, back):
    """Each listed row whose draw is below the chance comes back at the initial engagement."""
    draws, below, engagement, initial = chance
    for j in range(len(rows)):
        if draws[j] < below:  # rare (a small daily chance): a well-predicted branch
            i = rows[j]
            back[i] = True
            enrolled[i] = True
            engagement[i] = initial
