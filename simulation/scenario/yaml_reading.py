"""Reading the YAML files users write (scenarios, experiments), with errors they can act on.

A path may name anything: a FIFO that blocks whoever opens it, `/dev/zero`, a binary, a file in
another encoding. `read_text` looks at the file (stat) before opening it and reads at most
`MAX_FILE_BYTES`; `parse_mapping` reads the text with the strict loader of `yaml_loader`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from simulation.errors import ScenarioError
from simulation.scenario.yaml_loader import load_strict

#: The largest scenario or experiment file read. The bundled ones are a few kilobytes; a
#: megabyte of YAML is a mistake (a data file, a device), not a scenario.
MAX_FILE_BYTES = 1024 * 1024
#: The longest YAML error explanation quoted in a message.
REASON_LIMIT = 200

_REFUSALS = (yaml.composer.ComposerError, yaml.constructor.ConstructorError)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _check_regular(
    path: Path, mode: int, size: int, error: type[ScenarioError], what: str, fmt: str = "YAML"
) -> None:
    allowed = f"a {fmt} {what} file (a regular file of at most {MAX_FILE_BYTES:,} bytes)"
    if not stat.S_ISREG(mode):
        raise error(str(path), "", problem=f"is {_kind(mode)}, not a file", allowed=allowed)
    if size > MAX_FILE_BYTES:
        raise error(
            str(path),
            "",
            problem=f"is {size:,} bytes, too large for a {what} file",
            allowed=allowed,
        )


def read_text(path: Path, error: type[ScenarioError], what: str, fmt: str = "YAML") -> str:
    """The file's text, or `error` saying why it is not a readable text file of that format.

    The file is checked with `stat` before it is opened (a FIFO would block the reader, a
    device never ends), opened without blocking, checked again, and read up to
    `MAX_FILE_BYTES`; it must be UTF-8 text.

    Args:
        path: the file.
        error: the exception class to raise (ScenarioError or ExperimentError).
        what: the kind of file, for messages ("scenario", "experiment", "referrals").
        fmt: the file's format, for messages ("YAML", "CSV").

    Returns:
        The file's text (a leading byte-order mark removed).

    Raises:
        ScenarioError: (or `error`) the file is missing, not a regular file, too large,
            unreadable, binary or not UTF-8.
    """
    try:
        info = os.stat(path)
        _check_regular(path, info.st_mode, info.st_size, error, what, fmt)
        # O_NONBLOCK: should the path be swapped for a FIFO after the check, opening it does
        # not wait for a writer; the second check below then refuses it.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            _check_regular(path, info.st_mode, info.st_size, error, what, fmt)
            data = handle.read(MAX_FILE_BYTES + 1)
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise error(
            str(path), "", problem="does not exist", allowed=f"a path to a {fmt} {what} file"
        ) from None
    except OSError as exc:
        raise error(str(path), "", problem=f"cannot be read ({exc.strerror})") from None
    except ValueError:  # a path with a NUL character
        raise error(str(path)[:200], "", problem="is not a valid file path") from None
    if len(data) > MAX_FILE_BYTES:  # grew since the check, or a file that reports no size
        _check_regular(path, info.st_mode, len(data), error, what, fmt)
    if b"\x00" in data:
        raise error(
            str(path),
            "",
            problem=f"is a binary file, not {fmt} text",
            allowed=f"a {fmt} {what} file",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            str(path),
            "",
            problem=f"is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})",
            allowed=f"a {fmt} {what} file saved as UTF-8",
        ) from None


def parse_mapping(
    text: str, source: str, error: type[ScenarioError], expected: str, empty_ok: bool = False
) -> dict[str, Any]:
    """A YAML mapping from `text`, or `error` naming the line of a syntax error or the wrong type.

    Duplicate keys, keys YAML reads as true/false or numbers, nesting deeper than fifty levels
    and alias bombs are refused (see `simulation.scenario.yaml_loader`).

    Example:
        >>> parse_mapping("days: 90", "x.yaml", ScenarioError, "scenario keys")
        {'days': 90}
    """
    try:
        data = load_strict(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        # Syntax errors are "not valid YAML"; what the strict loader refuses is valid YAML 1.1.
        verdict = "cannot be read" if isinstance(exc, _REFUSALS) else "is not valid YAML"
        raise error(source, "", problem=f"{verdict}{where}: {reason[:REASON_LIMIT]}") from None
    except RecursionError:  # MAX_DEPTH keeps the loader well clear of this; a last guard
        raise error(source, "", problem="nests its values too deeply") from None
    if data is None and empty_ok:
        return {}
    if not isinstance(data, dict):
        held = "nothing" if data is None else f"a {type(data).__name__}"
        raise error(
            source,
            "",
            problem=f"holds {held}, not a mapping",
            allowed=f"a YAML mapping of {expected}",
        )
    return data
