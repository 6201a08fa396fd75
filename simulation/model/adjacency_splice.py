"""The weekly splice of the CSR adjacency: changed ties found by search, the rest copied.

A week changes a few tens of thousands of the 11 million entries at a million people, so the
new matrix is the old one's columns copied block by block between the changes, and its row
pointers moved by the changes before each row (one pass each, no sort of the entries). The
result is exactly what building the adjacency afresh from the new ties gives.

The new matrix needs 45 MB of columns a week at a million people; a fresh allocation that size
is a fresh mapping from the system, and touching it costs a page fault per 4 KB. So each matrix
made here keeps, as a spare, the buffers of the matrix it was spliced from; the next splice
writes into them, but only when nothing else can see them: their reference count is that of an
array no one else holds (the matrix they belonged to, and every view of them, hold a
reference). The old matrix of a splice is never written.
"""

from __future__ import annotations

import sys
import weakref

import numpy as np
import scipy.sparse as sp

from simulation.model.compiled import kernel
from simulation.model.mechanisms import network
from simulation.model.mechanisms.tie_dynamics import ROW_BITS

#: Room for ties to grow in a buffer of unit weights (`_unit_weights`): 2% more entries than
#: the week's, so weeks of a few hundred new ties at a million people reuse it.
WEIGHT_SLACK = 1.02
#: The buffers of ones `_unit_weights` made (weakly held: one goes with its last matrix).
_ONES_MADE: weakref.WeakValueDictionary[int, np.ndarray] = weakref.WeakValueDictionary()
#: Room for ties to grow in a buffer of columns `spliced_adjacency` makes (as the weights').
INDEX_SLACK = WEIGHT_SLACK
#: The most a spare buffer of columns may exceed the entries it is reused for: 10%, so a
#: shrinking network reuses one for weeks (scipy copies a view under half its buffer anyway).
INDEX_WASTE = 1.10
#: The buffers of columns `spliced_adjacency` made (weakly held): only these are ever reused.
_INDICES_MADE: weakref.WeakValueDictionary[int, np.ndarray] = weakref.WeakValueDictionary()
#: For each matrix `spliced_adjacency` made, while it lives (by `id`): the column buffer and the
#: row pointers of the matrix it was spliced from, the spares its own splice may write into.
_SPARES: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def row_positions(adjacency: sp.csr_array, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Where column `cols[i]` is or would go in row `rows[i]` of a CSR matrix with sorted rows."""
    out = np.empty(len(rows), dtype=np.int64)
    # The splice's search; whether the entries are there is not asked here.
    _entry_positions(adjacency.indptr, adjacency.indices, rows, cols, True, out)
    return out


def spliced_adjacency(
    adjacency: sp.csr_array, removed: np.ndarray, added: np.ndarray
) -> sp.csr_array:
    """The unit-weight adjacency without the ties `removed`, with the ties `added`.

    Both directions of each tie change; every row stays sorted, so the result equals
    `network.adjacency_from_edges` on the new ties, in time linear in the entries kept.

    Args:
        adjacency: symmetric CSR with sorted rows and weights 1.
        removed: (k, 2) ties present in `adjacency`, each once.
        added: (j, 2) ties absent from it, each once.

    Returns:
        A new CSR matrix (the old one is left as it was; see the module for its buffers).

    Raises:
        ValueError: a tie of `removed` is absent or given twice, or one of `added` is present.
    """
    n, indptr = adjacency.shape[0], adjacency.indptr
    # Both directions of each tie, searched in (row, column) order: the positions come out
    # ascending, and the searches sweep the matrix in order.
    gone_rows, gone_cols = _sorted_entries(removed, n)
    new_rows, new_cols = _sorted_entries(added, n)
    gone, at = np.empty(len(gone_rows), np.int64), np.empty(len(new_rows), np.int64)
    if _entry_positions(indptr, adjacency.indices, gone_rows, gone_cols, True, gone) or (
        _entry_positions(indptr, adjacency.indices, new_rows, new_cols, False, at)
    ):
        raise ValueError(
            "spliced_adjacency: every tie in `removed` must be in the adjacency, each once, and "
            "every tie in `added` must be absent from it, each once (ties as row pairs)."
        )
    size = len(adjacency.indices) - len(gone) + len(at)
    idx = network.index_dtype(n, size)
    columns, pointers = _buffers(adjacency, size, idx)
    _splice_rows(
        indptr,
        adjacency.indices.astype(idx, copy=False),
        gone,
        gone_rows,
        at,
        new_rows,
        new_cols.astype(idx),
        columns[:size],
        pointers,
    )
    spliced = sp.csr_array(
        (_unit_weights(adjacency, size), columns[:size], pointers), shape=adjacency.shape
    )
    _keep_spares(spliced, adjacency)
    return spliced


def _sorted_entries(ties: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of both entries of each tie ((a, b) and (b, a)), sorted by row, column.

    Raises:
        ValueError: a row is not one of the `n` rows.
    """
    ties = np.asarray(ties, dtype=np.int64).reshape(-1, 2)
    if len(ties) and (ties.min() < 0 or ties.max() >= n):
        raise ValueError(
            f"spliced_adjacency: the ties removed and added must be pairs of rows from 0 to "
            f"{n - 1} (the adjacency's rows); got rows from {ties.min()} to {ties.max()}."
        )
    keys = np.concatenate(
        [(ties[:, 0] << ROW_BITS) | ties[:, 1], (ties[:, 1] << ROW_BITS) | ties[:, 0]]
    )
    # Stable (timsort): the first half comes sorted from canonical ties, so this is a merge.
    keys.sort(kind="stable")
    return keys >> ROW_BITS, keys & ((1 << ROW_BITS) - 1)


@kernel
def _entry_positions(indptr, indices, rows, cols, present, out):  # pragma: no cover - compiled
    # A binary search of each row's sorted columns for its entry's column, the entries sorted
    # by (row, column) so the positions come out ascending, into `out`; and
    # whether their promise is broken: an entry is found when it should not be (`present`
    # False) or not found when it should, or is given twice.
    broken = False
    for p in range(len(rows)):
        lo, end = np.int64(indptr[rows[p]]), np.int64(indptr[rows[p] + 1])
        hi = end
        while lo < hi:
            mid = (lo + hi) >> 1
            if indices[mid] < cols[p]:
                lo = mid + 1
            else:
                hi = mid
        out[p] = lo
        found = lo < end and indices[lo] == cols[p]
        broken |= found != present
        broken |= p > 0 and rows[p - 1] == rows[p] and cols[p - 1] == cols[p]
    return broken


@kernel
def _splice_rows(
    indptr, indices, gone, gone_rows, at, new_rows, new_cols, out, out_indptr
):  # pragma: no cover - compiled
    # `indices` without the entries at the ascending positions `gone` (in rows `gone_rows`),
    # with new_cols[j] put before position at[j] (ascending: the additions sorted by row and
    # column, in rows `new_rows`) into `out`; the kept entries between two changes go as one
    # block copy. The row pointers move by the changes of the rows before: copied in blocks
    # between the rows that change, each shifted by the count so far.
    m = len(indices)
    d = j = o = i = 0
    while True:
        stop = m  # the next change: a removed entry, or an entry an addition goes before
        if d < len(gone) and gone[d] < stop:
            stop = gone[d]
        if j < len(at) and at[j] < stop:
            stop = at[j]
        out[o : o + stop - i] = indices[i:stop]
        o += stop - i
        i = stop
        while j < len(at) and at[j] == i:
            out[o] = new_cols[j]
            o += 1
            j += 1
        if i == m:
            break
        if d < len(gone) and gone[d] == i:
            d += 1
            i += 1
    n = len(indptr) - 1
    out_indptr[0] = indptr[0]
    shift = np.int64(0)
    d = j = 0
    start = 1  # the next pointer to write: the end of row start - 1
    while True:
        row = n  # the next row that changes (n: none left)
        if d < len(gone_rows) and gone_rows[d] < row:
            row = gone_rows[d]
        if j < len(new_rows) and new_rows[j] < row:
            row = new_rows[j]
        for q in range(start, row + 1):  # the ends of the rows before it
            out_indptr[q] = indptr[q] + shift
        if row == n:
            break
        while d < len(gone_rows) and gone_rows[d] == row:
            shift -= 1
            d += 1
        while j < len(new_rows) and new_rows[j] == row:
            shift += 1
            j += 1
        start = row + 1


def _buffers(adjacency: sp.csr_array, size: int, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """A buffer of at least `size` columns and one of row pointers, both of `dtype`, to fill.

    The spares `adjacency` keeps (`_keep_spares`) when nothing else holds them, else new ones.
    """
    spares = _SPARES.pop(id(adjacency), None)
    columns, pointers = spares if spares is not None else (None, None)
    del spares
    probe = np.empty(0)
    alone = sys.getrefcount(probe)  # the count of an array held by one name only
    if not (
        columns is not None
        and sys.getrefcount(columns) == alone
        and columns.dtype == dtype
        and size <= len(columns) <= size * INDEX_WASTE
    ):
        columns = np.empty(int(size * INDEX_SLACK) + 1, dtype=dtype)
        _INDICES_MADE[id(columns)] = columns
    if not (
        pointers is not None
        and sys.getrefcount(pointers) == alone
        and pointers.dtype == dtype
        and len(pointers) == len(adjacency.indptr)
    ):
        pointers = np.empty(len(adjacency.indptr), dtype=dtype)
        _INDICES_MADE[id(pointers)] = pointers
    return columns, pointers


def _keep_spares(spliced: sp.csr_array, old: sp.csr_array) -> None:
    """Let `spliced` keep the buffers of `old` as its spares, if `spliced_adjacency` made them.

    Only buffers made here are reused (never one a caller passed in, which could be a file's
    or another process's memory); the spares go with `spliced`.
    """
    columns = old.indices if old.indices.base is None else old.indices.base
    pointers = old.indptr if old.indptr.base is None else old.indptr.base
    if _INDICES_MADE.get(id(columns)) is columns and _INDICES_MADE.get(id(pointers)) is pointers:
        _SPARES[id(spliced)] = (columns, pointers)
        weakref.finalize(spliced, _SPARES.pop, id(spliced), None)


def _unit_weights(adjacency: sp.csr_array, size: int) -> np.ndarray:
    """`size` weights 1 for a spliced adjacency, reusing the old one's (all 1, never written).

    At a million people a fresh 45 MB of ones a week cost more than the rest of the splice's
    set-up. The old matrix's stored weights are all 1 (`spliced_adjacency`'s precondition), and
    so is every buffer made here (`_ONES_MADE`, with `WEIGHT_SLACK` to spare for the weeks the
    ties grow); matrices then share a buffer that nothing writes.
    """
    data = adjacency.data
    made = data.base is not None and _ONES_MADE.get(id(data.base)) is data.base
    base = data.base if made else data
    if len(base) >= size:
        return base[:size]
    ones = np.ones(int(size * WEIGHT_SLACK) + 1, dtype=adjacency.dtype)
    _ONES_MADE[id(ones)] = ones
    return ones[:size]
