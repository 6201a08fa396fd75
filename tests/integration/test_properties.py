"""Property-based tests under any allowed parameter values.

People are conserved, scores stay in [0, 1] and nothing becomes NaN.

Values are drawn at and between the bounds each parameter declares in the schema
(`simulation.scenario.schema.iter_parameters`), so a parameter added tomorrow is covered too.
"""

from __future__ import annotations

import math
import typing

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulation.errors import ScenarioError
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import (
    DECEASED,
    MENTOR,
    NOT_AFFECTED,
    NOT_YET_ARRIVED,
    PARTICIPANT,
    STATUS_NAMES,
)
from simulation.scenario.overrides import with_overrides
from simulation.scenario.parameters import SUBSTANCES
from simulation.scenario.schema import Scenario, iter_parameters

#: Arrays that hold probabilities or 0-1 scores, wherever the model has them.
UNIT_INTERVAL = (
    "self_efficacy",
    "isolation",
    "support",
    "engagement",
    "stigma",
    "mental_health",
    "burnout",
    "alliance",
)
#: Kept small so each example is quick; not drawn from the schema.
FIXED = {"days", "population.size"}


def _bounds(info) -> tuple[float, float] | None:
    lo = hi = None
    for item in info.metadata:
        if getattr(item, "ge", None) is not None:
            lo = item.ge
        if getattr(item, "gt", None) is not None:
            lo = item.gt + (1 if info.annotation is int else 1e-6)
        if getattr(item, "le", None) is not None:
            hi = item.le
        if getattr(item, "lt", None) is not None:
            hi = item.lt - (1 if info.annotation is int else 1e-6)
    if lo is None:
        return None
    if hi is None:
        hi = lo + 1000
    return lo, hi


NUMERIC = {
    key: _bounds(info)
    for key, info in iter_parameters()
    if info.annotation in (int, float) and key not in FIXED and _bounds(info) is not None
}
CHOICES = {
    key: typing.get_args(info.annotation)
    for key, info in iter_parameters()
    if typing.get_origin(info.annotation) is typing.Literal
}
SWITCHES = [key for key, info in iter_parameters() if info.annotation is bool]


@st.composite
def extreme_overrides(draw) -> dict:
    """A handful of parameters at their lower bound, upper bound or in between."""
    keys = draw(st.lists(st.sampled_from(sorted(NUMERIC)), min_size=1, max_size=12, unique=True))
    overrides = {}
    for key in keys:
        lo, hi = NUMERIC[key]
        where = draw(st.sampled_from(["lo", "hi", "mid"]))
        value = {"lo": lo, "hi": hi, "mid": (lo + hi) / 2}[where]
        overrides[key] = round(value) if isinstance(lo, int) and isinstance(hi, int) else value
    for key in draw(st.lists(st.sampled_from(sorted(CHOICES)), max_size=3, unique=True)):
        overrides[key] = draw(st.sampled_from(CHOICES[key]))
    for key in SWITCHES:
        overrides[key] = draw(st.booleans())
    return overrides


def _build(overrides: dict, size: int, days: int) -> RecoveryCommunityModel:
    try:
        scenario = with_overrides(Scenario(), {**overrides, "days": days, "population.size": size})
    except ScenarioError:
        assume(False)  # e.g. shares that no longer sum to 1
    return RecoveryCommunityModel(scenario, seed=0)


def _check_invariants(model: RecoveryCommunityModel, kind0: np.ndarray, dead0: np.ndarray):
    people = model.people
    assert people.size == len(kind0)
    # Only people who join during the run (intake, hires) change kind, and only on arrival.
    changed = people.kind != kind0
    assert np.all(kind0[changed] == NOT_YET_ARRIVED), "people changed kind"
    assert np.all(np.isin(people.kind[changed], (PARTICIPANT, MENTOR))), "arrived as what?"
    assert set(np.unique(people.status).tolist()) <= set(range(len(STATUS_NAMES)))
    assert not np.any(people.status[people.cohort] == NOT_AFFECTED)
    assert np.all(people.status[dead0] == DECEASED), "the dead came back"
    for name in people.array_names():
        array = getattr(people, name)
        assert len(array) == people.size, name
        if np.issubdtype(array.dtype, np.floating):
            assert not np.isnan(array).any(), f"NaN in {name}"
        if name in UNIT_INTERVAL:
            assert array.min() >= 0.0 and array.max() <= 1.0, f"{name} left [0, 1]"
    if people.is_mentor.any():
        assert np.all(people.mentor[people.mentor >= 0] < people.size)
    summary = model.summary()
    for key, value in summary.items():
        assert value is not None and not (isinstance(value, float) and math.isnan(value)), key
    cohort_total = sum(summary[k] for k in ("in_recovery", "lapsed", "relapsed", "deceased"))
    assert cohort_total == people.cohort.sum()


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(overrides=extreme_overrides(), size=st.integers(min_value=12, max_value=60))
def test_people_conserved_scores_bounded_no_nan_under_extreme_parameters(overrides, size):
    model = _build(overrides, size, days=20)
    kind0 = model.people.kind.copy()
    for _ in range(model.scenario.days):
        dead0 = model.people.status == DECEASED
        model.step()
        _check_invariants(model, kind0, dead0)


@settings(max_examples=6, deadline=None, derandomize=True)
@given(
    lapse_rate=st.sampled_from([0.0, 5.0]),
    escalation=st.sampled_from([0.0, 1.0]),
    attempts=st.sampled_from([1.0, 36_500.0]),  # median episode: a day, or a century
)
def test_all_or_nothing_rates_keep_every_state_valid(lapse_rate, escalation, attempts):
    overrides = {
        "mentoring.enabled": False,  # a mentor's rapid response would lower escalation
        **{f"recovery.episode_median_days.{s}": attempts for s in SUBSTANCES},
        "relapse.frailty_variance": 0.0,
        "relapse.self_efficacy_effect": 0.0,
    }
    for s in ("alcohol", "opioids", "stimulants", "cannabis"):
        overrides[f"relapse.{s}.initial_lapse_rate_per_day"] = lapse_rate
        overrides[f"relapse.{s}.escalation_probability"] = escalation
        overrides[f"relapse.{s}.lapse_mean_days"] = 1.0
    model = _build(overrides, size=40, days=15)
    kind0 = model.people.kind.copy()
    for _ in range(15):
        dead0 = model.people.status == DECEASED
        model.step()
        _check_invariants(model, kind0, dead0)
    if lapse_rate == 5.0 and escalation == 1.0 and attempts == 36_500.0:
        # everyone lapses on day 1, relapses on day 2 and never tries again
        assert (model.people.first_relapse_day[model.people.cohort] == 2).mean() > 0.9
