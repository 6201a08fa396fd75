"""Experiments: many runs of varied scenarios, run in parallel, stored as Parquet, analysed.

One job per module: `schema` (the experiment file's pydantic models), `loading` (reading
and checking a file), `designs` (samplers), `plan` (points, runs,
seeds), `worker` (what a worker does), `execution` (the driver loop; executors come from
`simulation.running.pool`), `results` (writing the results folder), `results_folder` (its
layout, reading it back, whether it belongs to an experiment), `session` (one
`recovery-sim experiment` invocation), `analysis` and `figures` (`recovery-sim analyze`).
"""

from __future__ import annotations

from simulation.experiments.loading import LoadedExperiment, load_experiment
from simulation.experiments.session import Outcome, run_experiment

__all__ = ["LoadedExperiment", "Outcome", "load_experiment", "run_experiment"]
