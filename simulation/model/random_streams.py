"""Random numbers split by purpose and keyed by person (common random numbers).

Each mechanism draws from its own stream (`hazard`, `escalation`, `matching`, ...), each derived
from the run's seed and the stream's name, and every daily draw covers every person, so person i
always gets draw i. Changing one lever therefore leaves unrelated draws untouched, and two
scenarios run with the same seed differ only where their designs differ — the approach Starsim
takes. This is what makes paired comparisons between designs narrow.

The daily per-person draws are counter-based (`RandomStreams.daily_uniform`: splitmix64 of the
purpose's key and the counter day * 2**32 + row), so a person's draw for a purpose on a day does
not even depend on how many draws came before it. One-off draws (population, referrals, network
generation) use ordinary generators, `streams[name]`.
"""

from __future__ import annotations

import zlib

import numpy as np

from simulation.model.compiled import kernel

#: splitmix64's constants (Steele, Lea & Flood 2014): the golden-ratio increment and the two
#: multipliers of its finaliser. Fixed by the algorithm, not parameters.
GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX_1, MIX_2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
#: A float32 in [0, 1) from the top 24 bits of a 64-bit word (24 = float32's mantissa + 1).
FLOAT32_BITS = 24
#: Second spawn-key word that separates counter-based streams from the generator streams of the
#: same name (`streams[name]`), so the two never share a seed.
COUNTER_STREAMS = 1
#: The key `RowDraws` passes for a purpose the others do not draw (never used: their draws are 1.0).
_NO_KEY = np.uint64(0)


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
        self._keys: dict[str, np.uint64] = {}
        self._day, self._calls_today = -1, {}
        self._row_names: dict[str, tuple[str, str]] = {}

    def __getitem__(self, purpose: str) -> np.random.Generator:
        generator = self._generators.get(purpose)
        if generator is None:
            # crc32 of the name, not hash(): stable across processes and Python versions.
            key = zlib.crc32(purpose.encode())
            child = np.random.SeedSequence(self._root.entropy, spawn_key=(key,))
            generator = np.random.default_rng(child)
            self._generators[purpose] = generator
        return generator

    def daily_uniform(self, purpose: str, day: int, out: np.ndarray) -> np.ndarray:
        """One uniform draw per row from the named stream for one day, written into `out`.

        Counter-based: row i's draw on day d depends only on the seed, the purpose and (d, i)
        — the output of splitmix64 at counter `d * 2**32 + i` of a stream seeded from the
        purpose's key. So it is the same whatever else is drawn, in whatever order, and the
        draws cost a fraction of a generator's (one compiled pass; issue 17). A purpose drawn
        again on the same day is keyed by its call number, so it never repeats.

        Single precision with 2**-24 resolution, far finer than any daily probability the model
        compares against.

        Args:
            purpose: the stream's name.
            day: the model's day when drawing (the counter's upper half; below 2**31).
            out: a contiguous float32 array of the length wanted.

        Returns:
            `out`, filled.
        """
        _splitmix_uniform(self.daily_key(purpose, day), np.int64(day) << np.int64(32), out)
        return out

    def daily_key(self, purpose: str, day: int) -> np.uint64:
        """The key of today's next draw of `purpose`, counted as a draw (as `daily_uniform`).

        A purpose drawn again on the same day is keyed by its call number, so it never repeats;
        `RowDraws` makes a call's draws for chosen rows only.
        """
        if self._day != day:
            self._day, self._calls_today = day, {}
        calls = self._calls_today.get(purpose, 0)
        self._calls_today[purpose] = calls + 1
        return self._key(purpose if calls == 0 else f"{purpose}#{calls}")

    def row_keys(
        self, purpose: str, day: int, participants_only: bool = False
    ) -> tuple[np.uint64, np.uint64 | None]:
        """Today's next keys of `purpose` for the participants and for everyone else.

        `daily_key` of `purpose/participants` and of `purpose/others` (None, and no draw
        counted, with `participants_only`), the two names made once per purpose, not per call.
        """
        names = self._row_names.get(purpose)
        if names is None:
            names = self._row_names[purpose] = (f"{purpose}/participants", f"{purpose}/others")
        first = self.daily_key(names[0], day)
        return first, None if participants_only else self.daily_key(names[1], day)

    def _key(self, purpose: str) -> np.uint64:
        """The 64-bit key of a counter-based stream, derived from the seed and the name."""
        key = self._keys.get(purpose)
        if key is None:
            child = np.random.SeedSequence(
                self._root.entropy, spawn_key=(zlib.crc32(purpose.encode()), COUNTER_STREAMS)
            )
            key = np.uint64(child.generate_state(1, dtype=np.uint64)[0])
            self._keys[purpose] = key
        return key

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
        z = keys.astype(np.uint64) * GOLDEN_GAMMA + salt_word(salt)
        z = (z ^ (z >> np.uint64(30))) * MIX_1
        z = (z ^ (z >> np.uint64(27))) * MIX_2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)


class RowDraws:
    """One day's draws of one purpose, made only for the rows asked for.

    `draws[rows]` gives exactly what `RecoveryCommunityModel.draws` would hold at those rows:
    a row's draw is a pure function of the key, the day and the row, so a mechanism that needs
    draws for a few hundred rows (today's ending lapses, relapses) computes those alone instead
    of one per person. Participants (the first `participants` rows) and everyone else draw from
    two keys; without a key for the others their draws are 1.0, a draw no probability passes.

    Attributes:
        shape: `(size,)`, as the full array of draws would have.
        dtype: float32, the draws' dtype.
    """

    dtype = np.dtype(np.float32)

    def __init__(
        self,
        participant_key: np.uint64,
        others_key: np.uint64 | None,
        day: int,
        participants: int,
        size: int,
    ):
        # What the kernels take before the rows, in their order; the counter as a Python int
        # (Numba types it int64, as it does np.int64: the same compiled code, a cheaper call).
        self._stream = (
            participant_key,
            _NO_KEY if others_key is None else others_key,
            others_key is not None,
            int(day) << 32,
            participants,
        )
        self.shape = (size,)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        """The float32 draws of `rows` (row numbers below the size, any order)."""
        rows = np.asarray(rows)
        if rows.dtype.kind not in "iu" or rows.ndim != 1:
            raise TypeError(
                "RowDraws: index with a 1-D array of row numbers (integers); for a whole "
                f"array use np.asarray(draws). Got dtype {rows.dtype}, shape {rows.shape}."
            )
        out = np.empty(len(rows), dtype=np.float32)
        # The rows are checked in the compiled pass (no separate min and max over them).
        if not _splitmix_rows(*self._stream, self.shape[0], rows, out):
            raise IndexError(f"RowDraws: rows must lie in [0, {self.shape[0]}).")
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Every row's draw (what the full draw is), in one compiled pass."""
        full = np.empty(self.shape[0], dtype=np.float32)
        _splitmix_day(*self._stream, full)
        return full if dtype is None else full.astype(dtype)


def salt_word(salt: int) -> np.uint64:
    """A salt of any size as the 64-bit word `keyed_uniform` adds (its low 64 bits)."""
    return np.uint64(salt & (2**64 - 1))


@kernel
def keyed_uniform_at(key, salt):  # pragma: no cover - compiled
    """`keyed_uniform` of one non-negative integer key, in a kernel (`salt` is `salt_word`'s)."""
    z = np.uint64(key) * GOLDEN_GAMMA + salt
    z = (z ^ (z >> np.uint64(30))) * MIX_1
    z = (z ^ (z >> np.uint64(27))) * MIX_2
    z = z ^ (z >> np.uint64(31))
    return np.float64(z >> np.uint64(40)) / float(1 << 24)


@kernel
def _splitmix_at(key, counter):  # pragma: no cover - compiled
    """splitmix64's output at one counter, as a float32 in [0, 1)."""
    z = key + np.uint64(counter) * GOLDEN_GAMMA
    z = (z ^ (z >> np.uint64(30))) * MIX_1
    z = (z ^ (z >> np.uint64(27))) * MIX_2
    z = z ^ (z >> np.uint64(31))
    return np.float32(z >> np.uint64(64 - FLOAT32_BITS)) * np.float32(1.0 / (1 << FLOAT32_BITS))


@kernel
def _splitmix_uniform(key, counter_start, out):  # pragma: no cover - compiled
    """splitmix64 outputs at counters counter_start, counter_start + 1, ... as float32."""
    for i in range(out.size):
        out[i] = _splitmix_at(key, counter_start + i)
    return out


@kernel
def _splitmix_day(
    participant_key, others_key, drawn_others, counter_start, participants, out
):  # pragma: no cover - compiled
    """Every row's draw: the participants' from their key, everyone else's from theirs (or 1.0)."""
    _splitmix_uniform(participant_key, counter_start, out[:participants])
    if drawn_others:
        _splitmix_uniform(others_key, counter_start, out[participants:])
    else:
        out[participants:] = np.float32(1.0)
    return out


@kernel
def _splitmix_rows(
    participant_key, others_key, drawn_others, counter_start, participants, size, rows, out
):  # pragma: no cover - compiled
    """Each row's draw: a participant's at its row, anyone else's at its row past them.

    Returns whether every row lies in [0, size) (if not, the caller raises).
    """
    inside = True
    for j in range(len(rows)):
        row = rows[j]
        inside &= (row >= 0) & (row < size)  # no branch: a row outside only spoils the result
        if row < participants:
            out[j] = _splitmix_at(participant_key, counter_start + row)
        elif drawn_others:
            out[j] = _splitmix_at(others_key, counter_start + (row - participants))
        else:
            out[j] = np.float32(1.0)
    return inside
