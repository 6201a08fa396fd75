"""How a run gets its memory from the kernel: pages that do not stall, memory that is reused.

**Huge pages.**

NumPy asks Linux for transparent huge pages on every array of 4 MB or more
(`madvise(MADV_HUGEPAGE)`). Where the kernel's huge-page defragmentation mode is `always`,
`madvise` or `defer+madvise` (Debian's and Ubuntu's default is `madvise`), a fault in such an
array compacts memory on the spot whenever no free huge page is at hand, which after a model has
been built is most of the time: on the development machine a 45 MB `np.ones` then took 0.15-0.4 s
instead of 0.02 s, and a day at a million people spent twice the system time (docs/performance.md).
The command line therefore turns NumPy's huge-page advice off for its process and its workers
(`NUMPY_MADVISE_HUGEPAGE=0`, read when NumPy is imported) on such kernels; the numbers a run
gives do not depend on it. A value the user set is kept.

**Freed memory.** glibc's allocator maps every block above 32 MB afresh and unmaps it when it
is freed, and returns freed memory at the top of its heap to the kernel: at a million people each
week's 45 MB of ties, and much of the build, came in as fresh pages, each a fault the kernel
zeroes (about 3 s of system time in a 65 s run). The command line therefore asks glibc to serve
every block from its heap and to keep up to `KEEP_FREE_BYTES` of freed memory for reuse: for
itself through `mallopt`, for its workers through glibc's environment switches (read when a
process starts). The whole run then took 61 s of CPU instead of 65 s, with 2% more peak memory
(docs/performance.md). Nothing is changed where the user set one of the switches (or
`GLIBC_TUNABLES`), or where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

#: Where Linux states its transparent-huge-page defragmentation mode (the chosen one in brackets).
DEFRAG_SETTING = Path("/sys/kernel/mm/transparent_hugepage/defrag")
#: The modes in which a fault in a region advised for huge pages compacts memory synchronously.
STALLING_MODES = frozenset({"always", "madvise", "defer+madvise"})
#: NumPy's switch for its huge-page advice (numpy/__init__.py, `hugepage_setup`).
NUMPY_SWITCH = "NUMPY_MADVISE_HUGEPAGE"

#: Freed memory glibc keeps for reuse (its trim threshold): more than a million-person run's
#: largest freed blocks (the 45 MB of ties a week), little beside its 1 GB.
KEEP_FREE_BYTES = 1 << 30
#: glibc's switches, as `mallopt` parameter numbers (malloc.h) and as the environment names a
#: starting process reads: no block is mapped on its own, and freed memory is kept.
M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
MALLOC_SWITCHES = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(KEEP_FREE_BYTES)}
#: Another way to set glibc's switches; where it is set, the user's choice stands.
GLIBC_TUNABLES = "GLIBC_TUNABLES"


def chosen_mode(setting: str) -> str | None:
    """The bracketed mode of a `transparent_hugepage/defrag` line, e.g. `madvise`.

    Args:
        setting: the file's text, such as `always defer defer+madvise [madvise] never`.

    Returns:
        The chosen mode, or None if none is bracketed.
    """
    for word in setting.split():
        if word.startswith("[") and word.endswith("]"):
            return word[1:-1]
    return None


def avoid_compaction_stalls(environ: dict[str, str] | None = None) -> bool:
    """Turn NumPy's huge-page advice off where the kernel would stall on it (before NumPy loads).

    Args:
        environ: the environment to set (default `os.environ`, which workers inherit).

    Returns:
        Whether the switch was set here (False where the user set it, the kernel does not stall
        or the setting cannot be read, e.g. outside Linux).
    """
    environ = os.environ if environ is None else environ
    if NUMPY_SWITCH in environ:
        return False
    try:
        mode = chosen_mode(DEFRAG_SETTING.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError):
        return False
    if mode not in STALLING_MODES:
        return False
    environ[NUMPY_SWITCH] = "0"
    return True


def c_library() -> str:
    """The C library Python runs on, e.g. `glibc 2.36` (empty where it cannot say)."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):  # no confstr, or not a GNU system
        return ""


def reuse_freed_memory(environ: dict[str, str] | None = None, this_process: bool = True) -> bool:
    """Have glibc keep freed memory for reuse, in this process and the workers it starts.

    Args:
        environ: the environment to set (default `os.environ`, which workers inherit).
        this_process: also switch this process's allocator (`mallopt`); False sets `environ`
            alone, for a process to be started with it.

    Returns:
        Whether the switches were set here (False where the user set any of them or
        `GLIBC_TUNABLES`, or the C library is not glibc).
    """
    environ = os.environ if environ is None else environ
    if GLIBC_TUNABLES in environ or any(name in environ for name in MALLOC_SWITCHES):
        return False
    if not c_library().startswith("glibc"):
        return False
    if this_process and not _switch_this_process():
        return False
    environ.update(MALLOC_SWITCHES)
    return True


def _switch_this_process() -> bool:
    """`mallopt` the switches of `MALLOC_SWITCHES` here; whether glibc took both."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    # mallopt returns 1 where it took the value.
    return bool(libc.mallopt(M_MMAP_MAX, 0) and libc.mallopt(M_TRIM_THRESHOLD, KEEP_FREE_BYTES))
