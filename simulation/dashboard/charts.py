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
from simulation.model.population import PopulationState

#: Optional series, drawn when the model records them: name -> panel title.
OPTIONAL_SERIES: dict[str, str] = {
    "engagement_mean": "Engagement (mean, 0-1)",
    "mentor_burnout_mean": "Mentor burnout (mean, 0-1)",
    "recovery_tie_share": "Share of ties between two people in recovery",
}
#: Panels whose vertical range is fixed (a share that starts at 1 and only falls).
FIXED_RANGES: dict[str, tuple[float, float]] = {
    "Lapse-free so far (Kaplan-Meier)": (0.0, 1.05),
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


def nice_horizon(day: int) -> int:
    """The x-axis end: grows in steps (30, 60, 120, 180, 365, then whole years)."""
    for horizon in (30, 60, 120, 180, 365):
        if day <= horizon:
            return horizon
    return 365 * -(-day // 365)


def _nice_range(values: list[np.ndarray]) -> tuple[float, float]:
    """Y limits rounded out to a coarse step, so they change only now and then."""
    data = [v[np.isfinite(v)] for v in values if len(v)]
    data = [v for v in data if len(v)]
    if not data:
        return 0.0, 1.0
    low = min(float(v.min()) for v in data)
    high = max(float(v.max()) for v in data)
    span = max(high - low, abs(high) * 0.1, 1e-3)
    step = 10 ** np.floor(np.log10(span)) / 2
    return float(np.floor(low / step) * step), float(np.ceil(high / step) * step + step / 2)


def _panel_lines(runs: list[RunView]) -> list[tuple[str, list[tuple[str, str, str, tuple]]]]:
    """Every panel's lines: (title, [(label, colour, style, (x, y))])."""
    compare = len(runs) == 2
    titles = panels(runs)
    if compare:
        titles += [
            ("Difference B - A: people in recovery", ["diff:in_recovery"]),
            ("Difference B - A: lapse-free share", ["diff:lapse_free_km"]),
        ]
    styles = ("-", ":")
    drawn = []
    for title, names in titles:
        lines = []
        for index, name in enumerate(names):
            if name.startswith("diff:"):
                lines.append(
                    ("B - A", "#333333", "-", _difference(*runs, name.removeprefix("diff:")))
                )
                continue
            for i, run in enumerate(runs):
                what = name.replace("_", " ") if len(names) > 1 else ""
                label = " ".join(p for p in (run.label if compare else "", what) if p)
                colour = DESIGN_COLOURS[i] if compare else f"C{index}"
                lines.append((label, colour, styles[index % 2], _values(run, name)))
        drawn.append((title, lines))
    return drawn


def charts_figure(runs: list[RunView]) -> Figure:
    """One figure: a panel per series; with two runs, both on the same axes plus B - A.

    The horizontal axis of every panel is the day of the program.
    """
    return LiveCharts().figure_for(runs)


class LiveCharts:
    """Draws the charts of one page, redrawing only what changed since the last step.

    Axes, ticks, titles and legends are drawn once and kept as a bitmap (Matplotlib blitting);
    a step draws only the lines over it. Limits grow in coarse steps with room to spare, so a
    panel's frame is redrawn only now and then — and then that panel alone, in its own corner
    of the bitmap (all of them when the day axis grows). A new figure is made only when the
    panels themselves change (a design added or removed, a new series).
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._fig: Figure | None = None
        self._axes: list = []
        self._lines: list = []
        self._background = None
        self._limits: list = []
        self._extents: list = []  # each panel's drawn area (title and tick labels included)
        #: How often the figure was made, fully redrawn, or had single panels redrawn.
        self.counts = {"built": 0, "full": 0, "panel": 0}

    def _build(self, drawn) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        cols = 2
        rows = (len(drawn) + cols - 1) // cols
        height = 2.05 * rows
        fig = Figure(figsize=(7.4, height), dpi=80)
        FigureCanvasAgg(fig)
        # A fixed layout: constrained layout would double the time a full draw takes.
        fig.subplots_adjust(
            left=0.07,
            right=0.98,
            bottom=0.3 / height,
            top=1 - 0.3 / height,
            wspace=0.18,
            hspace=0.75 / 2.05,
        )
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        self._lines = []
        for ax, (title, lines) in zip(axes, drawn, strict=False):
            ax.set_title(title, fontsize=9)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            for label, colour, style, _ in lines:
                (artist,) = ax.plot(
                    [], [], style, color=colour, linewidth=1.2, label=label or None, animated=True
                )
                self._lines.append(artist)
            if len(lines) > 1 or title.startswith("Difference"):
                ax.legend(fontsize=7, loc="upper right")  # "best" would cost a search
            if title.startswith("Difference"):
                ax.axhline(0, color="#888", linewidth=0.8)
        for ax in axes[len(drawn) :]:
            ax.set_visible(False)
        self._fig, self._axes = fig, list(axes[: len(drawn)])
        self.counts["built"] += 1

    def _set_limits(self, index: int) -> None:
        xmax, ylim = self._limits[index]
        self._axes[index].set_xlim(0, xmax)
        self._axes[index].set_ylim(*ylim)

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
        day = max((run.day for run in runs), default=0)
        needed = [
            (
                nice_horizon(day),
                FIXED_RANGES.get(title) or _nice_range([xy[1] for *_, xy in lines]),
            )
            for title, lines in drawn
        ]
        structure = tuple((t, tuple(line[:3] for line in lines)) for t, lines in drawn)
        if structure != self._key:
            self._build(drawn)
            self._key, self._limits = structure, needed
            self._draw_all()
        else:
            changed = [i for i, n in enumerate(needed) if not _fits(n, self._limits[i])]
            for i in changed:
                self._limits[i] = _grown(needed[i], self._limits[i])
            if len(changed) > len(needed) // 2:
                self._draw_all()
            elif changed:
                self._draw_panels(changed)
        fig = self._fig
        fig.canvas.restore_region(self._background)
        artists = iter(self._lines)
        for _, lines in drawn:
            for *_, (x, y) in lines:
                artist = next(artists)
                artist.set_data(x, y)
                artist.axes.draw_artist(artist)
        return rgba_png(np.asarray(fig.canvas.buffer_rgba()))


def _fits(needed, current) -> bool:
    """True if a panel's data is inside its limits and fills a fair part of them."""
    (xmax, (lo, hi)), (cur_x, (cur_lo, cur_hi)) = needed, current
    return xmax <= cur_x and lo >= cur_lo and hi <= cur_hi and hi - lo >= (cur_hi - cur_lo) / 4


def _grown(needed, current):
    """Limits that hold a panel's data, the overflowing side with room to grow."""
    (xmax, (lo, hi)), (cur_x, (cur_lo, cur_hi)) = needed, current
    if hi - lo < (cur_hi - cur_lo) / 4:  # the data shrank: fit it again
        return max(xmax, cur_x), (lo, hi)
    new_lo, new_hi = min(lo, cur_lo), max(hi, cur_hi)
    span = new_hi - new_lo
    new_lo -= span / 2 if lo < cur_lo else 0
    new_hi += span / 2 if hi > cur_hi else 0
    return max(xmax, cur_x), (new_lo, new_hi)


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
    """The live charts of the running design(s); redrawn when `version` moves."""
    tick = version.value
    live = solara.use_memo(LiveCharts, [])

    def draw() -> bytes:
        return live.render(session.run_views())

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
