"""PNG figures of an experiment's analysis (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from simulation.running.result_files import write_atomic


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return path


def main_effects_figure(effects: pd.DataFrame, metric: str, path: Path) -> Path:
    """One panel per factor: the metric's mean and 95% interval across its levels or bins."""
    table = effects[effects["metric"] == metric]
    factors = list(dict.fromkeys(table["factor"]))
    cols = min(3, len(factors))
    rows = math.ceil(len(factors) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, factor in zip(axes.flat, factors, strict=False):
        part = table[table["factor"] == factor]
        numeric = pd.to_numeric(part["level"], errors="coerce")
        categorical = bool(numeric.isna().any())
        for scenario, line in part.groupby("scenario", sort=False):
            line = line.sort_values("position")
            x = line["position"] if categorical else numeric[line.index]
            low = (line["mean"] - line["ci_low"]).fillna(0)
            high = (line["ci_high"] - line["mean"]).fillna(0)
            ax.errorbar(x, line["mean"], yerr=[low, high], marker="o", capsize=3, label=scenario)
            if categorical:
                ax.set_xticks(line["position"], line["level"], rotation=20)
        ax.margins(x=0.15)
        ax.set_title(factor, fontsize=9)
        ax.set_ylabel(metric, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(factors) :]:
        ax.set_visible(False)
    if table["scenario"].nunique() > 1:
        axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Main effects on {metric} (mean and 95% interval)", fontsize=10)
    return _save(fig, path)


def sensitivity_figure(indices: pd.DataFrame, scenario: str, metric: str, path: Path) -> Path:
    """Horizontal bars: Sobol S1 and ST, or Morris mu* and sigma, with their 95% intervals."""
    table = indices[(indices["scenario"] == scenario) & (indices["metric"] == metric)]
    method = table["method"].iloc[0]
    shown = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
    factors = list(dict.fromkeys(table["factor"]))
    order = (
        table[table["index"] == shown[-1]].set_index("factor")["value"].reindex(factors).fillna(0)
    )
    factors = list(order.sort_values().index)
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(factors) + 1.5))
    height = 0.38
    for i, index in enumerate(shown):
        part = table[table["index"] == index].set_index("factor").reindex(factors)
        y = [j + (i - 0.5) * height for j in range(len(factors))]
        ax.barh(y, part["value"], height, xerr=part["conf"].fillna(0), capsize=2, label=index)
    ax.set_yticks(range(len(factors)), factors, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.legend(fontsize=8)
    ax.set_title(f"{method.capitalize()} sensitivity of {metric}\n{scenario}", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)
