"""The results the Python API returns: one scenario's runs and a comparison of designs.

`RunSummary` (what `run_scenario` returns) and `ComparisonSummary` (what `compare_scenarios`
returns) hold the raw runs and offer them as tidy pandas DataFrames, the printed summary, a
figure, and files on disk. Import them from `simulation`, not from this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulation.analysis.statistics import clean, with_total
from simulation.errors import ScenarioError
from simulation.running.parameter_draws import (
    PARAMETERS_AND_STOCHASTIC,
    ParameterDraws,
    scenario_value,
)
from simulation.running.result_files import to_jsonable, write_json, write_parquet, write_text
from simulation.running.runner import RunResult, daily_frame, summarize
from simulation.scenario.files import scenario_yaml
from simulation.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulation.analysis.compare import Comparison


@dataclass
class RunSummary:
    """One scenario run for N replicates: tidy tables and the summary `recovery-sim run` prints.

    Attributes:
        scenario: the resolved scenario that ran.
        seed: the master seed; replicate seeds derive from it (`seeds`).
        seeds: one seed per replicate.
        results: the raw `RunResult` of each replicate (metrics, daily series, event times).
        draws: the posterior draw each replicate ran (None: the scenario's own parameters).

    Example:
        >>> from simulation import run_scenario
        >>> run = run_scenario("treatment_as_usual", replicates=2, seed=1,
        ...                    overrides={"population.size": 100, "days": 30})
        >>> run.metrics.shape[0], run.daily.shape[0]
        (2, 60)
    """

    scenario: Scenario
    seed: int
    seeds: list[int]
    results: list[RunResult] = field(repr=False)
    draws: ParameterDraws | None = field(default=None, repr=False)

    @property
    def replicates(self) -> int:
        """The number of replicate runs."""
        return len(self.results)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """One row per replicate: `scenario`, `replicate`, `seed`, then every metric."""
        return pd.DataFrame(
            [
                {"scenario": r.scenario, "replicate": i, "seed": r.seed, **r.metrics}
                for i, r in enumerate(self.results)
            ]
        )

    @cached_property
    def daily(self) -> pd.DataFrame:
        """One row per replicate and day: `scenario`, `replicate`, `seed`, `day`, the series."""
        return daily_frame(self.results)

    @cached_property
    def summary(self) -> dict[str, Any]:
        """What `recovery-sim run --json` prints: every metric's mean and 95% intervals.

        Each metric has `ci95` (with parameter uncertainty the 2.5th-97.5th percentiles of the
        replicates, each a posterior draw; else the t-interval of the mean),
        `ci95_stochastic` (the t-interval of the mean) and `spread95` (the percentiles).
        """
        summary = summarize(self.results)
        uncertainty = "stochastic" if self.draws is None else PARAMETERS_AND_STOCHASTIC
        for name, stat in summary["metrics"].items():
            if not name.startswith("by_"):
                values = [r.metrics.get(name) for r in self.results]
                summary["metrics"][name] = with_total(stat, clean(values), self.draws is not None)
        document = {
            "scenario": self.scenario.name,
            "days": self.scenario.days,
            "population": self.scenario.population.size,
            "seed": self.seed,
            "replicates": self.replicates,
            "uncertainty": uncertainty,
        }
        if self.draws is not None:
            document["parameter_draws"] = self.draws.describe()
        return to_jsonable(document | summary)

    def scenario_of(self, replicate: int) -> Scenario:
        """The scenario replicate `replicate` ran: with its posterior draw, if it had one.

        Args:
            replicate: which replicate (0 .. replicates - 1).

        Returns:
            The scenario.
        """
        return (
            self.scenario if self.draws is None else self.draws.scenario(self.scenario, replicate)
        )

    def person_history(self, replicate: int = 0) -> pd.DataFrame:
        """One replicate's per-person history (see `RecoveryCommunityModel.person_history`).

        Status by day, lapses, relapses, enrolment, mentor and ties.

        The replicate is run again with recording on: a run is a pure function of scenario and
        seed, so this is the run that produced `metrics` row `replicate`, day by day.

        Args:
            replicate: which replicate (0 .. replicates - 1).

        Returns:
            One row per participant and day.

        Raises:
            ScenarioError: `replicate` is not one of the run's replicates.
        """
        from simulation.model.model import RecoveryCommunityModel

        if not 0 <= replicate < self.replicates:
            raise ScenarioError(
                "person_history()",
                "replicate",
                replicate,
                f"a replicate number from 0 to {self.replicates - 1}",
            )
        model = RecoveryCommunityModel(
            self.scenario_of(replicate), seed=self.seeds[replicate], record_history=True
        )
        model.run()
        return model.person_history()

    def save(self, out: str | Path) -> Path:
        """Write `daily.parquet`, `summary.json` and the resolved `scenario.yaml` to `out`.

        Example:
            >>> run.save("results/my_run")                     # doctest: +SKIP
        """
        out = Path(out)
        write_parquet(out / "daily.parquet", self.daily)
        write_json(out / "summary.json", self.summary)
        write_text(out / "scenario.yaml", scenario_yaml(self.scenario))
        return out

    def plot(self) -> Figure:
        """No lapse yet and people in recovery each day, with 95% bands (a matplotlib Figure)."""
        from simulation.report.figures import run_figure

        return run_figure(self.scenario.name, self.results)


@dataclass
class ComparisonSummary:
    """Designs compared with a baseline.

    The document `recovery-sim compare --json` prints, and the same numbers as tidy DataFrames.

    Attributes:
        comparison: the underlying `simulation.analysis.compare.Comparison` (scenarios, runs, seeds).

    Example:
        >>> from simulation import compare_scenarios
        >>> result = compare_scenarios(["treatment_as_usual", "community_peer_mentoring"],
        ...                            replicates=3, seed=1,
        ...                            overrides={"population.size": 100, "days": 30})
        >>> result.baseline
        'treatment_as_usual'
        >>> sorted(result.differences["scenario"].unique())
        ['community_peer_mentoring']
    """

    comparison: Comparison = field(repr=False)

    @property
    def baseline(self) -> str:
        """The baseline scenario's name."""
        return self.comparison.baseline

    @property
    def document(self) -> dict[str, Any]:
        """What `recovery-sim compare --json` prints (NaN as None)."""
        return to_jsonable(self.comparison.document)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """One row per scenario and replicate: ids, seed and every metric (`runs.parquet`)."""
        return comparison_runs(self.comparison)

    @cached_property
    def daily(self) -> pd.DataFrame:
        """One row per scenario, replicate and day (`daily.parquet`)."""
        return comparison_daily(self.comparison)

    @cached_property
    def estimates(self) -> pd.DataFrame:
        """One row per scenario and metric: `mean`, `low`, `high` (95% interval)."""
        return _stat_frame(self.comparison.document["scenarios"])

    @cached_property
    def differences(self) -> pd.DataFrame:
        """One row per design and metric: design minus baseline, `mean`, `low`, `high`.

        `low` and `high` bound the total 95% interval (`ci95`), `low_stochastic` and
        `high_stochastic` the run-to-run one (`ci95_stochastic`); see docs/compare.md.
        """
        frame = _stat_frame(self.comparison.document["differences"])
        run_to_run = _stat_frame(self.comparison.document["differences"], "ci95_stochastic")
        frame["low_stochastic"] = run_to_run["low"].to_numpy()
        frame["high_stochastic"] = run_to_run["high"].to_numpy()
        return frame

    def plot(self, kind: str = "survival") -> Figure:
        """A report figure: "survival", "in_recovery", "key_metrics", "cost_effectiveness" or "acceptability"."""
        from simulation.report.figures import comparison_figure

        return comparison_figure(self.comparison, kind)

    def report(self, path: str | Path) -> Path:
        """Write the planners' report (a folder, or a .html file); returns the HTML's path."""
        from simulation.report import report

        return report(self, path)


def _stat_frame(block: dict[str, dict[str, Any]], interval: str = "ci95") -> pd.DataFrame:
    rows = []
    for scenario, stats in block.items():
        for metric, stat in stats.items():
            if not isinstance(stat, dict) or "mean" not in stat:
                continue  # breakdowns by substance / age group
            low, high = stat.get(interval) or (None, None)
            rows.append(
                {"scenario": scenario, "metric": metric, "mean": stat["mean"], "low": low}
                | {"high": high}
            )
    frame = pd.DataFrame(rows, columns=["scenario", "metric", "mean", "low", "high"])
    return frame.astype({"mean": float, "low": float, "high": float})


def comparison_runs(comparison: Comparison) -> pd.DataFrame:
    """Every run of a comparison with its metrics (and compare's derived ones), one row each.

    The parameters on which the scenarios differ are columns too (dotted keys, such as
    `mentoring.caseload_cap`), so the table can be analysed without the scenario files. With
    parameter uncertainty, so are each run's posterior `draw` and the values it ran with.
    """
    from simulation.analysis.compare import run_metrics_with_derived
    from simulation.scenario.population_keys import key_kind, resolved_values

    values = {s.name: resolved_values(s) for s in comparison.scenarios}
    first = next(iter(values.values()))
    differing = [
        key
        for key in first
        if key_kind(key) != "about" and any(v[key] != first[key] for v in values.values())
    ]
    return pd.DataFrame(
        [
            {
                "scenario": name,
                "replicate": i,
                "seed": r.seed,
                **{key: _cell(values[name][key]) for key in differing},
                **_drawn(comparison, name, i),
                **run_metrics_with_derived(r),
            }
            for name, runs in comparison.results.items()
            for i, r in enumerate(runs)
        ]
    )


def _drawn(comparison: Comparison, name: str, replicate: int) -> dict[str, Any]:
    """A run's posterior draw and the values of the posterior's keys it ran with ({} if none)."""
    draws = comparison.draws
    if draws is None:
        return {}
    scenario = next(s for s in comparison.scenarios if s.name == name)
    ran = draws.scenario(scenario, replicate).model_dump()
    keys = [str(k) for k in draws.posterior.columns]
    return {"draw": draws.label(replicate)} | {k: scenario_value(ran, k) for k in keys}


def _cell(value: Any) -> Any:
    """A parameter value as a Parquet cell: mappings and lists as JSON text."""
    return json.dumps(value) if isinstance(value, dict | list) else value


def comparison_daily(comparison: Comparison) -> pd.DataFrame:
    """The daily series of every run of a comparison, one row per scenario, replicate and day."""
    frames = [daily_frame(runs) for runs in comparison.results.values()]
    return pd.concat(frames).reset_index(drop=True)
