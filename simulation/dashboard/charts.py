"""Live charts of a run, and of two designs side by side with their difference.

The daily series come from the model's Mesa DataCollector; the lapse-free curve is the
Kaplan-Meier estimate over the days run so far (`simulation.metrics`). Series added to the
model later (engagement, mentor burnout, ...) get a panel when they are present.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import solara
from matplotlib.figure import Figure

from simulation.metrics import cohort_outcomes, survival_curve
from simulation.population import PopulationState

#: Optional series, drawn when the model records them: name -> panel title.
OPTIONAL_SERIES: dict[str, str] = {
    "engagement_mean": "Engagement (mean, 0-1)",
    "mentor_burnout_mean": "Mentor burnout (mean, 0-1)",
    "recovery_tie_share": "Share of ties between two people in recovery",
}
#: Line colours for design A and design B.
DESIGN_COLOURS = ("#1f5fa8", "#d1495b")


@dataclass
class RunView:
    """What the charts need from one run, copied out of the model under the session's lock."""

    label: str
    day: int
    series: dict[str, np.ndarray]
    lapse_free_days: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lapse_free: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def days(self) -> np.ndarray:
        """The day of each recorded value."""
        return self.series.get("day", np.zeros(0))


def lapse_free_so_far(people: PopulationState, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier share of the cohort with no lapse, day 0 to `day` (censored today)."""
    days = np.arange(day + 1)
    if day == 0:
        return days, np.ones(1)
    outcomes = cohort_outcomes(people, day)
    return days, survival_curve(outcomes.lapse_day, outcomes.lapse_observed, days)


def run_view(label: str, model) -> RunView:
    """A RunView of a RecoveryCommunityModel (call it holding the session's lock)."""
    series = {
        name: np.asarray(values, dtype=float)
        for name, values in model.datacollector.model_vars.items()
    }
    km_days, km = lapse_free_so_far(model.people, model.day)
    return RunView(label, model.day, series, km_days, km)


def panels(runs: list[RunView]) -> list[tuple[str, list[str]]]:
    """The panels to draw: (title, series names), present series only."""
    present = set().union(*(run.series for run in runs)) if runs else set()
    chosen = [
        ("People in recovery", ["in_recovery"]),
        ("Lapses and relapses per day", ["lapses", "relapses"]),
    ]
    chosen += [(title, [name]) for name, title in OPTIONAL_SERIES.items() if name in present]
    chosen.append(("Lapse-free so far (Kaplan-Meier)", ["lapse_free_km"]))
    return chosen


def _values(run: RunView, name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "lapse_free_km":
        return run.lapse_free_days, run.lapse_free
    return run.days, run.series.get(name, np.zeros(0))


def _difference(a: RunView, b: RunView, name: str) -> tuple[np.ndarray, np.ndarray]:
    (xa, ya), (xb, yb) = _values(a, name), _values(b, name)
    n = min(len(xa), len(xb))
    return xa[:n], yb[:n] - ya[:n]


def charts_figure(runs: list[RunView]) -> Figure:
    """One figure: a panel per series; with two runs, both on the same axes plus B - A.

    The horizontal axis of every panel is the day of the program.
    """
    titles = panels(runs)
    compare = len(runs) == 2
    if compare:
        titles += [
            ("Difference B - A: people in recovery", ["diff:in_recovery"]),
            ("Difference B - A: lapse-free share", ["diff:lapse_free_km"]),
        ]
    cols = 2
    rows = (len(titles) + cols - 1) // cols
    height = 2.05 * rows
    fig = Figure(figsize=(7.4, height), dpi=80)
    # A fixed layout: constrained layout would double the time a redraw takes.
    fig.subplots_adjust(
        left=0.07,
        right=0.98,
        bottom=0.3 / height,
        top=1 - 0.3 / height,
        wspace=0.18,
        hspace=0.75 / 2.05 * 1.0,
    )
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    styles = ("-", ":")
    for ax, (title, names) in zip(axes, titles, strict=False):
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        for name in names:
            if name.startswith("diff:"):
                x, y = _difference(runs[0], runs[1], name.removeprefix("diff:"))
                ax.axhline(0, color="#888", linewidth=0.8)
                ax.plot(x, y, color="#333", linewidth=1.3, label="B - A")
                continue
            for i, run in enumerate(runs):
                x, y = _values(run, name)
                what = name.replace("_", " ") if len(names) > 1 else ""
                label = " ".join(p for p in (run.label if compare else "", what) if p)
                series_index = names.index(name)
                colour = DESIGN_COLOURS[i] if compare else f"C{series_index}"
                ax.plot(
                    x, y, styles[series_index % 2], color=colour, linewidth=1.2, label=label or None
                )
        if len(names) > 1 or compare:
            ax.legend(fontsize=7, loc="upper right")  # "best" costs a search
    for ax in axes[len(titles) :]:
        ax.set_visible(False)
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (what the page shows)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


@solara.component
def ChartsView(session, version: solara.Reactive[int]):  # noqa: N802 - Solara components are CamelCase
    """The live charts of the running design(s); redrawn when `version` moves."""
    tick = version.value

    def draw() -> bytes:
        return png(charts_figure(session.run_views()))

    image = solara.use_memo(draw, [tick, id(session.designs[0])])
    with solara.Card("Daily series", classes=["rs-charts"]):
        solara.Image(image, format="png", width="100%")
        text = "Horizontal axes: day of the program."
        if len(session.designs) == 2:
            text += (
                " Design B runs with A's seed, population size and days (common random"
                " numbers), so the difference is the design's effect in this run."
            )
        solara.Text(text, style={"font-size": "0.8em"})
