"""Digital preference and the self-guided digital tool (support without a mentor).

Each participant has a digital preference (0-1), higher in youth (Bergman et al. 2018: digital
recovery support is used most at ages 18-29). In the digital and hybrid settings it sets how
well a person engages (`setting.digital_youth_engagement_ratio` is the ratio at the youth mean,
1 at the adult mean). The self-guided tool (`setting.self_guided_tool`) is a lever of its own: a
recovery app with check-ins, taken up on day 0 in proportion to preference; its use fades, it
lowers the lapse hazard of people who still use it, and a check-in tells a matched mentor of a
lapse (so a mentor can answer it without a recent contact). Quanbeck et al. 2024 found that
adding peer or clinical support to a digital tool gave no clear extra benefit; the tool's own
effect here is an assumption (Gustafson et al. 2014, A-CHESS: fewer risky drinking days at 12
months; not re-read for this model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.population import DECEASED, PARTICIPANT, PopulationState
from simulation.scenario.parameters import Section, parameter

_BERGMAN = "assumption; Bergman et al. 2018 (digital recovery support most used at 18-29)"


class DigitalPreferenceParams(Section):
    """How much people prefer digital support, by age group."""

    youth_mean: float = parameter(
        0.7,
        unit="0-1 score",
        source=_BERGMAN,
        description="mean digital preference under 25",
        ge=0.0,
        le=1.0,
    )
    adult_mean: float = parameter(
        0.5,
        unit="0-1 score",
        source=_BERGMAN,
        description="mean digital preference at 25-54",
        ge=0.0,
        le=1.0,
    )
    older_adult_mean: float = parameter(
        0.3,
        unit="0-1 score",
        source=_BERGMAN,
        description="mean digital preference at 55+",
        ge=0.0,
        le=1.0,
    )
    spread: float = parameter(
        0.15,
        unit="0-1 score (SD)",
        source="assumption",
        description="spread of digital preference between people of one age group",
        ge=0.0,
        le=1.0,
    )

    def means(self) -> np.ndarray:
        """Mean preference per age-group code (youth, adult, older adult).

        Returns:
            Three means, in AGE_GROUPS order.
        """
        return np.array([self.youth_mean, self.adult_mean, self.older_adult_mean])


class SelfGuidedToolParams(Section):
    """A self-guided digital recovery tool, with or without mentors."""

    enabled: bool = parameter(
        False,
        unit="switch",
        source="scenario design",
        description="offer every participant a self-guided digital recovery tool",
    )
    uptake_at_full_preference: float = parameter(
        0.8,
        unit="probability",
        source="assumption",
        description="chance a person with digital preference 1 takes the tool up (scales with preference)",
        ge=0.0,
        le=1.0,
    )
    use_half_life_days: float = parameter(
        120.0,
        unit="days",
        source="assumption (use of health apps falls steeply over months)",
        description="half-life of a user's use of the tool",
        gt=0.0,
        le=3650.0,
    )
    hazard_effect: float = parameter(
        0.15,
        unit="log hazard ratio",
        source="assumption; Gustafson et al. 2014 (A-CHESS)",
        description="lapse hazard reduction at full use",
        ge=0.0,
        le=5.0,
    )
    check_in_alerts_mentor: bool = parameter(
        True,
        unit="switch",
        source="scenario design (A-CHESS alerts a counsellor)",
        description="a user's check-in tells their mentor of a lapse",
    )
    check_in_use_level: float = parameter(
        0.25,
        unit="0-1 use",
        source="assumption",
        description="use at or above which a user still checks in",
        ge=0.0,
        le=1.0,
    )


@dataclass
class DigitalState:
    """Per-person digital state kept beside the population arrays.

    Attributes:
        preference: digital preference (0-1), fixed for the run.
        tool_use: current use of the self-guided tool (0-1, fades).
    """

    preference: np.ndarray
    tool_use: np.ndarray


def draw_preference(
    people: PopulationState, params: DigitalPreferenceParams, normals: np.ndarray
) -> np.ndarray:
    """Each person's digital preference: their age group's mean plus a normal spread.

    Args:
        people: population state (age groups).
        params: preference parameters.
        normals: one standard normal draw per person.

    Returns:
        Preferences clipped to [0, 1].
    """
    return np.clip(params.means()[people.age_group] + params.spread * normals, 0.0, 1.0)


def start_tool(
    people: PopulationState,
    params: SelfGuidedToolParams,
    preference: np.ndarray,
    draws: np.ndarray,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Day 0 (or a referral's first day): participants take the tool up by their preference.

    Args:
        people: population state.
        params: tool parameters.
        preference: digital preference per person.
        draws: one uniform draw per person; with `rows`, read at those rows only (so
            `RowDraws`, which makes the draws of the rows asked for, will do).
        rows: the rows to work out (e.g. today's referrals), or None for every row.

    Returns:
        Initial tool use (1 for users, 0 otherwise), per person or per row of `rows`.
    """
    if not params.enabled:
        return np.zeros(people.size if rows is None else len(rows))
    if rows is None:
        kind, draws = people.kind, np.asarray(draws)
    else:  # each row's comparison as in the whole array
        kind, draws, preference = people.kind[rows], draws[rows], preference[rows]
    users = (kind == PARTICIPANT) & (draws < params.uptake_at_full_preference * preference)
    return users.astype(float)


def fade_use(people: PopulationState, params: SelfGuidedToolParams, use: np.ndarray) -> None:
    """Use of the tool fades (in place); the dead stop using it.

    Args:
        people: population state.
        params: tool parameters.
        use: tool use per person.
    """
    factor = use.dtype.type(0.5 ** (1.0 / params.use_half_life_days))  # NumPy's weak scalar
    _fade_kernel(use, people.status, factor, DECEASED)


@kernel
def _fade_kernel(use, status, factor, deceased):
    for i in range(use.shape[0]):
        use[i] = 0.0 if status[i] == deceased else use[i] * factor


def hazard_ratio(params: SelfGuidedToolParams, use: np.ndarray) -> np.ndarray | float:
    """Lapse hazard ratio of the tool's users.

    Args:
        params: tool parameters.
        use: tool use per person.

    Returns:
        `exp(-hazard_effect * use)` (1 when the tool is not offered).
    """
    if not params.enabled:
        return 1.0
    return np.exp(-params.hazard_effect * use)


def apply_hazard_ratio(
    hazard: np.ndarray, params: SelfGuidedToolParams, use: np.ndarray, rows: np.ndarray
) -> None:
    """Multiply each row's hazard by `hazard_ratio` in place.

    Only the users' rows change, and only they need the exp (exp(-0.0) is exactly 1).

    Args:
        hazard: one hazard (or ratio) per row of `rows`, changed in place.
        params: tool parameters.
        use: tool use per person.
        rows: the rows the hazards are for.
    """
    if not params.enabled:
        return
    dtype = (-params.hazard_effect * use[:0]).dtype
    at, nonzero = np.empty(len(rows), np.int64), np.empty(len(rows), dtype)
    m = _use_exponents(rows, use, dtype.type(-params.hazard_effect), at, nonzero)
    _scale_at(hazard, at[:m], np.exp(nonzero[:m], out=nonzero[:m]))


@kernel
def _use_exponents(rows, use, minus, at, nonzero):
    # The nonzero exponents `minus * use` and their places, at the front.
    m = 0
    for j in range(len(rows)):
        x = minus * use[rows[j]]
        at[m] = j
        nonzero[m] = x
        m += x != 0
    return m


@kernel
def _scale_at(hazard, at, ratio):
    for m in range(len(at)):
        hazard[at[m]] *= ratio[m]


def checking_in(params: SelfGuidedToolParams, use: np.ndarray) -> np.ndarray:
    """Users whose check-ins would tell a mentor of a lapse.

    Args:
        params: tool parameters.
        use: tool use per person.

    Returns:
        Mask of people still checking in (all False when alerts are off).
    """
    if not (params.enabled and params.check_in_alerts_mentor):
        return np.zeros(len(use), dtype=bool)
    return use >= params.check_in_use_level


def engagement_ratio(
    people: PopulationState,
    preference_params: DigitalPreferenceParams,
    preference: np.ndarray,
    ratio_at_youth_mean: float,
) -> np.ndarray:
    """Engagement ratio in digital settings from digital preference.

    Linear in preference: 1 at the adult mean, `ratio_at_youth_mean` at the youth mean, never
    below `MIN_ENGAGEMENT_RATIO`.

    Args:
        people: population state.
        preference_params: preference parameters (the age means).
        preference: digital preference per person.
        ratio_at_youth_mean: engagement ratio of a person at the youth mean.

    Returns:
        Engagement ratio per person.
    """
    gap = preference_params.youth_mean - preference_params.adult_mean
    slope = (ratio_at_youth_mean - 1.0) / gap if gap > 0 else 0.0
    ratio = 1.0 + slope * (preference - preference_params.adult_mean)
    return np.maximum(ratio, MIN_ENGAGEMENT_RATIO) * np.ones(people.size)


#: Floor of the engagement ratio: a person who dislikes digital support still engages a little
#: (a ratio of 0 would stop engagement decay from being defined).
MIN_ENGAGEMENT_RATIO = 0.2
