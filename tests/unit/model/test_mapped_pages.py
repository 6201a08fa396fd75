"""Every page of the population's arrays is mapped before a compiled kernel reads it."""

from __future__ import annotations

import mmap
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulation.model.compiled import map_pages
from simulation.model.population import PopulationState

PAGEMAP = Path("/proc/self/pagemap")
pytestmark = pytest.mark.skipif(not PAGEMAP.exists(), reason="needs Linux's /proc/self/pagemap")


def present_pages(array: np.ndarray) -> tuple[int, int]:
    """Pages of `array` mapped in this process, and pages it spans (bit 63 of each entry)."""
    page = mmap.PAGESIZE
    first = array.ctypes.data // page
    last = (array.ctypes.data + array.nbytes - 1) // page
    with PAGEMAP.open("rb") as pagemap:
        pagemap.seek(first * 8)
        entries = np.frombuffer(pagemap.read((last - first + 1) * 8), dtype=np.uint64)
    return int(np.count_nonzero(entries >> np.uint64(63))), len(entries)


def test_a_fresh_zeroed_array_has_no_pages_until_mapped():
    # Memory fresh from the kernel (np.zeros may reuse pages this process already touched).
    array = np.frombuffer(mmap.mmap(-1, 80_000_000), dtype=np.float64)
    mapped_before, pages = present_pages(array)
    map_pages([array])
    assert mapped_before < pages // 100
    assert present_pages(array) == (pages, pages)
    assert not array.any()  # reading changed nothing


def test_small_and_strided_arrays_are_left_alone():
    strided = np.frombuffer(mmap.mmap(-1, 128_000_000), dtype=np.float64).reshape(4000, 4000)[
        :, ::2
    ]
    map_pages([np.zeros(10), strided])
    assert present_pages(strided.base)[0] < present_pages(strided.base)[1] // 100


def test_every_population_array_is_mapped_when_built():
    # In a fresh process: this one's heap may already hold touched pages for np.zeros to reuse.
    script = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_mapped_pages import present_pages
from simulation.model.population import build_population
from simulation.model.population_params import PopulationParams
from simulation.model.random_streams import RandomStreams

people = build_population(PopulationParams(size=200_000), 100, (180, 200), 0.5, RandomStreams(1))
for name in people.array_names():
    mapped, pages = present_pages(getattr(people, name))
    print(name, mapped, pages)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert len(rows) == len(PopulationState.__dataclass_fields__)
    unmapped = [name for name, mapped, pages in rows if mapped != pages]
    assert not unmapped, f"arrays with pages never mapped: {unmapped}"
