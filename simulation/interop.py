"""The model as a function for exploratory-modelling tools: keyword arguments in, outcomes out.

SALib, EMA Workbench and hand-written sweeps all want the same shape: call a function with one
value per uncertain parameter, get back a dict of scalar outcomes. `evaluate` is that function.
Parameter names are scenario keys (`recovery-sim schema`); use double underscores where a tool
needs Python identifiers (`mentoring__caseload_cap`), or dots (`mentoring.caseload_cap`) with
`evaluate(**{...})`. Values sampled as floats for whole-number parameters are rounded.
"""

from __future__ import annotations

import math
from functools import cache
from numbers import Integral, Real
from typing import Any

import numpy as np

from simulation.analysis.metrics import METRICS
from simulation.api import ScenarioLike, resolve_scenario
from simulation.running.runner import replicate_seeds, simulate
from simulation.scenario.arguments import MAX_REPLICATES, check_seed, check_whole
from simulation.scenario.files import check_key_path
from simulation.scenario.schema import Scenario, iter_parameters


def evaluate(
    scenario: ScenarioLike | None = None,
    seed: int = 0,
    replicates: int = 1,
    **parameters: Any,
) -> dict[str, float]:
    """Run the model once per replicate at these parameter values; return mean outcomes.

    Args:
        scenario: the base scenario the parameters change: a `Scenario`, a YAML path, a bundled
            scenario's name (`"community_peer_mentoring"`) or a dict. Default: the schema
            defaults (treatment as usual, 1,000 participants, 365 days).
        seed: the master seed; the same arguments give the same outcomes.
        replicates: runs averaged into each outcome (seeds derived from `seed`).
        **parameters: scenario keys and values, e.g. `mentoring__caseload_cap=8`,
            `days=90`, or `**{"training.hours": 24}`. NumPy scalars are accepted; floats
            given to whole-number parameters are rounded (samplers draw floats).

    Returns:
        Every run metric (`lapse_free_90`, `relapse_rate_365`, `in_recovery_end`,
        `cost_per_participant`, ..., plus `relapsed_per_100` and `relapse_events_per_100`) as a
        float, averaged over replicates; NaN where a metric is undefined (e.g. no mentors).

    Raises:
        ScenarioError: a parameter is not a scenario key, or its value is not allowed; or
            `seed`, `replicates` or `scenario` is not allowed.

    Example:
        >>> out = evaluate(scenario="community_peer_mentoring", seed=1, population__size=100,
        ...                days=30, mentoring__caseload_cap=3.2)
        >>> round(out["lapse_free_30"], 3) == round(evaluate(
        ...     scenario="community_peer_mentoring", seed=1, population__size=100, days=30,
        ...     mentoring__caseload_cap=3)["lapse_free_30"], 3)
        True
    """
    from simulation.analysis.compare import DERIVED_METRICS, run_metrics_with_derived

    where = "evaluate()"
    seed = check_seed(seed, where)
    replicates = check_whole(replicates, where, "replicates", minimum=1, maximum=MAX_REPLICATES)
    base = Scenario() if scenario is None else resolve_scenario(scenario, None, where)
    resolved = resolve_scenario(
        base, {key: _plain(key, value) for key, value in parameters.items()}, where
    )
    runs = [
        run_metrics_with_derived(simulate(resolved, s)) for s in replicate_seeds(seed, replicates)
    ]
    seen = dict.fromkeys(name for run in runs for name in run)
    names = [m for m in (*METRICS, *DERIVED_METRICS) if m in seen] + [
        m for m in seen if m not in METRICS and m not in DERIVED_METRICS
    ]
    return {name: _mean([run.get(name, math.nan) for run in runs]) for name in names}


def _mean(values: list[float]) -> float:
    finite = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan


@cache
def _whole_number_keys() -> frozenset[str]:
    return frozenset(key for key, info in iter_parameters() if info.annotation is int)


def _plain(key: str, value: Any) -> Any:
    """A sampler's value as the schema wants it: Python scalars, whole numbers rounded."""
    if isinstance(value, np.generic):
        value = value.item()
    dotted = key.replace("__", ".")
    check_key_path(dotted.split("."), "evaluate")
    if (
        dotted in _whole_number_keys()
        and isinstance(value, Real)
        and not isinstance(value, Integral)
        and math.isfinite(value)
    ):
        return round(value)
    return value
