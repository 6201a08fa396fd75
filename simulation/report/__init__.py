"""The planners' report: one self-contained HTML page and its figures as PNG files.

`write_report(comparison, out)` writes `out/figures/*.png` and then `out/report.html` (figures
embedded, so the HTML alone is enough), each under a temporary name and renamed when complete.
The page opens with one plain sentence per design and ends with what is needed to reproduce it:
the scenarios as run (after `extends:` and `--set`), the seeds, package versions and the date.
"""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from simulation.analysis.compare import Comparison
from simulation.report.figures import (
    cost_effectiveness_figure,
    metrics_figure,
    png_bytes,
    recovery_figure,
    survival_figure,
)
from simulation.report.html import render
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
        ("key_metrics.png", "Key metrics with 95% intervals", metrics_figure(comparison)),
        (
            "cost_effectiveness.png",
            "Cost-effectiveness plane: extra cost per participant "
            "against relapses averted per 100 participants",
            cost_effectiveness_figure(comparison),
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


__all__ = ["design_sentence", "provenance", "write_report"]
