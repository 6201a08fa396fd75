"""Designs produce the right points: counts, bounds, factorial completeness, reproducibility."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulation.experiments.designs import expected_rows, make_design
from simulation.experiments.loading import load_experiment
from simulation.experiments.plan import Plan, run_seed
from simulation.scenario.files import BUNDLED_SCENARIOS

BASE = str(BUNDLED_SCENARIOS / "community_peer_mentoring.yaml")
RANGED = {
    "mentoring.caseload_cap": {"range": [2, 12]},
    "mentoring.support_effect": {"range": [0.1, 0.9]},
    "mentoring.contacts_per_week": {"range": [0.25, 7], "scale": "log"},
    "mentoring.matching": ["random", "same_substance", "veterans"],
}


def experiment(tmp_path: Path, factors: dict, design: dict | str, **extra):
    data = {"name": "t", "scenarios": [BASE], "factors": factors, "design": design, **extra}
    path = tmp_path / "e.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_experiment(path)


def check_bounds(values, factors):
    for f in factors:
        column = values[f.key]
        if f.levels is not None:
            assert set(column) <= set(f.levels)
        else:
            assert column.min() >= f.low and column.max() <= f.high
            if f.kind == "int":
                assert column.dtype == np.int64


def test_factorial_has_every_combination_once(tmp_path):
    exp = experiment(
        tmp_path,
        {
            "mentoring.caseload_cap": [3, 5, 8],
            "mentoring.matching": ["random", "veterans"],
            "mentoring.enabled": [True, False],
        },
        "factorial",
    )
    design = make_design(exp.spec, exp.factors)
    combos = list(design.values.itertuples(index=False, name=None))
    assert len(combos) == 12 == expected_rows(exp.spec, exp.factors)
    assert set(combos) == set(itertools.product([3, 5, 8], ["random", "veterans"], [True, False]))


def test_lhs_count_bounds_and_strata(tmp_path):
    exp = experiment(tmp_path, RANGED, {"kind": "lhs", "points": 40}, seed=3)
    design = make_design(exp.spec, exp.factors)
    assert len(design) == 40
    check_bounds(design.values, exp.factors)
    # A Latin hypercube puts exactly one point in each of the n strata of every dimension.
    bounds = np.array(design.problem["bounds"])
    unit = (design.samples - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0])
    for j in range(unit.shape[1]):
        assert sorted(np.floor(unit[:, j] * 40).astype(int)) == list(range(40))
    assert (
        design.values["mentoring.matching"].value_counts() >= 12
    ).all()  # 40 strata over 3 levels


@pytest.mark.parametrize("second_order, per_sample", [(False, 4 + 2), (True, 2 * 4 + 2)])
def test_sobol_count_and_bounds(tmp_path, second_order, per_sample):
    design_spec = {"kind": "sobol", "base_samples": 16, "second_order": second_order}
    exp = experiment(tmp_path, RANGED, design_spec)
    design = make_design(exp.spec, exp.factors)
    assert len(design) == 16 * per_sample == expected_rows(exp.spec, exp.factors)
    check_bounds(design.values, exp.factors)


def test_morris_count_and_bounds(tmp_path):
    exp = experiment(tmp_path, RANGED, {"kind": "morris", "trajectories": 6, "levels": 4})
    design = make_design(exp.spec, exp.factors)
    assert len(design) == 6 * (4 + 1) == expected_rows(exp.spec, exp.factors)
    check_bounds(design.values, exp.factors)


def test_designs_are_reproducible_and_seeded(tmp_path):
    a = experiment(tmp_path, RANGED, {"kind": "lhs", "points": 10}, seed=1)
    b = experiment(tmp_path, RANGED, {"kind": "lhs", "points": 10}, seed=2)
    first = make_design(a.spec, a.factors).values
    assert first.equals(make_design(a.spec, a.factors).values)
    assert not first.equals(make_design(b.spec, b.factors).values)


def test_plan_numbers_runs_and_derives_seeds(tmp_path):
    exp = experiment(
        tmp_path, {"mentoring.caseload_cap": [3, 5, 8]}, "factorial", replicates=4, seed=9
    )
    plan = Plan(exp)
    runs = list(plan.runs())
    assert [r.run_id for r in runs] == list(range(12))
    assert {(r.point_id, r.replicate) for r in runs} == set(itertools.product(range(3), range(4)))
    assert all(r.seed == run_seed(9, r.point_id, r.replicate) for r in runs)
    assert len({r.seed for r in runs}) == 12
    assert [r.run_id for r in plan.runs(skip={0, 1}, limit=3)] == [2, 3, 4]
    # Common random numbers: every point of a replicate shares its seed.
    crn = Plan(
        experiment(
            tmp_path,
            {"mentoring.caseload_cap": [3, 5]},
            "factorial",
            replicates=2,
            common_random_numbers=True,
        )
    )
    seeds = {(r.replicate, r.seed) for r in crn.runs()}
    assert len(seeds) == 2


def test_bundled_experiments_load_and_are_big_enough():
    root = BUNDLED_SCENARIOS.parent / "experiments"
    sizes = {p.stem: Plan(load_experiment(p)) for p in root.glob("*.yaml")}
    assert sizes["program_levers_lhs"].points >= 200
    assert sizes["program_levers_lhs"].replicates >= 5
    assert len(sizes["relapse_sobol"].experiment.factors) >= 8
    assert sizes["caseload_training"].experiment.spec.design.kind == "factorial"
