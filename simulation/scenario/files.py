"""Scenario files: read YAML, follow `extends:`, apply `--set` overrides, validate, explain errors.

This is the layer that knows about files. It turns every problem — a missing file, a YAML syntax
error, an unknown key, a wrong type, a value out of range — into one `ScenarioError` naming the
file, the key path, the value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from simulation.errors import ScenarioError
from simulation.scenario.overrides import (  # noqa: F401 - re-exported: the loader's public helpers
    apply_overrides,
    check_key_path,
    deep_merge,
    describe_allowed,
    parse_override,
    validate,
)
from simulation.scenario.schema import Scenario
from simulation.scenario.yaml_reading import parse_mapping, read_text

BUNDLED_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def bundled_scenarios() -> list[Path]:
    """The scenario files that ship with recovery-sim (`scenarios/*.yaml`).

    Example:
        >>> "treatment_as_usual" in [path.stem for path in bundled_scenarios()]
        True
    """
    return sorted(BUNDLED_SCENARIOS.glob("*.yaml"))


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from a file, or a ScenarioError saying what is wrong with the file."""
    text = read_text(path, ScenarioError, "scenario")
    return parse_mapping(
        text, str(path), ScenarioError, "scenario keys (see `recovery-sim schema`)", empty_ok=True
    )


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
