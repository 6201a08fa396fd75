"""Time units: every rate in a scenario says its unit, and becomes a daily probability here."""

from __future__ import annotations

import numpy as np

DAYS_PER = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "year": 365.25}


def rate_to_probability(rate: np.ndarray | float, dt_days: float = 1.0) -> np.ndarray | float:
    """Probability that an event with constant hazard `rate` (per day) occurs within `dt_days`.

    `1 - exp(-rate * dt)`: exact for a constant hazard, never above 1, unlike `rate * dt`.

    Example:
        >>> round(rate_to_probability(0.1), 4)
        0.0952
    """
    rate = np.asarray(rate)
    if rate.ndim == 0 or rate.dtype.kind != "f" or type(dt_days) not in (float, int):
        return -np.expm1(-rate * dt_days)
    # The same steps in one new array (a Python number keeps the array's dtype; x * 1.0 is x).
    probability = np.negative(rate)
    if dt_days != 1.0:
        np.multiply(probability, dt_days, out=probability)
    np.expm1(probability, out=probability)
    return np.negative(probability, out=probability)


def per_day(rate: float, per: str) -> float:
    """Convert a rate given per `per` (day, week, month, year) to a rate per day.

    Example:
        >>> per_day(365.25, "year")
        1.0
    """
    return rate / DAYS_PER[per]
