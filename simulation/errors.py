"""The exceptions users see: each carries enough to write one clear paragraph."""

from __future__ import annotations

import reprlib

#: Messages quote at most this many characters of a bad value (or key): enough to recognise
#: it, never a whole file pasted into a terminal.
QUOTE_LIMIT = 200

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = QUOTE_LIMIT // 2
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 8
_REPR.maxlevel = 3


def quote(value: object) -> str:
    """A short repr of `value` for a message: at most QUOTE_LIMIT characters, however large.

    Example:
        >>> quote("x" * 1000)[:12], len(quote(list(range(10**6)))) < 200
        ("'xxxxxxxxxxx", True)
    """
    text = _REPR.repr(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 3] + "..."


def _one_line(text: str) -> str:
    """Control characters (a newline in a key or a path) written as escapes: one paragraph."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _shorten(text: str) -> str:
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 3] + "..."


class RecoverySimError(Exception):
    """Base of every error the command line reports as a message (exit code 2), not a traceback.

    Catch it to handle any invalid input (scenario, experiment, comparison) in one place.

    Example:
        >>> issubclass(ScenarioError, RecoverySimError)
        True
    """


class ScenarioError(RecoverySimError, ValueError):
    """A scenario (file, dict or override) is invalid.

    Attributes:
        source: the file (or "<dict>", "--set") the bad value came from.
        key: dotted key path of the bad value ("" when the whole file is at fault).
        value: the offending value, if any.
        allowed: what would have been accepted, in words.

    Example:
        >>> print(ScenarioError("a.yaml", "mentoring.caseload_cap", -1, "an integer >= 1"))
        a.yaml: mentoring.caseload_cap = -1 is not allowed; allowed: an integer >= 1.
    """

    def __init__(
        self,
        source: str,
        key: str,
        value: object = None,
        allowed: str = "",
        problem: str = "is not allowed",
    ):
        self.source, self.key, self.value, self.allowed, self.problem = (
            source,
            key,
            value,
            allowed,
            problem,
        )
        where = f"{_shorten(key)} = {quote(value)}" if key and value is not None else _shorten(key)
        text = f"{source}: {where} {problem}".replace(":  ", ": ").strip()
        if allowed:
            text += f"; allowed: {allowed}"
        super().__init__(_one_line(text.rstrip(".") + "."))


class ExperimentError(ScenarioError):
    """An experiment file (or its results folder) is invalid; `source` is the file or folder.

    Example:
        >>> print(ExperimentError("e.yaml", "replicates", 0, "a whole number >= 1"))
        e.yaml: replicates = 0 is not allowed; allowed: a whole number >= 1.
    """
