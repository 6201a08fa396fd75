"""Checks of the Python API's arguments: a bad one raises a ScenarioError naming it.

`run_scenario(seed=-1)` would otherwise fail deep inside NumPy, `replicates=0` only when the
summary is read, `overrides=5` in pathlib. Each check here takes the value, where it was given
(the function, e.g. "run_scenario()") and the argument's name, and returns the value in the form
the code uses, or raises a `ScenarioError` saying what is allowed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from numbers import Integral
from pathlib import Path
from typing import Any

from simulation.errors import ScenarioError
from simulation.scenario.schema import Scenario

#: Seeds are whole numbers that fit a signed 64-bit integer (as in experiment files).
MAX_SEED = 2**63 - 1
#: No scenario or experiment nests deeper than about five levels; YAML files and dicts deeper
#: than this are refused, far below Python's recursion limit (the code that merges, copies and
#: validates them recurses once per level).
MAX_DEPTH = 50
#: The most replicates one call runs (as an experiment file's `replicates`).
MAX_REPLICATES = 100_000


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _whole_number(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_whole(
    value: Any, where: str, name: str, minimum: int = 0, maximum: int | None = None
) -> int:
    """`value` as an int if it is a whole number in [minimum, maximum], else a ScenarioError.

    Example:
        >>> check_whole(3, "run_scenario()", "replicates", minimum=1)
        3
        >>> check_whole(0, "run_scenario()", "replicates", minimum=1)
        Traceback (most recent call last):
        ...
        simulation.errors.ScenarioError: run_scenario(): replicates = 0 is not allowed; allowed: a whole number >= 1.
    """
    allowed = f"a whole number >= {minimum}" + (f" and <= {maximum:,}" if maximum else "")
    if not _whole_number(value) or value < minimum or (maximum is not None and value > maximum):
        raise ScenarioError(where, name, value, allowed=allowed)
    return int(value)


def check_seed(value: Any, where: str, name: str = "seed", optional: bool = False) -> int | None:
    """A seed: a whole number from 0 to 2**63 - 1 (or None when `optional`)."""
    if value is None and optional:
        return None
    if not _whole_number(value) or not 0 <= value <= MAX_SEED:
        allowed = "a whole number from 0 to 2**63 - 1" + (" or None (a fresh seed)" * optional)
        raise ScenarioError(where, name, value, allowed=allowed)
    return int(value)


def check_workers(value: Any, where: str, name: str = "workers", minimum: int = 1) -> int | None:
    """A worker count: None (every core) or a whole number >= `minimum`."""
    if value is None:
        return None
    if not _whole_number(value) or value < minimum:
        allowed = f"None (every core) or a whole number >= {minimum}"
        raise ScenarioError(where, name, value, allowed=allowed)
    return int(value)


def check_flag(value: Any, where: str, name: str) -> bool:
    """True or False (NumPy booleans too)."""
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        raise ScenarioError(where, name, value, allowed="True or False")
    return bool(value)


def check_callback(value: Any, where: str, name: str) -> None:
    """None or something callable."""
    if value is not None and not callable(value):
        raise ScenarioError(where, name, value, allowed="None or a function")


def check_path(value: Any, where: str, name: str) -> Path:
    """A file or folder path given as text or a `pathlib.Path`."""
    if isinstance(value, str | os.PathLike) and not isinstance(value, bytes):
        text = os.fspath(value)
        if isinstance(text, str) and text and "\x00" not in text:
            return Path(text)
    raise ScenarioError(where, name, value, allowed="a file path (text or pathlib.Path)")


def check_text_keys(data: Any, where: str, name: str) -> None:
    """Raise unless every mapping in `data` has text keys and nests at most MAX_DEPTH deep."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ScenarioError(
                where, name, problem=f"nests deeper than {MAX_DEPTH} levels at {path[:200]}"
            )
        if isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ScenarioError(
                        where,
                        f"{name} key {key!r}"[:200],
                        problem=f"is {_a(type(key).__name__)}, not text",
                        allowed="scenario keys as text, e.g. 'mentoring.caseload_cap'",
                    )
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list | tuple):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))


def check_overrides(value: Any, where: str, name: str = "overrides") -> Mapping[str, Any] | list:
    """Overrides: None, a dict of scenario keys, or a list of "key=value" strings.

    Example:
        >>> check_overrides(["days=30"], "run_scenario()")
        ['days=30']
        >>> check_overrides(5, "run_scenario()")
        Traceback (most recent call last):
        ...
        simulation.errors.ScenarioError: run_scenario(): overrides = 5 is not allowed; allowed: ...
    """
    allowed = (
        "None, a dict of scenario keys ({'population.size': 500}) "
        "or a list of 'key=value' strings (['population.size=500'])"
    )
    if value is None:
        return {}
    if isinstance(value, Mapping):
        check_text_keys(value, where, name)
        return value
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ScenarioError(where, name, value, allowed=allowed)
    items = list(value)
    for item in items:
        if not isinstance(item, str):
            raise ScenarioError(where, name, item, problem="holds an item that is not text")
    return items


def check_scenario_data(value: Any, where: str, name: str = "data") -> Mapping[str, Any]:
    """A scenario given as a (nested) dict with text keys."""
    if not isinstance(value, Mapping):
        raise ScenarioError(
            where, name, value, allowed="a dict of scenario keys, e.g. {'days': 90}"
        )
    check_text_keys(value, where, name)
    return value


def check_model_arguments(
    scenario: Any, seed: Any, overrides: Mapping[str, Any]
) -> tuple[Scenario, int | None]:
    """Check `RecoveryCommunityModel`'s scenario, seed and keyword overrides.

    The scenario is a Scenario or None, the seed None or a whole number.

    Returns:
        The scenario (the defaults for None) with the overrides applied, and the seed as an
        int (or None).

    Raises:
        ScenarioError: naming the argument and what is allowed.
    """
    where = "RecoveryCommunityModel()"
    if scenario is None:
        scenario = Scenario()
    elif not isinstance(scenario, Scenario):
        hint = (
            "a Scenario, e.g. load_scenario(path or bundled name) or scenario_from_dict(dict), "
            "or None for the defaults"
        )
        raise ScenarioError(
            where,
            "scenario",
            scenario,
            problem=f"is {_a(type(scenario).__name__)}, not a Scenario",
            allowed=hint,
        )
    seed = check_seed(seed, where, optional=True)
    if overrides:
        from simulation.scenario.overrides import with_overrides  # it imports this module

        scenario = with_overrides(scenario, overrides, where)
    return scenario, seed
