"""One run at a time in a results folder: an exclusive lock held for the whole session.

Two `recovery-sim experiment --resume` of one folder at once would run the same runs twice and
overwrite each other's manifest. The lock is `filelock` (an OS-level `flock` on Unix, released
by the kernel if the holder dies, even by `kill -9`), and the holder writes its pid and start
time beside it so the refusal can say who holds it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from simulation.errors import ExperimentError

#: The lock file and the note of who holds it (dot-files: dataset readers skip them).
LOCK_FILE = ".recovery-sim.lock"
OWNER_FILE = ".recovery-sim.lock-owner.json"


def holder(folder: Path) -> dict:
    """Who holds (or last held) the folder's lock, as the holder wrote it; {} if unknown.

    Args:
        folder: a results folder.

    Returns:
        `pid`, `host` and `since`, when recorded.
    """
    try:
        data = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextmanager
def locked_folder(folder: str | Path) -> Iterator[Path]:
    """Hold `folder`'s lock for the block, creating the folder; refuse if another run holds it.

    Args:
        folder: the results folder.

    Yields:
        The folder as a Path.

    Raises:
        ExperimentError: another process holds the lock (exit 2 on the command line).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK_FILE, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        who = holder(folder)
        pid = f"pid {who['pid']}" if "pid" in who else "a process"
        since = f" on {who.get('host')} since {who['since']}" if "since" in who else ""
        raise ExperimentError(
            str(folder),
            "",
            problem=f"is in use: another recovery-sim run ({pid}{since}) holds its lock, and two "
            "runs in one folder would run the same runs twice",
            allowed="wait until that run ends (or stop it), then --resume; or another --out",
        ) from None
    owner = {
        "pid": os.getpid(),
        "host": platform.node(),
        "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        # The lock holds without the note; a refusal then says "a process".
        with contextlib.suppress(OSError):
            (folder / OWNER_FILE).write_text(json.dumps(owner) + "\n", encoding="utf-8")
        yield folder
    finally:
        (folder / OWNER_FILE).unlink(missing_ok=True)
        lock.release()
