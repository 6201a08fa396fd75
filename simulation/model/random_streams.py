"""Random numbers split by purpose and keyed by person (common random numbers).

Each mechanism draws from its own stream (`hazard`, `escalation`, `matching`, ...), each derived
from the run's seed and the stream's name, and every daily draw covers every person, so person i
always gets draw i. Changing one lever therefore leaves unrelated draws untouched, and two
scenarios run with the same seed differ only where their designs differ — the approach Starsim
takes. This is what makes paired comparisons between designs narrow.
"""

from __future__ import annotations

import zlib

import numpy as np


class RandomStreams:
    """A family of named, independent `numpy.random.Generator`s derived from one seed.

    Example:
        >>> streams = RandomStreams(7)
        >>> a = streams["hazard"].random(3)
        >>> b = RandomStreams(7)["hazard"].random(3)
        >>> bool((a == b).all())
        True
    """

    def __init__(self, seed: int | None):
        self.seed = seed
        self._root = np.random.SeedSequence(seed)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, purpose: str) -> np.random.Generator:
        generator = self._generators.get(purpose)
        if generator is None:
            # crc32 of the name, not hash(): stable across processes and Python versions.
            key = zlib.crc32(purpose.encode())
            child = np.random.SeedSequence(self._root.entropy, spawn_key=(key,))
            generator = np.random.default_rng(child)
            self._generators[purpose] = generator
        return generator

    def uniform(self, purpose: str, n: int, out: np.ndarray | None = None) -> np.ndarray:
        """One uniform draw per person from the named stream (always `n` draws, for CRN).

        Single precision: half the cost of doubles, and 2**-24 resolution is far finer than
        any daily probability the model compares against.

        Args:
            purpose: the stream's name.
            n: how many draws.
            out: an optional contiguous float32 array of length `n` to draw into (saves a copy).

        Returns:
            The `n` draws (`out` itself when given).
        """
        if out is None:
            return self[purpose].random(n, dtype=np.float32)
        return self[purpose].random(n, dtype=np.float32, out=out)

    def seed_for(self, purpose: str) -> int:
        """An integer seed for a library that wants one (networkx), derived from the stream."""
        return int(self[purpose].integers(0, 2**31 - 1))


def keyed_uniform(keys: np.ndarray, salt: int) -> np.ndarray:
    """A uniform draw per key (e.g. per tie), the same whatever other keys exist.

    Counter-based (splitmix64 of key and salt), so a tie's draw in week w depends only on the
    tie, the week and the seed — two designs with different numbers of ties still share the
    draws of the ties they have in common (common random numbers for edges).

    Example:
        >>> a = keyed_uniform(np.array([5, 9]), salt=1)
        >>> bool(a[1] == keyed_uniform(np.array([9]), salt=1)[0])
        True
    """
    with np.errstate(over="ignore"):
        z = keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(salt & (2**64 - 1))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)
