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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numba

F = TypeVar("F", bound=Callable)


def kernel(function: F) -> F:
    """Compile `function` with Numba: no Python objects, cached, releases the GIL.

    Args:
        function: a function of NumPy arrays and scalars written as plain loops.

    Returns:
        The compiled function (call it with arrays of the dtypes it was written for).
    """
    return numba.njit(cache=True, nogil=True, fastmath=False)(function)
