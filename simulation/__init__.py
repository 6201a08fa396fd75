"""recovery-sim: an agent-based simulation of peer-mentoring programs in substance-use recovery.

The public Python API (listed in `docs/api.md`):

    >>> import simulation as rs
    >>> run = rs.run_scenario("community_peer_mentoring", replicates=2,
    ...                       overrides={"population.size": 200, "days": 60})
    >>> run.metrics.shape[0]
    2

Names are imported when first used, so `import simulation` stays light (no pandas, Mesa,
SALib or Dask until you ask for something that needs them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    # scenarios
    "Scenario": "simulation.scenario.schema",
    "load_scenario": "simulation.scenario.files",
    "scenario_from_dict": "simulation.scenario.files",
    "bundled_scenarios": "simulation.scenario.files",
    # errors
    "RecoverySimError": "simulation.errors",
    "ScenarioError": "simulation.errors",
    "ExperimentError": "simulation.errors",
    # the Mesa model
    "RecoveryCommunityModel": "simulation.model.model",
    "DAILY_SERIES": "simulation.model.model",
    "METRICS": "simulation.analysis.metrics",
    # running and comparing
    "run_scenario": "simulation.api",
    "RunSummary": "simulation.results",
    "compare_scenarios": "simulation.api",
    "ComparisonSummary": "simulation.results",
    "report": "simulation.report",  # rs.report(comparison, path)
    # experiments
    "run_experiment": "simulation.experiments",
    "load_results": "simulation.api",
    # the calibrated posterior ensemble (parameter uncertainty)
    "load_posterior": "simulation.calibration.posterior",
    # other tools (SALib, EMA Workbench)
    "evaluate": "simulation.interop",
    # design search (Optuna, PRIM)
    "optimize_design": "simulation.design.optimize",
    "DesignSearch": "simulation.design.optimize",
    "discover": "simulation.design.discover",
    "Discovery": "simulation.design.discover",
}

__all__ = [  # noqa: RUF022 - grouped as in docs/api.md, not sorted
    "Scenario",
    "load_scenario",
    "scenario_from_dict",
    "bundled_scenarios",
    "RecoverySimError",
    "ScenarioError",
    "ExperimentError",
    "RecoveryCommunityModel",
    "DAILY_SERIES",
    "METRICS",
    "run_scenario",
    "RunSummary",
    "compare_scenarios",
    "ComparisonSummary",
    "report",
    "run_experiment",
    "load_results",
    "load_posterior",
    "evaluate",
    "optimize_design",
    "DesignSearch",
    "discover",
    "Discovery",
]

if TYPE_CHECKING:
    from simulation.analysis.metrics import METRICS
    from simulation.api import compare_scenarios, load_results, run_scenario
    from simulation.calibration.posterior import load_posterior
    from simulation.design.discover import Discovery, discover
    from simulation.design.optimize import DesignSearch, optimize_design
    from simulation.errors import ExperimentError, RecoverySimError, ScenarioError
    from simulation.experiments import run_experiment
    from simulation.interop import evaluate
    from simulation.model.model import DAILY_SERIES, RecoveryCommunityModel
    from simulation.report import report
    from simulation.results import ComparisonSummary, RunSummary
    from simulation.scenario.files import bundled_scenarios, load_scenario, scenario_from_dict
    from simulation.scenario.schema import Scenario


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'simulation' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
