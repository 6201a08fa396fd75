"""What a worker does with a batch of runs: simulate each, catch and retry failures, return rows.

This is the only code that runs on a worker (a local process or a Dask worker), so it must stay
importable and picklable by reference: module-level functions and plain dataclasses.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simulation.experiments.plan import Run
from simulation.running import runner
from simulation.running.runner import RunResult
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario

#: A run is tried this many times in the worker before it is recorded as failed.
ATTEMPTS = 2


@dataclass
class Batch:
    """Runs to do together on one worker, and what to keep from them."""

    scenarios: tuple[Scenario, ...]
    runs: list[Run]
    metrics: tuple[str, ...]
    daily: bool
    simulator: Callable[[Scenario, int], RunResult] | None = None  # default: runner.simulate
    attempt: int = 0  # how many times the executor already lost this batch


@dataclass
class BatchResult:
    """One row per run (ok or failed), the daily series if kept, and the time the batch took."""

    rows: list[dict[str, Any]]
    daily: pd.DataFrame | None
    seconds: float
    failed: int = field(default=0)
    cpu_seconds: float = 0.0


def run_batch(batch: Batch) -> BatchResult:
    """Simulate every run of a batch; a run that raises is tried once more, then recorded."""
    start, start_cpu = time.perf_counter(), time.process_time()
    rows, daily_frames, failed = [], [], 0
    simulator = batch.simulator or runner.simulate  # looked up now, so tests can patch it
    for run in batch.runs:
        result, error, attempts = None, None, 0
        for attempts in range(1, ATTEMPTS + 1):  # noqa: B007 - attempts is recorded below
            try:
                scenario = with_overrides(batch.scenarios[run.scenario_index], run.values)
                result = simulator(scenario, run.seed)
                break
            except Exception as exc:
                error = describe_error(exc)
        row = run_row(batch, run)
        if result is None:
            failed += 1
            row.update(dict.fromkeys(batch.metrics, math.nan))
            row.update(status="failed", error=error, attempts=attempts)
        else:
            row.update({m: float(result.metrics.get(m, math.nan)) for m in batch.metrics})
            row.update(status="ok", error=None, attempts=attempts)
            if batch.daily:
                daily = result.daily.copy()
                daily.insert(0, "run_id", run.run_id)
                daily_frames.append(daily)
        rows.append(row)
    daily = pd.concat(daily_frames, ignore_index=True) if daily_frames else None
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return BatchResult(rows, daily, seconds, failed, cpu)


def run_row(batch: Batch, run: Run) -> dict[str, Any]:
    """The identifying part of a run's row: ids, seed, base scenario, factor and drawn values.

    With parameter uncertainty the row also names its posterior draw (`draw`) and holds the
    drawn parameters' values, so sensitivity to them can be read off the results.
    """
    row = {
        "run_id": run.run_id,
        "point_id": run.point_id,
        "replicate": run.replicate,
        "seed": run.seed,
        "scenario": batch.scenarios[run.scenario_index].name,
    }
    if run.draw is not None:
        row["draw"] = run.draw
    return row | run.values


def failed_rows(batch: Batch, error: BaseException) -> list[dict[str, Any]]:
    """Rows for every run of a batch the executor lost twice (worker died, task killed)."""
    text = describe_error(error)
    return [
        {
            **run_row(batch, run),
            **dict.fromkeys(batch.metrics, math.nan),
            "status": "failed",
            "error": text,
            "attempts": batch.attempt + 1,
        }
        for run in batch.runs
    ]


def describe_error(exc: BaseException) -> str:
    """`Type: message (at file.py:line)`, where the innermost frame is."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}"
