"""The report's figure of decisions: the cost-effectiveness acceptability curve."""

from __future__ import annotations

from matplotlib.figure import Figure

from simulation.analysis.compare import Comparison
from simulation.report.labels import label


def acceptability_figure(comparison: Comparison) -> Figure | None:
    """The share of replicates in which each design has the highest net monetary benefit.

    Args:
        comparison: the comparison (its document's `acceptability_curve`).

    Returns:
        The figure, or None when the runs carry no health-economic accounts.
    """
    curve = comparison.document.get("acceptability_curve") or {}
    if not curve:
        return None
    from simulation.report.figures import _colors, _legend_outside

    colors = _colors(comparison)
    wtp = [w / 1000.0 for w in curve["wtp_per_qaly"]]
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.subplots()
    for name, shares in curve["probability_cost_effective"].items():
        ax.plot(wtp, [100.0 * s for s in shares], color=colors[name], lw=2, label=label(name))
    at = curve["at_wtp"]["wtp_per_qaly"] / 1000.0
    ax.axvline(at, color="grey", lw=0.8, ls="--")
    ax.set_ylim(-2, 102)
    ax.set_xlabel("willingness to pay per QALY (thousand US$)")
    ax.set_ylabel("% of replicates with the highest net benefit")
    worlds = (
        "across plausible worlds\n(posterior draws)"
        if comparison.document.get("uncertainty") == "parameters+stochastic"
        else "across replicates\n(run-to-run only)"
    )
    ax.set_title("Cost-effectiveness acceptability curve")
    ax.grid(alpha=0.3)
    _legend_outside(fig, ax, title=worlds)
    return fig
