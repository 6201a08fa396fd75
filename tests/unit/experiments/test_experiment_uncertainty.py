"""Experiments with parameter uncertainty: replicate r of every point runs the same draw."""

from __future__ import annotations

import pytest
from experiment_files import runs, write
from posterior_factory import FRAILTY, SUPPORT, posterior

from simulation.errors import ExperimentError
from simulation.experiments import run_experiment
from simulation.experiments.loading import load_experiment
from simulation.experiments.plan import Plan
from simulation.running.seeds import draw_index, run_seed
from simulation.scenario.files import BUNDLED_SCENARIOS

EXPERIMENT = {
    "name": "drawn",
    "scenarios": [str(BUNDLED_SCENARIOS / "community_peer_mentoring.yaml")],
    "set": {"population.size": 60, "days": 10},
    "factors": {"mentoring.caseload_cap": [2, 8], FRAILTY: [0.2, 0.9]},
    "design": "factorial",
    "replicates": 3,
    "seed": 8,
}


def test_every_point_of_a_replicate_runs_its_draw_and_the_factors_keep_their_values(tmp_path):
    ensemble = posterior()
    plan = Plan(load_experiment(write(tmp_path, EXPERIMENT)), posterior=ensemble)
    assert plan.draws is not None and plan.draws.pinned["community_peer_mentoring"] == [FRAILTY]
    for replicate in range(3):
        position = draw_index(run_seed(8, 0, replicate, common=True), len(ensemble))
        chosen = [plan.run(replicate * plan.points + p) for p in range(plan.points)]
        assert {r.draw for r in chosen} == {ensemble.index[position]}
        assert {r.values[SUPPORT] for r in chosen} == {ensemble.iloc[position][SUPPORT]}
        assert sorted(r.values[FRAILTY] for r in chosen) == [0.2, 0.2, 0.9, 0.9]  # the factor
    other = Plan(load_experiment(write(tmp_path, EXPERIMENT)), posterior=posterior(seed=1))
    assert other.plan_hash != plan.plan_hash  # another ensemble: another experiment


def test_results_rows_name_their_draw_and_stochastic_has_none(tmp_path):
    path = write(tmp_path, EXPERIMENT)
    run_experiment(path, out=tmp_path / "a", workers=0, posterior=posterior())
    table = runs(tmp_path / "a")
    assert len(table) == 12 and {"draw", SUPPORT, FRAILTY} <= set(table.columns)
    per_replicate = table.groupby("replicate")[[SUPPORT, "draw"]].nunique()
    assert (per_replicate == 1).all().all()
    assert table.groupby("replicate")[SUPPORT].first().nunique() == 3
    run_experiment(path, out=tmp_path / "b", workers=0, uncertainty="stochastic")
    assert {"draw", SUPPORT} & set(runs(tmp_path / "b").columns) == set()
    with pytest.raises(ExperimentError, match="posterior ensemble"):
        run_experiment(
            path, out=tmp_path / "a", workers=0, resume=True, posterior=posterior(seed=2)
        )
