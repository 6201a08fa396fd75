"""Seeds: every run's seed derived from one master seed, in one place.

Seeds come from `numpy.random.SeedSequence`, so they are independent, reproducible, and the same
whatever executor, worker count or order runs them. Three shapes are needed:

- replicates of one scenario: `SeedSequence(seed).spawn(replicates)`;
- a comparison of several scenarios: the same list for every scenario (common random numbers,
  so replicate i of two designs shares its people and draws) or one spawned list per scenario;
- an experiment's runs, keyed by (master seed, point, replicate), or by (master seed,
  replicate) with common random numbers, so any single run's seed is known without the others.
"""

from __future__ import annotations

import numpy as np


def _first_word(sequence: np.random.SeedSequence) -> int:
    return int(sequence.generate_state(1)[0])


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """Independent, reproducible seeds for `replicates` runs, from one master seed.

    Args:
        seed: the master seed.
        replicates: how many seeds.

    Returns:
        One seed per replicate; the first k are the same for any `replicates` >= k.

    Example:
        >>> replicate_seeds(7, 2) == replicate_seeds(7, 3)[:2]
        True
    """
    return [_first_word(child) for child in np.random.SeedSequence(seed).spawn(replicates)]


def comparison_seeds(seed: int, replicates: int, count: int, crn: bool = True) -> list[list[int]]:
    """Replicate seeds for `count` scenarios: one shared list (CRN), or one list per scenario.

    Args:
        seed: the master seed.
        replicates: seeds per scenario.
        count: how many scenarios.
        crn: common random numbers (every scenario gets the seeds of `replicate_seeds`);
            otherwise each scenario spawns its own child sequence, so no seed is shared.

    Returns:
        One list of `replicates` seeds per scenario.

    Example:
        >>> shared = comparison_seeds(3, 2, 2)
        >>> shared[0] == shared[1] == replicate_seeds(3, 2)
        True
        >>> independent = comparison_seeds(3, 2, 2, crn=False)
        >>> independent[0] == independent[1]
        False
    """
    if crn:
        one = replicate_seeds(seed, replicates)
        return [list(one) for _ in range(count)]
    return [
        [_first_word(c) for c in child.spawn(replicates)]
        for child in np.random.SeedSequence(seed).spawn(count)
    ]


def run_seed(master_seed: int, point_id: int, replicate: int, common: bool = False) -> int:
    """The seed of one experiment run, derived from (master seed, point, replicate).

    Args:
        master_seed: the experiment's seed.
        point_id: the design point.
        replicate: the replicate number.
        common: common random numbers: every point's replicate r gets the same seed.

    Returns:
        The run's seed.

    Example:
        >>> run_seed(1, 0, 0) == run_seed(1, 0, 0) != run_seed(1, 1, 0)
        True
        >>> run_seed(1, 0, 2, common=True) == run_seed(1, 5, 2, common=True)
        True
    """
    key = [master_seed, replicate] if common else [master_seed, point_id, replicate]
    return _first_word(np.random.SeedSequence(key))


#: Mixed into a replicate's seed to choose its posterior draw, so the draw is independent of
#: every random stream the run itself spawns from the same seed.
DRAW_STREAM = 0x5053_4100  # "PSA"


def draw_index(seed: int, draws: int) -> int:
    """Which posterior draw (0 to `draws` - 1) a replicate with this seed runs.

    The choice depends on the replicate's seed alone, so every design of a replicate gets the
    same draw (common random numbers for the parameters too) on every executor. Draws are
    chosen with replacement: each replicate is an independent sample of the posterior.

    Args:
        seed: the replicate's seed (with common random numbers, the seed all designs share).
        draws: how many draws the posterior holds.

    Returns:
        The draw's position in the posterior.

    Example:
        >>> draw_index(12345, 200) == draw_index(12345, 200)
        True
        >>> 0 <= draw_index(7, 3) < 3
        True
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, DRAW_STREAM]))
    return int(rng.integers(draws))
