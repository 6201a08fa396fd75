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

    `change_ties` moves the counts of the two ends of each changed tie; `reset` recounts
    everything.

    Attributes:
        adjacency: the ties the counts are on.
        degree: each person's (weighted) ties.
        using_contacts: each person's contacts who use (lapsed or relapsed).
        recovery_contacts: each person's contacts in recovery (participants and mentors).
        recovery_ties: ties between two people in recovery (each tie once).
    """

    def __init__(self, adjacency: sp.csr_array, people: PopulationState):
        self.reset(adjacency, people)

    def reset(self, adjacency: sp.csr_array, people: PopulationState) -> None:
        """Count everyone's contacts afresh on new ties."""
        self.adjacency = adjacency
        self.degree = node_degree(adjacency)
        self.using, self.recovering = contact_flags(people)
        self.using_contacts = adjacency @ self.using.astype(adjacency.dtype)
        self.recovery_contacts = adjacency @ self.recovering.astype(adjacency.dtype)
        both = np.sum(self.recovery_contacts, where=self.recovering, dtype=np.float64)
        self.recovery_ties = round(both / 2)

    def update(self, people: PopulationState) -> None:
        """Bring the counts to the statuses `people` have now (only changed people cost)."""
        # Today's flags in one compiled pass that also counts the changes; none is the rule
        # between the day's end and the next morning, and then nothing else is done.
        using, recovering = np.empty_like(self.using), np.empty_like(self.recovering)
        if not _new_flags(
            people.status,
            people.kind,
            self.using.view(np.uint8),
            self.recovering.view(np.uint8),
            using.view(np.uint8),
            recovering.view(np.uint8),
        ):
            return
        # Most changes move both flags (a lapse ends recovery and starts use): one walk over
        # the changed people's ties serves both counts.
        changed = np.flatnonzero((self.using != using) | (self.recovering != recovering))
        if len(changed):
            adjacency = self.adjacency
            # With r the recovering flags and A the ties, twice the ties within recovery is
            # r.A.r; a change d of r moves it by d.(A r + A r'), read off the changed rows.
            twice = _move_counts(
                adjacency.indptr,
                adjacency.indices,
                adjacency.data,
                changed,
                self.using,
                using,
                self.recovering,
                recovering,
                np.array([-1, 0, 1], dtype=self.recovery_contacts.dtype),
                self.using_contacts,
                self.recovery_contacts,
            )
            self.recovery_ties += round(twice / 2)
        self.using, self.recovering = using, recovering

    def exposure(self, people: PopulationState) -> SocialExposure:
        """Today's exposure (the counts are updated for status changes since the last call)."""
        self.update(people)
        return SocialExposure(
            self.using_contacts.copy(), self.recovery_contacts.copy(), self.degree
        )

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
                    self.using_contacts,
                    self.recovery_contacts,
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


@kernel
def _new_flags(
    status, kind, using_was, recovering_was, using, recovering
):  # pragma: no cover - compiled
    # `contact_flags` into `using` and `recovering` (bools viewed as bytes, so the loop
    # vectorises); returns how many rows changed either flag.
    changed = 0
    for i in range(len(status)):
        s = status[i]
        now_using = np.uint8((s == USING) | (s == LAPSED))
        now_recovering = np.uint8((kind[i] != COMMUNITY) & (s == RECOVERING))
        using[i] = now_using
        recovering[i] = now_recovering
        changed += np.int64((now_using ^ using_was[i]) | (now_recovering ^ recovering_was[i]))
    return changed


#: How many changed rows ahead `_move_counts` asks for the memory it will read (its reads are
#: scattered over the ties and counts, so each would otherwise wait for memory in turn).
_AHEAD_ROWS = 8
#: How many rows ahead it asks for the neighbours' counts (their columns must be read first).
_AHEAD_NEIGHBOURS = 2


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
    using_counts,
    counts,
):  # pragma: no cover - compiled
    # Each changed row adds weight * (new flag - old flag) to its neighbours' counts, in the
    # order of the rows and of their stored entries (np.add.at's order), in the counts' dtype
    # (`steps` holds -1, 0, 1 in it). Returns twice the change of the ties within recovery,
    # d.(A r + A r') over the changed rows: whole numbers, exact in float64. The memory each
    # row needs is asked for a few rows ahead (`_prefetch`), which changes no number.
    n = len(rows)
    starts, stops = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    for k in range(min(_AHEAD_ROWS, n)):
        _prefetch(indptr, rows[k])
    for k in range(n):
        if k + _AHEAD_ROWS < n:
            _prefetch(indptr, rows[k + _AHEAD_ROWS])
        starts[k], stops[k] = indptr[rows[k]], indptr[rows[k] + 1]
    twice = 0.0
    for k in range(n):
        if k + _AHEAD_ROWS < n:
            ahead = starts[k + _AHEAD_ROWS]
            _prefetch(indices, ahead)
            _prefetch(data, ahead)
            _prefetch(counts, rows[k + _AHEAD_ROWS])
        i = rows[k]
        twice += np.float64(np.int8(recovering[i]) - np.int8(recovering_was[i])) * counts[i]
    for k in range(n):
        if k + _AHEAD_NEIGHBOURS < n:
            for e in range(starts[k + _AHEAD_NEIGHBOURS], stops[k + _AHEAD_NEIGHBOURS]):
                _prefetch(using_counts, indices[e])
                _prefetch(counts, indices[e])
        i = rows[k]
        use = steps[np.int8(using[i]) - np.int8(using_was[i]) + 1]
        recovery = steps[np.int8(recovering[i]) - np.int8(recovering_was[i]) + 1]
        for e in range(starts[k], stops[k]):
            j = indices[e]
            using_counts[j] += data[e] * use
            counts[j] += data[e] * recovery
    for i in rows:
        twice += np.float64(np.int8(recovering[i]) - np.int8(recovering_was[i])) * counts[i]
    return twice


@kernel
def _tie_counts(
    ties, sign, using, recovering, using_counts, recovery_counts, degree
):  # pragma: no cover - compiled
    # Both ends of each tie gain (sign +1) or lose (-1) the other end as a contact; returns the
    # signed number of ties within recovery among them.
    within = 0
    for t in range(ties.shape[0]):
        a, b = ties[t, 0], ties[t, 1]
        using_counts[a] += sign * np.int64(using[b])
        using_counts[b] += sign * np.int64(using[a])
        recovery_counts[a] += sign * np.int64(recovering[b])
        recovery_counts[b] += sign * np.int64(recovering[a])
        degree[a] += sign
        degree[b] += sign
        within += sign * np.int64(recovering[a] & recovering[b])
    return within
