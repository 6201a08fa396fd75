"""Hostile experiment files: exit 2, one short paragraph, no folder created, quickly (issue 11).

Huge designs are refused from their arithmetic before anything is drawn; the file itself is read
by the same strict reader as scenario files (tests/interfaces/test_hostile_files.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from cli_helpers import OWN_PEAK_MB

from simulation.cli import main
from simulation.errors import ExperimentError
from simulation.experiments.design_size import MAX_DESIGN_POINTS, expected_rows
from simulation.experiments.designs import make_design
from simulation.experiments.loading import load_experiment
from simulation.scenario.files import BUNDLED_SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
BASE = str(BUNDLED_SCENARIOS / "community_peer_mentoring.yaml")
RANGES = {
    "mentoring.caseload_cap": {"range": [2, 15]},
    "mentoring.support_effect": {"range": [0.1, 0.9]},
    "training.hours": {"range": [0, 80]},
    "mentoring.contacts_per_week": {"range": [0.25, 7]},
}
#: Ten factors of ten levels each: 10^10 combinations.
TEN_BY_TEN = {
    "mentoring.caseload_cap": list(range(1, 11)),
    "training.hours": list(range(0, 100, 10)),
    "mentoring.contacts_per_week": [0.5 * i for i in range(1, 11)],
    "mentoring.support_effect": [0.05 * i for i in range(1, 11)],
    "mentoring.rapid_response_effect": [0.05 * i for i in range(10)],
    "mentoring.attrition_rate_per_year": [0.1 * i for i in range(1, 11)],
    "mentoring.eligibility_days_abstinent": list(range(100, 1100, 100)),
    "supervision.review_interval_days": list(range(7, 17)),
    "mentoring.mentors_per_100_participants": list(range(5, 15)),
    "days": list(range(30, 40)),
}


def experiment(tmp_path: Path, design, factors=None, scenarios=None, **extra) -> Path:
    data = {
        "name": "hostile",
        "scenarios": scenarios or [BASE],
        "factors": factors or RANGES,
        "design": design,
        **extra,
    }
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def refused(capsys, tmp_path: Path, path: Path) -> str:
    """`recovery-sim experiment PATH --out ...`: exit 2, one paragraph, < 10 s, no folder."""
    out = tmp_path / "results"
    start = time.monotonic()
    with pytest.raises(SystemExit) as caught:
        main(["experiment", str(path), "--out", str(out), "--workers", "0"])
    elapsed = time.monotonic() - start
    text = capsys.readouterr()
    message = (text.out + text.err).strip()
    assert caught.value.code == 2, message
    assert elapsed < 10.0, elapsed
    assert "Traceback" not in message and "\n" not in message and len(message) < 800
    assert message.startswith(f"error: {path}: "), message
    assert not out.exists()  # nothing written for an experiment that cannot start
    return message


def test_a_latin_hypercube_of_ten_to_the_eight_points_is_refused(capsys, tmp_path):
    path = experiment(tmp_path, {"kind": "lhs", "points": 10**8})
    message = refused(capsys, tmp_path, path)
    assert "design asks for 100,000,000 rows (lhs)" in message
    assert f"more than the limit of {MAX_DESIGN_POINTS:,} design points" in message
    assert "use a smaller design.points" in message


def test_ten_factors_of_ten_levels_are_refused_without_building(capsys, tmp_path):
    path = experiment(tmp_path, "factorial", factors=TEN_BY_TEN)
    message = refused(capsys, tmp_path, path)
    assert "design asks for 10,000,000,000 rows (factorial)" in message
    assert "fewer factors or fewer levels" in message


def test_a_six_million_point_sobol_design_is_refused(capsys, tmp_path):
    path = experiment(tmp_path, {"kind": "sobol", "base_samples": 2**20})
    message = refused(capsys, tmp_path, path)
    assert f"design asks for {2**20 * 6:,} rows (sobol)" in message  # 1,048,576 x (4 + 2)
    assert "a smaller design.base_samples (a power of two)" in message


def test_second_order_sobol_and_morris_are_counted_too(capsys, tmp_path):
    path = experiment(tmp_path, {"kind": "sobol", "base_samples": 2**15, "second_order": True})
    assert f"{2**15 * 10:,} rows" in refused(capsys, tmp_path, path)  # N x (2k + 2)
    path = experiment(tmp_path, {"kind": "morris", "trajectories": 50_000})
    assert "250,000 rows (morris)" in refused(capsys, tmp_path, path)  # r x (k + 1)


def test_points_count_every_base_scenario(capsys, tmp_path):
    other = str(BUNDLED_SCENARIOS / "treatment_as_usual.yaml")
    path = experiment(tmp_path, {"kind": "lhs", "points": 150_000}, scenarios=[BASE, other])
    message = refused(capsys, tmp_path, path)
    assert "150,000 rows x 2 scenarios = 300,000 points" in message


def test_the_limit_itself_is_allowed_and_one_more_is_not(tmp_path):
    loaded = load_experiment(experiment(tmp_path, {"kind": "lhs", "points": MAX_DESIGN_POINTS}))
    assert expected_rows(loaded.spec, loaded.factors) == MAX_DESIGN_POINTS
    with pytest.raises(ExperimentError, match=f"{MAX_DESIGN_POINTS + 1:,} rows"):
        load_experiment(experiment(tmp_path, {"kind": "lhs", "points": MAX_DESIGN_POINTS + 1}))


def test_make_design_refuses_an_oversized_spec_given_directly(tmp_path):
    loaded = load_experiment(experiment(tmp_path, {"kind": "lhs", "points": 100}))
    huge = loaded.spec.model_copy(
        update={"design": loaded.spec.design.model_copy(update={"points": 10**9})}
    )
    with pytest.raises(ExperimentError, match="design: design asks for 1,000,000,000 rows"):
        make_design(huge, loaded.factors)


def test_huge_designs_stay_far_below_a_gigabyte(tmp_path):
    for name in "abc":
        (tmp_path / name).mkdir()
    paths = [
        experiment(tmp_path / "a", {"kind": "lhs", "points": 10**8}),
        experiment(tmp_path / "b", "factorial", factors=TEN_BY_TEN),
        experiment(tmp_path / "c", {"kind": "sobol", "base_samples": 2**20}),
    ]
    code = (
        f"import sys\n{OWN_PEAK_MB}"
        "from simulation.errors import ExperimentError\n"
        "from simulation.experiments.loading import load_experiment\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n        load_experiment(path)\n    except ExperimentError:\n        pass\n"
        "    else:\n        raise SystemExit(path + ' was accepted')\n"
        "print(own_peak_mb())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, paths)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip()) < 1024


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"name: x\n\x00\x01\x02", "is a binary file, not YAML text"),
        ("name: caf\xe9\n".encode("latin-1"), "is not UTF-8 text (byte 0xe9 on line 1)"),
        (b"name: a\nname: b\n", "key 'name' appears twice (lines 1 and 2)"),
        (b"factors:\n  yes: [1, 2]\n", "key 'yes' is read as true/false, not as text"),
        (("description: " + "[" * 3000 + "]" * 3000).encode(), "nest deeper than 50 levels"),
    ],
    ids=["binary", "latin1", "duplicate", "bool-key", "deep"],
)
def test_unreadable_experiment_files(capsys, tmp_path, text, expected):
    path = tmp_path / "exp.yaml"
    path.write_bytes(text)
    assert expected in refused(capsys, tmp_path, path)


def test_an_alias_bomb_in_an_experiment_is_refused(capsys, tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    path = tmp_path / "exp.yaml"
    path.write_text("\n".join(lines) + "\ndescription: [*a8, *a8]\n", encoding="utf-8")
    assert "holds more than 20,000 values (an alias counts its values at every use)" in refused(
        capsys, tmp_path, path
    )


def test_set_extends_in_an_experiment_is_refused(capsys, tmp_path):
    path = experiment(tmp_path, {"kind": "lhs", "points": 10}, set={"extends": "other.yaml"})
    message = refused(capsys, tmp_path, path)
    assert "set.extends = 'other.yaml' cannot be overridden" in message


def test_a_bad_set_value_names_the_experiment_key(capsys, tmp_path):
    path = experiment(
        tmp_path, {"kind": "lhs", "points": 10}, set={"mentoring.caseload_cap": "abc"}
    )
    assert "set.mentoring.caseload_cap = 'abc' is not allowed" in refused(capsys, tmp_path, path)


def test_a_system_file_as_base_scenario_is_refused_unread(capsys, tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("root:SECRET-0xBEEF:19000:0:99999:7:::\n", encoding="utf-8")
    message = refused(
        capsys,
        tmp_path,
        experiment(tmp_path, {"kind": "lhs", "points": 10}, scenarios=[str(secret)]),
    )
    assert "scenarios[0] = " in message and "is not a scenario file" in message
    assert "SECRET" not in message


def test_an_error_in_a_base_scenarios_parent_names_that_parent(capsys, tmp_path):
    (tmp_path / "parent.yaml").write_text("days: -3\n", encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\n", encoding="utf-8")
    path = experiment(tmp_path, {"kind": "lhs", "points": 10}, scenarios=[str(child)])
    with pytest.raises(SystemExit):
        main(["experiment", str(path), "--out", str(tmp_path / "results")])
    message = capsys.readouterr().err.strip()
    assert message.startswith(f"error: {tmp_path / 'parent.yaml'}: days = -3 is not allowed")
    assert f"extended by {child}" in message
