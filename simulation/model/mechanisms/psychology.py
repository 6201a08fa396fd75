"""Each person's state of mind: abstinence self-efficacy and isolation, both scores in [0, 1].

Self-efficacy grows slowly with each day abstinent and with support, and drops after a lapse
(Marlatt's abstinence-violation effect) and more after a relapse. Isolation drifts toward a level
set by the person's ties: friends in recovery and a mentor's support bring belonging. Both feed
the lapse hazard (`relapse.state_of_mind_ratio`).
"""

from __future__ import annotations

import numpy as np

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
    target = np.clip(
        params.base_level
        + params.abstinence_weight * (people.status == RECOVERING)
        + params.support_weight * people.support
        - params.isolation_weight * (people.isolation - 0.5)
        - params.stigma_weight * (people.stigma - 0.5),
        0.0,
        1.0,
    )
    people.mental_health += params.adjustment_per_day * (target - people.mental_health)
    np.clip(people.mental_health, 0.0, 1.0, out=people.mental_health)


def mental_health_ratio(people: PopulationState, params: MentalHealthParams) -> np.ndarray:
    """Lapse hazard ratio from mental health (1 at the midpoint)."""
    return np.exp(params.hazard_effect * (0.5 - people.mental_health))


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
    abstinent = people.status == RECOVERING
    # In place on the abstinent rows (no gathered copies): the same sum for each of them.
    np.add(se, params.self_efficacy_growth_per_day * (1.0 - se), out=se, where=abstinent)
    loss = np.broadcast_to(np.asarray(loss_softening, dtype=float), se.shape)
    se[lapsed] *= 1.0 - params.lapse_self_efficacy_loss * loss[lapsed]
    se[relapsed] *= 1.0 - params.relapse_self_efficacy_loss * loss[relapsed]
    np.clip(se, 0.0, 1.0, out=se)


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
    target = np.clip(
        params.isolation_without_ties
        * (1.0 - params.belonging_from_recovery_ties * recovery_share)
        * (1.0 - params.belonging_from_support * people.support)
        * (1.0 - np.clip(extra_belonging, 0.0, 1.0))
        * (1.0 + np.asarray(withdrawal)),
        0.0,
        1.0,
    )
    people.isolation += params.isolation_adjustment_per_day * (target - people.isolation)
    np.clip(people.isolation, 0.0, 1.0, out=people.isolation)
