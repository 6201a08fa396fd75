"""Reading the YAML files users write (scenarios, experiments), with errors they can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from simulation.errors import ScenarioError


def read_text(path: Path, error: type[ScenarioError], what: str) -> str:
    """The file's text, or `error` saying it is missing or unreadable (`what`: the kind of file)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(
            str(path), "", problem="does not exist", allowed=f"a path to a YAML {what} file"
        ) from None
    except OSError as exc:
        raise error(str(path), "", problem=f"cannot be read ({exc.strerror})") from None


def parse_mapping(
    text: str, source: str, error: type[ScenarioError], expected: str, empty_ok: bool = False
) -> dict[str, Any]:
    """A YAML mapping from `text`, or `error` naming the line of a syntax error or the wrong type.

    Example:
        >>> parse_mapping("days: 90", "x.yaml", ScenarioError, "scenario keys")
        {'days': 90}
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(source, "", problem=f"is not valid YAML{where}: {reason}") from None
    if data is None and empty_ok:
        return {}
    if not isinstance(data, dict):
        raise error(
            source,
            "",
            problem=f"holds a {type(data).__name__}, not a mapping",
            allowed=f"a YAML mapping of {expected}",
        )
    return data
