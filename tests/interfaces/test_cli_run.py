"""The command line: `run`, `validate`, `schema`, and every kind of bad input (exit 2, one paragraph)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_cli

from simulation.analysis.metrics import INTAKE_METRICS, METRICS

ROOT = Path(__file__).resolve().parents[2]
TAU = str(ROOT / "scenarios" / "treatment_as_usual.yaml")
CPM = str(ROOT / "scenarios" / "community_peer_mentoring.yaml")


def test_run_json_has_every_field_and_metric(capsys):
    code, out, err = run_cli(
        capsys,
        "run",
        TAU,
        "--population",
        "300",
        "--replicates",
        "2",
        "--seed",
        "3",
        "--workers",
        "1",
        "--json",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["scenario"] == "treatment_as_usual"
    assert (doc["days"], doc["population"], doc["seed"], doc["replicates"]) == (365, 300, 3, 2)
    metrics = doc["metrics"]
    for name in METRICS:
        # Waiting-list metrics belong to runs with intake only (docs/intake.md).
        assert (name in metrics) == (name not in INTAKE_METRICS), name
    for name in ("lapse_free_30", "lapse_free_365", "relapse_rate_365", "in_recovery_end"):
        stat = metrics[name]
        assert 0.0 <= stat["mean"] <= 1.0
        lo, hi = stat["ci95"]
        assert lo <= stat["mean"] <= hi
    # no mentors in treatment as usual: the mentor metric is null, not NaN
    assert metrics["mentor_relapse_rate"]["mean"] is None
    assert set(metrics["by_substance"]) <= {"alcohol", "opioids", "stimulants", "cannabis"}
    assert len(metrics["by_substance"]) >= 3
    assert set(metrics["by_age_group"]) <= {"youth", "adult", "older_adult"}
    for group in (*metrics["by_substance"].values(), *metrics["by_age_group"].values()):
        assert "lapse_free_30" in group and "mean" in group["lapse_free_30"]
    survival = doc["survival"]
    assert survival["day"] == list(range(366))
    curve = survival["fraction_lapse_free"]
    assert len(curve) == 366 and curve[0] == 1.0
    assert all(a >= b for a, b in itertools.pairwise(curve))
    assert curve[30] == pytest.approx(metrics["lapse_free_30"]["mean"], abs=1e-6)


def test_run_mentor_metric_present_with_mentoring(capsys):
    code, out, _ = run_cli(capsys, "run", CPM, "--population", "200", "--days", "60", "--json")
    assert code == 0
    assert json.loads(out)["metrics"]["mentor_relapse_rate"]["mean"] is not None


def test_metrics_past_the_last_day_are_left_out(capsys):
    code, out, _ = run_cli(capsys, "run", TAU, "--population", "200", "--days", "100", "--json")
    assert code == 0
    metrics = json.loads(out)["metrics"]
    assert "lapse_free_30" in metrics and "lapse_free_90" in metrics
    for name in ("lapse_free_180", "lapse_free_365", "relapse_rate_365"):
        assert name not in metrics
        assert name not in metrics["by_substance"].get("alcohol", {})
    assert json.loads(out)["survival"]["day"][-1] == 100


def test_run_out_writes_parquet_and_summary(capsys, tmp_path):
    out_dir = tmp_path / "results"
    code, out, err = run_cli(
        capsys,
        "run",
        TAU,
        "--population",
        "150",
        "--days",
        "40",
        "--replicates",
        "2",
        "--workers",
        "1",
        "--out",
        str(out_dir),
    )
    assert code == 0, err
    daily = pd.read_parquet(out_dir / "daily.parquet")
    assert len(daily) == 2 * 40
    assert {"replicate", "seed", "day", "in_recovery", "lapses"} <= set(daily.columns)
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["days"] == 40 and "lapse_free_30" in summary["metrics"]
    assert "no lapse by day 30 (%)" in out  # the readable table names the metrics in words


def test_validate_ok_and_bad(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "validate", TAU, CPM)
    assert code == 0
    assert out.count("ok:") == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("mentoring: {caseload_cpa: 3}\n")
    code, out, err = run_cli(capsys, "validate", TAU, str(bad))
    assert code == 2
    assert "ok:" in out and "caseload_cpa" in err


def test_schema_is_a_json_schema_with_properties(capsys):
    code, out, _ = run_cli(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["type"] == "object"
    for key in ("days", "population", "relapse", "mentoring", "network"):
        assert key in schema["properties"]
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


BAD_INPUTS = {
    "missing file": (lambda d: str(d / "nope.yaml"), [], ["nope.yaml", "does not exist"]),
    "yaml syntax": (
        lambda d: _write(d, "syntax.yaml", "days: [1, 2\nname: x\n"),
        [],
        ["syntax.yaml", "not valid YAML", "line"],
    ),
    "unknown key": (
        lambda d: _write(d, "unknown.yaml", "mentoring:\n  caseload_cpa: 3\n"),
        [],
        ["unknown.yaml", "mentoring.caseload_cpa", "caseload_cap", "contacts_per_week"],
    ),
    "wrong type": (
        lambda d: _write(d, "type.yaml", "mentoring:\n  caseload_cap: lots\n"),
        [],
        ["type.yaml", "mentoring.caseload_cap", "'lots'", "whole number"],
    ),
    "probability out of range": (
        lambda d: _write(d, "prob.yaml", "relapse:\n  alcohol:\n    escalation_probability: 1.7\n"),
        [],
        ["prob.yaml", "relapse.alcohol.escalation_probability", "1.7", "<= 1"],
    ),
    "negative count": (
        lambda d: _write(d, "count.yaml", "mentoring:\n  eligibility_days_abstinent: -10\n"),
        [],
        ["count.yaml", "mentoring.eligibility_days_abstinent", "-10", ">= 0"],
    ),
    "set on missing key": (
        lambda d: TAU,
        ["--set", "mentoring.caseload=4"],
        ["--set", "mentoring.caseload", "caseload_cap"],
    ),
    "set out of range": (
        lambda d: TAU,
        ["--set", "network.homophily=2"],
        ["network.homophily", "2", "<= 1"],
    ),
    "extends cycle": (
        lambda d: (
            _write(d, "a.yaml", "extends: b.yaml\n"),
            _write(d, "b.yaml", "extends: a.yaml\n"),
        )[0],
        [],
        ["extends", "cycle"],
    ),
    "extends missing parent": (
        lambda d: _write(d, "orphan.yaml", "extends: no_parent.yaml\n"),
        [],
        ["orphan.yaml", "extends", "no_parent.yaml", "missing"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_paragraph(capsys, tmp_path, case):
    make_file, extra, fragments = BAD_INPUTS[case]
    path = make_file(tmp_path)
    for command in (["run", path, "--days", "5", "--population", "10", *extra], ["validate", path]):
        if command[0] == "validate" and extra:
            continue
        code, out, err = run_cli(capsys, *command)
        assert code == 2, (case, out, err)
        assert "Traceback" not in err
        text = err.strip()
        assert text.startswith("error:")
        assert "\n\n" not in text  # one paragraph
        assert len(text) < 1500
        for fragment in fragments:
            assert fragment in text, (case, fragment, text)


def test_python_m_simulation_help_and_a_bad_file_in_a_subprocess(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "simulation", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    for command in ("run", "validate", "schema"):
        assert command in result.stdout
    bad = _write(tmp_path, "bad.yaml", "relapse: {alcohol: {escalation_probability: -1}}\n")
    result = subprocess.run(
        [sys.executable, "-m", "simulation", "run", bad],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "escalation_probability" in result.stderr


def test_run_and_compare_say_which_uncertainty_and_refuse_an_unknown_one(capsys):
    small = ["--population", "60", "--days", "10", "--replicates", "2", "--workers", "1"]
    code, out, _ = run_cli(capsys, "run", CPM, *small, "--uncertainty", "stochastic", "--json")
    assert code == 0 and json.loads(out)["uncertainty"] == "stochastic"
    for command in (["run", CPM], ["compare", TAU, CPM]):
        code, out, err = run_cli(capsys, *command, *small, "--uncertainty", "parameters")
        assert code == 2 and out == "" and "Traceback" not in err
        assert "'parameters'" in err and "parameters+stochastic" in err and "stochastic" in err
