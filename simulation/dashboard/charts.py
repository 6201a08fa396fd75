"""Live charts of a run, and of two designs side by side with their difference.

The daily series come from the model's Mesa DataCollector; the lapse-free curve is the
Kaplan-Meier estimate over the days run so far (`simulation.analysis.metrics`). Series added to the
model later (engagement, mentor burnout, ...) get a panel when they are present.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from simulation.analysis.metrics import cohort_outcomes, survival_curve
from simulation.dashboard.chart_ranges import AxisRange, grown, natural_range
from simulation.model.population import PARTICIPANT, PopulationState

#: Optional series, drawn when the model records them: name -> panel title.
OPTIONAL_SERIES: dict[str, str] = {
    "engagement_mean": "Engagement (mean, 0-1)",
    "mentor_burnout_mean": "Mentor burnout (mean, 0-1)",
    "recovery_tie_share": "Share of ties between two people in recovery",
    # Runs with intake (issue 15): people enrolled and not yet served, day by day.
    "waiting_list": "Waiting list (enrolled, not yet served)",
}
#: Line colours for design A and design B.
DESIGN_COLOURS = ("#1f5fa8", "#d1495b")
#: Dots per inch of the chart bitmaps; the page shows them at about their own size.
DPI = 80
#: Font sizes in points: panel titles, tick labels and legends (12 pt at 80 dpi = 13 px).
TITLE_PT, TICK_PT, LEGEND_PT = 12.0, 11.0, 11.0
#: The smallest text in the charts, in pixels of the bitmap (a browser test checks what the
#: page shows is at least 11 px).
SMALLEST_FONT_PX = min(TITLE_PT, TICK_PT, LEGEND_PT) * DPI / 72
#: Panels per row, and each panel's size in inches (title and tick labels included).
COLUMNS, PANEL_WIDTH, PANEL_HEIGHT = 3, 4.3, 2.6
#: The comparison's words: design A is the baseline, every difference is B minus A.
DIFFERENCE_TITLE = "B minus A (baseline)"
#: Lapses and relapses share a panel; the line style tells them apart (no legend over the data).
LAPSES_TITLE = "Lapses (solid), relapses (dotted) per day"
#: Room at the top of the figure for the designs' legend when two run, in inches.
LEGEND_ROOM = 0.4


@dataclass
class RunView:
    """What the charts need from one run, copied out of the model under the session's lock."""

    label: str
    day: int
    series: dict[str, np.ndarray]
    horizon: int = 0  # the scenario's last day (the day axis' end)
    participants: int = 1  # the cohort's size (the top of a count of participants)
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
    participants = int(np.count_nonzero(model.people.kind == PARTICIPANT))
    return RunView(label, model.day, series, int(model.scenario.days), participants, km_days, km)


def panels(runs: list[RunView]) -> list[tuple[str, list[str]]]:
    """The panels to draw: (title, series names), present series only."""
    present = set().union(*(run.series for run in runs)) if runs else set()
    chosen = [
        ("People in recovery", ["in_recovery"]),
        (LAPSES_TITLE, ["lapses", "relapses"]),
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


def nice_horizon(day: int) -> int:
    """The x-axis end: grows in steps (30, 60, 120, 180, 365, then whole years)."""
    for horizon in (30, 60, 120, 180, 365):
        if day <= horizon:
            return horizon
    return 365 * -(-day // 365)


def _panel_lines(runs: list[RunView]) -> list[tuple[str, str, list[tuple[str, str, str, tuple]]]]:
    """Every panel's lines: (title, series for its range, [(label, colour, style, (x, y))])."""
    compare = len(runs) == 2
    titles = panels(runs)
    if compare:
        titles += [
            (f"{DIFFERENCE_TITLE}: people in recovery", ["diff:in_recovery"]),
            (f"{DIFFERENCE_TITLE}: lapse-free share", ["diff:lapse_free_km"]),
        ]
    styles = ("-", ":")
    drawn = []
    for title, names in titles:
        lines = []
        for index, name in enumerate(names):
            if name.startswith("diff:"):
                lines.append(
                    ("B minus A", "#333333", "-", _difference(*runs, name.removeprefix("diff:")))
                )
                continue
            for i, run in enumerate(runs):
                what = name.replace("_", " ") if len(names) > 1 else ""
                label = " ".join(p for p in (run.label if compare else "", what) if p)
                lines.append((label, DESIGN_COLOURS[i], styles[index % 2], _values(run, name)))
        drawn.append((title, names[0], lines))
    return drawn


def charts_figure(runs: list[RunView]) -> Figure:
    """One figure: a panel per series; with two runs, both on the same axes plus B minus A.

    The horizontal axis of every panel is the day of the program, 0 to the scenario's last day.
    """
    return LiveCharts().figure_for(runs)


class LiveCharts:
    """Draws the charts of one run, redrawing only what changed since the last step.

    Axes, ticks, titles and legends are drawn once and kept as a bitmap (Matplotlib blitting);
    a step draws only the lines over it. The axes are each series' natural range from day 0
    (`chart_ranges`); an open-ended one that its data outgrows gets a wider range and that
    panel alone is redrawn, in its own part of the bitmap. A new figure is made only when the
    panels themselves change (a design added or removed, a new series). One LiveCharts draws
    one run: the page makes a new one when the run restarts (Reset, a new design or seed).
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._fig: Figure | None = None
        self._axes: list = []
        self._lines: list = []
        self._background = None
        self._limits: list[tuple[int, AxisRange]] = []
        self._extents: list = []  # each panel's drawn area (title and tick labels included)
        #: How often the figure was made, fully redrawn, or had single panels redrawn.
        self.counts = {"built": 0, "full": 0, "panel": 0}

    @property
    def limits(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """Each panel's (x limits, y limits) as drawn now."""
        return [(ax.get_xlim(), ax.get_ylim()) for ax in self._axes]

    def _build(self, drawn, designs: list[str]) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.lines import Line2D

        cols = COLUMNS
        rows = (len(drawn) + cols - 1) // cols
        room = LEGEND_ROOM if len(designs) > 1 else 0.0
        height = PANEL_HEIGHT * rows + room
        fig = Figure(figsize=(PANEL_WIDTH * cols, height), dpi=DPI)
        FigureCanvasAgg(fig)
        # A fixed layout: constrained layout would double the time a full draw takes.
        fig.subplots_adjust(
            left=0.06,
            right=0.99,
            bottom=0.35 / height,
            top=1 - (0.4 + room) / height,
            wspace=0.24,
            hspace=0.95 / PANEL_HEIGHT,
        )
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        self._lines = []
        for ax, (title, _, lines) in zip(axes, drawn, strict=False):
            ax.set_title(title, fontsize=TITLE_PT)
            ax.tick_params(labelsize=TICK_PT)
            ax.grid(alpha=0.3)
            for label, colour, style, _ in lines:
                (artist,) = ax.plot(
                    [], [], style, color=colour, linewidth=1.5, label=label or None, animated=True
                )
                self._lines.append(artist)
            if title.startswith(DIFFERENCE_TITLE):
                ax.axhline(0, color="#888", linewidth=0.8)
        for ax in axes[len(drawn) :]:
            ax.set_visible(False)
        if len(designs) > 1:  # one legend for all panels, above them: none over the data
            handles = [
                Line2D([], [], color=colour, linewidth=2, label=label)
                for label, colour in zip(designs, DESIGN_COLOURS, strict=False)
            ]
            fig.legend(
                handles=handles,
                loc="upper center",
                ncols=len(handles),
                fontsize=LEGEND_PT,
                frameon=False,
                bbox_to_anchor=(0.5, 1.0),
            )
        self._fig, self._axes = fig, list(axes[: len(drawn)])
        self.counts["built"] += 1

    def _set_limits(self, index: int) -> None:
        horizon, y = self._limits[index]
        self._axes[index].set_xlim(0, horizon)
        self._axes[index].set_ylim(y.low, y.high)

    def _draw_all(self) -> None:
        for index in range(len(self._axes)):
            self._set_limits(index)
        fig = self._fig
        fig.canvas.draw()
        self._extents = [None] * len(self._axes)  # measured when a panel is redrawn alone
        self._background = fig.canvas.copy_from_bbox(fig.bbox)
        self.counts["full"] += 1

    def _draw_panels(self, changed: list[int]) -> None:
        """Redraw the frames of some panels only: blank their area and draw those axes again."""
        fig = self._fig
        fig.canvas.restore_region(self._background)
        renderer = fig.canvas.get_renderer()
        pixels = np.asarray(fig.canvas.buffer_rgba())
        height, width = pixels.shape[:2]
        for index in changed:
            ax = self._axes[index]
            before = self._extents[index] or ax.get_tightbbox(renderer)
            self._set_limits(index)
            extent = ax.get_tightbbox(renderer)
            box = Bbox.union([before, extent]).padded(2)
            x0, x1 = max(int(box.x0), 0), min(int(np.ceil(box.x1)), width)
            y0, y1 = max(int(height - np.ceil(box.y1)), 0), min(int(height - box.y0), height)
            pixels[y0:y1, x0:x1] = 255  # the figure's white
            fig.draw_artist(ax)  # everything but the (animated) lines
            self._extents[index] = extent
        self._background = fig.canvas.copy_from_bbox(fig.bbox)
        self.counts["panel"] += len(changed)

    def figure_for(self, runs: list[RunView]) -> Figure:
        """The figure with today's lines drawn (for tests and full-quality export)."""
        self.render(runs)
        for artist in self._lines:
            artist.set_animated(False)
        fig, self._key = self._fig, None
        return fig

    def render(self, runs: list[RunView]) -> bytes:
        """PNG bytes of the charts for these runs."""
        drawn = _panel_lines(runs)
        horizon = max((max(run.horizon, run.day) for run in runs), default=1) or 1
        participants = max((run.participants for run in runs), default=1)
        structure = tuple((t, tuple(line[:3] for line in lines)) for t, _, lines in drawn)
        values = [[xy[1] for *_, xy in lines] for _, _, lines in drawn]
        if structure != self._key:
            baseline = " (baseline)" if len(runs) > 1 else ""
            self._build(
                drawn, [run.label + (baseline if i == 0 else "") for i, run in enumerate(runs)]
            )
            self._key = structure
            self._limits = [
                (horizon, grown(natural_range(name, participants), data))
                for (_, name, _), data in zip(drawn, values, strict=True)
            ]
            self._draw_all()
        else:
            needed = [
                (horizon, grown(y, data)) for (_, y), data in zip(self._limits, values, strict=True)
            ]
            changed = [i for i, n in enumerate(needed) if n != self._limits[i]]
            self._limits = needed
            if len(changed) > len(needed) // 2:
                self._draw_all()
            elif changed:
                self._draw_panels(changed)
        fig = self._fig
        fig.canvas.restore_region(self._background)
        artists = iter(self._lines)
        for _, _, lines in drawn:
            for *_, (x, y) in lines:
                artist = next(artists)
                artist.set_data(x, y)
                artist.axes.draw_artist(artist)
        return rgba_png(np.asarray(fig.canvas.buffer_rgba()))


def rgba_png(pixels: np.ndarray) -> bytes:
    """Fast PNG encoding of an RGBA bitmap (light compression: the page is local)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (what the page shows), drawn with Agg, lightly compressed."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return rgba_png(np.asarray(canvas.buffer_rgba()))


@solara.component
def ChartsView(session, version: solara.Reactive[int]):  # noqa: N802 - Solara components are CamelCase
    """The live charts of the running design(s); redrawn when `version` moves.

    A new run (Reset, another design or seed) gets new charts, so no axis of the old run stays.
    """
    tick = version.value
    run = session.generation
    live = solara.use_memo(LiveCharts, [run])

    def draw() -> bytes:
        return live.render(session.run_views())

    image = solara.use_memo(draw, [tick, run])
    with solara.Card("Daily series", classes=["rs-charts"]):
        solara.Image(image, format="png", width="100%")
        text = "Horizontal axes: day of the program, to the scenario's last day."
        if len(session.designs) == 2:
            text += (
                " Design A is the baseline. Design B runs with A's seed, population size and"
                " days (common random numbers), so design B minus design A (baseline) is what"
                " B changes relative to A in this run."
            )
        solara.Text(text, style={"font-size": "0.9em"}, classes=["rs-charts-note"])
