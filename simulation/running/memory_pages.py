"""Large arrays on small memory pages where the kernel would stall to make huge ones.

NumPy asks Linux for transparent huge pages on every array of 4 MB or more
(`madvise(MADV_HUGEPAGE)`). Where the kernel's huge-page defragmentation mode is `always`,
`madvise` or `defer+madvise` (Debian's and Ubuntu's default is `madvise`), a fault in such an
array compacts memory on the spot whenever no free huge page is at hand, which after a model has
been built is most of the time: on the development machine a 45 MB `np.ones` then took 0.15-0.4 s
instead of 0.02 s, and a day at a million people spent twice the system time (docs/performance.md).
The command line therefore turns NumPy's huge-page advice off for its process and its workers
(`NUMPY_MADVISE_HUGEPAGE=0`, read when NumPy is imported) on such kernels; the numbers a run
gives do not depend on it. A value the user set is kept.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Where Linux states its transparent-huge-page defragmentation mode (the chosen one in brackets).
DEFRAG_SETTING = Path("/sys/kernel/mm/transparent_hugepage/defrag")
#: The modes in which a fault in a region advised for huge pages compacts memory synchronously.
STALLING_MODES = frozenset({"always", "madvise", "defer+madvise"})
#: NumPy's switch for its huge-page advice (numpy/__init__.py, `hugepage_setup`).
NUMPY_SWITCH = "NUMPY_MADVISE_HUGEPAGE"


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
