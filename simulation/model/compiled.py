"""Compiled kernels: how the day's per-person passes are fused (Numba, as Covasim does).

A mechanism keeps its formula in its own module; where a chain of NumPy passes over every row
is the cost, the module adds a small `@kernel` function that does the same arithmetic in one
loop. Kernels must give exactly the numbers of the NumPy expressions they replace (each has a
unit test against that expression), so two rules hold:

- no `fastmath`: floating-point operations stay in the written order, as NumPy does them;
- transcendental functions (exp, expm1, log, power) stay in NumPy, outside the kernel: NumPy's
  SIMD versions and LLVM's differ in the last bit, which would move a draw across a threshold.

Kernels are cached on disk next to their module (`cache=True`), so a process compiles each once
per installation, not once per run.

Arrays a kernel reads must have their memory pages mapped (`map_pages`). On CPUs with AVX-512,
LLVM folds a test such as `is_mentor[i] & (burnout[i] >= level)` into a compare under a mask,
whose masked-out lanes suppress page faults. A page that nothing else ever read (a participant's
burnout stays 0) is then never mapped, and every such load pays a microcode assist: one daily
count over the burnout column took 34 ms/day at a million people instead of under 1.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

import numba
import numpy as np

if TYPE_CHECKING:
    from simulation.model.population import PopulationState

F = TypeVar("F", bound=Callable)


def kernel(function: F) -> F:
    """Compile `function` with Numba: no Python objects, cached, releases the GIL.

    Args:
        function: a function of NumPy arrays and scalars written as plain loops.

    Returns:
        The compiled function (call it with arrays of the dtypes it was written for).
    """
    return numba.njit(cache=True, nogil=True, fastmath=False)(function)


def require_per_person(people: PopulationState, function: str, **arrays: np.ndarray) -> None:
    """Check that each array has one value per person before a compiled pass reads it.

    Compiled passes do not check their indexes, so a short array would be read past its end.

    Args:
        people: the population.
        function: the function the arrays are for (named in the error).
        **arrays: each argument's name and array.

    Raises:
        ValueError: naming the first argument whose length is not the number of people.
    """
    for name, array in arrays.items():
        if np.shape(array) != (people.size,):
            raise ValueError(
                f"{function}: `{name}` has shape {np.shape(array)}; it needs one value per "
                f"person, shape ({people.size},), in the population's row order."
            )


def map_pages(arrays: Iterable[np.ndarray]) -> None:
    """Map every memory page of each array by reading one byte of each page.

    Fresh zeroed arrays (`np.zeros`) get their pages from the kernel only when first touched. A
    plain read maps the shared zero page (no memory is used until a write), so afterwards a
    kernel's fault-suppressing masked loads find every page present (see the module docstring).

    Args:
        arrays: contiguous NumPy arrays (others are skipped: nothing in the model makes them).
    """
    for array in arrays:
        if array.nbytes > mmap.PAGESIZE and array.flags.c_contiguous:
            np.bitwise_or.reduce(array.reshape(-1).view(np.uint8)[:: mmap.PAGESIZE])


def mask_words(mask: np.ndarray) -> np.ndarray:
    """A boolean mask's whole 8-row words, as uint64 (NumPy bools are the bytes 0 and 1).

    Kernels skip a word of 8 rows at once where it holds no True (or only True). The rows after
    the last whole word are left to the kernel. Empty for a mask that is not a contiguous bool
    array (a broadcast, say): the kernel then reads every row.

    Args:
        mask: the mask.

    Returns:
        A view of its first `len(mask) // 8 * 8` bytes, or an empty array.
    """
    if mask.dtype != np.bool_ or not mask.flags.c_contiguous:
        return np.empty(0, dtype=np.uint64)
    whole = mask.view(np.uint8)
    return whole[: len(whole) // 8 * 8].view(np.uint64)
