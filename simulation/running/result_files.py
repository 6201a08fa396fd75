"""Writing results safely: a results folder is checked before any run, and files are atomic.

Every file is written under a temporary name, then renamed, so a crash, Ctrl-C or a full disk
never leaves a half-written file where a finished one is expected. `check_writable` finds an
unwritable `--out` (read-only, a file in the way, /proc) before anything is simulated; a write
that fails later (a full disk) raises `ResultsWriteError`, one paragraph naming the file.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.errors import RecoverySimError

#: The most of a path an error message quotes.
QUOTED_PATH_CHARS = 200


class ResultsWriteError(RecoverySimError):
    """A results folder cannot be written (the message names it and what would work)."""


def _quoted(path: str | Path) -> str:
    text = str(path)
    return text if len(text) <= QUOTED_PATH_CHARS else text[:QUOTED_PATH_CHARS] + "..."


def check_writable(folder: str | Path, option: str = "--out") -> Path:
    """Make sure results can be written to `folder`, without creating it.

    Call it before running anything: a results folder that cannot be written is found in
    milliseconds, not after the simulation. A folder that does not exist yet is fine if it can
    be created (its nearest existing parent is a folder this process can write to).

    Args:
        folder: where results will go.
        option: the option or argument that named it, for the message.

    Returns:
        The folder as a Path.

    Raises:
        ResultsWriteError: a file is in the way, or the place cannot be written.
    """
    folder = Path(folder)
    where = f"{option} {_quoted(folder)}"
    if folder.exists() and not folder.is_dir():
        raise ResultsWriteError(
            f"{where}: a file is in the way. Results go into a folder, and this path is a file; "
            "give a folder path (it is created if missing) or move the file."
        )
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ResultsWriteError(
            f"{where}: {_quoted(existing)} is a file, so no folder can be made inside it; give "
            "a folder path whose parents are folders."
        )
    try:  # the only sure test: make (and remove) a folder there, as the run will
        os.rmdir(tempfile.mkdtemp(prefix=".recovery-sim-check-", dir=existing))
    except OSError as exc:
        # /proc and the like answer "no such file" for a folder made inside them.
        reason = "it takes no new folders" if exc.errno == errno.ENOENT else exc.strerror or exc
        raise ResultsWriteError(
            f"{where}: cannot write in {_quoted(existing)} ({reason}). Nothing was run; choose "
            "a folder you can write to."
        ) from None
    return folder


def write_failure(path: Path, exc: OSError) -> ResultsWriteError:
    """The one-paragraph error for a results file that could not be written.

    Args:
        path: the file being written.
        exc: what the operating system said.

    Returns:
        The error to raise.
    """
    reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    return ResultsWriteError(
        f"cannot write {_quoted(path)}: {reason}. Every file written before it is kept and "
        "complete (each is written under a temporary name and renamed once finished); the "
        "unfinished one was discarded. Free some space or choose another --out, then run again."
    )


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)` then rename the temporary file to `path` (same directory).

    Args:
        path: the file to write.
        write: writes the content to the temporary path it is given.

    Returns:
        `path`.

    Raises:
        ResultsWriteError: the operating system refused (a full disk, a read-only folder).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_failure(path, exc) from None
    os.close(fd)
    # mkstemp makes the file private (0600); results are meant to be shared like any new file.
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_failure(path, exc) from None
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> Path:
    """Write text atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON atomically (NaN written as null)."""
    return write_text(path, json.dumps(to_jsonable(data), indent=2) + "\n")


def write_parquet(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as Parquet atomically."""
    return write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))


def to_jsonable(data: Any) -> Any:
    """Replace NaN/inf by None and NumPy scalars by Python ones, recursively."""
    import math

    import numpy as np

    if isinstance(data, dict):
        return {str(k): to_jsonable(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [to_jsonable(v) for v in data]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data
