"""The day's state of mind in one pass: self-efficacy, isolation and mental health together.

Each is its own mechanism (`psychology`); this pass applies the three row by row with their own
per-row formulas, so the day reads the shared columns (status, support, isolation) once instead
of three times. The result is exactly the three updates made one after the other.
"""

from __future__ import annotations

import numpy as np
from numba.core import types
from numba.extending import overload

from simulation.model.compiled import kernel
from simulation.model.mechanisms.psychology import (
    MentalHealthParams,
    PsychologyParams,
    _as,
    _at,
    _isolation_row,
    _mask,
    _mental_health_row,
    _per_person,
    _self_efficacy_row,
)
from simulation.model.population import RECOVERING, PopulationState


def update(
    people: PopulationState,
    params: PsychologyParams,
    mental_health: MentalHealthParams,
    lapsed: np.ndarray,
    relapsed: np.ndarray,
    loss_softening: np.ndarray | float,
    recovery_share: np.ndarray,
    extra_belonging: np.ndarray | float = 0.0,
    withdrawal: np.ndarray | float = 0.0,
    withdrawal_effect: float | None = None,
) -> None:
    """The day's self-efficacy, isolation and mental health, in one pass over everyone.

    Exactly `update_self_efficacy`, then `update_isolation`, then `update_mental_health` (each
    row's mental health reads its new isolation), with the same arguments.

    Args:
        people: the population (the three scores are updated).
        params: the psychology section.
        mental_health: the mental-health section.
        lapsed: who lapsed today (mask or rows).
        relapsed: who relapsed today (mask or rows).
        loss_softening: how much a timely response softens the self-efficacy loss (0-1).
        recovery_share: share of each person's ties who are in recovery.
        extra_belonging: belonging from elsewhere (meetings), 0-1.
        withdrawal: relative rise of the isolation level from stigma.
        withdrawal_effect: `stigma.withdrawal_effect`: when given, each row's rise is worked
            out in the pass as `stigma.withdrawal` gives it (no per-person array), and
            `withdrawal` is not read.
    """
    se, n = people.self_efficacy, people.self_efficacy.shape[0]
    m = mental_health
    _state_of_mind_kernel(
        se,
        people.isolation,
        people.mental_health,
        people.status,
        people.support,
        people.stigma,
        _mask(lapsed, n),
        _mask(relapsed, n),
        _per_person(np.asarray(loss_softening, dtype=float), n, "loss_softening"),
        _per_person(np.asarray(recovery_share), n, "recovery_share"),
        _per_person(np.asarray(extra_belonging), n, "extra_belonging"),
        _per_person(np.asarray(withdrawal), n, "withdrawal"),
        None if withdrawal_effect is None else float(withdrawal_effect),
        RECOVERING,
        (
            params.self_efficacy_growth_per_day,
            params.lapse_self_efficacy_loss,
            params.relapse_self_efficacy_loss,
        ),
        (
            params.isolation_without_ties,
            params.belonging_from_recovery_ties,
            params.belonging_from_support,
        ),
        params.isolation_adjustment_per_day,
        (m.base_level, m.abstinence_weight, m.support_weight, m.isolation_weight, m.stigma_weight),
        m.adjustment_per_day,
    )


@kernel
def _state_of_mind_kernel(
    se,
    iso,
    mh,
    status,
    support,
    stigma,
    lapsed,
    relapsed,
    loss,
    share,
    extra,
    rise,
    rise_effect,
    recovering,
    efficacy,
    levels,
    iso_adjust,
    weights,
    mh_adjust,
):  # pragma: no cover - compiled
    growth, lapse, relapse = efficacy
    for i in range(se.shape[0]):
        code = status[i]
        se[i] = _self_efficacy_row(
            se[i], code, lapsed[i], relapsed[i], _at(loss, i), recovering, growth, lapse, relapse
        )
        x = _isolation_row(
            iso[i],
            _at(share, i),
            support[i],
            _at(extra, i),
            _rise(rise, stigma, i, rise_effect),
            levels,
            iso_adjust,
        )
        iso[i] = x
        mh[i] = _mental_health_row(
            mh[i], code, support[i], iso[i], stigma[i], recovering, weights, mh_adjust
        )


def _rise(rise, stigma, i, effect):
    """In a kernel: row i's rise of isolation from stigma, given (`rise`) or worked out."""


@overload(_rise)
def _rise_overload(rise, stigma, i, effect):  # noqa: ARG001 (the signature numba matches)
    if isinstance(effect, types.NoneType):
        return lambda rise, stigma, i, effect: _at(rise, i)  # noqa: ARG005
    # stigma.withdrawal: effect * (stigma - 0.5), in the stigma array's dtype.
    return lambda rise, stigma, i, effect: (  # noqa: ARG005
        _as(stigma[i], effect) * (stigma[i] - _as(stigma[i], 0.5))
    )
