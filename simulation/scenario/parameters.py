"""How a parameter is declared: default, unit, source and allowed range in one place.

Every mechanism module declares its parameters with `parameter(...)` beside its code. The
scenario schema, the `--set` overrides, the dashboard's controls and the ODD parameter table are
all read from these declarations, so a parameter is never retyped anywhere else.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SUBSTANCES: tuple[str, ...] = ("alcohol", "opioids", "stimulants", "cannabis")
AGE_GROUPS: tuple[str, ...] = ("youth", "adult", "older_adult")


def parameter(default: Any, *, unit: str, source: str, description: str, **constraints: Any) -> Any:
    """A scenario parameter: its default, unit, source (a study or "assumption") and range.

    Example:
        >>> class P(Section):
        ...     caseload_cap: int = parameter(5, unit="mentees", source="assumption",
        ...                                   description="most mentees per mentor", ge=1)
        >>> P().caseload_cap
        5
    """
    return Field(
        default,
        description=description,
        json_schema_extra={"unit": unit, "source": source},
        **constraints,
    )


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, assignments are re-validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
