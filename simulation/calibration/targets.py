"""The published figures the model is held to, and how a set of runs is measured against them.

`targets.yaml` (a copy of the project's evidence file) holds baseline relapse curves and one
anchor per program lever. This module reads it, turns each band into a `Target` that knows how to
measure itself on runs, and defines the lever `ANCHORS` (a design, the run it is compared with —
treatment as usual unless said otherwise — and the statistic that compares them), and
`NOT_REPRESENTED`: anchors the model cannot reproduce, with what it lacks.
`simulation.calibration.fitting` fits parameters to both kinds of target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from simulation.analysis.metrics import survival_curve
from simulation.errors import RecoverySimError
from simulation.running.runner import RunResult
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES
from simulation.scenario.schema import iter_parameters

DEFAULT_TARGETS = Path(__file__).resolve().parent / "data" / "targets.yaml"
#: Long-run levels of use measured as trials measure them (Project MATCH, Moos & Moos): read
#: beside the default targets file.
MORE_TARGETS = Path(__file__).resolve().parent / "data" / "targets-more.yaml"
#: Sections of a targets file that hold baseline (treatment-as-usual) figures.
BASELINE_SECTIONS = ("baseline_relapse_curves", "long_run_use")
#: Sections of free-text notes, not entries.
NOTE_SECTIONS = ("notes",)


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
    fitted: bool = True  # False: measured in the fit table but not part of the fit's objective


#: Targets measured but not fitted. Next-year abstinence by duration needs 4-year runs (fitting on
#: them would more than double the cost of every evaluation), and a cohort that starts on day 0
#: reaches long durations only through its low-risk survivors — a selection the study's mixed
#: sample does not have — so fitting the hazard to them would distort the first year.
CHECK_ONLY = {"stay_abstinent_next_year_by_duration"}

#: Durations (days abstinent) averaged for each of Dennis et al.'s groups.
_DURATIONS = {
    "under_1_year": (0, 91, 182, 273),
    "1_to_3_years": (365, 547, 730),
    "3_years_or_more": (1095,),
}


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


def _next_year_abstinent(runs: Sequence[RunResult], durations: Sequence[int]) -> float:
    """Mean over runs and durations d of P(no lapse by d + 365 | no lapse by d) (Kaplan-Meier)."""
    values = []
    for run in runs:
        out = run.outcomes
        days = np.array([*durations, *(d + 365 for d in durations)])
        curve = survival_curve(out.lapse_day, out.lapse_observed, days)
        now, later = curve[: len(durations)], curve[len(durations) :]
        values.extend(later[now > 0] / now[now > 0])
    return float(np.mean(values)) if values else float("nan")


def _point_prevalence(runs: Sequence[RunResult], substance: str | None) -> float:
    """Mean over runs of the share of the living subgroup with no use in the last 90 days."""
    values = []
    for run in runs:
        out = run.outcomes
        mask = out.alive_end.copy()
        if substance is not None:
            mask &= out.substance == SUBSTANCES.index(substance)
        if mask.any():
            values.append(float(np.mean(out.last_use_day[mask] <= run.days - 90)))
    return float(np.mean(values)) if values else float("nan")


def _days_abstinent_among_users(runs: Sequence[RunResult], substance: str | None) -> float:
    """Mean over runs of percent days abstinent in the last 90 days.

    Among the living subgroup who used at all in them (Project MATCH's drinkers).
    """
    values = []
    for run in runs:
        out = run.outcomes
        used = out.window_use_days
        mask = out.alive_end & (used > 0)
        if substance is not None:
            mask &= out.substance == SUBSTANCES.index(substance)
        if mask.any():
            values.append(float(np.mean(1.0 - used[mask] / 90.0)))
    return float(np.mean(values)) if values else float("nan")


#: Baseline figures the model cannot measure in a treatment-as-usual cohort, with what it lacks.
BASELINE_NOT_MEASURED: dict[str, str] = {
    "moos_three_year_remission_helped_vs_not": (
        "not measured: compares people who sought help in year 1 with those who did not; the "
        "baseline cohort has no help-seeking outside the program (a self-selected comparison, "
        "not a design the model can run)"
    ),
    "moos_sixteen_year_relapse_among_remitters": (
        "not measured: needs 16-year runs and the helped / not-helped split of the 3-year "
        "remitters (see moos_three_year_remission_helped_vs_not)"
    ),
}


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
    if entry_id == "stay_abstinent_next_year_by_duration" and key in _DURATIONS:
        durations = _DURATIONS[key]
        return (lambda runs: _next_year_abstinent(runs, durations)), max(durations) + 365
    if entry_id == "adolescent_relapse" and key == "relapse_180":
        return (lambda runs: 1.0 - _km(runs, "relapse", 180, age="youth")), 180
    if entry_id == "adolescent_relapse" and key == "median_days":
        return (lambda runs: _median_days(runs, "relapse", "youth")), 180
    if entry_id == "match_three_year_point_prevalence" and str(key).isdigit():
        return (lambda runs: _point_prevalence(runs, substance)), int(key)
    if entry_id == "match_three_year_days_abstinent_among_drinkers" and str(key).isdigit():
        return (lambda runs: _days_abstinent_among_users(runs, substance)), int(key)
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
        if section in NOTE_SECTIONS:
            continue
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


def read_default_targets(path: str | Path = DEFAULT_TARGETS) -> dict[str, list[dict]]:
    """A targets file, with the long-run figures (`MORE_TARGETS`) added when it is the default.

    Args:
        path: the targets file.

    Returns:
        Its sections (and, for the bundled file, `long_run_use`).

    Raises:
        CalibrationError: a file is missing or malformed, or an id appears in both.
    """
    data = read_targets(path)
    if Path(path).resolve() == DEFAULT_TARGETS and MORE_TARGETS.exists():
        more = read_targets(MORE_TARGETS)
        ids = {e["id"] for k, v in data.items() if k not in NOTE_SECTIONS for e in v}
        clash = ids & {e["id"] for k, v in more.items() if k not in NOTE_SECTIONS for e in v}
        if clash:
            raise CalibrationError(f"{MORE_TARGETS}: ids {sorted(clash)} also in {path}.")
        data = {**data, **{k: v for k, v in more.items() if k not in data}}
    return data


def baseline_targets(data: dict[str, list[dict]]) -> list[Target]:
    """One Target per band of each baseline entry (unmeasurable ones say why)."""
    targets = []
    for entry in (e for section in BASELINE_SECTIONS for e in data.get(section, [])):
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
            why = (
                ""
                if measure
                else BASELINE_NOT_MEASURED.get(
                    entry["id"], "not measured: no statistic for it in a cohort run yet"
                )
            )
            targets.append(
                Target(
                    name,
                    _band(value, name),
                    point,
                    days,
                    measure,
                    entry.get("source", ""),
                    why,
                    fitted=entry["id"] not in CHECK_ONLY,
                )
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


def _mentor_relapse_rate(runs: Sequence[RunResult]) -> float:
    """Relapses of mentors in the role per mentor-day in the role, pooled over runs.

    A mentor who relapses leaves the role, so this is the hazard of a first relapse while
    mentoring (person-time: the mentors in the role at the end of each day).
    """
    events = sum(float(r.daily["mentor_relapses"].sum()) for r in runs)
    exposure = sum(float(r.daily["mentors_active"].sum()) for r in runs)
    return events / exposure if exposure > 0 else math.nan


def _mentor_relapse_rate_ratio(
    design: Sequence[RunResult], comparison: Sequence[RunResult]
) -> float:
    """Mentors' relapse rate in the design over that in the comparison (nan without events)."""
    reference = _mentor_relapse_rate(comparison)
    return _mentor_relapse_rate(design) / reference if reference > 0 else math.nan


@dataclass
class Anchor:
    """A program_effects entry turned into a number: a lever, a design, a statistic, a band.

    `measure(design_runs, comparison_runs)` compares the design with its comparison run: the
    baseline (treatment as usual) plus `comparison`, which is empty unless the study compared
    something else (helpers with non-helpers, say).
    """

    id: str
    keys: tuple[str, ...]  # the lever's effect parameters, scaled together by one factor
    design: dict[str, Any]  # overrides that add the lever to the baseline
    statistic: str
    measure: Callable[[Sequence[RunResult], Sequence[RunResult]], float]
    point: float
    band: tuple[float, float]
    bounds: tuple[float, float]  # of the factor on the parameters' starting values
    days: int = 365
    comparison: dict[str, Any] = field(default_factory=dict)  # overrides of the comparison run

    @property
    def overrides(self) -> set[str]:
        """Every key the anchor sets: its parameters and both runs' overrides."""
        return set(self.keys) | set(self.design) | set(self.comparison)


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
    Anchor(
        "helper_therapy",
        ("mentor_wellbeing.helper_hazard_ratio",),
        # Mentors exist only inside a program, so the comparison is the same program with the
        # helper effect off, not treatment as usual; nearly every mentor has mentees there.
        {"mentoring.enabled": True},
        "ratio of mentors' relapse rates in the role (relapses per mentor-day), community "
        "mentoring with helper therapy vs the same program with it off (helper_hazard_ratio 1, "
        "same seeds), against Pagano's 40% vs 22% abstinent read as a hazard ratio, "
        "ln 0.40 / ln 0.22 = 0.61: a hazard ratio carries from recently treated patients to "
        "mentors in longer recovery where abstinent shares do not, and helping does not change "
        "a mentor's escalation from lapse to relapse (band: assumption, about ±0.07 on each share)",
        _mentor_relapse_rate_ratio,
        round(math.log(0.40) / math.log(0.22), 2),
        (0.45, 0.80),
        (0.1, 1.6),
        comparison={"mentoring.enabled": True, "mentor_wellbeing.helper_hazard_ratio": 1.0},
    ),
)

#: Anchors the model cannot reproduce honestly, with what it lacks (shown in the fit table).
NOT_REPRESENTED: dict[str, str] = {
    "digital_support_added_humans": (
        "not represented: Quanbeck compared a digital tool alone with the tool plus peer (or "
        "clinical) support, and the model has no digital support without a mentor: the "
        "digital setting and its adaptive guidance (setting.digital_*, setting.adaptive) act "
        "only through a matched mentor's contacts, so the tool-alone arm would be treatment as "
        "usual; it needs a self-guided digital lever (and has no clinician arm)"
    ),
}


def schema_keys() -> set[str]:
    """Every dotted parameter key of the scenario schema."""
    return {key for key, _ in iter_parameters()}
