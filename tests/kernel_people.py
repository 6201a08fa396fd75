"""Random populations for the kernel tests: every status, kind and edge value present.

A kernel must give exactly the numbers of the NumPy expression it replaced, on any state; these
populations have the dtypes of a built population (from `make_people`) and values spread over
and just past the edges of each scale, so that every branch of a kernel is taken.
"""

from __future__ import annotations

import numpy as np
from people_factory import make_people

from simulation.model.population import KIND_NAMES, NEVER, STATUS_NAMES, PopulationState
from simulation.scenario.parameters import SUBSTANCES

#: Population sizes each kernel is checked at: empty, one row, a few, and many.
SIZES = (0, 1, 2, 7, 64, 3001)
#: Seeds each kernel is checked with.
SEEDS = (0, 1, 2)


def scores(rng: np.random.Generator, n: int, low: float = -0.05, high: float = 1.05) -> np.ndarray:
    """Uniform values slightly past 0-1, with exact 0s, 1s and halves among them."""
    values = rng.uniform(low, high, n)
    edges = rng.random(n) < 0.1
    values[edges] = rng.choice([0.0, 0.5, 1.0], int(edges.sum()))
    return values


def draws(
    rng: np.random.Generator, n: int, dtype: type = np.float32, near: tuple = ()
) -> np.ndarray:
    """Uniform draws of the model's dtype (float32), some exactly 1.0 (non-participants).

    Some draws sit at each threshold in `near` (a number or one per row, rounded to the draws'
    dtype) and one step either side: there, for a threshold that rounds down in float32, a
    comparison made in the wrong dtype gives a different answer.
    """
    values = rng.random(n, dtype=np.float32).astype(dtype)
    values[rng.random(n) < 0.05] = 1.0
    for p in near:
        at = np.broadcast_to(np.asarray(p).astype(dtype), n)
        side = rng.integers(-1, 2, n)
        edge = np.where(side < 0, np.nextafter(at, dtype(0)), at)
        edge = np.where(side > 0, np.nextafter(at, dtype(1)), edge)
        spots = rng.random(n) < 0.05
        values[spots] = edge[spots]
    return values


def random_people(n: int, seed: int) -> PopulationState:
    """`n` people of every kind and status with random mentors, caseloads and scores."""
    rng = np.random.default_rng(seed)
    people = make_people(max(n, 1))
    for name in people.array_names():
        setattr(people, name, getattr(people, name)[:n].copy())
    people.kind[:] = rng.integers(0, len(KIND_NAMES), n)
    people.status[:] = rng.integers(0, len(STATUS_NAMES), n)
    people.substance[:] = rng.integers(0, len(SUBSTANCES), n)
    people.mentor[:] = np.where(rng.random(n) < 0.5, NEVER, rng.integers(0, max(n, 1), n))
    people.is_mentor[:] = rng.random(n) < 0.4
    people.caseload[:] = rng.integers(0, 13, n)
    for name in ("alliance", "support", "self_efficacy", "burnout", "engagement"):
        setattr(people, name, scores(rng, n).astype(getattr(people, name).dtype))
    people.strain_susceptibility[:] = rng.gamma(1.0, 1.0, n)
    for name in ("enrolled", "ever_enrolled", "completed"):
        getattr(people, name)[:] = rng.random(n) < 0.5
    return people


def row_draws(n: int, seed: int, participants: int | None = None, others: bool = True):
    """Counter-based draws made for the rows asked for (`RowDraws`), and the full array.

    `participants` rows (default: three quarters) draw from one key, the rest from another, or
    are all 1.0 without `others` (a participants-only purpose), as `model.row_draws` makes them.
    """
    from simulation.model.random_streams import RowDraws

    keys = np.random.default_rng(seed).integers(0, 2**63, 2, dtype=np.uint64)
    first = n - n // 4 if participants is None else participants
    made = RowDraws(keys[0], keys[1] if others else None, 17, first, n)
    return made, np.asarray(made)
