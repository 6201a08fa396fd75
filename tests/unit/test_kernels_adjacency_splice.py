"""The compiled adjacency splice gives exactly the matrix the NumPy splice it replaced gave.

`_old_spliced_adjacency` is `network_upkeep.spliced_adjacency` before issue 17's rewrite: the
positions searched entry by entry and sorted, the additions put in order by `np.lexsort`, the
columns spliced by `np.delete` and `np.insert`, the row pointers moved by two `np.bincount`s and
a cumulative sum. Both run on seeded random graphs (empty, one row, a few rows, a few thousand)
with ties removed and added at random, including none, all of a row's, and rows at both ends.
The buffer reuse is checked the other way round: an old matrix, or any view of its columns,
that someone still holds is never written.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import scipy.sparse as sp

from simulation.model import adjacency_splice, network_upkeep
from simulation.model.mechanisms import network, network_generation


def _old_spliced_adjacency(adjacency, removed, added):
    n, indptr, indices = adjacency.shape[0], adjacency.indptr, adjacency.indices
    gone_rows = np.concatenate([removed[:, 0], removed[:, 1]])
    gone_cols = np.concatenate([removed[:, 1], removed[:, 0]])
    gone = np.sort(_searched(indptr, indices, gone_rows, gone_cols))
    new_rows = np.concatenate([added[:, 0], added[:, 1]])
    new_cols = np.concatenate([added[:, 1], added[:, 0]])
    order = np.lexsort((new_cols, new_rows))
    new_rows, new_cols = new_rows[order], new_cols[order]
    at = _searched(indptr, indices, new_rows, new_cols)
    size = len(indices) - len(gone) + len(at)
    idx = network.index_dtype(n, size)
    kept = np.delete(indices.astype(idx), gone)
    kept = np.insert(kept, at - np.searchsorted(gone, at, side="left"), new_cols.astype(idx))
    change = np.bincount(new_rows, minlength=n) - np.bincount(gone_rows, minlength=n)
    new_indptr = indptr.astype(idx)
    new_indptr[1:] += np.cumsum(change).astype(idx)
    weights = np.ones(size, dtype=adjacency.dtype)
    return sp.csr_array((weights, kept, new_indptr), shape=adjacency.shape)


def _searched(indptr, indices, rows, cols):
    return np.array(
        [r0 + np.searchsorted(indices[r0:r1], c) for r0, r1, c in _bounds(indptr, rows, cols)],
        dtype=np.int64,
    )


def _bounds(indptr, rows, cols):
    return [(int(indptr[r]), int(indptr[r + 1]), int(c)) for r, c in zip(rows, cols, strict=True)]


def _graph(n: int, ties: int, seed: int) -> tuple[sp.csr_array, np.ndarray]:
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, max(n, 1), size=(ties, 2))
    edges = network_generation.canonical_edges(raw) if n > 1 else np.empty((0, 2), np.int64)
    return network.adjacency_from_edges(edges, n), edges


def _week(n: int, edges: np.ndarray, rng: np.random.Generator, share: float):
    """Ties to remove (a share of those there, as canonical pairs) and to add (absent ones)."""
    removed = edges[rng.random(len(edges)) < share]
    if n < 2:
        return removed, np.empty((0, 2), np.int64)
    there = set(map(tuple, edges.tolist()))
    fresh = network_generation.canonical_edges(rng.integers(0, n, size=(max(n // 3, 4), 2)))
    fresh = np.array([t for t in fresh.tolist() if tuple(t) not in there], np.int64)
    if n >= 7:  # both ends of the rows: the first row and the last
        extra = [(0, n - 1), (0, 1), (n - 2, n - 1)]
        fresh = np.array(
            sorted({*map(tuple, fresh.reshape(-1, 2).tolist()), *extra} - there), np.int64
        )
    return removed, fresh.reshape(-1, 2)


def _assert_same(actual: sp.csr_array, expected: sp.csr_array) -> None:
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    for name in ("indptr", "indices", "data"):
        got, want = getattr(actual, name), getattr(expected, name)
        assert got.dtype == want.dtype and np.array_equal(got, want), name


@pytest.mark.parametrize("n", [0, 1, 2, 7, 3001])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("share", [0.0, 0.05, 1.0])
def test_splice_equals_the_numpy_splice(n, seed, share):
    adjacency, edges = _graph(n, 4 * n, seed)
    removed, added = _week(n, edges, np.random.default_rng(seed + 7), share)
    got = adjacency_splice.spliced_adjacency(adjacency, removed, added)
    _assert_same(got, _old_spliced_adjacency(adjacency, removed, added))
    nothing = np.empty((0, 2), np.int64)
    _assert_same(
        adjacency_splice.spliced_adjacency(adjacency, nothing, nothing),
        _old_spliced_adjacency(adjacency, nothing, nothing),
    )


def test_a_whole_row_removed_and_rows_added_to_empty_rows():
    edges = np.array([[0, 1], [0, 2], [0, 3], [4, 5]])
    adjacency = network.adjacency_from_edges(edges, 9)
    removed, added = edges[:3], np.array([[6, 8], [7, 8]])
    got = adjacency_splice.spliced_adjacency(adjacency, removed, added)
    _assert_same(got, _old_spliced_adjacency(adjacency, removed, added))
    assert got.indptr.tolist() == [0, 0, 0, 0, 0, 1, 2, 3, 4, 6]


@pytest.mark.parametrize(
    ("removed", "added"),
    [
        ([[0, 5]], []),  # not a tie
        ([[0, 1], [0, 1]], []),  # the same tie twice
        ([], [[1, 2]]),  # a tie already there
        ([], [[3, 4], [4, 3]]),  # the same new tie twice
        ([], [[2, 2]]),  # a self-tie (its two entries are one)
    ],
)
def test_ties_that_break_the_splices_promise_are_refused(removed, added):
    adjacency = network.adjacency_from_edges(np.array([[0, 1], [1, 2], [2, 3]]), 6)
    with pytest.raises(ValueError, match="`removed` must be in the adjacency, each once"):
        adjacency_splice.spliced_adjacency(
            adjacency, np.array(removed, np.int64).reshape(-1, 2), np.array(added).reshape(-1, 2)
        )


def test_rows_outside_the_adjacency_are_refused():
    adjacency = network.adjacency_from_edges(np.array([[0, 1]]), 3)
    with pytest.raises(ValueError, match="pairs of rows from 0 to 2"):
        adjacency_splice.spliced_adjacency(adjacency, np.empty((0, 2)), np.array([[1, 3]]))


def _held_weeks(seed: int, weeks: int) -> list:
    """Weekly splices of a 400-person graph, every week's matrix held with copies of its arrays."""
    rng = np.random.default_rng(seed)
    n = 400
    adjacency, edges = _graph(n, 1_200, seed)
    held = []
    for _ in range(weeks):
        removed, added = _week(n, edges, rng, 0.03)
        adjacency = adjacency_splice.spliced_adjacency(adjacency, removed, added)
        edges = network_upkeep.edges_from_adjacency(adjacency)
        _assert_same(adjacency, network.adjacency_from_edges(edges, n))
        held.append((adjacency, adjacency.indices.copy(), adjacency.indptr.copy()))
    return held


def _buffer(array: np.ndarray) -> int:
    return id(array if array.base is None else array.base)


def test_weeks_reuse_two_buffers_when_the_old_matrices_are_let_go():
    rng = np.random.default_rng(3)
    n = 400
    adjacency, edges = _graph(n, 1_200, 3)
    columns, pointers = [], []  # each week's buffers, weakly (holding them would block reuse)
    for week in range(10):
        removed, added = _week(n, edges, rng, 0.03)
        added = added[: len(removed)]  # as many ties come as go: the buffers stay big enough
        adjacency = adjacency_splice.spliced_adjacency(adjacency, removed, added)
        edges = network_upkeep.edges_from_adjacency(adjacency)
        _assert_same(adjacency, network.adjacency_from_edges(edges, n))
        columns.append(weakref.ref(adjacency.indices.base))
        pointers.append(weakref.ref(adjacency.indptr))
        if week >= 2:  # weeks 0 and 1 make theirs; later weeks write into those of two back
            assert adjacency.indices.base is columns[week - 2]()
            assert adjacency.indptr is pointers[week - 2]()
    alive = [ref() for ref in columns if ref() is not None]
    assert len({id(buffer) for buffer in alive}) == 2  # the matrix's and its spare


def test_matrices_someone_holds_are_never_written():
    held = _held_weeks(seed=4, weeks=10)
    for matrix, indices, indptr in held:
        assert np.array_equal(matrix.indices, indices) and np.array_equal(matrix.indptr, indptr)
    live = [(_buffer(m.indices), _buffer(m.indptr)) for m, _, _ in held]
    assert len(set(live)) == len(live)  # no two live matrices share a buffer


def test_a_view_of_an_old_matrix_keeps_its_buffer_from_reuse():
    rng = np.random.default_rng(5)
    n = 400
    adjacency, edges = _graph(n, 1_200, 5)
    views = []
    for week in range(8):
        removed, added = _week(n, edges, rng, 0.03)
        adjacency = adjacency_splice.spliced_adjacency(adjacency, removed, added)
        edges = network_upkeep.edges_from_adjacency(adjacency)
        if week in (1, 4):  # keep a slice of the columns and the row pointers, not the matrix
            views.append((adjacency.indices[5:300], adjacency.indptr[::7]))
            views.append((views[-1][0].copy(), views[-1][1].copy()))
        gc.collect()
    for (columns, pointers), (columns_then, pointers_then) in zip(
        views[::2], views[1::2], strict=True
    ):
        assert np.array_equal(columns, columns_then) and np.array_equal(pointers, pointers_then)


def test_buffers_the_caller_made_are_never_reused():
    # A matrix spliced from one the caller built keeps no spares (its buffers could be a
    # file's or another process's memory); one spliced from a splice keeps that one's.
    n = 50
    adjacency, edges = _graph(n, 150, 6)
    nothing = np.empty((0, 2), np.int64)
    second = adjacency_splice.spliced_adjacency(adjacency, edges[:3], nothing)
    assert id(second) not in adjacency_splice._SPARES
    third = adjacency_splice.spliced_adjacency(second, edges[3:6], nothing)
    columns, pointers = adjacency_splice._SPARES[id(third)]
    assert columns is second.indices.base and pointers is second.indptr
    del third  # its spares go with it
    assert all(spare is not columns for spare, _ in adjacency_splice._SPARES.values())
