"""Lever anchors: the statistics that measure them, and the runs each one compares."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
import yaml

from simulation.calibration.anchors import ANCHORS, NOT_REPRESENTED, schema_keys
from simulation.calibration.fitting import (
    Calibrator,
    baseline_mapping,
    calibrate,
    fit_anchor,
    measure_anchor,
)
from simulation.calibration.measures import mentor_relapse_rate_ratio
from simulation.running.runner import RunResult
from simulation.scenario.files import BUNDLED_SCENARIOS
from simulation.scenario.schema import Scenario

BY_ID = {a.id: a for a in ANCHORS}
HELPER = BY_ID["helper_therapy"]
HR = "mentor_wellbeing.helper_hazard_ratio"
TAU = BUNDLED_SCENARIOS / "treatment_as_usual.yaml"


def daily_run(mentor_relapses: list[int], mentors_active: list[int]) -> RunResult:
    """A run that holds only the two daily series the mentor statistic reads."""
    daily = pd.DataFrame({"mentor_relapses": mentor_relapses, "mentors_active": mentors_active})
    return RunResult("made", 0, len(daily), {}, {}, daily, None)  # type: ignore[arg-type]


def test_mentor_relapse_rate_ratio_pools_events_over_mentor_days():
    # Design: 3 relapses in 100 mentor-days, then 1 in 100 -> 4 / 200 = 0.02.
    design = [daily_run([1, 0, 2], [40, 40, 20]), daily_run([0, 1], [50, 50])]
    # Comparison: 5 in 100, then 5 in 150 -> 10 / 250 = 0.04.
    comparison = [daily_run([2, 3], [50, 50]), daily_run([5, 0], [75, 75])]
    # Pooled: 0.02 / 0.04 = 0.5 (the mean of per-run ratios would be (0.6 + 0.3) / 2 = 0.45).
    assert mentor_relapse_rate_ratio(design, comparison) == pytest.approx(0.5)
    assert math.isnan(mentor_relapse_rate_ratio(design, [daily_run([0, 0], [50, 50])]))
    assert math.isnan(mentor_relapse_rate_ratio(design, [daily_run([0], [0])]))


def test_helper_therapy_compares_mentors_with_helping_on_and_off():
    assert HELPER.keys == (HR,)
    assert HELPER.design == {"mentoring.enabled": True}
    assert HELPER.comparison == {"mentoring.enabled": True, HR: 1.0}
    assert HELPER.point == 0.61  # ln 0.40 / ln 0.22 = 0.606: Pagano's shares as a hazard ratio
    assert HELPER.band[0] < HELPER.point < HELPER.band[1]
    assert HELPER.overrides <= schema_keys()


def test_existing_anchors_still_compare_with_treatment_as_usual():
    expected = {
        "single_peer_contact": ((1.30, 1.80), {"mentoring.enabled": True}),
        "group_meetings": ((1.03, 1.42), {"meetings.enabled": True}),
        "network_support": ((1.00, 1.20), None),
    }
    for anchor_id, (band, design) in expected.items():
        anchor = BY_ID[anchor_id]
        assert anchor.comparison == {} and anchor.band == band
        assert design is None or anchor.design == design


class RecordingCalibrator:
    """Stands in for Calibrator: a 'run' is the scenario's overrides, and every call is kept."""

    on_eval = None

    def __init__(self):
        self.calls: list[dict] = []

    def scenario(self, values, extra=None):
        return Scenario()

    def runs(self, values, extra=None, days=None):
        self.calls.append(dict(extra or {}))
        return [{**values, **(extra or {}), "days": days}]


def test_fit_and_measure_run_the_anchor_against_its_comparison():
    # The statistic is the design's helper hazard ratio over the comparison's: the fit can only
    # reach the point (0.61) if the comparison run really has helping off (ratio 1).
    anchor = dataclasses.replace(HELPER, measure=lambda d, c: d[0][HR] / c[0][HR])
    cal = RecordingCalibrator()
    fitted = fit_anchor(cal, anchor, {HR: 0.9, "other.value": 1.0}, budget=12)  # type: ignore[arg-type]
    assert fitted[HR] == pytest.approx(0.61, abs=0.01)
    assert cal.calls[0] == HELPER.comparison
    assert all(call in (HELPER.design, HELPER.comparison) for call in cal.calls)
    cal = RecordingCalibrator()
    assert measure_anchor(cal, anchor, {HR: 0.3}) == pytest.approx(0.3)  # type: ignore[arg-type]
    assert cal.calls == [HELPER.comparison, HELPER.design]
    cal = RecordingCalibrator()
    meetings = dataclasses.replace(BY_ID["group_meetings"], measure=lambda d, c: 1.0)
    measure_anchor(cal, meetings, {})  # type: ignore[arg-type]
    assert cal.calls == [{}, {"meetings.enabled": True}]  # the baseline, then the design


@pytest.fixture(scope="module")
def helper_calibrator():
    return Calibrator(baseline_mapping(TAU, 1000, 365), [11], workers=1)


def test_helper_therapy_on_real_runs_follows_the_hazard_ratio(helper_calibrator):
    cal = helper_calibrator
    # The comparison's override wins over the value being fitted.
    assert cal.scenario({HR: 0.3}, HELPER.comparison).mentor_wellbeing.helper_hazard_ratio == 1.0
    strong = measure_anchor(cal, HELPER, {HR: 0.3})
    default = measure_anchor(cal, HELPER, {HR: 0.6})
    assert measure_anchor(cal, HELPER, {HR: 1.0}) == 1.0
    assert 0.0 < strong < default < 0.9  # 1,000 people: a few dozen mentor relapses per arm
    comparison = cal.runs({HR: 0.6}, HELPER.comparison, days=365)[0]
    assert comparison.daily["mentor_relapses"].sum() >= 10  # enough events to mean something


def test_helper_therapy_fit_brings_a_weak_effect_into_the_band(helper_calibrator):
    cal = helper_calibrator
    assert measure_anchor(cal, HELPER, {HR: 1.2}) > HELPER.band[1]  # helping that harms
    fitted = fit_anchor(cal, HELPER, {HR: 1.2}, budget=6)
    low, high = HELPER.band
    assert fitted[HR] < 1.0 and low <= measure_anchor(cal, HELPER, fitted) <= high


def test_fit_table_rows_for_measured_and_unrepresented_anchors(tmp_path):
    targets = {
        "baseline_relapse_curves": [
            {
                "id": "alcohol_continuous_abstinence",
                "substance": "alcohol",
                "band": {30: [0.5, 0.9]},
            }
        ],
        "program_effects": [
            {"id": "helper_therapy", "lever": "mentors' own recovery"},
            {"id": "digital_support_added_humans", "lever": "digital platform"},
            {"id": "made_up", "lever": "a lever with no statistic"},
        ],
    }
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(targets))
    result = calibrate(
        path, trials=0, population=300, fit_replicates=1, check_replicates=1, workers=1
    )
    rows = {r.target: r for r in result.rows}
    helper = rows["helper_therapy"]
    assert helper.band == HELPER.band and helper.point == 0.61 and 0.0 < helper.value < 1.0
    assert result.values[HR] == 0.6  # measured at the current default, not fitted
    digital = rows["digital_support_added_humans"]
    assert digital.value is None and digital.note == NOT_REPRESENTED[digital.target]
    assert "no digital support without a mentor" in digital.note
    assert rows["made_up"].note == "no statistic for the lever 'a lever with no statistic' yet"
