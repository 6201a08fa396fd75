"""The cost-effect frontier of a finished search, and the best design within the budget.

Optuna keeps the trials; its `best_trials` are the non-dominated ones among those that keep the
budget constraint (cost <= budget). Each trial carries its measurement as user attributes.
"""

from __future__ import annotations

from typing import Any

import optuna

from simulation.design import AVERTED, COST

__all__ = ["AVERTED", "COST", "DESIGN", "best", "completed", "design_row", "pareto"]

#: The lever values a trial ran (rounded as the scenario file states them).
DESIGN = "design"


def design_row(trial: optuna.trial.FrozenTrial, budget: float) -> dict[str, Any]:
    """One trial as a design: its overrides, cost, effect with interval, and the budget check."""
    cost = float(trial.user_attrs[COST])
    return {
        "trial": trial.number,
        "overrides": dict(trial.user_attrs.get(DESIGN, trial.params)),
        COST: cost,
        AVERTED: dict(trial.user_attrs[AVERTED]),
        "within_budget": cost <= budget,
    }


def completed(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """The study's finished trials (a killed run leaves its last trial unfinished)."""
    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def pareto(study: optuna.Study, budget: float) -> list[dict[str, Any]]:
    """The non-dominated designs within the budget, cheapest first.

    Along this list cost rises and so do relapses averted: a design that cost more and averted
    no more would be dominated.
    """
    rows = [design_row(t, budget) for t in study.best_trials]
    return sorted(rows, key=lambda row: (row[COST], row[AVERTED]["mean"]))


def best(front: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The design within the budget that averts the most relapses (None if none is within)."""
    within = [row for row in front if row["within_budget"]]
    return max(within, key=lambda row: row[AVERTED]["mean"]) if within else None
