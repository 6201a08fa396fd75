"""Bad experiment files give one clear paragraph (file, key, value, what is allowed), exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from simulation.cli import main
from simulation.errors import ExperimentError
from simulation.experiments.loading import load_experiment
from simulation.scenario.files import BUNDLED_SCENARIOS

BASE = str(BUNDLED_SCENARIOS / "community_peer_mentoring.yaml")
GOOD = {
    "name": "t",
    "scenarios": [BASE],
    "factors": {"mentoring.caseload_cap": [3, 5]},
    "design": "factorial",
}


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "bad.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, data) -> str:
    with pytest.raises(ExperimentError) as caught:
        load_experiment(write(tmp_path, data))
    return str(caught.value)


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            {"factors": {"mentoring.caseload_capp": [3]}},
            ["factors.mentoring.caseload_capp is not a scenario key", "caseload_cap"],
        ),
        (
            {"factors": {"mentorin.caseload_cap": [3]}},
            ["factors.mentorin is not a scenario key", "mentoring"],
        ),
        ({"factors": {"mentoring": [3]}}, ["is a section, not a parameter", "caseload_cap"]),
        (
            {"factors": {"mentoring.caseload_cap": [3, 0]}},
            ["factors.mentoring.caseload_cap.levels[1] = 0", ">= 1"],
        ),
        (
            {"factors": {"mentoring.matching": [3]}, "design": {"kind": "lhs", "points": 5}},
            ["factors.mentoring.matching.levels[0] = 3", "random"],
        ),
        (
            {"factors": {"mentoring.matching": {"range": [0, 1]}}, "design": "lhs"},
            ["design.points is missing"],
        ),
        (
            {
                "factors": {"mentoring.matching": {"range": [0, 1]}},
                "design": {"kind": "lhs", "points": 5},
            },
            ["needs a numeric parameter", "levels"],
        ),
        (
            {
                "factors": {"mentoring.support_effect": {"range": [0.1, 9]}},
                "design": {"kind": "lhs", "points": 5},
            },
            ["factors.mentoring.support_effect.range = 9", "<= 5"],
        ),
        (
            {"factors": {"mentoring.support_effect": {"range": [0.1, 0.5]}}},
            ["factors.mentoring.support_effect.range", "cannot be used by a factorial design"],
        ),
        ({"design": {"kind": "sobol", "base_samples": 100}}, ["power of two"]),
        ({"design": {"kind": "grid"}}, ["design.kind", "factorial, lhs, sobol, morris"]),
        ({"design": {"kind": "lhs", "points": 5, "size": 3}}, ["design.size", "points"]),
        ({"replicates": 0}, ["replicates = 0", ">= 1"]),
        ({"metrics": ["relapse_rate"]}, ["unknown metric 'relapse_rate'", "relapse_rate_365"]),
        ({"seeds": 1}, ["seeds is not an experiment key", "seed"]),
        ({"set": {"population.sise": 100}}, ["set.population.sise", "size"]),
        ({"set": {"population.size": -5}}, ["set.population.size = -5"]),
        ({"scenarios": ["missing.yaml"]}, ["scenarios[0]", "missing file"]),
        (
            {"scenarios": [BASE, "comunity_peer_mentoring"]},
            ["scenarios[1] = 'comunity_peer_mentoring'", "did you mean community_peer_mentoring"],
        ),
        ({"scenarios": ["/etc/passwd"]}, ["scenarios[0]", "is not a scenario file"]),
    ],
)
def test_bad_experiment_files_name_key_value_and_allowed(tmp_path, change, expected):
    message = error_for(tmp_path, {**GOOD, **change})
    assert message.startswith(str(tmp_path / "bad.yaml"))
    for text in expected:
        assert text in message, message


def test_scenarios_take_bundled_names_as_the_command_line_does(tmp_path):
    import pandas as pd

    from simulation.experiments.plan import Plan

    by_name = load_experiment(write(tmp_path, {**GOOD, "scenarios": ["untrained_mentors"]}))
    path = BUNDLED_SCENARIOS / "untrained_mentors.yaml"
    by_path = load_experiment(write(tmp_path, {**GOOD, "scenarios": [str(path)]}))
    assert by_name.scenarios == by_path.scenarios and by_name.scenario_files == (path,)
    assert by_name.scenarios[0].training.enabled is False
    # A key the file states (through extends:) at its default value stays pinned under
    # parameter uncertainty: the file is found through the name, not only the scenario.
    key = "mentoring.contacts_per_week"
    posterior = pd.DataFrame({key: [0.5, 2.0]}, index=pd.Index([0, 1], name="draw"))
    pinned = [Plan(e, posterior=posterior).draws.pinned for e in (by_name, by_path)]
    assert pinned[0] == pinned[1] == {"untrained_mentors": [key]}


def test_bad_yaml_and_missing_file(tmp_path):
    assert "is not valid YAML at line" in error_for(tmp_path, "factors: [\n")
    assert "not a mapping" in error_for(tmp_path, "- 1\n")
    with pytest.raises(ExperimentError, match="does not exist"):
        load_experiment(tmp_path / "nothing.yaml")


def test_cli_reports_one_paragraph_and_exits_2(tmp_path, capsys):
    path = write(tmp_path, {**GOOD, "factors": {"mentoring.caseload_capp": [3]}})
    with pytest.raises(SystemExit) as caught:
        main(["experiment", str(path), "--out", str(tmp_path / "out")])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_without_traceback_end_to_end(tmp_path):
    path = write(tmp_path, {**GOOD, "replicates": -1})
    done = subprocess.run(
        [sys.executable, "-m", "simulation", "experiment", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "replicates = -1" in done.stderr and "Traceback" not in done.stderr


def test_results_folder_of_another_experiment_is_refused(tmp_path):
    from simulation.experiments import run_experiment

    out = tmp_path / "out"
    small = {**GOOD, "set": {"population.size": 100, "days": 10}}
    run_experiment(write(tmp_path, small), out=out, workers=0)
    with pytest.raises(ExperimentError, match="already holds results"):
        run_experiment(write(tmp_path, small), out=out, workers=0)
    changed = {**small, "replicates": 2}
    with pytest.raises(ExperimentError, match="different experiment"):
        run_experiment(write(tmp_path, changed), out=out, workers=0, resume=True)
