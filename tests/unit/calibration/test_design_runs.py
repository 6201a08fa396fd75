"""The design runs go through the experiment machinery: resumable after a kill, no duplicates."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from simulation.calibration.design_runs import DesignSettings, read_design, run_design
from simulation.calibration.priors import PRIORS
from simulation.calibration.target_runs import fit_targets

SMALL = DesignSettings(points=5, population=50, seed=5)
REPOSITORY = Path(__file__).resolve().parents[3]


def _runs(folder: Path) -> pd.DataFrame:
    return pd.concat(pd.read_parquet(p) for p in sorted((folder / "runs").glob("*.parquet")))


def test_a_killed_design_resumes_without_running_or_recording_a_point_twice(tmp_path):
    folder = tmp_path / "design"
    script = (
        "from simulation.calibration.design_runs import DesignSettings, run_design\n"
        "if __name__ == '__main__':\n"
        f"    run_design({str(folder)!r}, DesignSettings(points=5, population=50, seed=5), "
        "workers=0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    process = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=tmp_path)
    deadline = time.monotonic() + 240
    while not list((folder / "runs").glob("*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.2)
    process.kill()
    process.wait()
    before = len(_runs(folder))
    assert 1 <= before < SMALL.points  # killed part-way
    outcome = run_design(folder, SMALL, workers=0)
    assert outcome.skipped == before and outcome.tally.completed == SMALL.points - before
    runs = _runs(folder)
    assert sorted(runs["run_id"]) == list(range(SMALL.points))
    assert (runs["status"] == "ok").all()
    # A finished design runs nothing more.
    again = run_design(folder, SMALL, workers=0)
    assert again.tally.completed == 0 and len(_runs(folder)) == SMALL.points
    values, unit, targets = read_design(folder)
    assert len(values) == len(unit) == len(targets) == SMALL.points
    assert list(targets.columns) == [t.id for t in fit_targets()]
    for prior in PRIORS:
        assert values[prior.key].between(prior.low, prior.high).all()
        assert unit[prior.key].between(0.0, 1.0).all()
    # Every point has its own values (a Latin hypercube), so no two rows repeat.
    assert not values.duplicated().any()
