"""The published figures the model is held to, and how a set of runs is measured against them.

`targets.yaml` (a copy of the project's evidence file) holds baseline relapse curves and one
anchor per program lever. This module reads it and turns each baseline band into a `Target` that
knows how to measure itself on runs (with the statistics in `measures`); the lever anchors are
in `anchors`. `simulation.calibration.fitting` fits parameters to both kinds of target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simulation.calibration.measures import (
    days_abstinent_among_users,
    km,
    median_days,
    next_year_abstinent,
    point_prevalence,
)
from simulation.errors import RecoverySimError, ScenarioError
from simulation.model.mechanisms import follow_up
from simulation.running.runner import RunResult
from simulation.scenario.parameters import SUBSTANCES
from simulation.scenario.yaml_reading import read_text

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


#: Targets measured but not fitted (none today: the Dennis et al. targets are measured as the
#: study measured them, at every quarterly interview, and fitted with the rest).
CHECK_ONLY: set[str] = set()


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
        return (lambda runs: km(runs, "lapse", day, substance=substance)), day
    if entry_id == "any_sud_relapse_one_year":
        return (lambda runs: 1.0 - km(runs, "relapse", 365)), 365
    if entry_id == "opioid_after_detox" and key in ("lapse_7", "relapse_7", "relapse_730"):
        event, day = key.split("_")
        return (lambda runs: 1.0 - km(runs, event, int(day), substance="opioids")), int(day)
    if entry_id == "stay_abstinent_next_year_by_duration" and key in follow_up.GROUPS:
        group = follow_up.GROUPS.index(key)
        days = follow_up.DAYS_TO_FOLLOW_UP_EVERY_GROUP
        return (lambda runs: next_year_abstinent(runs, group)), days
    if entry_id == "adolescent_relapse" and key == "relapse_180":
        return (lambda runs: 1.0 - km(runs, "relapse", 180, age="youth")), 180
    if entry_id == "adolescent_relapse" and key == "median_days":
        return (lambda runs: median_days(runs, "relapse", "youth")), 180
    if entry_id == "match_three_year_point_prevalence" and str(key).isdigit():
        return (lambda runs: point_prevalence(runs, substance)), int(key)
    if entry_id == "match_three_year_days_abstinent_among_drinkers" and str(key).isdigit():
        return (lambda runs: days_abstinent_among_users(runs, substance)), int(key)
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
    if not path.exists():
        raise CalibrationError(
            f"targets file {path} does not exist; give --targets a YAML file laid out like "
            f"{DEFAULT_TARGETS}."
        )
    try:
        # Bounded and non-blocking like scenario files (a FIFO or a device is refused). Not the
        # strict loader: targets key their bands by day (`band: {30: [...]}`), numbers as keys.
        data = yaml.safe_load(read_text(path, ScenarioError, "targets"))
    except ScenarioError as exc:
        raise CalibrationError(str(exc)) from None
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
