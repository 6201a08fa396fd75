"""Contact counts: each person's friends who use and friends in recovery, kept by changes.

A day changes the status of a few thousand people; recounting everyone's contacts is a full
sparse product over every tie. Instead, the people whose contact flags changed are found, and
one compiled pass walks their ties alone, moving their neighbours' counts by the change (exact:
the counts are small whole numbers). The number of ties between two people in recovery moves in
the same walk. A weekly change of ties moves the counts of the two ends of each changed tie.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from llvmlite import ir
from llvmlite.binding import llvm_version_info
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from simulation.model.compiled import kernel
from simulation.model.mechanisms.network import SocialExposure, node_degree
from simulation.model.population import COMMUNITY, LAPSED, RECOVERING, USING, PopulationState


class ContactCounts:
    """Each person's using and recovering contacts, kept current by updating only what changed.

    The two counts of a person sit side by side in one (n, 2) array, so moving a neighbour's
    counts touches one cache line, not two; `exposure` hands out contiguous copies of each.
    `change_ties` moves the counts of the two ends of each changed tie; `reset` recounts
    everything.

    Attributes:
        adjacency: the ties the counts are on.
        degree: each person's (weighted) ties.
        using: who counts as a using contact now (`contact_flags`).
        recovering: who counts as a contact in recovery now.
        recovery_ties: ties between two people in recovery (each tie once).
    """

    def __init__(self, adjacency: sp.csr_array, people: PopulationState):
        self.reset(adjacency, people)

    def reset(self, adjacency: sp.csr_array, people: PopulationState) -> None:
        """Count everyone's contacts afresh on new ties."""
        self.adjacency = adjacency
        self.degree = node_degree(adjacency)
        using, recovering = contact_flags(people)
        using_contacts = adjacency @ using.astype(adjacency.dtype)
        recovery_contacts = adjacency @ recovering.astype(adjacency.dtype)
        both = np.sum(recovery_contacts, where=recovering, dtype=np.float64)
        self.recovery_ties = round(both / 2)
        self._counts = np.empty((len(using), 2), dtype=using_contacts.dtype)
        self._counts[:, 0], self._counts[:, 1] = using_contacts, recovery_contacts
        # The flags now and a spare pair for the next update's, each padded with False to
        # whole words of 8 rows, so the changed rows are found 8 at a time.
        padded = -(-len(using) // _WORD) * _WORD
        self._flags = np.zeros((2, padded), dtype=np.bool_)
        self._flags[0, : len(using)], self._flags[1, : len(using)] = using, recovering
        self._spare = np.zeros_like(self._flags)
        self._rows = np.empty(len(using), dtype=np.int64)  # where the changed rows go
        self._scratch = (np.empty(0, dtype=np.int64), np.empty(0, dtype=self._counts.dtype))

    @property
    def using(self) -> np.ndarray:
        """Who counts as a using contact (lapsed or relapsed) as of the last update."""
        return self._flags[0, : len(self._counts)]

    @property
    def recovering(self) -> np.ndarray:
        """Who counts as a contact in recovery (participants and mentors) as of the last update."""
        return self._flags[1, : len(self._counts)]

    @property
    def using_contacts(self) -> np.ndarray:
        """Each person's contacts who use: a view of the counts (updates change it)."""
        return self._counts[:, 0]

    @property
    def recovery_contacts(self) -> np.ndarray:
        """Each person's contacts in recovery: a view of the counts (updates change it)."""
        return self._counts[:, 1]

    def update(self, people: PopulationState) -> None:
        """Bring the counts to the statuses `people` have now (only changed people cost)."""
        # Today's flags into the spare pair in one compiled pass, then the rows where they
        # differ, a word of 8 rows at a time; none is the rule between the day's end and the
        # next morning, and then nothing else is done.
        n, was, now = len(self._counts), self._flags.view(np.uint8), self._spare.view(np.uint8)
        _new_flags(people.status, people.kind, now[0, :n], now[1, :n])
        words, now_words = was.view(np.uint64), now.view(np.uint64)
        changed = _changed_rows(*words, *now_words, self._rows)
        if not changed:
            return
        # Most changes move both flags (a lapse ends recovery and starts use): one walk over
        # the changed people's ties serves both counts. With r the recovering flags and A the
        # ties, twice the ties within recovery is r.A.r; a change d of r moves it by
        # d.(A r + A r'), read off the changed rows.
        adjacency = self.adjacency
        while True:
            neighbours, moves = self._room(adjacency)
            twice, entries = _move_counts(
                adjacency.indptr,
                adjacency.indices,
                adjacency.data,
                self._rows[:changed],
                was[0],
                now[0],
                was[1],
                now[1],
                np.array([-1, 0, 1], dtype=self._counts.dtype),
                self._counts.reshape(-1),
                neighbours,
                moves,
            )
            if entries <= len(neighbours):
                break
            self._room(adjacency, entries)
        self.recovery_ties += round(twice / 2)
        self._flags, self._spare = self._spare, self._flags

    def _room(self, adjacency: sp.csr_array, entries: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Where `_move_counts` puts the changed rows' ties and their two moves each.

        Kept from day to day, in the dtypes of the ties' columns and of a weight times a
        count; made room for `entries` ties (grown by half at least) when asked.
        """
        neighbours, moves = self._scratch
        moved = np.result_type(adjacency.data, self._counts)
        room = max(entries, len(neighbours) * 3 // 2) if entries > len(neighbours) else None
        if room is not None or neighbours.dtype != adjacency.indices.dtype:
            neighbours = np.empty(room or len(neighbours), dtype=adjacency.indices.dtype)
        if len(moves) != 2 * len(neighbours) or moves.dtype != moved:
            moves = np.empty(2 * len(neighbours), dtype=moved)
        self._scratch = (neighbours, moves)
        return self._scratch

    def exposure(self, people: PopulationState) -> SocialExposure:
        """Today's exposure (the counts are updated for status changes since the last call)."""
        self.update(people)
        using_contacts = np.empty(len(self._counts), dtype=self._counts.dtype)
        recovery_contacts = np.empty_like(using_contacts)
        _split(self._counts.reshape(-1), using_contacts, recovery_contacts)
        return SocialExposure(using_contacts, recovery_contacts, self.degree)

    def change_ties(
        self,
        adjacency: sp.csr_array,
        removed: np.ndarray,
        added: np.ndarray,
        people: PopulationState,
    ) -> None:
        """Move onto new ties: `adjacency` is the old one without `removed`, with `added`.

        Both are (k, 2) arrays of ties of weight 1, each tie once; the result equals `reset`
        on the new adjacency (the counts are whole numbers, so exactly).
        """
        self.update(people)
        degree = self.degree.copy()  # an earlier exposure may still hold the old degrees
        within = 0
        for ties, sign in ((removed, -1), (added, 1)):
            if len(ties):
                ties = np.ascontiguousarray(ties, dtype=np.int64).reshape(-1, 2)
                within += _tie_counts(
                    ties,
                    sign,
                    self.using,
                    self.recovering,
                    self._counts.reshape(-1),
                    degree,
                )
        self.recovery_ties += within
        self.adjacency, self.degree = adjacency, degree


def recovery_tie_count(counts: ContactCounts, people: PopulationState) -> int:
    """Ties between two people in recovery now (each tie counted once)."""
    counts.update(people)
    return counts.recovery_ties


def contact_flags(people: PopulationState) -> tuple[np.ndarray, np.ndarray]:
    """Who counts as a using contact (lapsed or relapsed) and as a contact in recovery."""
    using = (people.status == USING) | (people.status == LAPSED)
    recovering = (people.kind != COMMUNITY) & (people.status == RECOVERING)
    return using, recovering


#: Rows per word when the changed rows are looked for: 8 one-byte flags make a 64-bit word.
_WORD = 8


@kernel
def _new_flags(status, kind, using, recovering):  # pragma: no cover - compiled
    # `contact_flags` into `using` and `recovering` (bools viewed as bytes, so the loop
    # vectorises).
    for i in range(len(status)):
        s = status[i]
        using[i] = np.uint8((s == USING) | (s == LAPSED))
        recovering[i] = np.uint8((kind[i] != COMMUNITY) & (s == RECOVERING))


@kernel
def _changed_rows(using_was, recovering_was, using, recovering, rows):  # pragma: no cover
    # The rows where either flag differs, in order, into rows[:k]; returns k. The flags come
    # as 64-bit words of 8 rows each (row 8 w + b is byte b of word w: little-endian), so rows
    # without change are passed over 8 at a time.
    k = 0
    for w in range(len(using)):
        change = (using[w] ^ using_was[w]) | (recovering[w] ^ recovering_was[w])
        if change:
            for b in range(_WORD):
                if (change >> np.uint64(8 * b)) & np.uint64(0xFF):
                    rows[k] = _WORD * w + b
                    k += 1
    return k


#: How many changed rows ahead `_move_counts` asks for the memory it will read (its reads are
#: scattered over the ties and counts, so each would otherwise wait for memory in turn).
_AHEAD_ROWS = 32
#: How many moves ahead it asks for the neighbours' counts (enough reads in flight to cover the
#: memory's latency).
_AHEAD_TIES = 32


@intrinsic
def _prefetch(typingctx, array, index):  # noqa: ARG001 (numba's intrinsic signature)
    """In a kernel: ask the CPU to fetch `array[index]` into cache (a hint: changes nothing)."""

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        data = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, data, [args[1]], wraparound=False
        )
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fetch = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
            _PREFETCH,
        )
        # For writing (1: the counts are written; harmless for what is only read), high
        # locality (3), the data cache (1).
        builder.call(
            fetch,
            [builder.bitcast(pointer, byte_pointer), i32(1), i32(3), i32(1)],
        )
        return context.get_dummy_value()

    return types.void(array, index), codegen


#: LLVM's prefetch intrinsic, named by pointer type (opaque pointers from LLVM 15 on).
_PREFETCH = "llvm.prefetch.p0" if llvm_version_info >= (15,) else "llvm.prefetch.p0i8"


@kernel
def _move_counts(
    indptr,
    indices,
    data,
    rows,
    using_was,
    using,
    recovering_was,
    recovering,
    steps,
    counts,
    neighbours,
    moves,
):  # pragma: no cover - compiled
    # Each changed row adds weight * (new flag - old flag) to its neighbours' counts (`counts`
    # is the (n, 2) array flat: using, then recovery, per person), in the order of the rows
    # and of their stored entries (np.add.at's order), in the counts' dtype (`steps` holds -1,
    # 0, 1 in it). Returns twice the change of the ties within recovery, d.(A r + A r') over
    # the changed rows (whole numbers, exact in float64), and the number of entries moved.
    # The rows' ties are read first, in row order, into `neighbours` and their two moves into
    # `moves` (flat pairs); then the moves are added in that same order, the counts of each
    # asked for a few moves ahead (`_prefetch`, which changes no number). With too little
    # room in the two it moves nothing and returns (0, the room it needs).
    n = len(rows)
    starts, stops = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    for k in range(min(_AHEAD_ROWS, n)):
        _prefetch(indptr, rows[k])
    entries = 0
    for k in range(n):
        if k + _AHEAD_ROWS < n:
            _prefetch(indptr, rows[k + _AHEAD_ROWS])
        starts[k], stops[k] = indptr[rows[k]], indptr[rows[k] + 1]
        entries += stops[k] - starts[k]
    if entries > len(neighbours) or 2 * entries > len(moves):
        return 0.0, entries
    for k in range(min(_AHEAD_ROWS, n)):
        _prefetch(indices, starts[k])
        _prefetch(data, starts[k])
        _prefetch(counts, 2 * rows[k])
    twice = 0.0
    m = 0
    for k in range(n):
        if k + _AHEAD_ROWS < n:
            _prefetch(indices, starts[k + _AHEAD_ROWS])
            _prefetch(data, starts[k + _AHEAD_ROWS])
            _prefetch(counts, 2 * rows[k + _AHEAD_ROWS])
        i = rows[k]
        twice += np.float64(np.int8(recovering[i]) - np.int8(recovering_was[i])) * counts[2 * i + 1]
        use = steps[np.int8(using[i]) - np.int8(using_was[i]) + 1]
        recovery = steps[np.int8(recovering[i]) - np.int8(recovering_was[i]) + 1]
        for e in range(starts[k], stops[k]):
            neighbours[m] = indices[e]
            moves[2 * m] = data[e] * use
            moves[2 * m + 1] = data[e] * recovery
            m += 1
    for p in range(min(_AHEAD_TIES, m)):
        _prefetch(counts, 2 * neighbours[p])
    for p in range(m):
        if p + _AHEAD_TIES < m:
            _prefetch(counts, 2 * neighbours[p + _AHEAD_TIES])
        j = 2 * neighbours[p]
        counts[j] += moves[2 * p]
        counts[j + 1] += moves[2 * p + 1]
    for k in range(n):
        i = rows[k]
        twice += np.float64(np.int8(recovering[i]) - np.int8(recovering_was[i])) * counts[2 * i + 1]
    return twice, m


@kernel
def _split(counts, using_contacts, recovery_contacts):  # pragma: no cover - compiled
    # The (n, 2) counts (flat) into two contiguous arrays, in one pass.
    for i in range(len(using_contacts)):
        using_contacts[i] = counts[2 * i]
        recovery_contacts[i] = counts[2 * i + 1]


@kernel
def _tie_counts(ties, sign, using, recovering, counts, degree):  # pragma: no cover - compiled
    # Both ends of each tie gain (sign +1) or lose (-1) the other end as a contact (`counts`
    # is the (n, 2) array flat); returns the signed number of ties within recovery among them.
    within = 0
    for t in range(ties.shape[0]):
        a, b = ties[t, 0], ties[t, 1]
        counts[2 * a] += sign * np.int64(using[b])
        counts[2 * b] += sign * np.int64(using[a])
        counts[2 * a + 1] += sign * np.int64(recovering[b])
        counts[2 * b + 1] += sign * np.int64(recovering[a])
        degree[a] += sign
        degree[b] += sign
        within += sign * np.int64(recovering[a] & recovering[b])
    return within
