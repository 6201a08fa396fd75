"""Scenario data: overrides, validation and clear errors — everything but files.

Turns a mapping (from a YAML file, a dict, `--set` options or keyword arguments) into a
`Scenario`, or into one `ScenarioError` that names the source, the key path, the value and what
is allowed. The model uses this layer for its keyword arguments; `simulation.scenario.files` adds
files and `extends:` on top.
"""

from __future__ import annotations

import copy
import re
import typing
from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from simulation.errors import ScenarioError
from simulation.scenario.arguments import check_overrides
from simulation.scenario.schema import Scenario
from simulation.scenario.yaml_loader import load_strict


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """`update` over `base`, merging nested mappings key by key."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


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
        value = load_strict(raw) if raw.strip() else ""
    except (ComposerError, ConstructorError) as exc:  # what the strict reader refuses
        raise ScenarioError(
            "--set",
            key.strip(),
            raw,
            problem=f"cannot be read ({str(exc.problem)[:200]})",
            allowed="a YAML value: a number, true/false, text, a list or {key: value, ...}",
        ) from None
    except yaml.YAMLError:
        value = raw  # not YAML: the text as given
    return key.strip(), value


def apply_overrides(
    data: dict[str, Any], overrides: Iterable[str] | Mapping[str, Any], source: str = "--set"
) -> dict[str, Any]:
    """Set dotted keys in a scenario mapping; unknown keys raise, listing the valid ones."""
    overrides = check_overrides(overrides, source)
    items = overrides.items() if isinstance(overrides, Mapping) else map(parse_override, overrides)
    data = copy.deepcopy(dict(data))  # never write into the caller's nested sections
    for key, value in items:
        parts = key.replace("__", ".").split(".")
        check_key_path(parts, source)
        if parts == ["extends"]:
            # `extends:` is followed when a file is read, before overrides apply.
            raise ScenarioError(
                source,
                "extends",
                value,
                problem="cannot be overridden",
                allowed="write `extends:` in the scenario file itself",
            )
        target = data
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ScenarioError(
                    source, key, value, problem="sets inside a value that is not a section"
                )
        if isinstance(value, Mapping) and isinstance(target.get(parts[-1]), Mapping):
            target[parts[-1]] = deep_merge(target[parts[-1]], value)  # a section dict merges
        else:
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
    section = _section_at(parts[:-1]) if parts else None
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


_DEFAULTS: dict[str, Any] = Scenario().model_dump()
#: What an unknown key must look like to be quoted back (a typo of a scenario key).
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,79}")


def looks_like_key(text: str) -> bool:
    """Whether an unknown key looks like a (mistyped) key, and so may be quoted back.

    Example:
        >>> looks_like_key("mentoring.caseload_capp"), looks_like_key("root:x:0:0:root:/root")
        (True, False)
    """
    return _NAME.fullmatch(text) is not None


def validate(data: dict[str, Any], source: str) -> Scenario:
    """A Scenario from a mapping, or a ScenarioError for the first problem found.

    The mapping is laid over the full default scenario first. Without that, a partial section
    would be filled from its class's defaults rather than the scenario's: opioids'
    `{escalation_probability: 0.8}` would silently take the alcohol hazard curve, because the
    per-substance defaults live on the parent section.

    Example:
        >>> validate({"relapse": {"opioids": {"escalation_probability": 0.8}}}, "x").relapse.opioids.hazard_halving_days
        10.0
    """
    try:
        return Scenario.model_validate(deep_merge(_DEFAULTS, data))
    except ValidationError as exc:
        raise explain(exc, data, source) from None


def explain(exc: ValidationError, data: Mapping[str, Any], source: str) -> ScenarioError:
    """The first error pydantic found in a scenario mapping, as a ScenarioError.

    Args:
        exc: pydantic's error from validating `data`.
        data: the mapping validated (to quote the bad value).
        source: the file or argument `data` came from.

    Returns:
        A ScenarioError naming the source, the key path, the value and what is allowed.
    """
    error = exc.errors()[0]
    loc = tuple(error["loc"])
    parts = [str(p) for p in loc]
    key = ".".join(parts)
    if error["type"] == "extra_forbidden":
        section = _section_at([p for p in parts[:-1] if not p.isdigit()]) or Scenario
        prefix = ".".join(parts[:-1])
        allowed = f"keys {'under ' + prefix if prefix else 'at the top level'}: " + ", ".join(
            section.model_fields
        )
        if not looks_like_key(parts[-1]):
            # Not even a name: likely a line of some other file (`root:x:0:0:...`); not quoted.
            where = "" if prefix else " at the top level"
            problem = (
                f"holds a key{where} that is not a scenario key, nor a name of letters, digits "
                "and _ (is this a scenario file?)"
            )
            hidden = ScenarioError(source, prefix, problem=problem, allowed=allowed)
            hidden.key_path = key  # type: ignore[attr-defined] - for `files.blame`, not shown
            return hidden
        return ScenarioError(source, key, problem="is not a scenario key", allowed=allowed)
    allowed = describe_allowed([p for p in parts if not p.isdigit()]) or ""
    message = error["msg"].removeprefix("Value error, ")
    value = _lookup(data, loc) if loc else None
    return ScenarioError(source, key, value, problem=f"is not allowed ({message})", allowed=allowed)


def with_overrides(
    scenario: Scenario, overrides: Mapping[str, Any], source: str = "overrides"
) -> Scenario:
    """A new Scenario with dotted keys (or nested dicts) replaced, validated again.

    Keys may be dotted (`"mentoring.caseload_cap"`), use double underscores
    (`mentoring__caseload_cap`, handy as Python keyword arguments) or be a section name with a
    dict, which is merged into that section. Raises ScenarioError for unknown keys or bad values.

    Example:
        >>> with_overrides(Scenario(), {"mentoring.caseload_cap": 3}).mentoring.caseload_cap
        3
    """
    return validate(apply_overrides(scenario.model_dump(), overrides, source), source)
