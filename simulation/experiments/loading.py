"""Loading an experiment file: read the YAML, validate it, check it against the scenario schema.

Every problem — a missing file, bad YAML, an unknown key, a factor that is not a scenario
parameter, a level the scenario schema rejects, a base scenario that does not load — becomes one
`ExperimentError` naming the file, the key path, the value and what is allowed, as for scenarios.
"""

from __future__ import annotations

import hashlib
import json
import os
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from simulation.errors import ExperimentError, ScenarioError
from simulation.experiments.design_size import check_design_size
from simulation.experiments.schema import (
    DESIGN_KINDS,
    NOT_FACTORS,
    Experiment,
    Factor,
    FactorialDesign,
)
from simulation.scenario.files import (
    SCENARIO_SUFFIXES,
    bundled_scenario,
    check_key_path,
    load_scenario,
    scenario_from_dict,
)
from simulation.scenario.overrides import looks_like_key
from simulation.scenario.schema import Scenario, iter_parameters, value_at
from simulation.scenario.yaml_reading import parse_mapping, read_text


@dataclass(frozen=True)
class FactorSpec:
    """A validated factor: its dotted key, what kind of value it takes, levels or range."""

    key: str
    kind: str  # "int", "float", "bool" or "text"
    levels: tuple[Any, ...] | None
    low: float | None
    high: float | None
    scale: str


@dataclass(frozen=True)
class LoadedExperiment:
    """An experiment file, checked against the scenario schema, with its base scenarios."""

    spec: Experiment
    path: Path
    text: str
    file_hash: str
    scenarios: tuple[Scenario, ...]
    factors: tuple[FactorSpec, ...]
    #: The base scenarios' files, resolved (a bundled name becomes its file); () if none.
    scenario_files: tuple[Path, ...] = ()

    @property
    def plan_hash(self) -> str:
        """Changes whenever anything that decides the runs changes (file or base scenarios)."""
        plan = {
            "experiment": self.spec.model_dump(exclude={"out", "description"}),
            "scenarios": [s.model_dump() for s in self.scenarios],
        }
        return hashlib.sha256(json.dumps(plan, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def out_dir(self) -> Path:
        """The results folder: the file's `out`, or results/<name>."""
        return Path(self.spec.out or f"results/{self.spec.name}")


def load_experiment(path: str | Path) -> LoadedExperiment:
    """Read and validate an experiment file and the scenario files it names.

    Example:
        >>> exp = load_experiment("experiments/caseload_training.yaml")
        >>> exp.spec.design.kind
        'factorial'
    """
    path = Path(path)
    source = str(path)
    text = read_text(path, ExperimentError, "experiment")
    data = parse_mapping(
        text, source, ExperimentError, "scenarios, factors, design (see docs/experiments.md)"
    )
    data.setdefault("name", path.stem)
    try:
        spec = Experiment.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, data, source) from None
    # Before any scenario file is read or level checked: a 10^10-point design is refused at once.
    check_design_size(spec, tuple(spec.factors.values()), len(spec.scenarios), source)
    for key in spec.set:
        _check_key(key, "set", source)
    files = tuple(base_file(path, entry, i, source) for i, entry in enumerate(spec.scenarios))
    scenarios = tuple(
        _load_base(file, entry, i, spec.set, source)
        for i, (file, entry) in enumerate(zip(files, spec.scenarios, strict=True))
    )
    names = [s.name for s in scenarios]
    if len(set(names)) < len(names):
        raise ExperimentError(
            source, "scenarios", names, "scenario files with different names", "repeats a name"
        )
    for key, factor in spec.factors.items():
        if spec.design.kind == "factorial" and factor.range is not None:
            raise ExperimentError(
                source,
                f"factors.{key}.range",
                list(factor.range),
                problem="cannot be used by a factorial design",
                allowed="levels (a factorial design runs every combination of levels)",
            )
    factors = tuple(_check_factor(key, f, scenarios[0], source) for key, f in spec.factors.items())
    digest = hashlib.sha256(text.encode()).hexdigest()
    return LoadedExperiment(spec, path, text, digest, scenarios, factors, files)


def _allowed_keys(loc: tuple[str, ...], data: dict[str, Any]) -> str:
    model: type[BaseModel] = Experiment
    if loc[:1] == ("design",):
        design = data.get("design")
        kind = design.get("kind") if isinstance(design, dict) else design
        model = DESIGN_KINDS.get(kind, FactorialDesign)
    elif loc[:1] == ("factors",) and len(loc) > 2:
        model = Factor
    prefix = ".".join(loc[:-1])
    where = f"under {prefix}" if prefix else "at the top level"
    return f"keys {where}: " + ", ".join(model.model_fields)


def _explain(exc: ValidationError, data: dict[str, Any], source: str) -> ExperimentError:
    """The first pydantic error as an ExperimentError (file, key path, value, allowed)."""
    error = exc.errors()[0]
    loc = tuple(str(p) for p in error["loc"])
    if loc[:1] == ("design",) and len(loc) > 1 and loc[1] in DESIGN_KINDS:
        loc = loc[:1] + loc[2:]  # drop the union's tag
    if (
        loc[:1] == ("factors",)
        and len(loc) > 2
        and loc[2] in ("function-after[_levels_or_range()]",)
    ):
        loc = loc[:2]
    key = ".".join(p for p in loc if not p.startswith("function-"))
    if error["type"] == "extra_forbidden":
        if not looks_like_key(loc[-1]):  # a line of some other file, perhaps: not quoted
            where = ".".join(loc[:-1])
            return ExperimentError(
                source,
                where,
                problem=f"holds a key{'' if where else ' at the top level'} that is not an "
                "experiment key, nor a name of letters, digits and _ (is this an experiment file?)",
                allowed=_allowed_keys(loc, data),
            )
        return ExperimentError(
            source, key, problem="is not an experiment key", allowed=_allowed_keys(loc, data)
        )
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return ExperimentError(
            source, "design.kind", problem="is missing or unknown", allowed=", ".join(DESIGN_KINDS)
        )
    value: Any = data
    for part in loc:
        value = value.get(part) if isinstance(value, dict) else None
    if error["type"] == "missing":
        return ExperimentError(source, key, problem="is missing", allowed=_describe(loc, data))
    message = error["msg"].removeprefix("Value error, ")
    return ExperimentError(
        source, key, value, problem=f"is not allowed ({message})", allowed=_describe(loc, data)
    )


def _describe(loc: tuple[str, ...], data: dict[str, Any]) -> str:
    model: type[BaseModel] = Experiment
    if loc[:1] == ("design",) and len(loc) > 1:
        design = data.get("design")
        model = DESIGN_KINDS.get(design.get("kind") if isinstance(design, dict) else design, model)
    elif loc[:1] == ("factors",) and len(loc) > 2:
        model = Factor
    info = model.model_fields.get(loc[-1]) if loc else None
    return (info.description or "") if info else ""


def _check_key(key: str, section: str, source: str) -> list[str]:
    parts = key.replace("__", ".").split(".")
    try:
        check_key_path(parts, source)
    except ScenarioError as exc:
        raise ExperimentError(
            source, f"{section}.{exc.key}", problem=exc.problem, allowed=exc.allowed
        ) from None
    return parts


def base_file(path: Path, entry: str, index: int, source: str) -> Path:
    """The file a `scenarios:` entry means: a path (relative to the experiment file) or a name.

    A bundled scenario's name (`community_peer_mentoring`, `populations/opioid`) is taken as the
    command line takes it; anything else must be a .yaml or .yml path, so a system file is
    refused unread (as for `extends:`).

    Raises:
        ExperimentError: not a scenario file, or a name that is not bundled ("did you mean").
    """
    plain = not Path(entry).suffix and not Path(entry).is_absolute() and "\x00" not in entry
    if plain and not os.path.lexists(path.parent / entry):
        try:
            return bundled_scenario(entry.replace("\\", "/"))
        except ScenarioError as exc:
            raise ExperimentError(
                source,
                f"scenarios[{index}]",
                entry,
                problem="is neither a scenario file nor a bundled scenario's name",
                allowed=exc.allowed,
            ) from None
    return Path(entry) if Path(entry).is_absolute() else path.parent / entry


def _load_base(
    scenario_path: Path, entry: str, index: int, overrides: dict[str, Any], source: str
) -> Scenario:
    """The scenario of `scenarios[index]`, whose file `base_file` found."""
    if scenario_path.suffix.lower() not in SCENARIO_SUFFIXES or "\x00" in entry:
        raise ExperimentError(  # as for `extends:`, a system file is refused unread
            source,
            f"scenarios[{index}]",
            entry,
            problem="is not a scenario file",
            allowed="scenario files (.yaml or .yml), relative to the experiment file or "
            "absolute, or a bundled scenario's name",
        )
    if not os.path.lexists(scenario_path):
        raise ExperimentError(
            source,
            f"scenarios[{index}]",
            entry,
            problem=f"points to a missing file ({scenario_path})",
            allowed="scenario file paths, relative to the experiment file or absolute",
        )
    try:
        return load_scenario(scenario_path, overrides)
    except ScenarioError as exc:
        if exc.source == "--set" or exc.key in overrides:
            raise ExperimentError(
                source, f"set.{exc.key}", exc.value, exc.allowed, exc.problem
            ) from None
        raise


_PARAMETERS = dict(iter_parameters())


def value_kind(annotation: Any) -> str:
    """'bool', 'int', 'float', 'text' or 'other' for a parameter's type annotation."""
    if annotation is bool:
        return "bool"
    if annotation in (int, float):
        return annotation.__name__
    if annotation is str or typing.get_origin(annotation) is Literal:
        return "text"
    return "other"


def _check_factor(key: str, factor: Factor, base: Scenario, source: str) -> FactorSpec:
    where = f"factors.{key}"
    parts = _check_key(key, "factors", source)
    dotted = ".".join(parts)
    if dotted not in _PARAMETERS:
        children = [k.removeprefix(dotted + ".") for k in _PARAMETERS if k.startswith(dotted + ".")]
        raise ExperimentError(
            source, where, problem="is a section, not a parameter", allowed=", ".join(children)
        )
    kind = value_kind(_PARAMETERS[dotted].annotation)
    if dotted in NOT_FACTORS or kind == "other":
        raise ExperimentError(
            source, where, problem="cannot be a factor", allowed="a number, choice or switch"
        )
    if factor.range is not None and kind not in ("int", "float"):
        raise ExperimentError(
            source,
            where + ".range",
            list(factor.range),
            problem="needs a numeric parameter",
            allowed=f"levels for this {kind} parameter",
        )
    if factor.range is not None:
        low, high = (_checked(dotted, v, base, f"{where}.range", source) for v in factor.range)
        return FactorSpec(dotted, kind, None, float(low), float(high), factor.scale)
    levels = tuple(
        _checked(dotted, v, base, f"{where}.levels[{i}]", source)
        for i, v in enumerate(factor.levels or ())
    )
    if len(set(map(repr, levels))) < len(levels):
        raise ExperimentError(source, where + ".levels", list(levels), problem="repeats a level")
    return FactorSpec(dotted, kind, levels, None, None, factor.scale)


def _checked(key: str, value: Any, base: Scenario, where: str, source: str) -> Any:
    """The value as the scenario schema stores it, or an error saying what is allowed."""
    try:
        scenario = scenario_from_dict(base.model_dump(), {key: value}, source)
    except ScenarioError as exc:
        raise ExperimentError(source, where, value, exc.allowed, exc.problem) from None
    return value_at(scenario, key)
