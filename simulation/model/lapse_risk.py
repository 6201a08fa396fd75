"""The day's lapse hazard: each person's baseline risk times every mechanism's ratio on it.

Only people in recovery can lapse, so by default only their rows get a hazard: each factor is
worked out for those rows alone (the same numbers, row by row, as for everyone) and applied
in turn. Yesterday's hazard is also read for other rows by an adaptive platform (who it
reaches) and by a waiting list that serves the highest risk first; with either, every row
gets its hazard, as before.

Given today's draws (those `lapse_course.apply_lapses` compares with), fewer rows still: a
row whose draw is above its baseline times the most the other factors can multiply it by
(`factor_ceiling`) cannot lapse whatever they are, so they are worked out only for the rest
(one in ten to twenty of those in recovery). The lapses are the same; the rows left out get
`NOT_AT_RISK`, as nothing else reads their hazard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.model import program
from simulation.model.compiled import kernel, require_per_person
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

#: The hazard of a row that is not worked out today: a row that cannot lapse today (not in
#: recovery, or today's draw is above any hazard it could have) and whose hazard no one reads.
NOT_AT_RISK = 0.0

#: A row is left out when its draw is above its baseline hazard times the factors' ceiling
#: times this margin. The margin (0.1%) is far wider than the rounding of the products and
#: exps (float32 for friends' factor: 1e-7 relative), so the rows left out are exactly rows
#: whose draw is above their hazard, and that cannot lapse (a lapse needs a draw below
#: -expm1(-hazard), which is at most the hazard).
CEILING_MARGIN = 1.001


def daily_hazard(
    model: RecoveryCommunityModel,
    exposure: SocialExposure,
    today: int,
    draws: np.ndarray | None = None,
) -> np.ndarray:
    """Today's lapse hazard per person: `hazards_at_risk`, spread over every row.

    Args:
        model: the model.
        exposure: today's social exposure (ties who use, ties in recovery).
        today: today.
        draws: today's `hazard` draws (see `hazards_at_risk`).

    Returns:
        The daily hazard per person (a new array), and `NOT_AT_RISK` for rows that cannot lapse
        today and whose hazard no one reads (see `hazard_rows`).
    """
    rows, hazard = hazards_at_risk(model, exposure, today, draws)
    if rows is None:
        return hazard
    everyone = np.empty(model.people.size, dtype=hazard.dtype)
    _spread(rows, hazard, NOT_AT_RISK, everyone)
    return everyone


def hazards_at_risk(
    model: RecoveryCommunityModel,
    exposure: SocialExposure,
    today: int,
    draws: np.ndarray | None = None,
) -> tuple[np.ndarray | None, np.ndarray]:
    """Today's lapse hazard of the rows that could lapse today, and those rows.

    Days abstinent, age, frailty, state of mind and a recent caught lapse (the baseline), then
    friends who use, mentor support, meetings and the tool, the setting, a mentor's own burnout,
    mental health, having dropped out of the program, and the shame of stigma.

    The baseline is worked out for the rows of `hazard_rows`; given today's draws, the other
    factors only for those of them whose draw could be below their hazard (`factor_ceiling`).

    Args:
        model: the model.
        exposure: today's social exposure (ties who use, ties in recovery).
        today: today.
        draws: today's `hazard` draws, the ones `lapse_course.apply_lapses` will compare the
            hazards with; without them every row of `hazard_rows` gets its whole hazard (a
            second `model.draws("hazard")` today would be other numbers).

    Returns:
        `(rows, hazard)`: the rows (ascending) and their hazards, every other row unable to
        lapse today; or `(None, hazard)` with every row's hazard, when tomorrow's mechanisms
        read them all (`hazard_rows`). The full hazards are kept as `model.last_hazard`.
    """
    people, p = model.people, model.scenario
    if draws is not None:
        require_per_person(people, "daily_hazard", draws=draws)
    rows = hazard_rows(model)
    every_row = rows is None
    rows = np.arange(people.size) if every_row else rows
    ceiling = None if every_row or draws is None else factor_ceiling(model)
    if ceiling is None:
        hazard = relapse.lapse_hazard(people, p.relapse, model.hazard_table, today, rows)
    else:
        # The baseline without the state of mind (its last factor) first, bounded by its
        # ceiling too; then the state of mind for the rows left, and the bound once more.
        hazard = relapse.lapse_hazard(people, p.relapse, model.hazard_table, today, rows, False)
        mind = state_of_mind_ceiling(p.relapse)
        bounds = (ceiling[0] * mind, ceiling[1] * mind)
        k = _may_lapse(rows, hazard, draws, people.is_mentor, *bounds, CEILING_MARGIN)
        rows, hazard = rows[:k], hazard[:k]
        hazard *= relapse.state_of_mind_ratio(people, p.relapse, rows)  # in place: h * ratio
        k = _may_lapse(rows, hazard, draws, people.is_mentor, *ceiling, CEILING_MARGIN)
        rows, hazard = rows[:k], hazard[:k]
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
        model.last_hazard = hazard  # read tomorrow (an adaptive platform, a ranked queue)
        return None, hazard
    return rows, hazard


def factor_ceiling(model: RecoveryCommunityModel) -> tuple[float, float] | None:
    """Upper bounds of the product of the factors after the baseline: (others, mentors).

    Each factor's largest value over the ranges its inputs keep: scores (mental health,
    stigma, burnout) between 0 and 1; support, alliance, support quality, meeting protection
    and tool use at least 0; contact counts at least 0, with the ties in recovery among a
    person's ties (a share between 0 and 1); a caseload at most today's largest.

    Args:
        model: the model.

    Returns:
        The two bounds, or None when a parameter's sign leaves a factor without one (then
        every row gets its hazard).
    """
    p = model.scenario
    net, wellbeing = p.network, p.mentor_wellbeing
    if net.using_contact_risk <= -1.0:
        return None
    # Friends' power is worked out in float32, from the base rounded to float32.
    others = max(
        1.0, float(np.float32(1.0 + net.using_contact_risk)) ** net.max_using_contacts_counted
    )
    others *= max(1.0, np.exp(-net.recovery_tie_protection))
    mentors = 1.0
    if program.offered(p):
        tool = p.setting.self_guided_tool
        per_mentee = wellbeing.over_helping_risk_per_mentee * p.training.over_involvement()
        if min(p.mentoring.support_effect, p.meetings.meeting_protection, per_mentee) < 0 or (
            tool.enabled and tool.hazard_effect < 0
        ):
            return None
        if wellbeing.enabled:  # over-helping: mentors alone
            excess = max(
                int(model.people.caseload.max(initial=0)) - wellbeing.over_helping_caseload, 0
            )
            mentors *= 1.0 + per_mentee * excess
    others *= max(1.0, abs(p.setting.residential_hazard_ratio))
    if wellbeing.enabled:  # helper therapy and burnout: mentors alone
        mentors *= max(1.0, abs(wellbeing.helper_hazard_ratio))
        mentors *= np.exp(max(wellbeing.burnout_hazard_effect, 0.0))
    others *= np.exp(abs(p.mental_health.hazard_effect) * 0.5)
    if p.engagement.enabled:
        others *= max(1.0, abs(p.engagement.disengaged_hazard_ratio))
    if p.stigma.enabled:
        others *= np.exp(abs(p.stigma.shame_hazard_effect) * 0.5)
    return float(others), float(others * mentors)


def state_of_mind_ceiling(params: relapse.RelapseParams) -> float:
    """Upper bound of `relapse.state_of_mind_ratio`: self-efficacy and isolation lie in 0-1.

    Args:
        params: the relapse section.

    Returns:
        `exp((|self_efficacy_effect| + |isolation_effect|) / 2)`.
    """
    return float(
        np.exp(0.5 * abs(params.self_efficacy_effect) + 0.5 * abs(params.isolation_effect))
    )


@kernel
def _may_lapse(rows, hazard, draws, is_mentor, others, mentors, margin):
    # Keeps, at the front of `rows` and `hazard`, the rows whose draw is not above their
    # baseline times their ceiling times the margin (a NaN bound keeps the row); their count.
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        bound = hazard[j] * (mentors if is_mentor[i] else others) * margin
        rows[k] = i
        hazard[k] = hazard[j]
        k += not (draws[i] > bound)
    return k


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
