"""The axes of the live charts: each series' natural range, fixed from day 0.

A chart whose axes come from the data alone is nonsense on day 0 (one point gives a range like
2,000 to 2,025, or 0 to 0.00025) and jumps as the run moves. Here the day axis runs from 0 to
the scenario's last day from the start, shares run from 0 to 1, counts of people from 0 to the
cohort, and only open-ended series (lapses per day, differences between designs) grow — in
coarse steps, never back within a run. Reset starts a new run, and with it new axes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Series that are shares of a whole (0-1).
SHARES = frozenset(
    {"engagement_mean", "mentor_burnout_mean", "recovery_tie_share", "lapse_free_km"}
)
#: Series counted in people of the cohort (0 to the number of participants).
COHORT_COUNTS = frozenset({"in_recovery"})
#: Counts per day with no useful upper bound: (0, this) at first, grown when the data passes it.
OPEN_COUNT_START = 10.0
#: A difference in people starts at +/- this share of the cohort, a difference in a share at +/-
#: this much; both grow when the data passes them (never beyond the series' own bounds).
DIFFERENCE_START_SHARE = 0.05
#: An outgrown range grows to the 1-2-5 step above this many times the data (room to grow).
GROWTH = 1.2
#: Room left above a share's 1 and below its 0, so a line on the bound stays visible.
SHARE_MARGIN = 0.02


@dataclass(frozen=True)
class AxisRange:
    """A panel's vertical range and how it may change: `grows` is "no", "up" or "both"."""

    low: float
    high: float
    grows: str = "no"
    ceiling: float = np.inf  # the most `high` may grow to (a difference: the whole cohort)


def natural_range(name: str, participants: int) -> AxisRange:
    """The day-0 vertical range of a series (or of "diff:<series>", design B minus A).

    Args:
        name: the series' name, or "diff:" and the name for a difference between designs.
        participants: the cohort's size (the largest a count of participants can be).

    Returns:
        The range to draw from day 0.
    """
    cohort = float(max(participants, 1))
    if name.startswith("diff:"):
        series = name.removeprefix("diff:")
        whole = 1.0 if series in SHARES else cohort
        start = whole * DIFFERENCE_START_SHARE
        if series not in SHARES:
            start = max(np.ceil(start), 1.0)
        return AxisRange(-start, start, "both", whole)
    if name in SHARES:
        return AxisRange(-SHARE_MARGIN, 1 + SHARE_MARGIN)
    if name in COHORT_COUNTS:
        return AxisRange(0.0, cohort * (1 + SHARE_MARGIN))
    return AxisRange(0.0, OPEN_COUNT_START, "up")


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 times a power of ten that is at least `value` (> 0)."""
    value = max(float(value), 1e-9)
    power = 10 ** np.floor(np.log10(value))
    for factor in (1, 2, 5, 10):
        if factor * power >= value * (1 - 1e-12):
            return float(factor * power)
    return float(10 * power)


def grown(current: AxisRange, values: list[np.ndarray]) -> AxisRange:
    """`current`, or a wider range when today's data passes its open side(s).

    An upward-open range grows to the next 1-2-5 step above GROWTH times the data's top; a
    two-sided one (a difference) stays symmetric around 0. Fixed ranges never change.
    """
    if current.grows == "no":
        return current
    data = [v[np.isfinite(v)] for v in values if len(v)]
    data = [v for v in data if len(v)]
    if not data:
        return current
    if current.grows == "up":
        top = max(float(v.max()) for v in data)
        if top <= current.high:
            return current
        return AxisRange(current.low, min(nice_ceiling(GROWTH * top), current.ceiling), "up")
    extent = max(float(np.abs(v).max()) for v in data)
    if extent <= current.high:
        return current
    high = min(nice_ceiling(GROWTH * extent), current.ceiling)
    return AxisRange(-high, high, "both", current.ceiling)
