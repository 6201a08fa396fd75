"""Kill -9 part-way, resume: every run exactly once, equal to an uninterrupted batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import yaml

from simulation.experiments import run_experiment
from simulation.scenario.files import BUNDLED_SCENARIOS

EXPERIMENT = {
    "name": "killed",
    "scenarios": [str(BUNDLED_SCENARIOS / "community_peer_mentoring.yaml")],
    "set": {"population.size": 100, "days": 30},
    "factors": {
        "mentoring.caseload_cap": {"range": [2, 10]},
        "mentoring.support_effect": {"range": [0.1, 0.9]},
    },
    "design": {"kind": "lhs", "points": 20},
    "replicates": 2,
    "seed": 5,
    "daily": True,
}


def command(path: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "simulation", "experiment", str(path), "--out", str(out), *extra]


def parts(out: Path) -> list[Path]:
    return list((out / "runs").glob("*.parquet")) if (out / "runs").is_dir() else []


def test_killed_batch_resumes_to_the_same_results(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text(yaml.safe_dump(EXPERIMENT, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    driver = subprocess.Popen(
        command(path, out, "--workers", "2", "--batch-size", "1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(parts(out)) < 4 and time.monotonic() < deadline and driver.poll() is None:
        time.sleep(0.02)
    workers = psutil.Process(driver.pid).children(recursive=True)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    recorded = len(pd.read_parquet(out / "runs"))
    assert 4 <= recorded < 40, "the batch should have been killed part-way"
    # Orphaned pool workers notice the driver is gone and leave.
    _gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive

    resumed = subprocess.run(
        command(path, out, "--workers", "2", "--resume"), capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{recorded} already recorded" in resumed.stderr

    reference = tmp_path / "reference"
    run_experiment(path, out=reference, workers=0)
    runs = pd.read_parquet(out / "runs").sort_values("run_id").reset_index(drop=True)
    assert runs["run_id"].tolist() == list(range(40))  # every run exactly once, no gaps
    expected = pd.read_parquet(reference / "runs").sort_values("run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(runs, expected)
    daily = pd.read_parquet(out / "daily").sort_values(["run_id", "day"], ignore_index=True)
    expected_daily = pd.read_parquet(reference / "daily")
    expected_daily = expected_daily.sort_values(["run_id", "day"], ignore_index=True)
    pd.testing.assert_frame_equal(daily, expected_daily)
    assert not list(out.rglob(".*.tmp"))
