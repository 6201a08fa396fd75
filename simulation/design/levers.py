"""The program levers a design search may move, and the ranges it may move them in.

A lever is a scenario key with a range (`{range: [low, high]}`, optionally `scale: log`) or a
list of levels, written as in an experiment file's `factors:`. A lever given as `{}` takes its
range from the schema (a number's bounds, a choice's options, true/false). A levers file is

    levers:
      mentoring.mentors_per_100_participants: {range: [2, 40]}
      mentoring.matching: [random, same_substance]
      training.hours: {}            # the schema's range, 0-500 hours

Without a file, `DEFAULT_LEVERS` is searched: the levers a program manager controls.
"""

from __future__ import annotations

import difflib
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt

from simulation.errors import ScenarioError
from simulation.scenario.files import scenario_from_dict
from simulation.scenario.schema import Scenario, iter_parameters
from simulation.scenario.yaml_reading import parse_mapping, read_text

#: The levers searched when no file is given: what a program manager sets, in ranges a real
#: program could run (assumption: wider than any published program, narrower than the schema).
DEFAULT_LEVERS: dict[str, Any] = {
    "mentoring.mentors_per_100_participants": {"range": [2, 40]},
    "mentoring.caseload_cap": {"range": [2, 15]},
    "mentoring.contacts_per_week": {"range": [0.25, 4], "scale": "log"},
    "setting.kind": ["community", "digital", "hybrid", "residential"],
    "training.hours": {"range": [0, 80]},
    "training.empathic_listening": [True, False],
    "training.boundary_setting": [True, False],
    "training.conflict_resolution": [True, False],
    "supervision.review_interval_days": {"range": [7, 60]},
    "meetings.enabled": [False, True],
    "mentoring.matching": ["random", "same_substance", "same_age_group", "composite"],
    "stigma.campaign": [False, True],
}

_RANGE_KEYS = {"range", "scale"}
#: Significant digits of a fractional lever value: finer than any program could be run at.
SIGNIFICANT_DIGITS = 3


@dataclass(frozen=True)
class Lever:
    """One scenario key the search moves.

    Attributes:
        key: the dotted scenario key, e.g. `mentoring.caseload_cap`.
        low: the smallest value of a range (None for levels).
        high: the largest value of a range (None for levels).
        log: sample the range on a log scale.
        levels: the values to choose from (None for a range).
        whole: the parameter takes whole numbers.
    """

    key: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    levels: tuple[Any, ...] | None = None
    whole: bool = False

    def suggest(self, trial: Any) -> Any:
        """This lever's value for an Optuna trial (`trial.suggest_*`).

        Fractional values are rounded to `SIGNIFICANT_DIGITS` so that a design reads as a
        planner would write it (22.9 mentors per 100, not 22.854913).
        """
        if self.levels is not None:
            return trial.suggest_categorical(self.key, list(self.levels))
        if self.whole:
            return trial.suggest_int(self.key, int(self.low), int(self.high), log=self.log)
        value = trial.suggest_float(self.key, self.low, self.high, log=self.log)
        return min(self.high, max(self.low, float(f"{value:.{SIGNIFICANT_DIGITS}g}")))

    @property
    def document(self) -> dict[str, Any]:
        """The lever as a levers-file entry (JSON-friendly)."""
        if self.levels is not None:
            return {"key": self.key, "levels": list(self.levels)}
        scale = "log" if self.log else "linear"
        return {"key": self.key, "range": [self.low, self.high], "scale": scale}


def load_levers(path: str | Path | None, base: Scenario) -> list[Lever]:
    """The levers of a levers file, or `DEFAULT_LEVERS`, checked against the base scenario.

    Args:
        path: a YAML levers file (see the module docstring), or None for `DEFAULT_LEVERS`.
        base: the scenario the levers change; every end of every range must be valid in it.

    Returns:
        The levers, in file order.

    Raises:
        ScenarioError: the file is missing or not YAML, a key is not a scenario key, or a range
            or level is malformed or outside what the schema allows (naming the file and key).

    Example:
        >>> [lever.key for lever in load_levers(None, Scenario())][:2]
        ['mentoring.mentors_per_100_participants', 'mentoring.caseload_cap']
    """
    if path is None:
        return parse_levers(DEFAULT_LEVERS, "default levers", base)
    source = str(path)
    data = parse_mapping(
        read_text(Path(path), ScenarioError, "levers"), source, ScenarioError, "levers:"
    )
    unknown = set(data) - {"levers", "description"}
    if unknown or not isinstance(data.get("levers"), Mapping) or not data["levers"]:
        raise ScenarioError(
            source,
            ", ".join(sorted(unknown)) or "levers",
            problem="is not a levers file" if not unknown else "is not a levers-file key",
            allowed="a mapping `levers:` of scenario keys to {range: [low, high]}, a list of "
            "levels, or {} for the schema's range (and an optional `description:`)",
        )
    return parse_levers(data["levers"], source, base)


def parse_levers(specs: Mapping[str, Any], source: str, base: Scenario) -> list[Lever]:
    """Levers from a mapping of scenario keys to specs (see `load_levers`)."""
    levers = [_lever(str(key), spec, source) for key, spec in specs.items()]
    for lever in levers:
        values = lever.levels if lever.levels is not None else (lever.low, lever.high)
        for value in values:
            _check_value(lever.key, value, source, base)
    return levers


def _schema_fields() -> dict[str, Any]:
    return dict(iter_parameters())


def _lever(key: str, spec: Any, source: str) -> Lever:
    fields = _schema_fields()
    if key not in fields:
        near = difflib.get_close_matches(key, list(fields), n=1)
        raise ScenarioError(
            source,
            key,
            problem="is not a scenario key",
            allowed=(f"did you mean {near[0]}? " if near else "")
            + "a dotted key from `recovery-sim schema`",
        )
    info = fields[key]
    whole = info.annotation is int
    if spec is None or spec == {}:
        return _schema_lever(key, info, source)
    if isinstance(spec, list):
        if not spec:
            raise ScenarioError(source, key, spec, allowed="a non-empty list of levels")
        return Lever(key, levels=tuple(spec), whole=whole)
    if not isinstance(spec, Mapping) or not set(spec) <= _RANGE_KEYS or "range" not in spec:
        raise ScenarioError(
            source,
            key,
            _short(spec),
            allowed="{range: [low, high]} (optionally scale: log), a list of levels, or {}",
        )
    bounds, scale = spec["range"], spec.get("scale", "linear")
    if (
        not isinstance(bounds, list)
        or len(bounds) != 2
        or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        or not bounds[0] < bounds[1]
    ):
        raise ScenarioError(
            source, f"{key}.range", _short(bounds), allowed="[low, high], two numbers, low < high"
        )
    if scale not in ("linear", "log") or (scale == "log" and bounds[0] <= 0):
        raise ScenarioError(
            source, f"{key}.scale", scale, allowed="linear, or log with a range above 0"
        )
    if whole and (bounds[0] != int(bounds[0]) or bounds[1] != int(bounds[1])):
        raise ScenarioError(
            source, f"{key}.range", bounds, allowed="whole numbers (the parameter counts)"
        )
    return Lever(key, float(bounds[0]), float(bounds[1]), scale == "log", whole=whole)


def _schema_lever(key: str, info: Any, source: str) -> Lever:
    """A lever over everything the schema allows for `key`."""
    annotation = info.annotation
    if annotation is bool:
        return Lever(key, levels=(False, True))
    if typing.get_origin(annotation) is typing.Literal:
        return Lever(key, levels=typing.get_args(annotation))
    low, high = -math.inf, math.inf
    for rule in info.metadata:
        if isinstance(rule, Ge | Gt):
            low = float(getattr(rule, "ge", getattr(rule, "gt", low)))
        if isinstance(rule, Le | Lt):
            high = float(getattr(rule, "le", getattr(rule, "lt", high)))
    if annotation not in (int, float) or not (math.isfinite(low) and math.isfinite(high)):
        raise ScenarioError(
            source,
            key,
            problem="has no bounded range in the schema",
            allowed="give it a range: {range: [low, high]}",
        )
    return Lever(key, low, high, whole=annotation is int)


def _check_value(key: str, value: Any, source: str, base: Scenario) -> None:
    """Raise, naming the levers source, when the base scenario does not accept `value`."""
    if isinstance(value, float) and value.is_integer() and _schema_fields()[key].annotation is int:
        value = int(value)
    try:
        scenario_from_dict(base.model_dump(), {key: value}, source=source)
    except ScenarioError as exc:
        raise ScenarioError(
            source, key, _short(value), problem="is outside what the schema allows", **_hint(exc)
        ) from None


def _hint(exc: ScenarioError) -> dict[str, str]:
    return {"allowed": exc.allowed} if exc.allowed else {}


def _short(value: Any) -> Any:
    """A value quoted in an error message, cut to ~200 characters."""
    text = repr(value)
    return value if len(text) <= 200 else text[:197] + "..."
