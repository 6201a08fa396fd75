"""`discover`: PRIM over an experiment's results finds the factor ranges where a metric is bad.

The results folders here are synthetic, in the format `recovery-sim experiment` writes, with an
outcome that is high exactly inside a known box, so the box PRIM reports can be checked.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import simulation as rs
from simulation.cli import main
from simulation.errors import ExperimentError

METRIC = "relapse_rate_365"


def results_folder(path, points: pd.DataFrame, metric_values, factors, replicates=2, seed=0):
    """A results folder as `recovery-sim experiment` leaves it: manifest.json and runs/."""
    rng = np.random.default_rng(seed)
    rows = []
    # A frame without columns has no records: one empty design point per row instead.
    records = points.to_dict("records") if len(points.columns) else [{}] * len(points)
    for point_id, (point, value) in enumerate(zip(records, metric_values, strict=True)):
        for replicate in range(replicates):
            rows.append(
                {
                    "run_id": point_id * replicates + replicate,
                    "point_id": point_id,
                    "replicate": replicate,
                    "seed": 1000 + replicate,
                    "scenario": "community_peer_mentoring",
                    **point,
                    METRIC: value + rng.normal(0, 0.01),
                    "cost_per_participant": 100.0,
                    "status": "ok",
                    "error": None,
                    "attempts": 1,
                }
            )
    (path / "runs").mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(path / "runs" / "part-0.parquet")
    manifest = {
        "metrics": [METRIC, "cost_per_participant"],
        "design": {"kind": "lhs", "factors": [{"key": key} for key in factors]},
    }
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return path


@pytest.fixture
def boxed(tmp_path):
    """400 points; the outcome is 0.6 where mentors < 20 and contacts < 2 (a quarter), else 0.4."""
    rng = np.random.default_rng(11)
    points = pd.DataFrame(
        {
            "mentoring.mentors_per_100_participants": rng.uniform(1, 40, 400),
            "mentoring.contacts_per_week": rng.uniform(0.1, 4, 400),
            "mentoring.attrition_rate_per_year": rng.uniform(0.05, 4, 400),
        }
    )
    inside = (points.iloc[:, 0] < 20) & (points.iloc[:, 1] < 2)
    values = np.where(inside, 0.6, 0.4)
    return results_folder(tmp_path / "boxed", points, values, list(points)), inside


def test_prim_recovers_a_known_box(boxed):
    folder, inside = boxed
    found = rs.discover(folder, METRIC, above=0.5)
    assert found.document["cases_of_interest"] == int(inside.sum())
    box = found.boxes[0]
    limits = box["limits"]
    assert set(limits) == {
        "mentoring.mentors_per_100_participants",
        "mentoring.contacts_per_week",
    }  # attrition does not matter, so it is not restricted
    assert limits["mentoring.mentors_per_100_participants"]["max"] == pytest.approx(20, abs=1.5)
    assert limits["mentoring.contacts_per_week"]["max"] == pytest.approx(2, abs=0.15)
    assert box["coverage"] >= 0.9 and box["density"] >= 0.9
    assert box["points"] == pytest.approx(inside.sum(), abs=5)


def test_below_finds_the_complement_and_outputs_are_written(boxed, tmp_path):
    folder, inside = boxed
    found = rs.discover(folder, METRIC, below=0.5, out=tmp_path / "d")
    assert found.document["cases_of_interest"] == int((~inside).sum())
    assert found.boxes[0]["density"] > 1 - inside.mean()  # denser than the base rate
    doc = json.loads((tmp_path / "d" / "discover.json").read_text(encoding="utf-8"))
    assert doc["boxes"] == found.boxes and doc["below"] == 0.5
    assert (tmp_path / "d" / "peeling.png").read_bytes()[:4] == b"\x89PNG"


def test_a_categorical_factor_is_limited_to_its_bad_levels(tmp_path):
    rng = np.random.default_rng(5)
    points = pd.DataFrame(
        {
            "mentoring.matching": rng.choice(["random", "same_substance", "veterans"], 300),
            "training.hours": rng.uniform(0, 80, 300),
        }
    )
    bad = (points["mentoring.matching"] == "random") & (points["training.hours"] < 20)
    folder = results_folder(tmp_path / "c", points, np.where(bad, 0.7, 0.3), list(points))
    box = rs.discover(folder, METRIC, above=0.5).boxes[0]
    assert box["limits"]["mentoring.matching"] == {"levels": ["random"]}
    assert box["limits"]["training.hours"]["max"] == pytest.approx(20, abs=3)
    assert box["density"] >= 0.9


def test_clear_errors(boxed, tmp_path):
    folder, _ = boxed
    with pytest.raises(ExperimentError, match=r"not a metric of this experiment.*relapse_rate_365"):
        rs.discover(folder, "relapse_rate_90", above=0.5)
    with pytest.raises(ExperimentError, match=r"above 0\.9 at no design point.*0\.3"):
        rs.discover(folder, METRIC, above=0.9)
    with pytest.raises(ExperimentError, match="exactly one of --above X or --below X"):
        rs.discover(folder, METRIC, above=0.5, below=0.2)
    points = pd.DataFrame(index=range(5))
    flat = results_folder(tmp_path / "flat", points, [0.6] * 5, [])
    with pytest.raises(ExperimentError, match="no design columns"):
        rs.discover(flat, METRIC, above=0.5)
    with pytest.raises(ExperimentError, match="not an experiment results folder"):
        rs.discover(tmp_path, METRIC, above=0.5)


def test_the_command_prints_boxes_as_json_and_errors_as_one_line(boxed, capsys, tmp_path):
    folder, _ = boxed
    args = ["discover", str(folder), "--metric", METRIC, "--above", "0.5", "--json"]
    try:
        main([*args, "--out", str(tmp_path / "o")])
    except SystemExit as exc:
        assert exc.code in (0, None)
    doc = json.loads(capsys.readouterr().out)
    assert {"limits", "coverage", "density"} <= set(doc["boxes"][0])
    with pytest.raises(SystemExit) as exit_:
        main(["discover", str(folder), "--metric", "nope", "--above", "0.5"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1 and "nope" in err


def test_the_scenarios_of_a_multi_scenario_experiment_are_a_factor(tmp_path):
    rng = np.random.default_rng(9)
    points = pd.DataFrame({"training.hours": rng.uniform(0, 80, 200)})
    folder = results_folder(tmp_path / "s", points, np.full(200, 0.3), list(points))
    runs = pd.read_parquet(folder / "runs")
    digital = runs.assign(
        scenario="digital_peer_platform",
        run_id=runs["run_id"] + len(runs),
        **{METRIC: np.where(runs["training.hours"] < 40, 0.7, 0.3)},
    )
    pd.concat([runs, digital]).to_parquet(folder / "runs" / "part-0.parquet")
    found = rs.discover(folder, METRIC, above=0.5)
    assert found.document["points"] == 400 and "scenario" in found.document["factors"]
    box = found.boxes[0]
    assert box["limits"]["scenario"] == {"levels": ["digital_peer_platform"]}
    assert box["limits"]["training.hours"]["max"] == pytest.approx(40, abs=3)
