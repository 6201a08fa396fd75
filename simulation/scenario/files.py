"""Scenario files: read YAML, follow `extends:`, apply `--set` overrides, validate, explain errors.

This is the layer that knows about files. It turns every problem — a missing file, a YAML syntax
error, an unknown key, a wrong type, a value out of range — into one `ScenarioError` naming the
file, the key path, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from simulation.errors import ScenarioError
from simulation.scenario.arguments import check_overrides, check_path, check_scenario_data
from simulation.scenario.overrides import (  # noqa: F401 - re-exported: the loader's public helpers
    apply_overrides,
    check_key_path,
    deep_merge,
    describe_allowed,
    parse_override,
    validate,
)
from simulation.scenario.referrals_csv import inline_referrals_csv  # issue 15
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


def bundled_names() -> dict[str, Path]:
    """Bundled scenarios by the name commands accept.

    Scenarios as `community_peer_mentoring`, and the population files as `populations/opioid`.

    Example:
        >>> sorted(bundled_names())[:2]
        ['alcohol_social_reconstruction', 'community_peer_mentoring']
    """
    names = {path.stem: path for path in bundled_scenarios()}
    names |= {
        f"populations/{p.stem}": p for p in sorted(BUNDLED_SCENARIOS.glob("populations/*.yaml"))
    }
    return names


def find_scenario(path: Path) -> Path:
    """The file a scenario argument means: the path itself, or a bundled scenario's name.

    Raises:
        ScenarioError: neither a file nor a bundled name; names the closest bundled names.
    """
    if os.path.lexists(path):
        return path
    text = str(path).replace("\\", "/").removesuffix(".yaml").removesuffix(".yml")
    if text not in bundled_names() and (
        path.suffix or (len(path.parts) > 1 and not text.startswith("populations/"))
    ):
        return path  # a path that does not exist: read_text says so, naming it
    return bundled_scenario(text, str(path))


def bundled_scenario(name: str, source: str | None = None) -> Path:
    """The file of a bundled scenario's name (`community_peer_mentoring`, `populations/opioid`).

    Args:
        name: the name.
        source: how errors name where it came from (default: the name).

    Raises:
        ScenarioError: not a bundled name; names the closest ones ("did you mean ...?").
    """
    names = bundled_names()
    if name in names:
        return names[name]
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise ScenarioError(
        source or name,
        "",
        problem="does not exist, as a file or as a bundled scenario's name",
        allowed=f"{hint}a path to a YAML scenario file, or one of: {_listed(list(names))}",
    )


#: How much of the bundled names an error lists (the message stays one readable paragraph).
LISTED_NAMES_CHARS = 300


def _listed(names: list[str]) -> str:
    """The names, comma-separated, cut after about LISTED_NAMES_CHARS with how many are left."""
    shown: list[str] = []
    for name in names:
        if shown and len(", ".join([*shown, name])) > LISTED_NAMES_CHARS:
            return f"{', '.join(shown)} and {len(names) - len(shown)} more in scenarios/"
        shown.append(name)
    return ", ".join(shown)


#: `extends:` chains longer than this are refused (the bundled ones are at most three long).
MAX_EXTENDS = 20
#: What a scenario file's name ends with; `extends:` refuses anything else unread.
SCENARIO_SUFFIXES = (".yaml", ".yml")

#: One file's own keys, or the overrides': (source named in errors, mapping), child first.
Layer = tuple[str, Mapping[str, Any]]


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from a file, or a ScenarioError saying what is wrong with the file."""
    text = read_text(path, ScenarioError, "scenario")
    return parse_mapping(
        text, str(path), ScenarioError, "scenario keys (see `recovery-sim schema`)", empty_ok=True
    )


def resolve_file(path: Path) -> dict[str, Any]:
    """The file's mapping with every `extends:` ancestor merged beneath it.

    Raises:
        ScenarioError: a file of the chain is missing, unreadable or not a scenario file, or
            the chain is a cycle or longer than MAX_EXTENDS; a parent's own problems name it.
    """
    return resolve_layers(path)[0]


def resolve_layers(path: Path, _seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], list[Layer]]:
    """The merged mapping of a file and its ancestors, and each file's own mapping, child first."""
    path = path.resolve() if _seen and os.path.exists(path) else path
    if path.resolve() in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path.resolve()))
        raise ScenarioError(
            str(path), "extends", problem=f"forms a cycle ({chain})", allowed="a chain that ends"
        )
    try:
        data = inline_referrals_csv(read_yaml(path), path)
    except ScenarioError as exc:
        raise _in_parent(exc, _seen) from None
    population = _population_layer(path, data, _seen)
    parent = data.get("extends")
    if parent is None:
        if population:
            return deep_merge(population[1], data), [(str(path), data), population]
        return data, [(str(path), data)]
    parent_path = _parent_path(path, parent, len(_seen))
    try:
        base, layers = resolve_layers(parent_path, (*_seen, path.resolve()))
    except RecursionError:  # MAX_EXTENDS stops chains long before this
        raise ScenarioError(str(path), "extends", problem="starts too long a chain") from None
    base.pop("name", None)
    base.pop("description", None)
    if population:
        base = deep_merge(base, population[1])
        return deep_merge(base, data), [(str(path), data), population, *layers]
    return deep_merge(base, data), [(str(path), data), *layers]


def _population_layer(path: Path, data: dict[str, Any], seen: tuple[Path, ...]) -> Layer | None:
    """The population keys of the file `population_from:` names, as a layer (None: no such key).

    The file says which population it serves by naming a population file (or a usual-care file
    for that population); its own population keys would contradict that, so they are refused.
    """
    from simulation.scenario.population_keys import population_part  # it imports the schema

    named = data.get("population_from")
    if named is None:
        return None
    own = population_part({k: v for k, v in data.items() if k != "days"})
    if own:
        first = _first_key(own)
        raise ScenarioError(
            str(path),
            first,
            problem=f"is a population key, but this file takes its population from {named}",
            allowed="program keys only (set the population in the population file), or leave "
            "population_from out",
        )
    population_path = _parent_path(path, named, len(seen), key="population_from")
    try:
        population, _ = resolve_layers(population_path, (*seen, path.resolve()))
    except RecursionError:
        raise ScenarioError(
            str(path), "population_from", problem="starts too long a chain"
        ) from None
    validate(
        {k: v for k, v in population.items() if k not in ("extends", "population_from")},
        str(population_path),
    )
    return str(population_path), population_part(population)


def _first_key(nested: dict[str, Any]) -> str:
    key, value = next(iter(nested.items()))
    return f"{key}.{_first_key(value)}" if isinstance(value, dict) and value else str(key)


def _parent_path(path: Path, parent: Any, depth: int, key: str = "extends") -> Path:
    """The file `extends:` (or `key:`) names, if it can be a scenario file; never opens it."""
    allowed = "a scenario file (.yaml or .yml), relative to this file or absolute"
    if not isinstance(parent, str) or not parent.strip() or "\x00" in parent:
        raise ScenarioError(str(path), key, parent, allowed=allowed)
    parent_path = Path(parent)
    if parent_path.suffix.lower() not in SCENARIO_SUFFIXES:
        # /etc/shadow, /dev/zero, a FIFO: refused by name, so nothing of them is read or quoted.
        raise ScenarioError(
            str(path), key, parent, problem="is not a scenario file", allowed=allowed
        )
    if not parent_path.is_absolute():
        parent_path = path.parent / parent_path
    if not os.path.lexists(parent_path):  # never raises; an unreadable file is read_text's
        raise ScenarioError(
            str(path),
            key,
            parent,
            problem=f"points to a missing file ({parent_path})",
            allowed=allowed,
        )
    if depth + 1 >= MAX_EXTENDS:
        raise ScenarioError(
            str(path),
            key,
            parent,
            problem=f"makes a chain of more than {MAX_EXTENDS} files",
            allowed=f"at most {MAX_EXTENDS} files from the scenario to its first ancestor",
        )
    return parent_path


def _in_parent(exc: ScenarioError, seen: tuple[Path, ...]) -> ScenarioError:
    """A parent file's own error, saying which file extends it (the error still names it)."""
    if not seen:
        return exc
    note = f" (this file is extended by {seen[-1]})"
    return type(exc)(exc.source, exc.key, exc.value, exc.allowed, exc.problem + note)


def _override_keys(overrides: Iterable[str] | Mapping[str, Any]) -> list[str]:
    if isinstance(overrides, Mapping):
        keys = list(overrides)
    else:
        keys = [text.partition("=")[0].strip() for text in overrides]
    return [str(key).replace("__", ".") for key in keys]


def _sets(data: Mapping[str, Any], parts: list[str]) -> bool:
    """Whether a mapping gives the value at `parts` (or a value on the way to it)."""
    node: Any = data
    for depth, part in enumerate(parts):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return depth > 0 and not isinstance(node, Mapping)
    return True


def blame(
    exc: ScenarioError,
    layers: list[Layer],
    overrides: Iterable[str] | Mapping[str, Any] = (),
    override_source: str = "--set",
) -> ScenarioError:
    """The error with `source` set to where the bad value came from.

    Validation sees the merged mapping, so its errors name the file validated. This finds who
    set the key: an override (`override_source`) first, then the file itself, then its
    ancestors in `extends:` order, and names that one.

    Args:
        exc: the error from validating the merged mapping.
        layers: (source, own mapping) of each file, child first (`resolve_layers`).
        overrides: the overrides applied on top of the files.
        override_source: how errors name the overrides ("--set", "overrides", ...).

    Returns:
        The error, naming the override or the file that set the bad key.
    """
    key = getattr(exc, "key_path", None) or exc.key  # key_path: a key the message hides
    if not key:
        return exc
    for override in _override_keys(overrides):
        if key == override or key.startswith(override + ".") or override.startswith(key + "."):
            return _renamed(exc, override_source)
    parts = key.split(".")
    for index, (source, data) in enumerate(layers):
        if _sets(data, parts):
            if index == 0:
                return exc if source == exc.source else _renamed(exc, source)
            return _renamed(exc, source, f" (this file is extended by {layers[index - 1][0]})")
    return exc


def _renamed(exc: ScenarioError, source: str, note: str = "") -> ScenarioError:
    return type(exc)(source, exc.key, exc.value, exc.allowed, exc.problem + note)


def load_scenario(
    path: str | Path,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    override_source: str = "--set",
) -> Scenario:
    """Read, resolve (`extends:`), override (`--set`) and validate a scenario file.

    Args:
        path: the scenario file, or the name of a bundled scenario (`bundled_scenarios()`).
        overrides: dotted keys to set, as "key=value" strings or a dict.
        override_source: how errors name the overrides (the command line's "--set").

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: naming the file (or the parent file, or the override) that holds the
            bad key, the key and what is allowed.

    Example:
        >>> scenario = load_scenario(BUNDLED_SCENARIOS / "treatment_as_usual.yaml",
        ...                          ["population.size=500"])
        >>> scenario.population.size
        500
    """
    path = check_path(path, "load_scenario()", "path")
    overrides = check_overrides(overrides, "load_scenario()")
    path = find_scenario(path)
    data, layers = resolve_layers(path)
    data.setdefault("name", path.stem)
    data.pop("extends", None)
    data.pop("population_from", None)  # followed above; the scenario records its population
    try:
        return validate(apply_overrides(data, overrides, override_source), str(path))
    except ScenarioError as exc:
        raise blame(exc, layers, overrides, override_source) from None


def scenario_from_dict(
    data: Mapping[str, Any],
    overrides: Iterable[str] | Mapping[str, Any] = (),
    source: str = "<dict>",
    override_source: str | None = None,
) -> Scenario:
    """Validate a scenario given as a (nested) dict; errors name `source` and the key path.

    Args:
        data: the scenario as a nested dict of scenario keys (no `extends`: that is for files).
        overrides: dotted keys to set on top, as a dict or "key=value" strings.
        source: how errors name `data`.
        override_source: how errors name the overrides (default: `source`).

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: naming the source, the key and what is allowed.

    Example:
        >>> scenario_from_dict({"days": 90}, {"mentoring.enabled": True}).mentoring.enabled
        True
        >>> scenario_from_dict({"mentoring": {"caseload": 5}})
        Traceback (most recent call last):
        ...
        simulation.errors.ScenarioError: <dict>: mentoring.caseload is not a scenario key; ...
    """
    data = check_scenario_data(data, "scenario_from_dict()" if source == "<dict>" else source)
    overrides = check_overrides(overrides, override_source or source)
    if data.get("extends") is not None:
        raise ScenarioError(
            source,
            "extends",
            data["extends"],
            problem="works only in scenario files",
            allowed="load the file with load_scenario(path), or leave extends out",
        )
    own = override_source or source
    try:
        return validate(apply_overrides(dict(data), overrides, own), source)
    except ScenarioError as exc:
        raise blame(exc, [(source, data)], overrides, own) from None


def scenario_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML (what a report records and a user can rerun)."""
    return yaml.safe_dump(
        scenario.model_dump(exclude={"extends", "population_from"}), sort_keys=False
    )
