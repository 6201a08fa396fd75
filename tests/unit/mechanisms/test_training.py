"""Unit tests of mentor training: diminishing returns in hours, three modules, three channels."""

from __future__ import annotations

import itertools

import pytest

from simulation.errors import ScenarioError
from simulation.model.mechanisms.training import TrainingParams
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario

CHANNELS = ("support_quality", "rupture_ratio", "burnout_multiplier", "over_involvement")


def _channels(params: TrainingParams) -> dict[str, float]:
    return {name: getattr(params, name)() for name in (*CHANNELS, "repair_share")}


@pytest.mark.parametrize(
    ("hours", "benefit"),
    [(0.0, 0.0), (20.0, 0.5), (40.0, 0.75), (60.0, 0.875), (10.0, 1 - 2**-0.5)],
)
def test_each_half_benefit_span_of_hours_halves_what_is_left(hours, benefit):
    assert TrainingParams(hours=hours, hours_for_half_benefit=20.0).benefit() == pytest.approx(
        benefit
    )


def test_channels_at_half_benefit_follow_the_documented_formulas():
    params = TrainingParams(hours=20.0, hours_for_half_benefit=20.0)  # benefit 0.5
    u, b = params.untrained_support_quality, 0.5
    assert _channels(params) == pytest.approx(
        {
            "support_quality": u + (1 - u) * b,  # 0.6 + 0.4 x 0.5 = 0.8
            "rupture_ratio": 1 - params.empathic_rupture_reduction * b,
            "burnout_multiplier": 1 - params.boundary_burnout_reduction * b,
            "over_involvement": 1 - params.boundary_over_involvement_reduction * b,
            "repair_share": params.untrained_repair_share
            + (params.trained_repair_share - params.untrained_repair_share) * b,
        }
    )
    assert _channels(params)["support_quality"] == pytest.approx(0.8)
    assert _channels(params)["repair_share"] == pytest.approx(0.575)


def test_without_training_every_channel_is_at_its_untrained_value():
    untrained = {
        "support_quality": 0.6,
        "rupture_ratio": 1.0,
        "burnout_multiplier": 1.0,
        "over_involvement": 1.0,
        "repair_share": 0.3,
    }
    assert _channels(TrainingParams(enabled=False, hours=500.0)) == pytest.approx(untrained)
    assert _channels(TrainingParams(hours=0.0)) == pytest.approx(untrained)
    no_modules = TrainingParams(
        hours=500.0, empathic_listening=False, boundary_setting=False, conflict_resolution=False
    )
    assert _channels(no_modules) == pytest.approx(untrained)


@pytest.mark.parametrize(
    ("module", "its_channels"),
    [
        ("empathic_listening", {"support_quality", "rupture_ratio"}),
        ("boundary_setting", {"burnout_multiplier", "over_involvement"}),
        ("conflict_resolution", {"repair_share"}),
    ],
)
def test_dropping_a_module_changes_only_its_own_channels(module, its_channels):
    full = TrainingParams(hours=40.0)
    without = full.model_copy(update={module: False})
    untrained = TrainingParams(enabled=False)
    a, b, u = _channels(full), _channels(without), _channels(untrained)
    for name in a:
        if name in its_channels:
            assert b[name] == pytest.approx(u[name]) and b[name] != pytest.approx(a[name])
        else:
            assert b[name] == pytest.approx(a[name])


def test_more_hours_never_make_a_channel_worse():
    values = [_channels(TrainingParams(hours=h)) for h in (0, 5, 20, 45, 100, 500)]
    for before, after in itertools.pairwise(values):
        assert after["support_quality"] >= before["support_quality"]
        assert after["repair_share"] >= before["repair_share"]
        for name in ("rupture_ratio", "burnout_multiplier", "over_involvement"):
            assert after[name] <= before[name]


def test_a_zero_half_benefit_span_is_refused_with_its_range():
    with pytest.raises(ScenarioError, match=r"training\.hours_for_half_benefit.*> 0\.0"):
        with_overrides(Scenario(), {"training.hours_for_half_benefit": 0})
