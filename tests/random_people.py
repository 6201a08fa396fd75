"""Seeded random populations for the kernel tests: every status, kind and substance present.

The arrays keep the dtypes `build_population` gives them (so a kernel is tested with the
dtypes the model runs it with); their values are drawn at random, including the edge values
(NEVER days, zero days left, self-efficacy exactly at the midpoint, days past a table's end).
"""

from __future__ import annotations

import numpy as np

from simulation.model.population import (
    KIND_NAMES,
    NEVER,
    STATUS_NAMES,
    PopulationState,
    build_population,
)
from simulation.model.population_params import PopulationParams
from simulation.model.random_streams import RandomStreams
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES

#: Sizes every kernel test runs at: empty, one row, a few, and enough for every combination.
SIZES = (0, 1, 7, 2_000)


def _days_or_never(rng: np.random.Generator, n: int, high: int) -> np.ndarray:
    return np.where(rng.random(n) < 0.4, NEVER, rng.integers(0, high, n))


def random_people(n: int, seed: int, day: int = 400) -> PopulationState:
    """`n` rows of random state (participants first, as in the model), from `seed`.

    Args:
        n: rows (0 allowed).
        seed: the seed of every draw.
        day: the day the state is for (event days are at most this).

    Returns:
        The population.
    """
    rng = np.random.default_rng(seed)
    built = build_population(
        PopulationParams(size=max(n, 1), community_members_per_participant=0.0),
        mentor_count=0,
        mentor_days_abstinent=(0, 0),
        frailty_variance=0.0,
        streams=RandomStreams(seed),
    )
    people = PopulationState(
        **{name: getattr(built, name)[:n].copy() for name in built.array_names()}
    )
    values = {
        "kind": np.sort(rng.integers(0, len(KIND_NAMES), n)),
        "status": rng.integers(0, len(STATUS_NAMES), n),
        "substance": rng.integers(0, len(SUBSTANCES), n),
        "age_group": rng.integers(0, len(AGE_GROUPS), n),
        "days_abstinent": rng.integers(0, 3 * day, n),
        "frailty": rng.gamma(2.0, 0.5, n),
        "self_efficacy": np.where(rng.random(n) < 0.1, 0.5, rng.random(n)),
        "isolation": np.where(rng.random(n) < 0.1, 0.5, rng.random(n)),
        "lapses": rng.integers(0, 5, n),
        "relapses": rng.integers(0, 5, n),
        "recovery_attempts": rng.integers(0, 5, n),
        "first_lapse_day": _days_or_never(rng, n, day),
        "first_relapse_day": _days_or_never(rng, n, day),
        "death_day": _days_or_never(rng, n, day),
        "caught_lapse_day": _days_or_never(rng, n, day + 1),
        "last_use_day": _days_or_never(rng, n, day + 1),
        "entry_day": _days_or_never(rng, n, day + 30),
        "lapse_days_left": rng.integers(0, 4, n),
        "use_days_left": np.where(rng.random(n) < 0.2, 0.0, rng.uniform(-1.0, 6.0, n)),
        "use_days": rng.integers(0, 50, n),
        "quarter_abstinent": rng.integers(-1, 2, n),
        "quarter_changes": rng.integers(0, 5, n),
        "quarter_pairs": rng.integers(0, 5, n),
        "interview_group": rng.integers(-1, 3, (n, 4)),
        "next_year_interviews": rng.integers(0, 5, (n, 3)),
        "next_year_abstinent": rng.integers(0, 5, (n, 3)),
    }
    for name, value in values.items():
        setattr(people, name, value.astype(getattr(people, name).dtype))
    return people


def copy_people(people: PopulationState) -> PopulationState:
    """An independent copy of every array."""
    return PopulationState(**{name: getattr(people, name).copy() for name in people.array_names()})


def same_people(a: PopulationState, b: PopulationState) -> bool:
    """Whether every array of `a` equals `b`'s exactly, in value and dtype."""
    return all(
        getattr(a, name).dtype == getattr(b, name).dtype
        and np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True)
        for name in a.array_names()
    )


def draws(n: int, seed: int) -> np.ndarray:
    """One uniform per row in float32, as the model's daily draws are."""
    return np.random.default_rng(seed + 10_000).random(n, dtype=np.float32)
