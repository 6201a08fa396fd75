"""Calibration: fit the baseline hazard to published relapse curves, and lever effects to anchors.

The targets file (`simulation/data/targets.yaml`) lists published figures with bands. Each target
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
import yaml
from scipy import optimize

from simulation.compare import run_all
from simulation.errors import RecoverySimError
from simulation.metrics import survival_curve
from simulation.params import AGE_GROUPS, SUBSTANCES
from simulation.runner import RunResult
from simulation.scenario import apply_overrides, scenario_from_dict
from simulation.schema import Scenario, iter_parameters

DEFAULT_TARGETS = Path(__file__).resolve().parent / "data" / "targets.yaml"
PASSES = 2  # rounds of block-by-block fitting


class CalibrationError(RecoverySimError, ValueError):
    """A targets file or calibration request is invalid (the message names the entry)."""


@dataclass
class Target:
    """One published figure with a band, and how to measure it in runs."""

    id: str
    band: tuple[float, float]
    point: float | None
    days: int  # run length the measurement needs
    measure: Callable[[Sequence[RunResult]], float] | None
    source: str = ""
    why_not: str = ""  # why it cannot be measured, when measure is None


# --- measuring runs -----------------------------------------------------------------------------


def _km(runs: Sequence[RunResult], event: str, day: int, substance=None, age=None) -> float:
    """Mean over runs of the Kaplan-Meier event-free fraction at `day` in a subgroup."""
    values = []
    for run in runs:
        out = run.outcomes
        mask = np.ones(len(out.lapse_day), dtype=bool)
        if substance is not None:
            mask &= out.substance == SUBSTANCES.index(substance)
        if age is not None:
            mask &= out.age_group == AGE_GROUPS.index(age)
        sub = out.subset(mask)
        times, seen = getattr(sub, f"{event}_day"), getattr(sub, f"{event}_observed")
        values.append(survival_curve(times, seen, np.array([day]))[0])
    return float(np.nanmean(values))


def _median_days(runs: Sequence[RunResult], event: str, age: str) -> float:
    """Mean over runs of the Kaplan-Meier median time to `event` (the run length if not reached)."""
    medians = []
    for run in runs:
        sub = run.outcomes.subset(run.outcomes.age_group == AGE_GROUPS.index(age))
        grid = np.arange(run.days + 1)
        curve = survival_curve(
            getattr(sub, f"{event}_day"), getattr(sub, f"{event}_observed"), grid
        )
        below = np.flatnonzero(curve <= 0.5)
        medians.append(float(grid[below[0]]) if len(below) else float(run.days))
    return float(np.mean(medians))


def _baseline_measure(
    entry_id: str, key: str, substance: str | None
) -> tuple[Callable | None, int]:
    """How to measure one band of a baseline_relapse_curves entry, and the days it needs."""
    if entry_id == "alcohol_continuous_abstinence" or (
        substance and str(key).isdigit() and entry_id.endswith("continuous_abstinence")
    ):
        day = int(key)
        return (lambda runs: _km(runs, "lapse", day, substance=substance)), day
    if entry_id == "any_sud_relapse_one_year":
        return (lambda runs: 1.0 - _km(runs, "relapse", 365)), 365
    if entry_id == "opioid_after_detox" and key in ("lapse_7", "relapse_7", "relapse_730"):
        event, day = key.split("_")
        return (lambda runs: 1.0 - _km(runs, event, int(day), substance="opioids")), int(day)
    if entry_id == "adolescent_relapse" and key == "relapse_180":
        return (lambda runs: 1.0 - _km(runs, "relapse", 180, age="youth")), 180
    if entry_id == "adolescent_relapse" and key == "median_days":
        return (lambda runs: _median_days(runs, "relapse", "youth")), 180
    return None, 0


# --- reading the targets file -------------------------------------------------------------------


def _band(value: Any, where: str) -> tuple[float, float]:
    ok = (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and value[0] <= value[1]
    )
    if not ok:
        raise CalibrationError(
            f"{where} = {value!r} is not a band; allowed: a pair [low, high] of numbers with "
            "low <= high, e.g. [0.40, 0.60]."
        )
    return float(value[0]), float(value[1])


def read_targets(path: str | Path = DEFAULT_TARGETS) -> dict[str, list[dict]]:
    """The targets file as sections of entries, checked: every entry a mapping with an `id`."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalibrationError(
            f"targets file {path} does not exist; give --targets a YAML file laid out like "
            f"{DEFAULT_TARGETS}."
        ) from None
    except yaml.YAMLError as exc:
        raise CalibrationError(f"targets file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CalibrationError(
            f"targets file {path} holds a {type(data).__name__}; allowed: a mapping of sections "
            "(baseline_relapse_curves, program_effects, ...) to lists of entries."
        )
    seen: set[str] = set()
    for section, entries in data.items():
        if not isinstance(entries, list):
            raise CalibrationError(f"{path}: section {section} must be a list of entries.")
        for i, entry in enumerate(entries):
            where = f"{path}: {section}[{i}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise CalibrationError(
                    f"{where} is not a target entry; allowed: a mapping with at least `id` "
                    "(text) and, to be fitted, `band`."
                )
            if entry["id"] in seen:
                raise CalibrationError(f"{where}: id {entry['id']!r} appears twice.")
            seen.add(entry["id"])
            band = entry.get("band")
            if isinstance(band, dict):
                for key, value in band.items():
                    _band(value, f"{where} ({entry['id']}) band.{key}")
            elif band is not None:
                _band(band, f"{where} ({entry['id']}) band")
    return data


def baseline_targets(data: dict[str, list[dict]]) -> list[Target]:
    """One Target per band of each baseline_relapse_curves entry (unmeasurable ones say why)."""
    targets = []
    for entry in data.get("baseline_relapse_curves", []):
        band = entry.get("band")
        if band is None:
            continue  # a qualitative fact (e.g. the hazard's shape), not a fit target
        bands = band if isinstance(band, dict) else {"": band}
        points = entry.get("points") or {}
        for key, value in bands.items():
            name = f"{entry['id']}.{key}" if key != "" else entry["id"]
            point = points.get(key, points.get(str(key))) if isinstance(points, dict) else None
            substance = entry.get("substance")
            substance = substance if substance in SUBSTANCES else None
            measure, days = _baseline_measure(entry["id"], str(key), substance)
            why = "" if measure else "not measured: no statistic for it in a cohort run yet"
            targets.append(
                Target(name, _band(value, name), point, days, measure, entry.get("source", ""), why)
            )
    return targets


# --- program-effect anchors ---------------------------------------------------------------------


def _odds_in_recovery(runs: Sequence[RunResult], day: int) -> float:
    shares = [
        r.daily.loc[r.daily["day"] == day, "in_recovery"].iloc[0] / len(r.outcomes.lapse_day)
        for r in runs
    ]
    share = float(np.mean(shares))
    return share / (1.0 - share) if share < 1 else math.inf


def _percent_days_abstinent(runs: Sequence[RunResult]) -> float:
    """Mean over runs of the share of living participant-days spent in recovery."""
    shares = []
    for r in runs:
        alive = len(r.outcomes.lapse_day) - r.daily["deceased"]
        shares.append(float((r.daily["in_recovery"] / alive.clip(lower=1)).mean()))
    return float(np.mean(shares))


#: What a mentor's contact does: lower the hazard, answer a lapse, build self-efficacy.
_CONTACT_EFFECTS = (
    "mentoring.support_effect",
    "mentoring.rapid_response_effect",
    "mentoring.self_efficacy_gain_per_contact",
)


@dataclass
class Anchor:
    """A program_effects entry turned into a number: a lever, a design, a statistic, a band."""

    id: str
    keys: tuple[str, ...]  # the lever's effect parameters, scaled together by one factor
    design: dict[str, Any]  # overrides that add the lever to the baseline
    statistic: str
    measure: Callable[[Sequence[RunResult], Sequence[RunResult]], float]
    point: float
    band: tuple[float, float]
    bounds: tuple[float, float]  # of the factor on the parameters' starting values
    days: int = 365


#: Levers with an anchor. Bands are the studies' own intervals where they give one; otherwise
#: an assumption around the reported estimates (said so in `statistic`).
ANCHORS: tuple[Anchor, ...] = (
    Anchor(
        "single_peer_contact",
        _CONTACT_EFFECTS,
        {"mentoring.enabled": True},
        "odds ratio of being in recovery on day 180, community mentoring vs treatment as usual "
        "(band: assumption around the adjusted ORs 1.51-1.57)",
        lambda d, b: _odds_in_recovery(d, 180) / _odds_in_recovery(b, 180),
        1.54,
        (1.30, 1.80),
        (0.0, 3.0),
    ),
    Anchor(
        "group_meetings",
        ("meetings.meeting_protection",),
        {"meetings.enabled": True},
        "risk ratio of no lapse by day 365, weekly meetings vs treatment as usual (RR 1.21, "
        "95% CI 1.03-1.42)",
        lambda d, b: _km(d, "lapse", 365) / _km(b, "lapse", 365),
        1.21,
        (1.03, 1.42),
        (0.0, 4.0),
    ),
    Anchor(
        "network_support",
        ("network.recovery_tie_protection",),
        # Active sober-network building (as Litt's Network Support treatment): twice-weekly
        # meetings that only build ties (their own protection switched off) and faster dropping
        # of ties to people who use — the network route alone.
        {
            "meetings.enabled": True,
            "meetings.meeting_protection": 0.0,
            "meetings.meetings_per_week": 2,
            "meetings.tie_formation_per_meeting": 0.3,
            "tie_dynamics.using_tie_dissolution_per_week": 0.1,
        },
        "ratio of percent days abstinent over 2 years, a tie-building program vs treatment as "
        "usual (Litt et al. 2009: up to 20% more days abstinent, read as a ratio in 1.00-1.20)",
        lambda d, b: _percent_days_abstinent(d) / _percent_days_abstinent(b),
        1.10,
        (1.00, 1.20),
        (0.0, 4.0),
        days=730,
    ),
)


def schema_keys() -> set[str]:
    """Every dotted parameter key of the scenario schema."""
    return {key for key, _ in iter_parameters()}


# --- fitting ------------------------------------------------------------------------------------


@dataclass
class FitParameter:
    """A fitted quantity: one value set on `keys`, or (scale) a factor on their start values."""

    name: str
    keys: tuple[str, ...]
    low: float
    high: float
    scale: bool = False


_ESCALATION = tuple(
    f"relapse.{s}.escalation_probability" for s in ("alcohol", "stimulants", "cannabis")
)

#: Blocks fitted in turn, each against all baseline targets.
BASELINE_BLOCKS: dict[str, list[FitParameter]] = {
    "alcohol curve": [
        FitParameter(
            "relapse.alcohol.initial_lapse_rate_per_day",
            ("relapse.alcohol.initial_lapse_rate_per_day",),
            0.005,
            0.15,
        ),
        FitParameter(
            "relapse.alcohol.hazard_halving_days",
            ("relapse.alcohol.hazard_halving_days",),
            2.0,
            120.0,
        ),
        FitParameter("relapse.alcohol.hazard_shape", ("relapse.alcohol.hazard_shape",), 0.5, 3.0),
        FitParameter("relapse.frailty_variance", ("relapse.frailty_variance",), 0.0, 2.0),
    ],
    "opioids": [
        FitParameter(
            "relapse.opioids.initial_lapse_rate_per_day",
            ("relapse.opioids.initial_lapse_rate_per_day",),
            0.05,
            1.0,
        ),
        FitParameter(
            "relapse.opioids.escalation_probability",
            ("relapse.opioids.escalation_probability",),
            0.3,
            1.0,
        ),
    ],
    "escalation": [
        FitParameter(
            "escalation scale (alcohol, stimulants, cannabis)", _ESCALATION, 0.3, 3.0, scale=True
        )
    ],
    "youth": [
        FitParameter(
            "relapse.age_hazard_ratio.youth", ("relapse.age_hazard_ratio.youth",), 0.8, 5.0
        )
    ],
}


def _get(scenario: Scenario, key: str) -> float:
    value: Any = scenario
    for part in key.split("."):
        value = getattr(value, part)
    return float(value)


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
    """The lever's parameters whose design-vs-baseline statistic is nearest the anchor.

    The lever's parameters move together (one factor on their current values), so a lever with
    several channels — a mentor's contact lowers the hazard, answers lapses and builds
    self-efficacy — keeps their proportions and is fitted as a whole.
    """
    start = {k: values.get(k, _get(cal.scenario({}), k)) for k in anchor.keys}
    base_runs = cal.runs(values, days=anchor.days)

    def objective(x: float) -> float:
        runs = cal.runs({**values, **scaled(anchor, x, start)}, anchor.design, days=anchor.days)
        value = loss([anchor.measure(runs, base_runs)], [anchor])
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
    from simulation.scenario import resolve_file

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
    from simulation.runner import replicate_seeds

    data = read_targets(targets_file)
    targets = baseline_targets(data)
    measurable = [t for t in targets if t.measure is not None]
    if not measurable:
        raise CalibrationError(
            f"{targets_file} has no baseline target recovery-sim can measure; expected entries "
            "such as alcohol_continuous_abstinence or any_sud_relapse_one_year with a band."
        )
    horizon = max(t.days for t in measurable)
    path = Path(baseline_file) if baseline_file else _bundled_baseline()
    base = baseline_mapping(path, population, horizon)
    seeds = replicate_seeds(seed, fit_replicates + check_replicates)
    fit = Calibrator(base, seeds[:fit_replicates], workers, executor, on_eval=on_eval)
    start = {
        k: _get(fit.scenario({}), k) for b in BASELINE_BLOCKS.values() for p in b for k in p.keys
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
                values = fit_block(fit, block, measurable, values, start, budget)
    keys = schema_keys()
    listed = {e["id"] for e in data.get("program_effects", []) if "lever" in e}
    anchors = {a.id: a for a in ANCHORS if a.id in listed and set(a.keys) | set(a.design) <= keys}
    for anchor in anchors.values():
        if trials > 0:
            values |= fit_anchor(fit, anchor, values, max(6, trials // 4))
        else:
            values |= {k: _get(fit.scenario({}), k) for k in anchor.keys}
    check = Calibrator(base, seeds[fit_replicates:], workers, executor)
    runs = check.runs(values)
    rows = [
        FitRow(t.id, t.band, t.point, t.measure(runs) if t.measure else None, t.why_not)
        for t in targets
    ]
    for entry in data.get("program_effects", []):
        if "lever" not in entry:
            continue  # a fact about programs (eligibility, burnout), not a lever's anchor
        anchor = anchors.get(entry["id"])
        known = next((a for a in ANCHORS if a.id == entry["id"]), None)
        if anchor is None:
            why = (
                f"lever parameters {', '.join(known.keys)} are not all in the scenario schema yet"
                if known
                else f"no statistic for the lever '{entry['lever']}' yet"
            )
            rows.append(FitRow(entry["id"], None, None, None, why))
            continue
        base_runs = check.runs(values, days=anchor.days)
        design = check.runs(values, anchor.design, days=anchor.days)
        value = anchor.measure(design, base_runs)
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


def _shown(path: Path) -> str:
    """A path as a reader should see it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _bundled_baseline() -> Path | None:
    from simulation.scenario import BUNDLED_SCENARIOS

    path = BUNDLED_SCENARIOS / "treatment_as_usual.yaml"
    return path if path.exists() else None
