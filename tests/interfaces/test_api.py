"""The public Python API: names, errors, tidy frames, Mesa's batch_run, SALib, determinism."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

import simulation
import simulation as rs
from simulation.cli import main
from simulation.docgen.api_reference import COMMAND, documented_reference, reference

ROOT = Path(__file__).resolve().parents[2]
API_DOC = ROOT / "docs" / "api.md"
SMALL = {"population.size": 100, "days": 30}


def test_public_names_import_from_simulation():
    assert simulation.__all__ == list(simulation._EXPORTS)
    for name in simulation.__all__:
        assert getattr(rs, name) is not None, name
    namespace: dict = {}
    exec("from simulation import *", namespace)
    assert set(simulation.__all__) <= set(namespace)
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = rs.no_such_name


def test_import_simulation_is_light():
    code = (
        "import sys, simulation\n"
        "light = [m for m in ('pandas', 'mesa', 'SALib') if m in sys.modules]\n"
        "for name in simulation.__all__: getattr(simulation, name)\n"
        "heavy = [m for m in ('solara', 'dask', 'distributed', 'matplotlib') if m in sys.modules]\n"
        "print(light, heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[] []"


def test_every_public_name_has_a_docstring_with_an_example():
    from simulation.docgen.api_reference import CONSTANTS

    for name in simulation.__all__:
        if name in CONSTANTS:
            continue
        doc = getattr(rs, name).__doc__ or ""
        assert "Example" in doc, f"{name} has no example in its docstring"


def test_docs_api_reference_is_up_to_date():
    if documented_reference(API_DOC.read_text(encoding="utf-8")) != reference():
        raise AssertionError(f"docs/api.md's reference is out of date. Run `{COMMAND}`.")


@pytest.mark.parametrize(
    "module",
    ["simulation", "simulation.api", "simulation.interop", "simulation.docgen.api_reference"],
)
def test_docstring_examples_run(module):
    __import__(module)
    result = doctest.testmod(
        sys.modules[module], optionflags=doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL
    )
    assert result.failed == 0


def test_wrong_key_in_a_dict_raises_scenario_error_naming_it():
    with pytest.raises(rs.ScenarioError) as caught:
        rs.scenario_from_dict({"days": 30, "mentoring": {"caseload": 5}})
    error = caught.value
    assert error.key == "mentoring.caseload"
    assert error.source == "<dict>"
    for valid in ("caseload_cap", "enabled", "matching"):
        assert valid in error.allowed
    assert "mentoring.caseload" in str(error)

    with pytest.raises(rs.ScenarioError) as caught:
        rs.run_scenario({"dayz": 30})
    assert caught.value.key == "dayz" and "population" in caught.value.allowed
    with pytest.raises(rs.ScenarioError, match="caseload_capp"):
        rs.run_scenario("treatment_as_usual", overrides={"mentoring__caseload_capp": 3})
    with pytest.raises(rs.ScenarioError, match="bundled scenario"):
        rs.run_scenario("no_such_design")


def test_run_scenario_returns_tidy_frames_and_the_cli_summary(capsys, tmp_path):
    run = rs.run_scenario("community_peer_mentoring", replicates=3, seed=4, overrides=SMALL)
    assert run.replicates == 3 and len(run.seeds) == 3
    assert run.metrics.shape[0] == 3
    assert list(run.metrics.columns[:3]) == ["scenario", "replicate", "seed"]
    assert {"lapse_free_30", "in_recovery_end", "cost_per_participant"} <= set(run.metrics)
    assert run.daily.shape[0] == 3 * 30
    assert list(run.daily.columns[:4]) == ["scenario", "replicate", "seed", "day"]
    assert set(rs.DAILY_SERIES) <= set(run.daily.columns)
    assert run.daily.groupby("replicate")["day"].agg(["min", "max"]).eq([1, 30]).all().all()

    # `run --json` prints exactly run.summary
    scenario = ROOT / "scenarios" / "community_peer_mentoring.yaml"
    args = ["run", str(scenario), "--population", "100", "--days", "30", "--replicates", "3"]
    main([*args, "--seed", "4", "--workers", "1", "--json", "--out", str(tmp_path)])
    assert json.loads(capsys.readouterr().out) == run.summary
    saved = pd.read_parquet(tmp_path / "daily.parquet")
    pd.testing.assert_frame_equal(saved, run.daily)


def test_compare_scenarios_gives_estimates_and_differences():
    result = rs.compare_scenarios(
        ["treatment_as_usual", "community_peer_mentoring"], replicates=3, seed=2, overrides=SMALL
    )
    assert result.baseline == "treatment_as_usual"
    assert set(result.estimates["scenario"]) == {"treatment_as_usual", "community_peer_mentoring"}
    assert list(result.estimates.columns) == ["scenario", "metric", "mean", "low", "high"]
    diffs = result.differences.set_index("metric")
    assert set(result.differences["scenario"]) == {"community_peer_mentoring"}
    assert "relapses_averted_per_100" in diffs.index
    assert result.metrics.shape[0] == 6 and len(result.daily) == 6 * 30
    assert result.document["replicates"] == 3


def test_mesa_batch_run_runs_the_model_for_two_parameter_values():
    rows = mesa.batch_run(
        rs.RecoveryCommunityModel,
        parameters={
            "mentoring__enabled": True,
            "mentoring__caseload_cap": [2, 8],
            "population": [{"size": 120}],
            "days": 15,
            "seed": 3,
        },
        iterations=1,
        max_steps=100,
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    assert len(frame) == 2
    assert sorted(frame["mentoring__caseload_cap"]) == [2, 8]
    assert (frame["day"] == 15).all()  # the model stopped itself after `days`
    assert set(rs.DAILY_SERIES) <= set(frame.columns)
    # a tighter caseload cap leaves fewer participants matched with a mentor
    matched = frame.set_index("mentoring__caseload_cap")["mentees_matched"]
    assert matched[2] < matched[8]


def test_evaluate_is_deterministic_and_rounds_whole_numbers():
    kwargs = {"scenario": "community_peer_mentoring", "population__size": 100, "days": 30}
    first = rs.evaluate(seed=9, mentoring__caseload_cap=4, **kwargs)
    assert first == rs.evaluate(seed=9, mentoring__caseload_cap=4, **kwargs)
    assert all(isinstance(v, float) for v in first.values())
    assert set(first) >= {"lapse_free_30", "in_recovery_end", "relapsed_per_100"}
    assert first != rs.evaluate(seed=10, mentoring__caseload_cap=4, **kwargs)
    # dotted keys, NumPy floats for a whole-number parameter: the same run
    dotted = {"mentoring.caseload_cap": np.float64(3.8), "population.size": np.int64(100)}
    assert first == rs.evaluate(seed=9, scenario="community_peer_mentoring", days=30, **dotted)
    two = rs.evaluate(seed=9, replicates=2, mentoring__caseload_cap=4, **kwargs)
    assert two != first
    with pytest.raises(rs.ScenarioError, match="caseload_capp"):
        rs.evaluate(mentoring__caseload_capp=4)


def test_a_salib_sample_drives_evaluate_end_to_end():
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = {
        "num_vars": 2,
        "names": ["mentoring__contacts_per_week", "mentoring__caseload_cap"],
        "bounds": [[0.25, 7.0], [2, 12]],
    }
    samples = morris_sample.sample(problem, N=3, num_levels=4, seed=1)
    outputs = np.array(
        [
            rs.evaluate(
                scenario="community_peer_mentoring",
                seed=1,
                population__size=100,
                days=60,
                **dict(zip(problem["names"], row, strict=True)),
            )["in_recovery_end"]
            for row in samples
        ]
    )
    indices = morris_analyze.analyze(problem, samples, outputs, seed=1)
    assert np.isfinite(indices["mu_star"]).all()
    assert indices["mu_star"][0] > 0  # contact frequency matters


def test_run_experiment_and_load_results(tmp_path):
    scenario = ROOT / "scenarios" / "community_peer_mentoring.yaml"
    path = tmp_path / "tiny.yaml"
    path.write_text(
        f"name: tiny\nscenarios: [{scenario}]\n"
        "set: {population.size: 80, days: 30}\n"
        "factors: {mentoring.caseload_cap: [2, 6]}\n"
        "design: factorial\nreplicates: 2\nseed: 1\ndaily: true\n"
        "metrics: [lapse_free_30, in_recovery_end]\n",
        encoding="utf-8",
    )
    with pytest.raises(rs.ExperimentError, match="no manifest"):
        rs.load_results(tmp_path)
    outcome = rs.run_experiment(path, out=tmp_path / "out", workers=0)
    runs = rs.load_results(outcome.out)
    assert len(runs) == 4 and (runs["status"] == "ok").all()
    assert {"run_id", "seed", "scenario", "mentoring.caseload_cap", "in_recovery_end"} <= set(runs)
    assert runs.attrs["manifest"]["experiment"]["name"] == "tiny"
    daily = rs.load_results(outcome.out, daily=True)
    assert len(daily) == 4 * 30
    assert {"run_id", "day", "mentoring.caseload_cap", "in_recovery"} <= set(daily)
    assert "in_recovery_end" not in daily
