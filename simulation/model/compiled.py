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
