"""A researcher's sweep: caseload cap x training hours, two ways, as tidy pandas tables.

1. A few lines of Python: `run_scenario` at every combination, metrics stacked in one table.
2. The same sweep as an experiment file run by `run_experiment` (resumable, parallel, Parquet),
   read back with `load_results`; the folder also opens in polars or DuckDB (`runs/*.parquet`).

Small and quick (a few seconds). Results go to a temporary folder unless you name one:

    .venv/bin/python docs/examples/researchers_sweep.py [OUT_DIR]
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from pathlib import Path

import pandas as pd

import simulation as rs

SMALL = {"population.size": 300, "days": 120}
CAPS, HOURS = [3, 8, 15], [0, 24]

EXPERIMENT = """\
name: caseload_training_small
scenarios: [{scenario}]
set: {{population.size: 300, days: 120}}
factors:
  mentoring.caseload_cap: [3, 8, 15]
  training.hours: [0, 24]
design: factorial
replicates: 2
seed: 7
common_random_numbers: true
metrics: [lapse_free_90, in_recovery_end, mentor_burnout_mean, cost_per_participant]
daily: true
"""


def sweep_in_python() -> pd.DataFrame:
    """Every combination of caseload cap and training hours, 2 replicates each."""
    frames = []
    for cap, hours in itertools.product(CAPS, HOURS):
        run = rs.run_scenario(
            "community_peer_mentoring",
            replicates=2,
            seed=7,
            overrides={**SMALL, "mentoring.caseload_cap": cap, "training.hours": hours},
        )
        frames.append(run.metrics.assign(caseload_cap=cap, training_hours=hours))
    return pd.concat(frames, ignore_index=True)


def sweep_as_experiment(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same design as an experiment file; returns (runs, daily) tables."""
    scenario = next(p for p in rs.bundled_scenarios() if p.stem == "community_peer_mentoring")
    path = out / "caseload_training_small.yaml"
    path.write_text(EXPERIMENT.format(scenario=scenario), encoding="utf-8")
    outcome = rs.run_experiment(path, out=out / "results", workers=0)  # 0: in this process
    print(f"experiment {outcome.status}: {outcome.counts['recorded']} runs in {outcome.out}")
    return rs.load_results(outcome.out), rs.load_results(outcome.out, daily=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)

        metrics = sweep_in_python()
        print("In Python: mean over replicates")
        print(
            metrics.groupby(["caseload_cap", "training_hours"])[
                ["lapse_free_90", "mentor_burnout_mean"]
            ]
            .mean()
            .round(3)
            .to_string()
        )

        runs, daily = sweep_as_experiment(out)
        print("\nAs an experiment: one row per run")
        print(runs.columns.tolist())
        print(
            runs.pivot_table(
                index="mentoring.caseload_cap",
                columns="training.hours",
                values="mentor_burnout_mean",
            )
            .round(3)
            .to_string()
        )
        print("\nDaily series, one row per run and day:", daily.shape)
        last = daily[daily["day"] == daily["day"].max()]
        print(last.groupby("mentoring.caseload_cap")["mentees_matched"].mean().to_string())


if __name__ == "__main__":
    main()
