"""Scenario files: read YAML, follow `extends:`, apply `--set` overrides, validate, explain errors.

This is the layer that knows about files. It turns every problem — a missing file, a YAML syntax
error, an unknown key, a wrong type, a value out of range — into one `ScenarioError` naming the
file, the key path, the value and what is allowed.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from simulation.errors import ScenarioError
from simulation.schema import Scenario

BUNDLED_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def bundled_scenarios() -> list[Path]:
    """The scenario files that ship with recovery-sim (`scenarios/*.yaml`).

    Example:
        >>> "treatment_as_usual" in [path.stem for path in bundled_scenarios()]
        True
    """
    return sorted(BUNDLED_SCENARIOS.glob("*.yaml"))


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from a file, or a ScenarioError saying what is wrong with the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(
            str(path), "", problem="does not exist", allowed="a path to a YAML scenario file"
        ) from None
    except OSError as exc:
        raise ScenarioError(str(path), "", problem=f"cannot be read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(str(path), "", problem=f"is not valid YAML{where}: {reason}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(
            str(path),
            "",
            problem=f"holds a {type(data).__name__}, not a mapping",
            allowed="a YAML mapping of scenario keys (see `recovery-sim schema`)",
        )
    return data


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """`update` over `base`, merging nested mappings key by key."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve_file(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file's mapping with every `extends:` ancestor merged beneath it."""
    path = path.resolve() if path.exists() else path
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise ScenarioError(
            str(path),
            "extends",
            problem=f"forms a cycle ({chain})",
            allowed="a chain of files that ends",
        )
    data = read_yaml(path)
    parent = data.get("extends")
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(str(path), "extends", parent, allowed="a file path (text)")
    parent_path = Path(parent)
    if not parent_path.is_absolute():
        parent_path = path.parent / parent_path
    if not parent_path.exists():
        raise ScenarioError(
            str(path),
            "extends",
            parent,
            problem=f"points to a missing file ({parent_path})",
            allowed="a scenario file path, relative to this file or absolute",
        )
    base = resolve_file(parent_path, (*_seen, path))
    base.pop("name", None)
    base.pop("description", None)
    return deep_merge(base, data)


def parse_override(text: str) -> tuple[str, Any]:
    """`dotted.key=value` with the value read as YAML (numbers, true/false, lists)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(
            "--set",
            text,
            problem="is not of the form dotted.key=value",
            allowed="e.g. --set mentoring.caseload_cap=8",
        )
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def apply_overrides(
    data: dict[str, Any], overrides: Iterable[str] | Mapping[str, Any], source: str = "--set"
) -> dict[str, Any]:
    """Set dotted keys in a scenario mapping; unknown keys raise, listing the valid ones."""
    items = overrides.items() if isinstance(overrides, Mapping) else map(parse_override, overrides)
    data = deep_merge({}, data)
    for key, value in items:
        parts = key.replace("__", ".").split(".")
        check_key_path(parts, source)
        target = data
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ScenarioError(
                    source, key, value, problem="sets inside a value that is not a section"
                )
        target[parts[-1]] = value
    return data


def _section_at(parts: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] = Scenario
    for part in parts:
        info = model.model_fields.get(part)
        annotation = info.annotation if info else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def check_key_path(parts: list[str], source: str) -> None:
    """Raise a ScenarioError if a dotted key does not name a scenario parameter or section."""
    model: type[BaseModel] = Scenario
    for depth, part in enumerate(parts):
        if part not in model.model_fields:
            prefix = ".".join(parts[:depth])
            raise ScenarioError(
                source,
                ".".join(parts[: depth + 1]),
                problem="is not a scenario key",
                allowed=f"keys {'under ' + prefix if prefix else 'at the top level'}: "
                + ", ".join(model.model_fields),
            )
        annotation = model.model_fields[part].annotation
        if depth < len(parts) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                raise ScenarioError(
                    source,
                    ".".join(parts),
                    problem="is not a scenario key",
                    allowed=f"{'.'.join(parts[: depth + 1])} is a value, not a section",
                )
            model = annotation


def describe_allowed(parts: list[str]) -> str:
    """What a parameter accepts, in words, from its schema declaration."""
    section = _section_at(parts[:-1])
    info = section.model_fields.get(parts[-1]) if section else None
    if info is None:
        return ""
    annotation = info.annotation
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + ", ".join(map(str, typing.get_args(annotation)))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "a section with keys " + ", ".join(annotation.model_fields)
    kind = (
        getattr(annotation, "__name__", str(annotation))
        .replace("float", "a number")
        .replace("int", "a whole number")
        .replace("bool", "true or false")
        .replace("str", "text")
    )
    bounds = []
    for item in info.metadata:
        for attr, word in (
            ("ge", ">="),
            ("gt", ">"),
            ("le", "<="),
            ("lt", "<"),
            ("min_length", "at least items:"),
            ("max_length", "at most items:"),
        ):
            if getattr(item, attr, None) is not None:
                bounds.append(f"{word} {getattr(item, attr)}")
    unit = (info.json_schema_extra or {}).get("unit", "")
    text = kind + (" " + " and ".join(bounds) if bounds else "")
    return text + (f" ({unit})" if unit and unit not in ("choice", "switch", "text") else "")


def _lookup(data: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def validate(data: dict[str, Any], source: str) -> Scenario:
    """A Scenario from a mapping, or a ScenarioError for the first problem found."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        parts = [str(p) for p in loc]
        key = ".".join(parts)
        if error["type"] == "extra_forbidden":
            section = _section_at([p for p in parts[:-1] if not p.isdigit()]) or Scenario
            prefix = ".".join(parts[:-1])
            raise ScenarioError(
                source,
                key,
                problem="is not a scenario key",
                allowed=f"keys {'under ' + prefix if prefix else 'at the top level'}: "
                + ", ".join(section.model_fields),
            ) from None
        allowed = describe_allowed([p for p in parts if not p.isdigit()]) or ""
        message = error["msg"].removeprefix("Value error, ")
        value = _lookup(data, loc) if loc else None
        raise ScenarioError(
            source, key, value, problem=f"is not allowed ({message})", allowed=allowed
        ) from None


def load_scenario(path: str | Path, overrides: Iterable[str] | Mapping[str, Any] = ()) -> Scenario:
    """Read, resolve (`extends:`), override (`--set`) and validate a scenario file.

    Example:
        >>> scenario = load_scenario(BUNDLED_SCENARIOS / "treatment_as_usual.yaml",
        ...                          ["population.size=500"])
        >>> scenario.population.size
        500
    """
    path = Path(path)
    data = resolve_file(path)
    data.setdefault("name", path.stem)
    data.pop("extends", None)
    data = apply_overrides(data, overrides)
    return validate(data, str(path))


def scenario_from_dict(
    data: Mapping[str, Any],
    overrides: Iterable[str] | Mapping[str, Any] = (),
    source: str = "<dict>",
) -> Scenario:
    """Validate a scenario given as a (nested) dict; errors name `source` and the key path.

    Example:
        >>> scenario_from_dict({"days": 90}, {"mentoring.enabled": True}).mentoring.enabled
        True
        >>> scenario_from_dict({"mentoring": {"caseload": 5}})
        Traceback (most recent call last):
        ...
        simulation.errors.ScenarioError: <dict>: mentoring.caseload is not a scenario key; ...
    """
    return validate(apply_overrides(dict(data), overrides, source), source)


def scenario_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML (what a report records and a user can rerun)."""
    return yaml.safe_dump(scenario.model_dump(exclude={"extends"}), sort_keys=False)
