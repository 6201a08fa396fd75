"""Calibration: fit the baseline hazard to published relapse curves, and lever effects to anchors.

The targets file (`simulation/calibration/data/targets.yaml`) lists published figures with bands. Each target
this module knows how to measure becomes a row of the fit table: target, band, model value,
inside or not. Fitting minimises a deterministic objective — the model runs with fixed seeds
(common random numbers), so the same parameters always give the same value and scipy's
Nelder-Mead can be used as is; no noisy-objective optimiser (and no extra dependency) is needed.

The baseline parameters are fitted in blocks (alcohol curve, opioids, escalation, youth), each a
small bounded Nelder-Mead on the objective of *all* baseline targets, so a block never buys its
own targets at the expense of the others. Each lever's effect parameter is then fitted alone to
its anchor in `program_effects` (a bounded scalar search), where the lever exists in the schema.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize

from simulation.analysis.compare import run_all
from simulation.calibration.anchors import ANCHORS, NOT_REPRESENTED, Anchor, schema_keys
from simulation.calibration.baseline_blocks import BASELINE_BLOCKS, FitParameter
from simulation.calibration.targets import (
    DEFAULT_TARGETS,
    CalibrationError,
    Target,
    baseline_targets,
    read_default_targets,
)
from simulation.running.runner import RunResult
from simulation.scenario.files import apply_overrides, scenario_from_dict
from simulation.scenario.schema import Scenario, iter_parameters, value_at

PASSES = 2  # rounds of block-by-block fitting


# --- fitting ------------------------------------------------------------------------------------


def loss(values: Sequence[float], targets: Sequence[Target | Anchor]) -> float:
    """Squared distance outside each band (in band widths), plus a light pull to the point."""
    total = 0.0
    for value, target in zip(values, targets, strict=True):
        low, high = target.band
        width = (high - low) or abs(high) or 1.0
        if value is None or not math.isfinite(value):
            total += 100.0
            continue
        outside = max(low - value, 0.0, value - high) / width
        centre = target.point if target.point is not None else (low + high) / 2
        # Quadratic near the band, linear far from it, so one unreachable target (say a median
        # far outside its band) cannot drown all the others.
        total += 10.0 * (outside**2 if outside <= 1 else 2 * outside - 1)
        total += 0.1 * min(((value - centre) / width) ** 2, 1.0)
    return total


@dataclass
class Calibrator:
    """Runs the baseline with given parameters on fixed seeds (a deterministic objective)."""

    base: dict[str, Any]  # the baseline scenario as a resolved mapping
    seeds: list[int]
    workers: int | None = None
    executor: Executor | None = None
    evaluations: int = 0
    on_eval: Callable[[float], None] | None = None
    _cache: dict = field(default_factory=dict)

    def scenario(self, values: dict[str, float], extra: dict[str, Any] | None = None) -> Scenario:
        """The baseline scenario with the fitted `values` and any `extra` overrides applied."""
        # apply_overrides shares nested sections with its input and writes into them: copy,
        # or one design's switches (mentoring.enabled) would leak into every later baseline run.
        data = apply_overrides(copy.deepcopy(self.base), {**values, **(extra or {})}, "calibration")
        return scenario_from_dict(data, source="calibration")

    def runs(
        self, values: dict[str, float], extra: dict | None = None, days: int | None = None
    ) -> list[RunResult]:
        """Runs for these parameter values (cached: Nelder-Mead revisits points)."""
        extra = {**(extra or {}), **({"days": days} if days else {})}
        key = tuple(sorted({**values, **extra}.items()))
        if key not in self._cache:
            scenario = self.scenario(values, extra)
            jobs = [(scenario, seed) for seed in self.seeds]
            self._cache[key] = run_all(jobs, workers=self.workers, executor=self.executor)
            self.evaluations += 1
        return self._cache[key]


def expand(
    params: Sequence[FitParameter], x: Sequence[float], start: dict[str, float]
) -> dict[str, float]:
    """Parameter values on their keys (scale parameters multiply the start values)."""
    values = {}
    for p, v in zip(params, x, strict=True):
        for key in p.keys:
            value = start[key] * v if p.scale else v
            values[key] = float(min(value, 1.0) if key.endswith("probability") else value)
    return values


def fit_block(
    cal: Calibrator,
    params: list[FitParameter],
    targets: list[Target],
    current: dict[str, float],
    start: dict[str, float],
    budget: int,
) -> dict[str, float]:
    """Bounded Nelder-Mead on one block (coordinates scaled to [0, 1]); returns updated values."""
    low = np.array([p.low for p in params])
    span = np.array([p.high - p.low for p in params])
    x0 = np.array(
        [(current[p.keys[0]] / start[p.keys[0]] if p.scale else current[p.keys[0]]) for p in params]
    )
    u0 = np.clip((x0 - low) / span, 0.0, 1.0)

    def objective(u: np.ndarray) -> float:
        values = {**current, **expand(params, low + np.clip(u, 0, 1) * span, start)}
        runs = cal.runs(values)
        value = loss([t.measure(runs) for t in targets], targets)
        if cal.on_eval:
            cal.on_eval(value)
        return value

    # A simplex of steps of 0.15 (of each range) pointing inward, so no vertex leaves the box.
    simplex = [u0] + [
        u0 + np.where(np.arange(len(u0)) == i, 0.15 if u0[i] < 0.85 else -0.15, 0)
        for i in range(len(u0))
    ]
    result = optimize.minimize(
        objective,
        u0,
        method="Nelder-Mead",
        bounds=[(0.0, 1.0)] * len(params),
        options={
            "maxfev": max(budget, len(u0) + 1),
            "initial_simplex": np.array(simplex),
            "xatol": 2e-3,
            "fatol": 1e-4,
        },
    )
    best = result.x if result.fun <= objective(u0) else u0
    return {**current, **expand(params, low + best * span, start)}


def scaled(anchor: Anchor, factor: float, start: dict[str, float]) -> dict[str, float]:
    """The lever's parameters at `factor` times their start values, within the schema's bounds."""
    return {k: min(start[k] * float(factor), upper_bound(k)) for k in anchor.keys}


def upper_bound(key: str) -> float:
    """The schema's upper limit of a parameter (inf when it has none)."""
    info = dict(iter_parameters())[key]
    limits = [getattr(m, "le", None) for m in info.metadata] + [None]
    return next((float(v) for v in limits if v is not None), math.inf)


def fit_anchor(
    cal: Calibrator, anchor: Anchor, values: dict[str, float], budget: int
) -> dict[str, float]:
    """The lever's parameters whose design-vs-comparison statistic is nearest the anchor.

    The comparison run (the baseline plus `anchor.comparison`) keeps the current values; its
    own overrides win over them (helper therapy's comparison switches helping off). The lever's
    parameters move together (one factor on their current values), so a lever with
    several channels — a mentor's contact lowers the hazard, answers lapses and builds
    self-efficacy — keeps their proportions and is fitted as a whole.
    """
    start = {k: values.get(k, float(value_at(cal.scenario({}), k))) for k in anchor.keys}
    comparison = cal.runs(values, anchor.comparison, days=anchor.days)

    def objective(x: float) -> float:
        runs = cal.runs({**values, **scaled(anchor, x, start)}, anchor.design, days=anchor.days)
        value = loss([anchor.measure(runs, comparison)], [anchor])
        if cal.on_eval:
            cal.on_eval(value)
        return value

    result = optimize.minimize_scalar(
        objective,
        bounds=anchor.bounds,
        method="bounded",
        options={"maxiter": max(3, budget), "xatol": 0.01},
    )
    return scaled(anchor, result.x, start)


def measure_anchor(cal: Calibrator, anchor: Anchor, values: dict[str, float]) -> float:
    """The anchor's statistic: the design's runs against its comparison's, on `cal`'s seeds."""
    comparison = cal.runs(values, anchor.comparison, days=anchor.days)
    design = cal.runs(values, anchor.design, days=anchor.days)
    return anchor.measure(design, comparison)


# --- the whole calibration ----------------------------------------------------------------------


@dataclass
class FitRow:
    """One row of the fit table."""

    target: str
    band: tuple[float, float] | None
    point: float | None
    value: float | None
    note: str = ""

    @property
    def inside(self) -> bool | None:
        """Whether the model's value lies in the target's band (None without a value or band)."""
        if self.value is None or self.band is None:
            return None
        return self.band[0] <= self.value <= self.band[1]


@dataclass
class CalibrationResult:
    """Fitted parameter values and the fit table measured on fresh seeds."""

    values: dict[str, float]
    rows: list[FitRow]
    settings: dict[str, Any]


def baseline_mapping(path: Path | None, population: int, days: int) -> dict[str, Any]:
    """The baseline scenario as a resolved mapping, at the calibration's size and length."""
    from simulation.scenario.files import resolve_file

    data = resolve_file(path) if path is not None else {}
    data.pop("extends", None)
    data["name"] = "calibration_baseline"
    return apply_overrides(data, {"population.size": population, "days": days}, "calibration")


def calibrate(
    targets_file: str | Path = DEFAULT_TARGETS,
    trials: int = 60,
    *,
    baseline_file: str | Path | None = None,
    population: int = 2000,
    seed: int = 0,
    fit_replicates: int = 2,
    check_replicates: int = 4,
    workers: int | None = None,
    executor: Executor | None = None,
    on_eval: Callable[[float], None] | None = None,
) -> CalibrationResult:
    """Fit baseline hazard blocks, then each lever with an anchor; measure the fit on new seeds.

    `trials` is the number of model evaluations (each: `fit_replicates` runs) for the baseline
    blocks over two passes, shared in proportion to their sizes (at least 3 per parameter and 3
    more per block and pass); each lever gets a quarter of it (at least 6).
    `trials=0` fits nothing and measures the current values.
    """
    from simulation.running.runner import replicate_seeds

    data = read_default_targets(targets_file)
    targets = baseline_targets(data)
    measurable = [t for t in targets if t.measure is not None]
    if not measurable:
        raise CalibrationError(
            f"{targets_file} has no baseline target recovery-sim can measure; expected entries "
            "such as alcohol_continuous_abstinence or any_sud_relapse_one_year with a band."
        )
    fitted = [t for t in measurable if t.fitted]
    horizon = max(t.days for t in fitted or measurable)
    path = Path(baseline_file) if baseline_file else _bundled_baseline()
    base = baseline_mapping(path, population, horizon)
    seeds = replicate_seeds(seed, fit_replicates + check_replicates)
    fit = Calibrator(base, seeds[:fit_replicates], workers, executor, on_eval=on_eval)
    start = {
        k: float(value_at(fit.scenario({}), k))
        for b in BASELINE_BLOCKS.values()
        for p in b
        for k in p.keys
    }
    values = dict(start)
    dims = sum(len(b) for b in BASELINE_BLOCKS.values())
    if trials > 0:
        # Two passes over the blocks: the second re-balances what the first traded between
        # blocks (e.g. the youth ratio and the alcohol curve share the youngest drinkers).
        for _ in range(PASSES):
            for block in BASELINE_BLOCKS.values():
                share = trials * len(block) / dims / PASSES
                budget = max(3 * len(block) + 3, round(share))
                values = fit_block(fit, block, fitted, values, start, budget)
    keys = schema_keys()
    listed = {e["id"] for e in data.get("program_effects", []) if "lever" in e}
    anchors = {a.id: a for a in ANCHORS if a.id in listed and a.overrides <= keys}
    for anchor in anchors.values():
        if trials > 0:
            values |= fit_anchor(fit, anchor, values, max(6, trials // 4))
        else:
            values |= {k: float(value_at(fit.scenario({}), k)) for k in anchor.keys}
    check = Calibrator(base, seeds[fit_replicates:], workers, executor)
    runs = check.runs(values)
    longest = max(t.days for t in measurable)
    long_runs = runs if longest <= horizon else check.runs(values, days=longest)
    rows = [_target_row(t, runs if t.days <= horizon else long_runs) for t in targets]
    for entry in data.get("program_effects", []):
        if "lever" not in entry:
            continue  # a fact about programs (eligibility, burnout), not a lever's anchor
        anchor = anchors.get(entry["id"])
        known = next((a for a in ANCHORS if a.id == entry["id"]), None)
        if anchor is None:
            if known:
                missing = sorted(known.overrides - keys)
                why = f"not measured: {', '.join(missing)} not in the scenario schema yet"
            else:
                why = NOT_REPRESENTED.get(
                    entry["id"], f"no statistic for the lever '{entry['lever']}' yet"
                )
            rows.append(FitRow(entry["id"], None, None, None, why))
            continue
        value = measure_anchor(check, anchor, values)
        rows.append(FitRow(entry["id"], anchor.band, anchor.point, value, anchor.statistic))
    settings = {
        "targets": _shown(Path(targets_file)),
        "baseline": _shown(path) if path else "schema defaults",
        "trials": trials,
        "evaluations": fit.evaluations,
        "population": population,
        "days": horizon,
        "fit_seeds": seeds[:fit_replicates],
        "check_seeds": seeds[fit_replicates:],
        "seed": seed,
    }
    return CalibrationResult(values, rows, settings)


def _target_row(target: Target, runs: list[RunResult]) -> FitRow:
    """A baseline target's row of the fit table, measured on `runs` (long enough for it)."""
    if target.measure is None:
        return FitRow(target.id, target.band, target.point, None, target.why_not)
    note = "" if target.fitted else "measured, not fitted (see docs/ODD.md 3.4)"
    return FitRow(target.id, target.band, target.point, target.measure(runs), note)


def _shown(path: Path) -> str:
    """A path as a reader should see it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _bundled_baseline() -> Path | None:
    from simulation.scenario.files import BUNDLED_SCENARIOS

    path = BUNDLED_SCENARIOS / "treatment_as_usual.yaml"
    return path if path.exists() else None
