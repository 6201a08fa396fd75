"""Experiments: many runs of varied scenarios, run in parallel, stored as Parquet, analysed.

One job per module: `schema` (the experiment file's pydantic models), `loading` (reading
and checking a file), `designs` (samplers), `plan` (points, runs,
seeds), `worker` (what a worker does), `execution` (executors and the driver loop), `results`
(the results folder), `session` (one `recovery-sim experiment` invocation), `analysis` and
`figures` (`recovery-sim analyze`).
"""

from __future__ import annotations

from simulation.experiments.loading import LoadedExperiment, load_experiment
from simulation.experiments.session import Outcome, run_experiment

__all__ = ["LoadedExperiment", "Outcome", "load_experiment", "run_experiment"]
