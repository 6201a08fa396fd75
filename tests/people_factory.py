"""Hand-built populations for mechanism tests: every array set explicitly, nothing random."""

from __future__ import annotations

import numpy as np

from simulation.model.population import (
    NEVER,
    PARTICIPANT,
    RECOVERING,
    PopulationState,
    build_population,
)
from simulation.model.population_params import PopulationParams
from simulation.model.random_streams import RandomStreams

_DEFAULTS = {
    "kind": (PARTICIPANT, np.int8),
    "substance": (0, np.int8),
    "age_group": (1, np.int8),
    "veteran": (False, bool),
    "cultural_group": (0, np.int8),
    "status": (RECOVERING, np.int8),
    "days_abstinent": (0, np.int32),
    "recovery_attempts": (1, np.int32),
    "frailty": (1.0, float),
    "self_efficacy": (0.5, float),
    "isolation": (0.5, float),
    "mentor": (NEVER, np.int64),
    "caseload": (0, np.int32),
    "is_mentor": (False, bool),
    "support": (0.0, float),
    "first_lapse_day": (NEVER, np.int32),
    "first_relapse_day": (NEVER, np.int32),
    "death_day": (NEVER, np.int32),
    "lapses": (0, np.int32),
    "relapses": (0, np.int32),
    "mentor_changes": (0, np.int32),
}


def make_people(n: int, **arrays) -> PopulationState:
    """`n` adult alcohol participants in recovery on day 0, unless a keyword says otherwise.

    The population comes from `build_population` (so arrays added to the model later exist
    with their initial values); the arrays the mechanism tests reason about are then set to
    fixed values. Each keyword is an array name with a scalar or a sequence of length `n`.
    """
    people = build_population(
        PopulationParams(size=n, community_members_per_participant=0.0),
        mentor_count=0,
        mentor_days_abstinent=(0, 0),
        frailty_variance=0.0,
        streams=RandomStreams(0),
    )
    names = set(people.array_names())
    unknown = set(arrays) - names
    if unknown:
        raise TypeError(f"unknown arrays: {sorted(unknown)}")
    for name, (default, dtype) in _DEFAULTS.items():
        if name in names:
            _set(people, name, arrays.get(name, default), dtype, n)
    for name, value in arrays.items():
        if name not in _DEFAULTS:
            _set(people, name, value, getattr(people, name).dtype, n)
    return people


def _set(people: PopulationState, name: str, value, dtype, n: int) -> None:
    array = np.array(np.broadcast_to(np.asarray(value, dtype=dtype), n))
    setattr(people, name, array)
