"""The day's lapse hazard: each person's baseline risk times every mechanism's ratio on it.

Only people in recovery can lapse, so by default only their rows get a hazard: each factor is
worked out for those rows alone (the same numbers, row by row, as for everyone) and applied
in turn. Yesterday's hazard is also read for other rows by an adaptive platform (who it
reaches) and by a waiting list that serves the highest risk first; with either, every row
gets its hazard, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.model import program
from simulation.model.compiled import kernel
from simulation.model.mechanisms import (
    engagement,
    mentor_wellbeing,
    network,
    psychology,
    relapse,
    setting,
    stigma,
)
from simulation.model.population import RECOVERING

if TYPE_CHECKING:
    from simulation.model.mechanisms.network import SocialExposure
    from simulation.model.model import RecoveryCommunityModel

#: The hazard of a row that is not worked out today (not in recovery, and no reader needs it).
NOT_AT_RISK = 0.0


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
        The daily hazard per person (a new array): for the rows of `hazard_rows`, and
        `NOT_AT_RISK` for the others (they cannot lapse today and no one reads their hazard).
    """
    people, p = model.people, model.scenario
    rows = hazard_rows(model)
    every_row = rows is None
    rows = np.arange(people.size) if every_row else rows
    hazard = relapse.lapse_hazard(people, p.relapse, model.hazard_table, today, rows)
    # Each factor in turn (`h * r1 * r2 ...`); those that move only a few rows (residents,
    # mentors, dropouts) multiply those rows in place.
    multiply_in_place(hazard, network.hazard_ratio(exposure, p.network, rows))
    multiply_in_place(hazard, program.hazard_ratio(model, rows))
    setting.apply_hazard_ratio(hazard, people, p.setting, rows)
    mentor_wellbeing.apply_hazard_ratio(hazard, people, p.mentor_wellbeing, rows)
    multiply_in_place(hazard, psychology.mental_health_ratio(people, p.mental_health, rows))
    engagement.apply_hazard_ratio(hazard, people, p.engagement, rows)
    multiply_in_place(hazard, stigma.hazard_ratio(people, p.stigma, rows))
    if every_row:
        return hazard
    everyone = np.empty(people.size, dtype=hazard.dtype)
    _spread(rows, hazard, NOT_AT_RISK, everyone)
    return everyone


@kernel
def _spread(rows, hazard, other, everyone):
    # `everyone[:] = other; everyone[rows] = hazard` for ascending rows, in one pass.
    start = 0
    for j in range(len(rows)):
        everyone[start : rows[j]] = other
        everyone[rows[j]] = hazard[j]
        start = rows[j] + 1
    everyone[start:] = other


def hazard_rows(model: RecoveryCommunityModel) -> np.ndarray | None:
    """The rows whose hazard today is needed, ascending; None for every row.

    People in recovery (only they can lapse), unless yesterday's hazard of other rows is read
    tomorrow: by an adaptive digital platform (`setting.adaptive_contact`, the enrolled) or a
    waiting list ranked by risk (`waiting_list.queue_priority`, the queue).

    Args:
        model: the model.

    Returns:
        Row numbers, or None when every row needs its hazard.
    """
    p = model.scenario
    adaptive = p.setting.adaptive and p.setting.kind in ("digital", "hybrid")
    ranked = model.intake is not None and p.intake.waiting_list.rule != "first_come"
    if adaptive or ranked:
        return None
    status = model.people.status
    # Half the bytes of int64 for each pass that reads them (below 2**31 rows).
    rows = np.empty(len(status), dtype=np.int32 if len(status) < 2**31 else np.int64)
    return rows[: _in_recovery(status, rows)]


@kernel
def _in_recovery(status, rows):
    # The rows in recovery, ascending, at the front of `rows` (written for every row, kept
    # where in recovery: no branch to mispredict); their count.
    k = 0
    for i in range(len(status)):
        rows[k] = i
        k += status[i] == RECOVERING
    return k


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
