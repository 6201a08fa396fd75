"""PNG figures of a design search and of scenario discovery.

The cost-effect frontier of a search and the PRIM peeling trajectory of a discovery.
Matplotlib, Agg backend: no display needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from simulation.design import AVERTED, COST
from simulation.running.result_files import write_atomic

#: The frontier figure shows costs up to this many budgets (the rest are counted in a note).
X_RANGE_BUDGETS = 3
#: What the frontier's error bars (`ci95`) are, by the search's uncertainty.
INTERVAL_LABELS = {
    "parameters+stochastic": "spread over posterior draws",
    "stochastic": "95% t-interval, fitted parameters",
}


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return path


def _errors(rows: list[dict[str, Any]]) -> list[list[float]]:
    low, high = [], []
    for row in rows:
        stat = row[AVERTED]
        interval = stat.get("ci95") or [stat["mean"], stat["mean"]]
        low.append(stat["mean"] - interval[0])
        high.append(interval[1] - stat["mean"])
    return [low, high]


def frontier_figure(document: dict[str, Any], path: Path) -> Path:
    """Every design's cost and relapses averted, the frontier within budget, and the best.

    Args:
        document: a design search's document (`DesignSearch.document`).
        path: the PNG to write.

    Returns:
        `path`.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    designs, front = document["all_designs"], document["pareto"]
    over = [d for d in designs if not d["within_budget"]]
    under = [d for d in designs if d["within_budget"]]
    for rows, colour, label in ((under, "#7f9fbf", "within budget"), (over, "#c8c8c8", "over")):
        if rows:
            ax.scatter(
                [r[COST] for r in rows],
                [r[AVERTED]["mean"] for r in rows],
                s=22,
                color=colour,
                label=f"designs tried ({label})",
            )
    if front:
        ax.errorbar(
            [r[COST] for r in front],
            [r[AVERTED]["mean"] for r in front],
            yerr=_errors(front),
            color="#1f4e79",
            marker="o",
            drawstyle="steps-post",
            capsize=3,
            label="frontier: most averted for the cost ("
            + INTERVAL_LABELS.get(document.get("uncertainty", ""), "95% interval")
            + ")",
        )
    chosen = document["best"]
    if chosen is not None:
        ax.scatter(
            [chosen[COST]],
            [chosen[AVERTED]["mean"]],
            s=160,
            marker="*",
            color="#d62728",
            zorder=5,
            label="best within budget",
        )
    budget = document["budget_per_participant"]
    ax.axvline(budget, color="#d62728", linestyle="--", linewidth=1)
    ax.annotate(
        f"budget ${budget:,.0f}",
        (budget, 0),
        xycoords=("data", "axes fraction"),
        xytext=(4, 4),
        textcoords="offset points",
        color="#d62728",
        fontsize=8,
    )
    ax.axhline(0, color="black", linewidth=0.6)
    right = X_RANGE_BUDGETS * budget
    beyond = sum(d[COST] > right for d in designs)
    if beyond:  # residential designs can cost ten times the budget; keep the frontier readable
        ax.set_xlim(0, right)
        ax.annotate(
            f"{beyond} costlier design(s) off the right edge",
            (1, 0),
            xycoords="axes fraction",
            xytext=(-4, 4),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color="#777777",
        )
    ax.set_xlabel("program cost per participant (US dollars)")
    ax.set_ylabel("relapses averted per 100 participants")
    ax.set_title(
        f"{document['scenario']}: {document['trials']} designs, {document['replicates']} "
        f"replicates of {document['population']} participants, {document['days']} days"
    )
    ax.legend(fontsize=8, loc="upper left")
    return _save(fig, path)


def peeling_figure(trajectories: list[pd.DataFrame], chosen: list[int], path: Path) -> Path:
    """Coverage against density along each box's peeling trajectory, the chosen step marked.

    Args:
        trajectories: one PRIM peeling trajectory per box (`coverage`, `density`, `res dim`).
        chosen: the step chosen on each trajectory.
        path: the PNG to write.

    Returns:
        `path`.
    """
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    most = max([1.0, *(float(t["res dim"].max()) for t in trajectories)])
    for number, (trajectory, step) in enumerate(zip(trajectories, chosen, strict=True), 1):
        points = ax.scatter(
            trajectory["coverage"],
            trajectory["density"],
            c=trajectory["res dim"].astype(float),
            cmap="viridis",
            vmin=0,
            vmax=most,
            s=18,
            label=f"box {number}: peeling steps",
        )
        ax.plot(trajectory["coverage"], trajectory["density"], color="#999999", linewidth=0.7)
        row = trajectory.iloc[step]
        ax.scatter(
            [row["coverage"]],
            [row["density"]],
            s=150,
            facecolors="none",
            edgecolors="#d62728",
            linewidths=2,
        )
        ax.annotate(
            f"box {number}",
            (row["coverage"], row["density"]),
            xytext=(6, 6),
            textcoords="offset points",
            color="#d62728",
        )
    if trajectories:
        fig.colorbar(points, ax=ax, label="restricted factors")
    ax.set_xlabel("coverage (share of the cases of interest inside the box)")
    ax.set_ylabel("density (share of the box that are cases of interest)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title("PRIM peeling trajectory (circled: the box reported)")
    return _save(fig, path)
