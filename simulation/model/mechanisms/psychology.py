"""Each person's state of mind: abstinence self-efficacy and isolation, both scores in [0, 1].

Self-efficacy grows slowly with each day abstinent and with support, and drops after a lapse
(Marlatt's abstinence-violation effect) and more after a relapse. Isolation drifts toward a level
set by the person's ties: friends in recovery and a mentor's support bring belonging. Both feed
the lapse hazard (`relapse.state_of_mind_ratio`).
"""

from __future__ import annotations

import numpy as np
from numba.core import types
from numba.extending import overload

from simulation.model.compiled import kernel
from simulation.model.population import RECOVERING, PopulationState
from simulation.scenario.parameters import Section, parameter


class PsychologyParams(Section):
    """How self-efficacy and isolation move."""

    self_efficacy_growth_per_day: float = parameter(
        0.002,
        unit="share of the gap to 1 per day",
        source="assumption",
        description="daily growth of self-efficacy while abstinent",
        ge=0.0,
        le=1.0,
    )
    lapse_self_efficacy_loss: float = parameter(
        0.15,
        unit="share lost",
        source="assumption (abstinence-violation effect, Marlatt & Gordon 1985)",
        description="share of self-efficacy lost at a lapse",
        ge=0.0,
        le=1.0,
    )
    relapse_self_efficacy_loss: float = parameter(
        0.25,
        unit="share lost",
        source="assumption",
        description="further share of self-efficacy lost when a lapse becomes a relapse",
        ge=0.0,
        le=1.0,
    )
    isolation_adjustment_per_day: float = parameter(
        0.02,
        unit="share of the gap per day",
        source="assumption",
        description="how fast isolation moves toward the level the person's ties set",
        ge=0.0,
        le=1.0,
    )
    isolation_without_ties: float = parameter(
        0.8,
        unit="0-1 score",
        source="assumption",
        description="isolation of a person with no recovery ties and no support",
        ge=0.0,
        le=1.0,
    )
    belonging_from_recovery_ties: float = parameter(
        0.6,
        unit="share",
        source="assumption (Litt et al. 2009: network support)",
        description="how far a network made entirely of people in recovery lowers isolation",
        ge=0.0,
        le=1.0,
    )
    belonging_from_support: float = parameter(
        0.4,
        unit="share",
        source="assumption",
        description="how far full mentor support lowers isolation",
        ge=0.0,
        le=1.0,
    )


def _weight(default: float, what: str) -> float:
    return parameter(
        default,
        unit="0-1 level",
        source="assumption (a level on the 0-1 mental-health scale; plausible range +-50%)",
        description=what,
        ge=0.0,
        le=1.0,
    )


class MentalHealthParams(Section):
    """Mental health (0-1, 1 = good): moved by support, isolation and use; feeds the hazard."""

    adjustment_per_day: float = parameter(
        0.01,
        unit="share of the gap per day",
        source="assumption",
        description="how fast mental health moves toward the level set by support and use",
        ge=0.0,
        le=1.0,
    )
    hazard_effect: float = parameter(
        0.6,
        unit="log hazard ratio per unit",
        source="assumption (co-occurring distress predicts relapse)",
        description="how much poor mental health raises the lapse hazard",
        ge=0.0,
        le=10.0,
    )
    base_level: float = _weight(0.35, "mental health a person using, with no support, would reach")
    abstinence_weight: float = _weight(
        0.3, "how much being in recovery raises the mental-health level"
    )
    support_weight: float = _weight(0.25, "how much full mentor support raises the level")
    isolation_weight: float = _weight(
        0.3, "how much isolation above mid-scale lowers the level (per unit)"
    )
    stigma_weight: float = parameter(
        0.15,
        unit="level per unit stigma",
        source=(
            "assumption; direction from Birtel, Wood & Kempa 2017, Psychiatry Res 252:1 "
            "(internalised stigma -> depression and anxiety, through shame and less support); "
            "plausible range 0-0.3"
        ),
        description="how much stigma above mid-scale lowers the mental-health level (per unit)",
        ge=0.0,
        le=1.0,
    )


def update_mental_health(people: PopulationState, params: MentalHealthParams) -> None:
    """Mental health moves toward a level: better with support and abstinence, worse when isolated."""
    p = params
    _mental_health_kernel(
        people.mental_health,
        people.status,
        people.support,
        people.isolation,
        people.stigma,
        RECOVERING,
        (p.base_level, p.abstinence_weight, p.support_weight, p.isolation_weight, p.stigma_weight),
        p.adjustment_per_day,
    )


@kernel
def _mental_health_kernel(mh, status, support, iso, stigma, recovering, weights, adjust):
    for i in range(mh.shape[0]):
        mh[i] = _mental_health_row(
            mh[i], status[i], support[i], iso[i], stigma[i], recovering, weights, adjust
        )


@kernel
def _mental_health_row(level, status, s, x, g, recovering, weights, adjust):
    # One row's new mental health (s support, x isolation, g stigma).
    base, w_abstinent, w_support, w_iso, w_stigma = weights
    # Each weight takes the dtype of the array it meets (NumPy's weak scalars).
    abstinent = 1.0 if status == recovering else 0.0
    target = base + w_abstinent * abstinent + _as(s, w_support) * s
    target = target - _as(x, w_iso) * (x - _as(x, 0.5)) - _as(g, w_stigma) * (g - _as(g, 0.5))
    target = _clip01(target)
    change = target - level
    return _clip01(_as(level, level + _as(change, adjust) * change))


def mental_health_ratio(
    people: PopulationState, params: MentalHealthParams, rows: np.ndarray | None = None
) -> np.ndarray:
    """Lapse hazard ratio from mental health (1 at the midpoint), for `rows` (default all)."""
    # exp(hazard_effect * (0.5 - mental_health)), each step in place in one new array (on the
    # rows asked for: their exponent in one compiled pass, in the dtype NumPy would use).
    mh = people.mental_health
    if rows is None:
        ratio = np.subtract(0.5, mh)
        np.multiply(params.hazard_effect, ratio, out=ratio)
    else:
        ratio = np.empty(len(rows), mh.dtype)
        _mental_health_exponent(
            rows, mh, mh.dtype.type(0.5), mh.dtype.type(params.hazard_effect), ratio
        )
    return np.exp(ratio, out=ratio)


@kernel
def _mental_health_exponent(rows, mh, mid, effect, out):
    for j in range(len(rows)):
        out[j] = effect * (mid - mh[rows[j]])


def update_self_efficacy(
    people: PopulationState,
    params: PsychologyParams,
    lapsed: np.ndarray,
    relapsed: np.ndarray,
    loss_softening: np.ndarray | float = 1.0,
) -> None:
    """Grow self-efficacy with abstinence; cut it at lapses and relapses.

    `loss_softening` (0-1 multiplier) lets a timely supportive response soften the loss.
    """
    se = people.self_efficacy
    loss = _per_person(np.asarray(loss_softening, dtype=float), se.shape[0], "loss_softening")
    _self_efficacy_kernel(
        se,
        people.status,
        _mask(lapsed, se.shape[0]),
        _mask(relapsed, se.shape[0]),
        loss,
        RECOVERING,
        params.self_efficacy_growth_per_day,
        params.lapse_self_efficacy_loss,
        params.relapse_self_efficacy_loss,
    )


@kernel
def _self_efficacy_kernel(se, status, lapsed, relapsed, loss, recovering, growth, lapse, relapse):
    for i in range(se.shape[0]):
        se[i] = _self_efficacy_row(
            se[i],
            status[i],
            lapsed[i],
            relapsed[i],
            _at(loss, i),
            recovering,
            growth,
            lapse,
            relapse,
        )


@kernel
def _self_efficacy_row(x, status, lapsed, relapsed, softening, recovering, growth, lapse, relapse):
    # One row's new self-efficacy.
    grown = x + _as(x, growth) * (_as(x, 1.0) - x)
    x = grown if status == recovering else x
    # x * 1.0 is x: the selects keep the loop branch-free.
    x = _as(x, x * ((1.0 - lapse * softening) if lapsed else 1.0))
    x = _as(x, x * ((1.0 - relapse * softening) if relapsed else 1.0))
    return _clip01(x)


def _per_person(values: np.ndarray, n: int, name: str) -> np.ndarray | np.generic:
    """`values` as one value per person (1-D), or as one scalar for everyone."""
    if values.size not in (1, n) or values.ndim > 1:
        raise ValueError(
            f"psychology: {name} has shape {values.shape}; it must be a number or one value "
            f"per person ({n} values)."
        )
    return values.reshape(-1) if values.ndim == 1 and values.size == n else values.reshape(-1)[0]


def _at(values, i):
    """In a kernel: `values[i]` for an array, `values` itself for a scalar."""


@overload(_at)
def _at_overload(values, i):  # noqa: ARG001 (the signature numba matches)
    if isinstance(values, types.Array):
        return lambda values, i: values[i]
    return lambda values, i: values  # noqa: ARG005


def _as(like, value):
    """In a kernel: `value` in the type of `like`.

    NumPy casts a Python float that meets an array, and a result stored into one, to the
    array's dtype; a kernel says so with `_as`.
    """


@overload(_as)
def _as_overload(like, value):  # noqa: ARG001 (the signature numba matches)
    kind = like
    return lambda like, value: kind(value)  # noqa: ARG005


def _clip01(x):
    """In a kernel: np.clip(x, 0, 1) in x's type (-0.0 and NaN stay, as in NumPy)."""


@overload(_clip01)
def _clip01_overload(x):
    kind = x
    return lambda x: kind(0.0) if x < kind(0.0) else (kind(1.0) if x > kind(1.0) else x)


def _mask(rows: np.ndarray, n: int) -> np.ndarray:
    """A boolean mask of `n` rows from a mask or from row numbers."""
    rows = np.asarray(rows)
    if rows.dtype == bool:
        if rows.shape != (n,):
            raise ValueError(
                f"update_self_efficacy: a lapsed or relapsed mask has shape {rows.shape}; it "
                f"needs one value per person ({n})."
            )
        return rows
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


def update_isolation(
    people: PopulationState,
    params: PsychologyParams,
    recovery_share: np.ndarray,
    extra_belonging: np.ndarray | float = 0.0,
    withdrawal: np.ndarray | float = 0.0,
) -> None:
    """Move isolation toward the level set by recovery ties, support and other belonging.

    Args:
        people: the population (isolation is updated).
        params: the psychology section.
        recovery_share: share of each person's ties who are in recovery.
        extra_belonging: belonging from elsewhere (meetings), 0-1.
        withdrawal: relative rise of the level from stigma (negative: a fall).
    """
    n = people.isolation.shape[0]
    _isolation_kernel(
        people.isolation,
        _per_person(np.asarray(recovery_share), n, "recovery_share"),
        people.support,
        _per_person(np.asarray(extra_belonging), n, "extra_belonging"),
        _per_person(np.asarray(withdrawal), n, "withdrawal"),
        (
            params.isolation_without_ties,
            params.belonging_from_recovery_ties,
            params.belonging_from_support,
        ),
        params.isolation_adjustment_per_day,
    )


@kernel
def _isolation_kernel(iso, share, support, extra, rise, levels, adjust):
    for i in range(iso.shape[0]):
        iso[i] = _isolation_row(
            iso[i], _at(share, i), support[i], _at(extra, i), _at(rise, i), levels, adjust
        )


@kernel
def _isolation_row(level, s, p, e, w, levels, adjust):
    # One row's new isolation (s share of ties in recovery, p support, e extra belonging, w the
    # rise from stigma).
    without_ties, from_ties, from_support = levels
    # Each factor in its own array's dtype (NumPy's weak scalars), the product promoted.
    e = _clip01(e)
    target = _as(s, without_ties) * (_as(s, 1.0) - _as(s, from_ties) * s)
    target = target * (_as(p, 1.0) - _as(p, from_support) * p)
    target = _clip01(target * (_as(e, 1.0) - e) * (_as(w, 1.0) + w))
    change = target - level
    return _clip01(_as(level, level + _as(change, adjust) * change))
