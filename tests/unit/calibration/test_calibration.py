"""Calibration: reading targets, the objective, a tiny fit, and the files the command writes."""

from __future__ import annotations

import os

import pytest
import yaml
from cli_helpers import run_cli

from simulation.calibration.fitting import calibrate, loss
from simulation.calibration.targets import (
    CalibrationError,
    Target,
    baseline_targets,
    read_targets,
)
from simulation.scenario.files import load_scenario

#: A 30-day target far above the default model (about 0.6 lapse-free at day 30), so a fit must
#: lower the early alcohol hazard to approach it. Short: every run is 30 days.
SHORT_TARGETS = {
    "baseline_relapse_curves": [
        {
            "id": "alcohol_continuous_abstinence",
            "substance": "alcohol",
            "points": {30: 0.9},
            "band": {30: [0.86, 0.94]},
        },
        {"id": "hazard_shape", "quantity": "a fact, not a target"},
    ]
}


def write(tmp_path, data, name="targets.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def test_bundled_targets_become_rows_with_bands():
    targets = {t.id: t for t in baseline_targets(read_targets())}
    assert targets["alcohol_continuous_abstinence.90"].band == (0.32, 0.48)
    assert targets["alcohol_continuous_abstinence.90"].point == 0.40
    assert targets["opioid_after_detox.relapse_730"].days == 730
    # Dennis et al.'s next-year abstinence: fitted, on runs long enough to follow up an
    # interview after three years (the quarter end on day 1,183, plus four quarters).
    dennis = targets["stay_abstinent_next_year_by_duration.3_years_or_more"]
    assert dennis.measure is not None and dennis.fitted and dennis.days == 13 * 91 + 4 * 91
    assert targets["alcohol_continuous_abstinence.90"].fitted
    assert "hazard_shape" not in targets  # no band: a fact, not a fit target


def test_loss_is_zero_inside_and_grows_outside_the_band():
    target = Target("t", (0.4, 0.6), 0.5, 1, None)
    assert loss([0.5], [target]) == 0.0
    assert loss([0.55], [target]) == pytest.approx(0.1 * 0.25**2)
    assert loss([0.7], [target]) == pytest.approx(10 * 0.5**2 + 0.1 * 1.0**2)
    assert loss([float("nan")], [target]) == 100.0


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            {"baseline_relapse_curves": [{"id": "x", "band": [0.6, 0.4]}]},
            ["(x) band", "low <= high"],
        ),
        (
            {"baseline_relapse_curves": [{"id": "x", "band": {30: [0.1]}}]},
            ["band.30", "[low, high]"],
        ),
        (
            {"baseline_relapse_curves": [{"band": [0.1, 0.2]}]},
            ["baseline_relapse_curves[0]", "`id`"],
        ),
        ({"program_effects": [{"id": "a"}, {"id": "a"}]}, ["'a' appears twice"]),
        ({"baseline_relapse_curves": {"id": "x"}}, ["must be a list"]),
        ("- just a list", ["holds a list"]),
        ("a: [1, 2", ["not valid YAML"]),
    ],
)
def test_bad_targets_entries_are_named(tmp_path, data, words):
    path = write(tmp_path, data)
    with pytest.raises(CalibrationError) as error:
        read_targets(path)
    for word in words:
        assert word in str(error.value)


def test_a_tiny_fit_moves_the_model_toward_its_target(tmp_path):
    path = write(tmp_path, SHORT_TARGETS)
    kwargs = {"population": 300, "fit_replicates": 1, "check_replicates": 1, "workers": 1}
    before = calibrate(path, trials=0, **kwargs)
    after = calibrate(path, trials=12, **kwargs)
    (row_before,) = [r for r in before.rows if r.value is not None]
    (row_after,) = [r for r in after.rows if r.value is not None]
    assert before.settings["days"] == 30 and after.settings["evaluations"] >= 8
    assert row_after.value > row_before.value + 0.05
    moved = [k for k in after.values if after.values[k] != before.values[k]]
    assert any(k.startswith("relapse.alcohol.") for k in moved)  # the alcohol curve was fitted


def test_calibrate_writes_a_fragment_scenarios_can_extend_and_a_validation_page(capsys, tmp_path):
    targets = write(tmp_path, SHORT_TARGETS)
    fragment, docs = tmp_path / "calibrated.yaml", tmp_path / "validation.md"
    code, stdout, _ = run_cli(
        capsys,
        *("calibrate", "--targets", str(targets), "--trials", "0", "--population", "100"),
        *("--replicates", "1", "--workers", "1", "--out", str(fragment), "--docs", str(docs)),
    )
    assert code == 0 and "fit table" in stdout
    scenario_file = write(tmp_path, "extends: calibrated.yaml\nname: uses_fit\n", "uses.yaml")
    scenario = load_scenario(scenario_file)
    fitted = yaml.safe_load(fragment.read_text())
    assert scenario.relapse.frailty_variance == fitted["relapse"]["frailty_variance"]
    page = docs.read_text()
    assert "| alcohol_continuous_abstinence.30 | 0.860 to 0.940 | 0.900 |" in page
    assert "recovery-sim calibrate --trials 0 --population 100" in page


def test_calibrate_bad_targets_file_is_exit_2_without_traceback(capsys, tmp_path):
    bad = write(tmp_path, {"baseline_relapse_curves": [{"id": "x", "band": "wide"}]})
    code, stdout, stderr = run_cli(capsys, "calibrate", "--targets", str(bad), "--trials", "0")
    assert code == 2 and stdout == ""
    assert stderr.startswith("error: ") and "(x) band = 'wide'" in stderr
    assert "Traceback" not in stderr
    code, _, stderr = run_cli(capsys, "calibrate", "--targets", str(tmp_path / "no.yaml"))
    assert code == 2 and "no.yaml does not exist" in stderr


def test_a_design_run_does_not_leak_into_later_baseline_runs():
    from simulation.calibration.fitting import Calibrator, baseline_mapping
    from simulation.scenario.files import BUNDLED_SCENARIOS

    base = baseline_mapping(BUNDLED_SCENARIOS / "treatment_as_usual.yaml", 100, 30)
    cal = Calibrator(base, [4], workers=1)
    before = cal.runs({"relapse.frailty_variance": 0.5})[0].metrics
    cal.runs({"relapse.frailty_variance": 0.6}, {"mentoring.enabled": True})
    after = cal.runs({"relapse.frailty_variance": 0.7})[0]
    assert after.scenario == "calibration_baseline" and "mentoring" in base
    assert base["mentoring"]["enabled"] is False
    assert after.metrics.get("mentor_relapse_rate") != after.metrics.get(
        "mentor_relapse_rate"
    )  # NaN
    assert before.keys() == after.metrics.keys()


def test_next_year_abstinence_pools_every_interview_of_a_group_then_averages_runs():
    from types import SimpleNamespace

    import numpy as np

    from simulation.calibration.measures import next_year_abstinent

    def run(interviews, abstinent):
        outcomes = SimpleNamespace(
            next_year_interviews=np.array(interviews), next_year_abstinent=np.array(abstinent)
        )
        return SimpleNamespace(outcomes=outcomes)

    # Run 1: group 0 has 3 + 1 interviews, 1 + 1 abstinent -> 0.5; run 2: 1 of 4 -> 0.25.
    first = run([[3, 2, 0], [1, 0, 0]], [[1, 2, 0], [1, 0, 0]])
    second = run([[4, 0, 0]], [[1, 0, 0]])
    assert next_year_abstinent([first, second], 0) == pytest.approx((0.5 + 0.25) / 2)
    assert next_year_abstinent([first, second], 1) == pytest.approx(1.0)  # run 2 has none
    assert np.isnan(next_year_abstinent([first, second], 2))


def test_a_targets_path_that_is_a_pipe_or_a_device_is_refused_without_reading(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    for path, problem in [(tmp_path / "pipe.yaml", "a named pipe"), ("/dev/zero", "device")]:
        with pytest.raises(CalibrationError, match=problem):
            read_targets(path)
