"""The day's lapse hazard: each person's baseline risk times every mechanism's ratio on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.model import program
from simulation.model.mechanisms import (
    engagement,
    mentor_wellbeing,
    network,
    psychology,
    relapse,
    setting,
    stigma,
)

if TYPE_CHECKING:
    from simulation.model.mechanisms.network import SocialExposure
    from simulation.model.model import RecoveryCommunityModel


def daily_hazard(model: RecoveryCommunityModel, exposure: SocialExposure, today: int) -> np.ndarray:
    """Today's lapse hazard per person.

    Days abstinent, age, frailty, state of mind and a recent caught lapse (the baseline), then
    friends who use, mentor support, meetings and the tool, the setting, a mentor's own burnout,
    mental health, having dropped out of the program, and the shame of stigma.

    Args:
        model: the model.
        exposure: today's social exposure (ties who use, ties in recovery).
        today: today.

    Returns:
        The daily hazard per person (a new array).
    """
    people, p = model.people, model.scenario
    hazard = relapse.lapse_hazard(people, p.relapse, model.hazard_table, today)
    for ratio in (
        network.hazard_ratio(exposure, p.network),
        program.hazard_ratio(model),
        setting.hazard_ratio(people, p.setting),
        mentor_wellbeing.hazard_ratio(people, p.mentor_wellbeing),
        psychology.mental_health_ratio(people, p.mental_health),
        engagement.hazard_ratio(people, p.engagement),
        stigma.hazard_ratio(people, p.stigma),
    ):
        multiply_in_place(hazard, ratio)
    return hazard


def multiply_in_place(hazard: np.ndarray, ratio: np.ndarray | float) -> None:
    """`hazard *= ratio`, skipping a ratio of exactly 1 (a mechanism switched off).

    The same numbers as the chained product `h * r1 * r2 ...` (each factor applied in turn, in
    float64), without a temporary array per factor.

    Args:
        hazard: float64 hazards, changed in place.
        ratio: a ratio per person, or one for everyone.
    """
    if not (np.isscalar(ratio) and ratio == 1.0):
        np.multiply(hazard, ratio, out=hazard)
