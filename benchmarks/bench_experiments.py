"""Experiment throughput and driver memory.

    .venv/bin/python benchmarks/bench_experiments.py            # ~2-3 minutes on 2 cores

1. Runs per second for 1,000-person, 365-day runs with 1 and 2 local workers, and the parallel
   efficiency (rate with 2 workers / (2 x rate with 1)); target >= 80%.
2. The driver's peak resident memory for experiments of 100 and 2,000 small runs (100 people,
   30 days), each in a fresh process; target: flat (results go to disk batch by batch).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASE = str(ROOT / "scenarios" / "community_peer_mentoring.yaml")


def experiment_file(folder: Path, points: int, population: int, days: int) -> Path:
    data = {
        "name": f"bench_{points}",
        "scenarios": [BASE],
        "set": {"population.size": population, "days": days},
        "factors": {"mentoring.caseload_cap": {"range": [2, 12]}},
        "design": {"kind": "lhs", "points": points},
        "replicates": 1,
        "seed": 1,
    }
    path = folder / f"bench_{points}_{population}_{days}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def throughput(runs: int, workers: int, folder: Path) -> tuple[float, float, float]:
    """(runs per second, wall seconds, cores the workers obtained) for `runs` full-size runs."""
    from simulation.experiments import run_experiment

    path = experiment_file(folder, runs, 1000, 365)
    start = time.perf_counter()
    outcome = run_experiment(path, out=folder / f"out_{workers}", workers=workers)
    wall = time.perf_counter() - start
    assert outcome.counts["ok"] == runs, outcome.counts
    tally = outcome.tally
    return tally.completed / tally.seconds, wall, tally.cpu_seconds / tally.seconds


def driver_peak_mb(runs: int, folder: Path) -> float:
    """Peak RSS of a fresh driver process running `runs` small runs on 2 workers."""
    path = experiment_file(folder, runs, 100, 30)
    done = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(path), str(folder / f"mem_{runs}")],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def memory_child(path: str, out: str) -> None:
    from simulation.experiments import run_experiment

    outcome = run_experiment(path, out=out, workers=2)
    assert outcome.counts["remaining"] == 0, outcome.counts
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=64, help="full-size runs per worker count")
    parser.add_argument("--memory-child", nargs=2, metavar=("FILE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"throughput: {args.runs} runs of 1,000 people x 365 days (process pool)")
        rates, cores = {}, {}
        for workers in (1, 2):
            rate, wall, cores[workers] = throughput(args.runs, workers, folder)
            rates[workers] = rate
            print(
                f"  {workers} worker(s): {rate:6.2f} runs/s  (wall {wall:5.1f} s incl. start-up; "
                f"workers got {cores[workers]:.2f} cores of CPU time)"
            )
        efficiency = rates[2] / (2 * rates[1])
        print(f"  parallel efficiency with 2 workers: {efficiency:.0%} (target >= 80%)")
        # On a shared machine the workers may not get whole cores; this compares the runs per
        # CPU-second obtained, i.e. the cost of the parallel machinery itself.
        per_core = (rates[2] / cores[2]) / (rates[1] / cores[1])
        print(f"  efficiency per core actually obtained: {per_core:.0%}")
        print("driver peak memory (RSS), runs of 100 people x 30 days on 2 workers")
        peaks = {runs: driver_peak_mb(runs, folder) for runs in (100, 2000)}
        for runs, peak in peaks.items():
            print(f"  {runs:5d} runs: {peak:6.1f} MB")
        growth = peaks[2000] / peaks[100] - 1
        print(f"  growth from 100 to 2,000 runs: {growth:+.0%} (target: flat)")


if __name__ == "__main__":
    main()
