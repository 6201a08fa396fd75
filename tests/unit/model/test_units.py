"""Rates with a time unit become daily probabilities as 1 - exp(-rate * dt)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation.model.units import DAYS_PER, per_day, rate_to_probability


def test_rate_to_probability_is_one_minus_exp():
    assert rate_to_probability(0.1) == pytest.approx(1 - math.exp(-0.1), rel=1e-12)
    assert rate_to_probability(0.0) == 0.0
    assert rate_to_probability(2.0, dt_days=0.5) == pytest.approx(1 - math.exp(-1.0))


def test_rate_to_probability_compounds_over_steps():
    # Two days at a constant hazard = surviving two single days.
    p1 = rate_to_probability(0.3)
    assert rate_to_probability(0.3, dt_days=2) == pytest.approx(1 - (1 - p1) ** 2)


def test_rate_to_probability_never_exceeds_one_and_is_vectorized():
    rates = np.array([0.0, 1e-9, 1.0, 50.0, 1e6])
    p = rate_to_probability(rates)
    assert p.shape == rates.shape
    assert np.all((p >= 0) & (p <= 1))
    assert p[1] == pytest.approx(1e-9, rel=1e-6)  # small rates: p ~ rate
    assert p[-1] == 1.0
    assert np.all(np.diff(p) >= 0)


def test_per_day_conversions():
    assert per_day(365.25, "year") == pytest.approx(1.0)
    assert per_day(7.0, "week") == pytest.approx(1.0)
    assert per_day(1.0, "month") == pytest.approx(12 / 365.25)
    assert per_day(3.0, "day") == 3.0
    assert DAYS_PER["year"] == pytest.approx(12 * DAYS_PER["month"])
