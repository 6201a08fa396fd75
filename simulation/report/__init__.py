"""The planners' report: one self-contained HTML page and its figures as PNG files.

`write_report(comparison, out)` writes `out/figures/*.png` and then `out/report.html` (figures
embedded, so the HTML alone is enough), each under a temporary name and renamed when complete.
The page opens with one plain sentence per design and ends with what is needed to reproduce it:
the scenarios as run (after `extends:` and `--set`), the seeds, package versions and the date.

From Python the package itself is callable, as `rs.report(comparison, path)`.

Example:
    >>> import simulation as rs
    >>> result = rs.compare_scenarios(["treatment_as_usual", "community_peer_mentoring"],
    ...                               replicates=2, overrides={"days": 30})   # doctest: +SKIP
    >>> rs.report(result, "results/my_report")                              # doctest: +SKIP
    PosixPath('results/my_report/report.html')
"""

from __future__ import annotations

import inspect
import platform
import sys
import types
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from simulation.analysis.compare import Comparison
from simulation.report.text import design_sentence
from simulation.running.result_files import write_atomic, write_text

PACKAGES = ("recovery-sim", "mesa", "numpy", "scipy", "pandas", "matplotlib", "networkx")


def provenance(command: str | None = None) -> dict[str, str]:
    """Date (UTC), the command line if known, and the versions the numbers came from."""
    meta = {"date": datetime.now(UTC).isoformat(timespec="seconds")}
    if command:
        meta["command"] = command
    meta["python"] = platform.python_version()
    for package in PACKAGES:
        try:
            meta[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            meta[package] = "not installed"
    return meta


def _command_line() -> str | None:
    program = Path(sys.argv[0]).name if sys.argv else ""
    if program in ("recovery-sim", "__main__.py"):
        return " ".join(["recovery-sim", *sys.argv[1:]])
    return None


def write_report(comparison: Comparison, out: str | Path, command: str | None = None) -> Path:
    """Write the figures and the HTML report into `out`; returns the path of report.html."""
    # Here, not at the top: `import simulation` (and rs.report's look-up) stays free of matplotlib.
    from simulation.report.decision_figures import acceptability_figure
    from simulation.report.figures import (
        cost_effectiveness_figure,
        metrics_figure,
        png_bytes,
        queue_figure,
        recovery_figure,
        survival_figure,
    )
    from simulation.report.html import render

    out = Path(out)
    drawn = [
        (
            "survival.png",
            "Lapse-free and relapse-free participants (Kaplan-Meier), mean and "
            "95% band across replicates",
            survival_figure(comparison),
        ),
        (
            "in_recovery.png",
            "Participants in recovery each day, mean and 95% band",
            recovery_figure(comparison),
        ),
        (
            "waiting_list.png",
            "Waiting list each day (people enrolled, not yet served), mean and 95% band",
            queue_figure(comparison),
        ),
        ("key_metrics.png", "Key metrics with 95% intervals", metrics_figure(comparison)),
        (
            "cost_effectiveness.png",
            "Cost-effectiveness plane: extra cost per participant "
            "against relapses averted per 100 participants",
            cost_effectiveness_figure(comparison),
        ),
        (
            "acceptability.png",
            "Cost-effectiveness acceptability curve: how often each design has the highest "
            "net monetary benefit, by willingness to pay per QALY",
            acceptability_figure(comparison),
        ),
    ]
    figures = []
    for name, caption, fig in drawn:
        if fig is None:
            (out / "figures" / name).unlink(missing_ok=True)  # a stale plane would mislead
            continue
        png = png_bytes(fig)
        write_atomic(out / "figures" / name, lambda tmp, png=png: tmp.write_bytes(png))
        figures.append((name, caption, png))
    html = render(comparison, figures, provenance(command or _command_line()))
    return write_text(out / "report.html", html)


def report(comparison: Any, path: str | Path) -> Path:
    """Write the planners' report of a comparison: `rs.report(result, "results/my_report")`.

    Args:
        comparison: what `compare_scenarios` returned (or its `.comparison`).
        path: a folder (report.html and figures/ go in it), or a file name ending in .html
            (the figures go in a figures/ folder beside it).

    Returns:
        The path of the HTML file.

    Raises:
        RecoverySimError: `comparison` is not a comparison.

    Example:
        >>> report(result, "results/opioid.html")                     # doctest: +SKIP
        PosixPath('results/opioid.html')
    """
    from simulation.errors import RecoverySimError

    inner = getattr(comparison, "comparison", comparison)
    if not isinstance(inner, Comparison):
        raise RecoverySimError(
            f"report(comparison=...): got {type(comparison).__name__}; pass what "
            "compare_scenarios() returned."
        )
    target = Path(path)
    folder = target.parent if target.suffix.lower() in (".html", ".htm") else target
    written = write_report(inner, folder, command="Python: simulation.report(...)")
    if folder != target and written != target:
        written = written.replace(target)
    return written


class _CallableModule(types.ModuleType):
    """`rs.report(comparison, path)`, the package made callable.

    Once imported, this package is the `report` attribute of `simulation`, so the package itself
    is made callable as the function.
    """

    def __call__(self, comparison: Any, path: str | Path) -> Path:
        return report(comparison, path)


# Whichever `rs.report` is (this package once imported, else the function), it reads the same:
# the function's docstring and signature.
_MODULE = sys.modules[__name__]
_MODULE.__class__ = _CallableModule
_PACKAGE_DOC, _MODULE.__doc__ = __doc__, report.__doc__
_MODULE.__signature__ = inspect.signature(report)


__all__ = ["design_sentence", "provenance", "report", "write_report"]
