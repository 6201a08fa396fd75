"""A scenario file for a design, as the differences from the scenario the search started from.

It `extends:` that scenario and states only the lever values that differ from it, so a planner
reads the design in a few lines.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from simulation.api import resolve_scenario
from simulation.errors import RecoverySimError
from simulation.running.result_files import write_text
from simulation.scenario.files import load_scenario, scenario_yaml
from simulation.scenario.schema import Scenario, value_at


def differing(base: Scenario, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides whose value is not already the base scenario's (whole numbers as ints)."""
    design = resolve_scenario(base, dict(overrides))
    out = {}
    for key in overrides:
        old, new = value_at(base, key), value_at(design, key)
        same = old == new or (
            isinstance(old, float) and isinstance(new, float) and math.isclose(old, new)
        )
        if not same:
            out[key] = new
    return out


def nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """`{"a.b": 1}` as `{"a": {"b": 1}}`, keys in the schema's order."""
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def write_design_scenario(
    path: Path,
    base: Scenario,
    base_file: Path | None,
    overrides: Mapping[str, Any],
    name: str,
    header: str,
) -> Path:
    """Write the design as a scenario file and check that it loads to the same values.

    Args:
        path: the file to write.
        base: the scenario the design changes (without the search's population or days).
        base_file: the base scenario's file; the design `extends:` it. None (a scenario given
            as a dict or object) writes the whole scenario instead.
        overrides: the design's lever values.
        name: the design scenario's `name:`.
        header: comment lines for the top of the file (what found it, its cost and effect).

    Returns:
        `path`.

    Raises:
        RecoverySimError: the written file does not load to the design (a bug, not bad input).
    """
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    changes = differing(base, overrides)
    if base_file is not None:
        parent = os.path.relpath(base_file.resolve(), path.parent.resolve())
        body: dict[str, Any] = {"extends": parent, "name": name}
        body["description"] = f"{base.name} with the design search's best lever values."
        text = yaml.safe_dump(body | nested(changes), sort_keys=False)
    else:
        design = resolve_scenario(base, {**dict(overrides), "name": name})
        text = scenario_yaml(design)
    write_text(path, comment + text)
    check_round_trip(path, base, overrides)
    return path


def check_round_trip(path: Path, base: Scenario, overrides: Mapping[str, Any]) -> None:
    """Raise unless the file at `path` loads to the base scenario with `overrides`."""
    loaded, wanted = load_scenario(path), resolve_scenario(base, dict(overrides))
    for key in overrides:
        if value_at(loaded, key) != value_at(wanted, key):
            raise RecoverySimError(
                f"{path}: {key} loads as {value_at(loaded, key)!r}, not the design's "
                f"{value_at(wanted, key)!r}; please report this as a bug."
            )
