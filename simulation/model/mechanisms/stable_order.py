"""Stable ranking of float orders in compiled passes: NumPy's stable argsort, and its first k.

Matching ranks seekers and free slots by their draws every day; on the first day of a run at a
million people that is 700,000 seekers and a million slots. A stable argsort here is an LSD
radix sort (one byte per pass, passes whose byte is the same for every item skipped) on an
unsigned integer image of each float that sorts as the floats do:

- a non-negative float's bit pattern, with its sign bit set, sorts above every negative one;
- a negative float's bit pattern, every bit flipped, sorts in reverse, as negatives must;
- -0.0 takes the image of 0.0 (NumPy ranks the two as a tie), ±inf sort at the ends;
- every NaN takes the largest image: NumPy's sort puts NaN last, ties among them by position.

Radix sorting is stable, so ties keep their positions: the result is element for element
NumPy's `np.argsort(values, kind="stable")`. Other dtypes are ranked by NumPy itself.
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel

#: Bits per radix pass: 256 counters and write streams per pass stay in the first-level cache
#: (a speed detail: 11-bit digits, one pass fewer on float32, took 2.5 times as long here).
DIGIT_BITS = 8
#: Evenly spaced items whose values guess the cut-off below which the k first items lie in
#: `first_by_order`, and how many standard deviations of a sampled count the guess adds as a
#: margin (a speed detail only: a guess that keeps too few items is widened, never trusted).
SAMPLE_SIZE = 1024
SAMPLE_MARGIN = 3.0
#: Each supported float dtype's unsigned integer type of the same width.
_UNSIGNED = {np.dtype(np.float32): np.uint32, np.dtype(np.float64): np.uint64}


def stable_argsort(values: np.ndarray) -> np.ndarray:
    """`np.argsort(values, kind="stable")`, by a radix sort for float32 and float64.

    Args:
        values: a 1-D array.

    Returns:
        The int64 positions of `values` in ascending order, ties (and NaNs, last) by position.
    """
    unsigned = _UNSIGNED.get(values.dtype)
    if unsigned is None or values.ndim != 1:
        return np.argsort(values, kind="stable").astype(np.int64, copy=False)
    values = np.ascontiguousarray(values)
    bits = values.view(unsigned)
    sign, ones = _sign_bit(unsigned), _all_bits(unsigned)
    return _argsort_kernel(values, bits, sign, ones, _index_like(len(values)))


def first_by_order(values: np.ndarray, k: int) -> np.ndarray:
    """`np.argsort(values, kind="stable")[:k]`, ranking only the items that can be among them.

    A sample of the values guesses a cut-off; the items at or below it are kept (in position
    order) if they are at least k, and radix sorted. Every item ranked ahead of a kept one is
    kept too, so the first k of the kept items are the first k of all.

    Args:
        values: a 1-D array.
        k: how many positions to return (at least 0; more than `len(values)` returns them all).

    Returns:
        The int64 positions of the k first items by value, ties (and NaNs, last) by position.

    Raises:
        ValueError: if `k` is negative.
    """
    if k < 0:
        raise ValueError(f"first_by_order: `k` is {k}; it must be 0 or more (items to return).")
    unsigned = _UNSIGNED.get(values.dtype)
    if unsigned is None or values.ndim != 1:
        return np.argsort(values, kind="stable")[:k].astype(np.int64, copy=False)
    values = np.ascontiguousarray(values)
    bits = values.view(unsigned)
    k = min(k, len(values))
    sign, ones = _sign_bit(unsigned), _all_bits(unsigned)
    return _first_kernel(values, bits, sign, ones, k, _index_like(len(values)))


def _index_like(n: int) -> np.ndarray:
    """An empty array of the positions' working dtype: int32 (less to move) when they fit."""
    return np.empty(0, dtype=np.int32 if n <= np.iinfo(np.int32).max else np.int64)


def _sign_bit(unsigned: type) -> np.uint64:
    """The sign bit of a float of the width of `unsigned`, as a 64-bit word."""
    return np.uint64(1 << (8 * np.dtype(unsigned).itemsize - 1))


def _all_bits(unsigned: type) -> np.uint64:
    """Every bit of the width of `unsigned` set, as a 64-bit word (NaN's image)."""
    return np.uint64((1 << (8 * np.dtype(unsigned).itemsize)) - 1)


@kernel
def _image(x, bits, sign, ones):
    """The unsigned image of float `x` (bit pattern `bits`) that sorts as NumPy sorts floats."""
    if x != x:  # NaN: last
        return ones
    if x == 0.0:  # -0.0 and 0.0 tie
        return sign
    b = np.uint64(bits)
    if b & sign:
        return b ^ ones
    return b | sign


@kernel
def _argsort_kernel(values, bits, sign, ones, index_like):
    """Positions of `values` by a stable LSD radix sort of their images."""
    n = len(values)
    keys = np.empty(n, dtype=bits.dtype)
    positions = np.empty(n, dtype=index_like.dtype)
    for i in range(n):
        keys[i] = _image(values[i], bits[i], sign, ones)
        positions[i] = i
    return _radix_sort(keys, positions, n)


@kernel
def _first_kernel(values, bits, sign, ones, k, index_like):
    """The first `k` positions by value: the items at or below a sampled cut-off, sorted."""
    n = len(values)
    if k == 0:
        return np.empty(0, dtype=np.int64)
    kept = n
    if k < n:
        size = min(n, SAMPLE_SIZE)
        sample = np.empty(size, dtype=values.dtype)
        for j in range(size):
            sample[j] = values[(j * n) // size]
        sample.sort()  # NaNs last, as NumPy sorts
        share = k * size / n
        rank = min(size - 1, int(share + SAMPLE_MARGIN * np.sqrt(share)) + 1)
        while True:
            cut_off = sample[rank]
            kept = 0
            for i in range(n):
                kept += values[i] <= cut_off  # never a NaN: those are kept by ranking all
            if kept >= k or rank == size - 1:
                break
            rank = min(size - 1, 2 * rank + 1)
    if kept < k:  # NaNs (or too few at the sample's top) among the first: rank them all
        kept = n
    keys = np.empty(kept, dtype=bits.dtype)
    positions = np.empty(kept, dtype=index_like.dtype)
    if kept == n:
        for i in range(n):
            keys[i] = _image(values[i], bits[i], sign, ones)
            positions[i] = i
    else:
        j = 0
        for i in range(n):
            if values[i] <= cut_off:
                keys[j] = _image(values[i], bits[i], sign, ones)
                positions[j] = i
                j += 1
    return _radix_sort(keys, positions, k)


@kernel
def _radix_sort(keys, positions, k):
    """The first `k` of `positions` stably sorted by `keys`, as int64 (both arrays are reused)."""
    n = len(keys)
    n_digits = (8 * keys.itemsize) // DIGIT_BITS
    radix = 1 << DIGIT_BITS
    mask = np.uint64(radix - 1)
    counts = np.zeros(n_digits * radix, dtype=np.int64)  # every digit's counts, in one pass
    for i in range(n):
        key = np.uint64(keys[i])
        for d in range(n_digits):
            counts[d * radix + np.intp((key >> np.uint64(d * DIGIT_BITS)) & mask)] += 1
    moving = np.zeros(n_digits, dtype=np.bool_)  # a digit that all keys share moves nothing
    for d in range(n_digits):
        moving[d] = counts[d * radix : (d + 1) * radix].max() < n
    last = -1
    for d in range(n_digits):
        if moving[d]:
            last = d
    if last < 0:  # all keys are equal (or there are fewer than two): the order stands
        return positions[:k].astype(np.int64)
    spare_keys = np.empty_like(keys)
    spare_positions = np.empty_like(positions)
    start = np.empty(radix, dtype=np.int64)
    for d in range(last + 1):
        if not moving[d]:
            continue
        total = 0
        for v in range(radix):
            start[v] = total
            total += counts[d * radix + v]
        shift = np.uint64(d * DIGIT_BITS)
        if d == last:
            return _place_first(keys, positions, start, shift, mask, k)
        _scatter(keys, positions, spare_keys, spare_positions, start, shift, mask)
        keys, spare_keys = spare_keys, keys
        positions, spare_positions = spare_positions, positions
    return positions[:k].astype(np.int64)  # not reached: the last moving digit returns


@kernel
def _scatter(keys, positions, to_keys, to_positions, start, shift, mask):
    """One stable counting-sort pass on the digit at `shift` (`start`: each value's first slot).

    A function of its own: with the arrays as arguments, not swapped names in one loop nest,
    the pass compiles to half the time.
    """
    for i in range(len(keys)):
        key = keys[i]
        v = np.intp((np.uint64(key) >> shift) & mask)
        slot = start[v]
        start[v] = slot + 1
        to_keys[slot] = key
        to_positions[slot] = positions[i]


@kernel
def _place_first(keys, positions, start, shift, mask, k):
    """The last pass of `_radix_sort`: only the positions, only those placed among the first k."""
    first = np.empty(k, dtype=np.int64)
    for i in range(len(keys)):
        v = np.intp((np.uint64(keys[i]) >> shift) & mask)
        slot = start[v]
        start[v] = slot + 1
        if slot < k:
            first[slot] = positions[i]
    return first
