"""Every target the posterior is fitted to, and one evaluation of all of them at a parameter set.

A target is a published figure with a band and the statistic that measures it on runs: the
baseline curves of `targets.yaml` and `targets-more.yaml` (`targets.baseline_targets`), the
program-effect anchors (`anchors.ANCHORS`) and two more figures from `targets.yaml` whose band is
set here (said so in each statistic): mortality off treatment and engagement retention.

`evaluate_targets(scenario, seed)` runs, on one seed, every run the targets need (treatment as
usual at the lengths they need, and each anchor's design and comparison: common random
numbers) and returns each target's value. It is the simulator the experiment machinery calls for
each design point (`simulation.calibration.design_runs`), so it is module-level and picklable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulation.calibration.anchors import ANCHORS, schema_keys
from simulation.calibration.targets import (
    DEFAULT_TARGETS,
    NOTE_SECTIONS,
    CalibrationError,
    baseline_targets,
    read_default_targets,
)
from simulation.running.runner import RunResult, simulate
from simulation.scenario.overrides import with_overrides
from simulation.scenario.parameters import SUBSTANCES
from simulation.scenario.schema import Scenario

#: Run length of the treatment-as-usual run every baseline target up to 3 years is measured on
#: (Project MATCH's point prevalence needs a run that ends on day 1125).
BASELINE_DAYS = 1125
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class RunKey:
    """Which run a target is measured on: overrides of the evaluated scenario (days included)."""

    overrides: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, overrides: dict[str, Any]) -> RunKey:
        """The key of the run with these overrides."""
        return cls(tuple(sorted(overrides.items())))


@dataclass(frozen=True)
class FitTarget:
    """A target of the posterior: id, band, published point, group, and how it is measured."""

    id: str
    band: tuple[float, float]
    point: float | None
    group: str  # for leave-some-targets-out validation (a study or a kind of outcome)
    runs: tuple[RunKey, ...]  # the runs `measure` takes, in order
    measure: Callable[..., float] = field(compare=False)
    statistic: str = ""
    fitted: bool = True  # False: predicted and checked, but not part of the fit (CHECK_ONLY)


def _opioid_deaths_per_1000_py(run: RunResult) -> float:
    """Deaths per 1,000 person-years among people whose substance is opioids (all causes)."""
    out = run.outcomes
    mask = out.substance == SUBSTANCES.index("opioids")
    years = float(out.days_alive[mask].sum()) / DAYS_PER_YEAR
    return 1000.0 * float((~out.alive_end[mask]).sum()) / years if years > 0 else math.nan


def _still_enrolled(run: RunResult) -> float:
    """Share of those who ever enrolled who are still enrolled on the run's last day."""
    ever = float(run.outcomes.ever_enrolled.sum())
    return float(run.daily["enrolled"].iloc[-1]) / ever if ever > 0 else math.nan


_GROUPS = {
    "alcohol_continuous_abstinence": "alcohol curve (NIAAA, Hunt et al.)",
    "any_sud_relapse_one_year": "relapse within a year (McLellan et al.)",
    "stay_abstinent_next_year_by_duration": "next-year abstinence (Dennis et al.)",
    "opioid_after_detox": "opioids (Smyth et al., Sordo et al.)",
    "adolescent_relapse": "adolescents (Cornelius et al.)",
    "match_three_year_point_prevalence": "three years (Project MATCH)",
    "match_three_year_days_abstinent_among_drinkers": "three years (Project MATCH)",
}
PROGRAM_GROUP = "program effects (trials)"


def fit_targets(targets_file: str = str(DEFAULT_TARGETS)) -> list[FitTarget]:
    """Every measurable target of the targets files, the anchors and the extra figures.

    Args:
        targets_file: the targets file (the bundled one adds targets-more.yaml).

    Returns:
        The targets, baseline first, then program effects, then the extra figures.

    Raises:
        CalibrationError: the file is malformed or has no measurable target.
    """
    data = read_default_targets(targets_file)
    found: list[FitTarget] = []
    for t in baseline_targets(data):
        if t.measure is None:
            continue
        days = BASELINE_DAYS if t.days <= BASELINE_DAYS else t.days
        group = _GROUPS.get(t.id.split(".")[0], "other baseline figures")
        found.append(
            FitTarget(
                t.id,
                t.band,
                t.point,
                group,
                (RunKey.of({"days": days}),),
                _one_list(t.measure),
                "baseline (treatment as usual) cohort",
                t.fitted,
            )
        )
    if not found:
        raise CalibrationError(
            f"{targets_file} has no baseline target recovery-sim can measure; expected entries "
            "such as alcohol_continuous_abstinence or any_sud_relapse_one_year with a band."
        )
    listed = {e["id"] for e in data.get("program_effects", []) if "lever" in e}
    keys = schema_keys()
    for a in ANCHORS:
        if a.id not in listed or not a.overrides <= keys:
            continue
        design = RunKey.of({**a.design, "days": a.days})
        comparison = RunKey.of({**a.comparison, "days": a.days})
        found.append(
            FitTarget(
                a.id,
                a.band,
                a.point,
                PROGRAM_GROUP,
                (design, comparison),
                _two_lists(a.measure),
                a.statistic,
            )
        )
    ids = {e["id"] for name, entries in data.items() if name not in NOTE_SECTIONS for e in entries}
    if "mortality_off_treatment" in ids:
        found.append(
            FitTarget(
                "mortality_off_treatment",
                (27.0, 48.0),
                36.1,
                _GROUPS["opioid_after_detox"],
                (RunKey.of({"days": BASELINE_DAYS}),),
                _opioid_deaths_per_1000_py,
                "all-cause deaths per 1,000 person-years of people using opioids at the start, "
                "3 years, treatment as usual (Sordo et al. 2017: 36.1 out of treatment; band: "
                "assumption, about +-30%, as wide as the pooled cohorts' spread)",
            )
        )
    if "meeting_attendance_decay" in ids:
        mentoring = next((a for a in ANCHORS if a.id == "single_peer_contact"), None)
        overrides = {**(mentoring.design if mentoring else {"mentoring.enabled": True})}
        found.append(
            FitTarget(
                "meeting_attendance_decay.365",
                (0.60, 0.80),
                0.76,
                "engagement (Kelly et al.)",
                (RunKey.of({**overrides, "days": 365}),),
                _still_enrolled,
                "share of enrolled participants still enrolled on day 365 of community "
                "mentoring (Kelly, Stout & Slaymaker 2013: 0.76 still attending; Kelly & Moos "
                "2003: 40% dropped out within a year; band: the two studies)",
            )
        )
    return found


def _one_list(measure: Callable[[Sequence[RunResult]], float]) -> Callable[[RunResult], float]:
    return lambda run: measure([run])


def _two_lists(measure: Callable[[Sequence[RunResult], Sequence[RunResult]], float]) -> Callable:
    return lambda design, comparison: measure([design], [comparison])


@dataclass
class TargetValues:
    """One evaluation: each target's value (`metrics`, as the experiment machinery records it)."""

    metrics: dict[str, float]


def measure_all(
    targets: Sequence[FitTarget], run: Callable[[RunKey], RunResult]
) -> dict[str, float]:
    """Each target's value, from the runs `run(key)` gives (cached by the caller).

    Args:
        targets: the targets.
        run: returns the run a key names.

    Returns:
        target id -> value (nan where the statistic has no events to count).
    """
    values = {}
    for target in targets:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = target.measure(*(run(key) for key in target.runs))
        values[target.id] = float(value) if value is not None else math.nan
    return values


def evaluate_targets(scenario: Scenario, seed: int) -> TargetValues:
    """Every target's value at the scenario's parameters, each run on the same `seed`.

    Args:
        scenario: the baseline (treatment as usual) with the parameter set to evaluate.
        seed: the seed of every run (common random numbers across the designs).

    Returns:
        The values, under `metrics`.
    """
    cache: dict[RunKey, RunResult] = {}

    def run(key: RunKey) -> RunResult:
        if key not in cache:
            cache[key] = simulate(with_overrides(scenario, dict(key.overrides)), seed)
        return cache[key]

    return TargetValues(measure_all(fit_targets(), run))
