"""The report's figures, drawn with matplotlib's object API (no pyplot: no global state, no GUI).

Each function takes a `Comparison` and returns a `matplotlib.figure.Figure`, or None when the
runs hold nothing to draw (e.g. no costs). Bands are pointwise 95% intervals of the mean across
replicates, the same kind of interval the tables give.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from simulation.analysis.compare import Comparison, run_metrics_with_derived
from simulation.analysis.metrics import survival_curve
from simulation.report.labels import label

#: Key metrics drawn in the metrics figure, as percentages of participants.
KEY_METRICS: dict[str, str] = {
    "lapse_free_90": "no lapse by day 90",
    "lapse_free_365": "no lapse by day 365",
    "relapse_rate_365": "relapsed by day 365",
    "relapsed_per_100": "relapsed by the last day",
    "in_recovery_end": "in recovery on the last day",
    "mentor_relapse_rate": "mentors who relapsed",
}
PER_100 = {"relapsed_per_100"}  # already per 100; the rest are fractions


def mean_band(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pointwise mean and 95% t-interval of the mean over the rows (replicates)."""
    mean = rows.mean(axis=0)
    if len(rows) < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.975, len(rows) - 1) * rows.std(axis=0, ddof=1) / np.sqrt(len(rows))
    return mean, mean - half, mean + half


#: The baseline in dark grey, then 14 colours that stay apart (matplotlib's tab20, strong shades
#: first, then the light ones of the most distinct hues; tab20's greys are left out as the
#: baseline's). Past 15 designs colours repeat, and the legend still tells them apart.
PALETTE = [
    "#444444",
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#f7b6d2",
]  # fmt: skip


def _colors(comparison: Comparison) -> dict[str, str]:
    names = [comparison.baseline] + [n for n in comparison.names if n != comparison.baseline]
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}


def _legend_outside(fig: Figure, ax, columns: int = 1, title: str | None = None) -> None:
    """The legend to the right of the plot, off the data, however many designs there are.

    Args:
        fig: the figure.
        ax: the axes whose lines the legend names.
        columns: legend columns.
        title: a note above the names (what the markers mean), kept off the plot's title so a
            long title never runs past the axes into the legend or off the figure.
    """
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside right upper",
        frameon=False,
        ncols=columns,
        title=title,
        alignment="left",  # the note reads from the left, as the names do
    )


def survival_figure(comparison: Comparison) -> Figure:
    """Kaplan-Meier lapse-free and relapse-free curves per scenario, with 95% bands."""
    days = comparison.document["days"]
    grid = np.arange(days + 1)
    colors = _colors(comparison)
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, event, title in zip(
        axes, ("lapse", "relapse"), ("No lapse yet", "No relapse yet"), strict=True
    ):
        for name, runs in comparison.results.items():
            curves = np.array(
                [
                    survival_curve(
                        getattr(r.outcomes, f"{event}_day"),
                        getattr(r.outcomes, f"{event}_observed"),
                        grid,
                    )
                    for r in runs
                ]
            )
            mean, low, high = mean_band(100 * curves)
            ax.plot(grid, mean, color=colors[name], label=label(name), lw=2)
            ax.fill_between(grid, low, high, color=colors[name], alpha=0.25, lw=0)
        ax.set_title(f"{title} (Kaplan-Meier)")
        ax.set_xlabel("days since the recovery attempt started")
        ax.set_xlim(0, days)
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("% of participants")
    _legend_outside(fig, axes[1])
    return fig


def recovery_figure(comparison: Comparison) -> Figure:
    """Participants in recovery each day (% of the cohort), with 95% bands."""
    colors = _colors(comparison)
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax = fig.subplots()
    for name, runs in comparison.results.items():
        size = max(1, len(runs[0].outcomes.lapse_day))
        rows = np.array([100 * r.daily["in_recovery"].to_numpy() / size for r in runs])
        day = runs[0].daily["day"].to_numpy()
        mean, low, high = mean_band(rows)
        ax.plot(day, mean, color=colors[name], label=label(name), lw=2)
        ax.fill_between(day, low, high, color=colors[name], alpha=0.25, lw=0)
    ax.set_title("People in recovery over time")
    ax.set_xlabel("day")
    ax.set_ylabel("% of participants in recovery")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    _legend_outside(fig, ax)
    return fig


def queue_figure(comparison: Comparison) -> Figure | None:
    """Waiting-list length each day (people enrolled, not yet served), with 95% bands.

    Args:
        comparison: the comparison.

    Returns:
        The figure, or None when the runs take no referrals over time (no `waiting_list` series).
    """
    if not all("waiting_list" in runs[0].daily for runs in comparison.results.values()):
        return None
    colors = _colors(comparison)
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax = fig.subplots()
    for name, runs in comparison.results.items():
        rows = np.array([r.daily["waiting_list"].to_numpy(dtype=float) for r in runs])
        mean, low, high = mean_band(rows)
        day = runs[0].daily["day"].to_numpy()
        ax.plot(day, mean, color=colors[name], label=label(name), lw=2)
        ax.fill_between(day, low, high, color=colors[name], alpha=0.25, lw=0)
    ax.set_title("Waiting list over time")
    ax.set_xlabel("day")
    ax.set_ylabel("people waiting (enrolled, not yet served)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    _legend_outside(fig, ax)
    return fig


def metrics_figure(comparison: Comparison) -> Figure:
    """Key metrics per scenario (percent of participants) with 95% intervals."""
    colors = _colors(comparison)
    scenarios = comparison.document["scenarios"]
    shown = [
        m
        for m in KEY_METRICS
        if any((scenarios[n].get(m) or {}).get("mean") is not None for n in scenarios)
    ]
    if "relapse_rate_365" in shown:  # the same number as relapsed_per_100 in a 365-day run
        shown = [m for m in shown if m != "relapsed_per_100"]
    fig = Figure(figsize=(10, 0.9 + 0.75 * len(shown)), layout="constrained")
    ax = fig.subplots()
    names = list(colors)
    step = 0.7 / max(1, len(names))
    for row, metric in enumerate(shown):
        scale = 1.0 if metric in PER_100 else 100.0
        for k, name in enumerate(names):
            stat = scenarios[name].get(metric) or {}
            if stat.get("mean") is None:
                continue
            y = row + (k - (len(names) - 1) / 2) * step
            low, high = stat["ci95"] or (stat["mean"], stat["mean"])
            ax.errorbar(
                scale * stat["mean"],
                y,
                xerr=[[scale * (stat["mean"] - low)], [scale * (high - stat["mean"])]],
                fmt="o",
                color=colors[name],
                capsize=3,
                label=label(name) if row == 0 else None,
            )
    ax.set_yticks(range(len(shown)), [KEY_METRICS[m] for m in shown])
    ax.invert_yaxis()
    ax.set_xlabel("% of participants (mentors for the last row), mean and 95% interval")
    ax.set_title("Key metrics")
    ax.grid(axis="x", alpha=0.3)
    _legend_outside(fig, ax)
    return fig


def cost_effectiveness_figure(comparison: Comparison) -> Figure | None:
    """Cost-effectiveness plane: extra cost per participant vs relapses averted per 100.

    Returns None when the runs carry no `cost_total`: a plane with invented costs would mislead.
    """
    effects = comparison.document["cost_effectiveness"]
    if not effects or not all(e["costed"] for e in effects.values()):
        return None
    colors = _colors(comparison)
    base = [run_metrics_with_derived(r) for r in comparison.results[comparison.baseline]]
    base_size = comparison.document["population"][comparison.baseline]
    fig = Figure(figsize=(7.5, 5.5), layout="constrained")
    ax = fig.subplots()
    for name in effects:
        runs = [run_metrics_with_derived(r) for r in comparison.results[name]]
        size = comparison.document["population"][name]
        averted = [
            b["relapsed_per_100"] - r["relapsed_per_100"] for r, b in zip(runs, base, strict=True)
        ]
        cost = [
            r["cost_total"] / size - b["cost_total"] / base_size
            for r, b in zip(runs, base, strict=True)
        ]
        ax.scatter(averted, cost, color=colors[name], alpha=0.35, s=18)
        d = comparison.document["differences"][name]["relapses_averted_per_100"]
        c = effects[name]["incremental_cost_per_participant"]
        xerr = _err(d)
        yerr = _err(c)
        ax.errorbar(
            d["mean"],
            c["mean"],
            xerr=xerr,
            yerr=yerr,
            fmt="s",
            color=colors[name],
            capsize=4,
            label=label(name),
        )
    _legend_outside(fig, ax, title="squares: mean, 95% interval\ndots: one replicate each")
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"relapses averted per 100 participants vs {label(comparison.baseline)}")
    ax.set_ylabel("extra cost per participant (US$)")
    ax.set_title("Cost-effectiveness plane")
    ax.grid(alpha=0.3)
    return fig


def _err(stat: dict) -> list[list[float]] | None:
    if not stat.get("ci95"):
        return None
    low, high = stat["ci95"]
    return [[stat["mean"] - low], [high - stat["mean"]]]


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes (Agg, 120 dpi)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    return buffer.getvalue()


#: What `.plot(kind)` draws for a comparison.
COMPARISON_FIGURES = (
    "survival",
    "in_recovery",
    "key_metrics",
    "cost_effectiveness",
    "acceptability",
)


def comparison_figure(comparison: Comparison, kind: str = "survival") -> Figure:
    """One of the report's figures of a comparison, by name (what `ComparisonSummary.plot` draws).

    Args:
        comparison: the comparison.
        kind: one of COMPARISON_FIGURES.

    Returns:
        The figure.

    Raises:
        RecoverySimError: an unknown kind, or a cost-effectiveness plane for runs without costs.
    """
    from simulation.errors import RecoverySimError
    from simulation.report.decision_figures import acceptability_figure

    draw = dict(
        zip(
            COMPARISON_FIGURES,
            (
                survival_figure,
                recovery_figure,
                metrics_figure,
                cost_effectiveness_figure,
                acceptability_figure,
            ),
            strict=True,
        )
    )
    if kind not in draw:
        raise RecoverySimError(
            f"plot(kind={kind!r}): not a figure of a comparison; choose one of "
            f"{', '.join(COMPARISON_FIGURES)}."
        )
    fig = draw[kind](comparison)
    if fig is None:
        raise RecoverySimError(
            f"plot(kind={kind!r}): these runs carry no costs, and the figure is not drawn "
            "with invented ones."
        )
    return fig


def run_figure(name: str, results: list) -> Figure:
    """One scenario's runs: no lapse yet (Kaplan-Meier) and people in recovery each day.

    With 95% bands across replicates (what `RunSummary.plot` draws).

    Args:
        name: the scenario's name.
        results: its replicate `RunResult`s.

    Returns:
        The figure.
    """
    days = int(results[0].daily["day"].max())
    grid = np.arange(days + 1)
    fig = Figure(figsize=(10, 4), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    curves = np.array(
        [survival_curve(r.outcomes.lapse_day, r.outcomes.lapse_observed, grid) for r in results]
    )
    size = max(1, len(results[0].outcomes.lapse_day))
    recovering = np.array([100 * r.daily["in_recovery"].to_numpy() / size for r in results])
    day = results[0].daily["day"].to_numpy()
    for ax, x, rows, title in (
        (left, grid, 100 * curves, "No lapse yet (Kaplan-Meier)"),
        (right, day, recovering, "In recovery each day"),
    ):
        mean, low, high = mean_band(rows)
        ax.plot(x, mean, color=PALETTE[1], lw=2)
        ax.fill_between(x, low, high, color=PALETTE[1], alpha=0.25, lw=0)
        ax.set_title(title)
        ax.set_xlabel("day")
        ax.set_xlim(0, days)
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
    left.set_ylabel("% of participants")
    fig.suptitle(f"{label(name)}: mean and 95% band of {len(results)} replicate(s)")
    return fig
