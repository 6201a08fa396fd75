"""`recovery-sim analyze`: per-point summaries, Sobol/Morris indices, PNG figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from simulation.cli import main
from simulation.experiments import run_experiment
from simulation.experiments.analysis import analyze
from simulation.scenario.files import BUNDLED_SCENARIOS

BASE = str(BUNDLED_SCENARIOS / "community_peer_mentoring.yaml")


def run(tmp_path: Path, factors: dict, design, replicates: int = 2, limit=None) -> Path:
    data = {
        "name": "a",
        "scenarios": [BASE],
        "set": {"population.size": 100, "days": 30},
        "factors": factors,
        "design": design,
        "replicates": replicates,
        "seed": 3,
        "common_random_numbers": True,
        "metrics": ["lapse_free_30", "in_recovery_end"],
    }
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "e.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    run_experiment(path, out=tmp_path / "out", workers=0, limit=limit)
    return tmp_path / "out"


def test_factorial_summary_and_figures(tmp_path, capsys):
    out = run(
        tmp_path,
        {"mentoring.caseload_cap": [2, 8], "mentoring.matching": ["random", "veterans"]},
        "factorial",
        replicates=3,
    )
    main(["analyze", str(out)])
    summary = pd.read_parquet(out / "analysis" / "point_summary.parquet")
    assert len(summary) == 4 * 2 and (summary["n"] == 3).all()
    assert (summary["ci_low"] <= summary["mean"]).all() and (
        summary["mean"] <= summary["ci_high"]
    ).all()
    effects = pd.read_csv(out / "analysis" / "main_effects.csv")
    assert set(effects["factor"]) == {"mentoring.caseload_cap", "mentoring.matching"}
    assert (effects["n"] == 6).all()
    figure = out / "analysis" / "figures" / "main_effects_in_recovery_end.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (out / "analysis" / "sensitivity.csv").exists()
    assert "does not support them" in capsys.readouterr().out


FACTORS = {
    "mentoring.caseload_cap": {"range": [2, 10]},
    "mentoring.support_effect": {"range": [0.1, 0.9]},
    "network.using_contact_risk": {"range": [0.05, 0.4]},
}


def test_sobol_indices_for_every_factor(tmp_path):
    out = run(tmp_path, FACTORS, {"kind": "sobol", "base_samples": 4}, replicates=1)
    result = analyze(out, tmp_path / "analysis")
    indices = pd.read_csv(tmp_path / "analysis" / "sensitivity.csv")
    assert len(result.indices) == len(indices) == 2 * 3 * 2  # metrics x factors x (S1, ST)
    assert set(indices["index"]) == {"S1", "ST"} and indices["value"].notna().all()
    assert (tmp_path / "analysis" / "figures" / "sensitivity_lapse_free_30.png").exists()


def test_morris_indices_and_incomplete_designs(tmp_path):
    out = run(tmp_path, FACTORS, {"kind": "morris", "trajectories": 3}, replicates=1)
    indices = analyze(out).indices
    assert set(indices["index"]) == {"mu_star", "sigma", "mu"}
    assert len(indices) == 2 * 3 * 3
    partial = run(tmp_path / "p", FACTORS, {"kind": "morris", "trajectories": 3}, limit=5)
    result = analyze(partial)
    assert result.indices.empty
    assert any("7 of 12 design points have no finished run" in n for n in result.results.notes)
