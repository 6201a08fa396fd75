"""Every schema key moves the model: change it where it applies and the run must differ.

One short, small run per key (common seed), compared byte for byte with the unchanged run on the
daily series, the final population arrays and the costs. A key that changes nothing is inert —
a lever that does not pull — and fails here, unless it is in `NOT_OUTCOME_RELEVANT` with the
reason it cannot matter.
"""

from __future__ import annotations

import typing
from typing import Any

import numpy as np
import pytest

from simulation.model.model import RecoveryCommunityModel
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario, iter_parameters, parameter_default, value_at

#: Keys that provably cannot change outcomes, and why.
NOT_OUTCOME_RELEVANT = {
    "name": "a label in tables and reports",
    "description": "a label in tables and reports",
    "extends": "names a parent file; a loaded scenario already holds the parent's values",
    "population_from": "names a population file; a loaded scenario already holds its values",
}

#: The run every key is tested in: short, small, with every program part switched on.
BASE: dict[str, Any] = {
    "days": 150,
    "population.size": 160,
    "mentoring.enabled": True,
    "meetings.enabled": True,
    "meetings.team_building": True,
    "pipeline.enabled": True,
    "pipeline.min_days_abstinent": 20,
    "pipeline.training_delay_days": 10,
    "stigma.campaign": True,
    "stigma.campaign_start_day": 10,
    "setting.contact_fade_after_days": 60,
}

#: Extra context some keys need before they can act (the first matching prefix wins).
CONTEXT: list[tuple[str, dict[str, Any]]] = [
    ("setting.residential", {"setting.kind": "residential"}),
    ("costs.bed_day_cost", {"setting.kind": "residential"}),
    ("setting.adaptive", {"setting.kind": "hybrid", "setting.adaptive": True}),
    ("setting.digital", {"setting.kind": "hybrid"}),
    ("costs.platform", {"setting.kind": "hybrid"}),
    ("costs.digital_hours_per_contact", {"setting.kind": "hybrid"}),
    ("setting.self_guided_tool", {"setting.self_guided_tool.enabled": True}),
    ("mentoring.composite_weights", {"mentoring.matching": "composite"}),
    ("stigma.campaign", {"stigma.campaign_start_day": 10}),
    # Overloaded caseloads, so that the over-helping threshold is crossed.
    ("mentor_wellbeing.over_helping", {"mentoring.caseload_cap": 12}),
    ("mentoring.caseload_cap", {"mentoring.mentors_per_100_participants": 5}),
    # Hiring from outside: its cost shows only when someone is hired.
    ("mentoring.recruitment", {"mentoring.recruitment_per_month": 2.0}),
    # Referrals over the run (issue 15), with few mentors so that people wait.
    (
        "intake",
        {
            "intake.enabled": True,
            "intake.referrals_per_month": 40,
            "mentoring.mentors_per_100_participants": 5,
        },
    ),
]

#: Keys whose change needs a particular value to show in a short run.
CHANGED: dict[str, Any] = {
    "population.mentor_cultural_group_shares": [0.2, 0.4, 0.4],
    "mentoring.mentor_cultural_group_shares": [0.2, 0.4, 0.4],
    "population.cultural_group_shares": [0.5, 0.3, 0.2],
    "mentoring.composite_weights": {"substance": 0.1, "age_group": 2.0, "cultural_group": 1.0},
    "mentoring.matching": "same_substance",
    "setting.kind": "digital",
    "stigma.campaign_start_day": 50,
    "intake.monthly_profile": [3.0] + [1.0] * 11,
    "intake.referrals_by_month": [10, 60, 5, 30, 20],
    "intake.substance_mix": {"alcohol": 0.1, "opioids": 0.7, "stimulants": 0.1, "cannabis": 0.1},
    "intake.age_mix": {"youth": 0.6, "adult": 0.3, "older_adult": 0.1},
}


def _bound(info: Any, name: str) -> float | None:
    return next(
        (getattr(m, name) for m in info.metadata if getattr(m, name, None) is not None), None
    )


def changed_value(key: str, info: Any) -> Any:
    """A different valid value for `key`, as far from the default as a short run needs."""
    if key in CHANGED:
        return CHANGED[key]
    default = parameter_default(key)
    annotation = info.annotation
    if typing.get_origin(annotation) is typing.Literal:
        return next(choice for choice in typing.get_args(annotation) if choice != default)
    if isinstance(default, bool):
        return not default
    if isinstance(default, int | float):
        upper = _bound(info, "le")
        lower = _bound(info, "ge")
        if lower is None:
            lower = _bound(info, "gt")
        value = default * 0.5 if default else (upper or 1.0) * 0.5
        if isinstance(default, int) and not isinstance(default, bool):
            value = max(int(value), int(lower or 0) + 1) if default > 1 else default + 1
            if upper is not None:
                value = min(value, int(upper))
        if lower is not None and value <= lower:
            value = default * 1.5 if default else (upper or 1.0)
        return value
    raise AssertionError(f"no changed value known for {key} (default {default!r})")


def _shares_change(key: str) -> dict[str, Any] | None:
    """Mix shares must keep summing to 1: move 0.05 from this share to the next one."""
    section, _, name = key.rpartition(".")
    if not (section.endswith("_mix") or section == "intake.sources"):
        return None
    names = list(type(value_at(Scenario(), section)).model_fields)
    other = names[(names.index(name) + 1) % len(names)]
    this = parameter_default(key)
    return {
        key: round(this - 0.05, 6),
        f"{section}.{other}": round(parameter_default(f"{section}.{other}") + 0.05, 6),
    }


def fingerprint(overrides: dict[str, Any]) -> bytes:
    """Everything a run produces, as bytes: daily series, final arrays, costs."""
    model = RecoveryCommunityModel(with_overrides(Scenario(), overrides), seed=3)
    model.run()
    daily = model.datacollector.get_model_vars_dataframe().to_numpy(dtype=float)
    arrays = [np.asarray(getattr(model.people, n)).tobytes() for n in model.people.array_names()]
    costs = np.array(sorted(model.costs.items()), dtype=object).tobytes()
    return daily.tobytes() + b"".join(arrays) + costs


def context_for(key: str) -> dict[str, Any]:
    """The base run plus whatever this key needs to act."""
    overrides = dict(BASE)
    for prefix, extra in CONTEXT:
        if key.startswith(prefix):
            overrides.update(extra)
            break
    return overrides


@pytest.mark.slow
def test_every_schema_key_changes_the_run():
    cache: dict[tuple, bytes] = {}
    inert = []
    for key, info in iter_parameters():
        if key in NOT_OUTCOME_RELEVANT:
            continue
        context = context_for(key)
        change = _shares_change(key) or {key: changed_value(key, info)}
        if all(context.get(k) == v for k, v in change.items()):
            change = {key: parameter_default(key)}  # the context set it: test the default back
        frozen = tuple(sorted((k, repr(v)) for k, v in context.items()))
        if frozen not in cache:
            cache[frozen] = fingerprint(context)
        if fingerprint({**context, **change}) == cache[frozen]:
            inert.append(f"{key} -> {change}")
    assert not inert, "keys that change nothing:\n" + "\n".join(inert)


def test_changed_values_are_valid_and_different():
    for key, info in iter_parameters():
        if key in NOT_OUTCOME_RELEVANT:
            continue
        change = _shares_change(key) or {key: changed_value(key, info)}
        scenario = with_overrides(Scenario(), change)
        assert value_at(scenario, key) != parameter_default(key), key
