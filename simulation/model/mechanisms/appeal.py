"""A program's appeal: people join more readily a program that fits them.

Veterans join a program that matches them with veteran mentors more readily (peer programs for
veterans rest on shared military experience; the size is an assumption), and in the digital and
hybrid settings people who prefer digital support join more readily (Bergman et al. 2018:
digital recovery support is used most at 18-29; the size is an assumption). Both act on the
daily chance of joining later (`stigma.enrolment_rate_per_year`, with the same stigma and
scepticism odds), as a ratio on the rate for the people the design fits.
"""

from __future__ import annotations

import numpy as np

from simulation.model.population import DECEASED, PARTICIPANT, PopulationState
from simulation.model.random_streams import RowDraws
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.parameters import Section, parameter


class AppealParams(Section):
    """How much more readily people join a program that fits them."""

    veteran_uptake_ratio: float = parameter(
        1.5,
        unit="rate ratio",
        source="assumption (veteran peer programs; no trial estimate found)",
        description="joining-rate ratio of veterans when mentors are matched on veteran status",
        ge=1.0,
        le=10.0,
    )
    digital_uptake_ratio: float = parameter(
        1.5,
        unit="rate ratio",
        source="assumption; Bergman et al. 2018",
        description="joining-rate ratio in digital settings at digital preference 1 (1 at 0.5)",
        ge=1.0,
        le=10.0,
    )


#: Digital preference at which a digital design neither attracts nor deters (the adult mean).
NEUTRAL_PREFERENCE = 0.5


def fit_ratio(
    people: PopulationState,
    params: AppealParams,
    veteran_matching: bool,
    digital_setting: bool,
    preference: np.ndarray,
) -> np.ndarray:
    """Joining-rate ratio per person from how well the design fits them (at least 1).

    Args:
        people: population state.
        params: appeal parameters.
        veteran_matching: whether mentors are matched on veteran status.
        digital_setting: whether the setting is digital or hybrid.
        preference: digital preference per person.

    Returns:
        Ratio on the joining rate (1 where the design does not fit anyone better).
    """
    ratio = np.ones(people.size)
    if veteran_matching:
        ratio = np.where(people.veteran, ratio * params.veteran_uptake_ratio, ratio)
    if digital_setting:
        lift = (
            (params.digital_uptake_ratio - 1.0)
            * (preference - NEUTRAL_PREFERENCE)
            / (1.0 - NEUTRAL_PREFERENCE)
        )
        ratio *= np.maximum(1.0, 1.0 + lift)
    return ratio


def extra_enrolment(
    people: PopulationState,
    base_rate_per_year: float,
    odds_shift: np.ndarray,
    ratio: np.ndarray,
    draws: np.ndarray | RowDraws,
) -> np.ndarray:
    """People not enrolled who join today because the design fits them.

    Args:
        people: population state (`enrolled`, `ever_enrolled` change).
        base_rate_per_year: the joining rate of people not enrolled (stigma's).
        odds_shift: stigma and scepticism log-odds shift per person.
        ratio: joining-rate ratio from `fit_ratio`.
        draws: one uniform draw per person, or the `RowDraws` that make them (only the people
            not enrolled whom the design fits better read one).

    Returns:
        Mask of who joined.
    """
    waiting = (people.kind == PARTICIPANT) & ~people.enrolled & (people.status != DECEASED)
    # The rate, its chance and the draw of those rows alone (each as in the whole array).
    rows = np.flatnonzero(waiting & (ratio > 1.0))
    extra_rate = (
        per_day(base_rate_per_year, "year") * (ratio[rows] - 1.0) * np.exp(odds_shift[rows])
    )
    rows = rows[draws[rows] < rate_to_probability(extra_rate)]
    joining = np.zeros(people.size, dtype=bool)
    joining[rows] = True
    people.enrolled[rows] = True
    people.ever_enrolled[rows] = True
    return joining
