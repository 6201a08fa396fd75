"""A person's story: what happened to one person, day by day, from snapshots of their row.

The model keeps only today's state, so the dashboard records a small daily snapshot of the
people it draws (a few hundred rows): state, self-efficacy, mentor, recovery ties and the event
counters. A person's timeline is read back from those snapshots; events (lapses, relapses, new
attempts, mentor changes) are the days a counter moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulation.dashboard.charts import nice_horizon, rgba_png
from simulation.model.population import (
    DECEASED,
    KIND_NAMES,
    LAPSED,
    MENTOR,
    NEVER,
    PARTICIPANT,
    RECOVERING,
    STATUS_NAMES,
    USING,
)
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES

_STATUS_COLOURS = {
    RECOVERING: "#2a9d8f",
    LAPSED: "#e9a23b",
    USING: "#d1495b",
    DECEASED: "#111111",
}
#: The two lines' colours (their axis labels take the same colour instead of a legend).
EFFICACY_COLOUR, TIES_COLOUR = "#1f5fa8", "#2a9d8f"
_STATUS_WORDS = {RECOVERING: "in recovery", LAPSED: "lapsed", USING: "relapsed", DECEASED: "died"}
#: Font size of every text in the story picture, in points (at 80 dpi: 12 px).
STORY_PT = 11.0
#: Event labels go in up to this many rows above the state band; a label that fits in none
#: is left out of the picture (the line under it lists every event).
LABEL_ROWS = 2
#: Least room between two labels in a row, in pixels.
LABEL_GAP_PX = 4.0
#: Band axes' height: the bar is 0-1, each row of labels takes this much above it.
LABEL_ROW_HEIGHT = 0.75
_FIELDS = ("status", "self_efficacy", "mentor", "recovery_ties", "attempts", "lapses", "relapses")


@dataclass
class StoryRecorder:
    """Daily snapshots of the tracked rows (the people drawn in the network view)."""

    rows: np.ndarray
    days: list[int] = field(default_factory=list)
    snapshots: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {name: [] for name in _FIELDS}
    )

    def record(self, model) -> None:
        """Append today's snapshot of the tracked rows."""
        people, rows = model.people, self.rows
        in_program = (people.kind == PARTICIPANT) | (people.kind == MENTOR)
        recovering = (in_program & (people.status == RECOVERING)).astype(np.int32)
        ties = model.adjacency[rows] @ recovering if len(rows) else np.zeros(0)
        snap = self.snapshots
        snap["status"].append(people.status[rows].copy())
        snap["self_efficacy"].append(people.self_efficacy[rows].astype(np.float32))
        snap["mentor"].append(people.mentor[rows].copy())
        snap["recovery_ties"].append(np.asarray(ties, dtype=np.int32))
        snap["attempts"].append(people.recovery_attempts[rows].copy())
        snap["lapses"].append(people.lapses[rows].copy())
        snap["relapses"].append(people.relapses[rows].copy())
        self.days.append(model.day)

    def timeline(self, row: int) -> Timeline:
        """One tracked person's series and events."""
        (index,) = np.flatnonzero(self.rows == row)
        series = {
            name: np.array([s[index] for s in snaps]) for name, snaps in self.snapshots.items()
        }
        return Timeline(row=row, days=np.array(self.days), **series)


@dataclass
class Timeline:
    """One person's recorded days."""

    row: int
    days: np.ndarray
    status: np.ndarray
    self_efficacy: np.ndarray
    mentor: np.ndarray
    recovery_ties: np.ndarray
    attempts: np.ndarray
    lapses: np.ndarray
    relapses: np.ndarray

    def events(self) -> list[tuple[int, str]]:
        """(day, what happened), in order, in plain words."""
        found: list[tuple[int, str]] = []
        for i in range(1, len(self.days)):
            day = int(self.days[i])
            if self.lapses[i] > self.lapses[i - 1]:
                found.append((day, "lapse"))
            if self.relapses[i] > self.relapses[i - 1]:
                found.append((day, "relapse"))
            if self.attempts[i] > self.attempts[i - 1]:
                found.append((day, "new recovery attempt"))
            before, after = int(self.mentor[i - 1]), int(self.mentor[i])
            if before != after:
                if before == NEVER:
                    found.append((day, f"matched with mentor #{after}"))
                elif after == NEVER:
                    found.append((day, f"mentor #{before} gone"))
                else:
                    found.append((day, f"new mentor #{after}"))
            if self.status[i] == DECEASED and self.status[i - 1] != DECEASED:
                found.append((day, "died"))
        return found


def describe_person(people, row: int) -> str:
    """A short label that does not change over a run: number, kind, substance, age group."""
    kind = KIND_NAMES[people.kind[row]].replace("_", " ")
    return (
        f"#{row} {kind}, {SUBSTANCES[people.substance[row]]}, "
        f"{AGE_GROUPS[people.age_group[row]].replace('_', ' ')}"
    )


def status_today(timeline: Timeline) -> str:
    """The person's state on the last recorded day, in words."""
    return STATUS_NAMES[int(timeline.status[-1])].replace("_", " ")


def _ties_top(timeline: Timeline) -> float:
    """The ties axis' top: 1, 2, 5, 10, ... above the most ties so far, so it moves rarely."""
    most = float(timeline.recovery_ties.max()) if len(timeline.recovery_ties) else 0.0
    for top in (2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if most < top:
            return float(top)
    return float(10 ** np.ceil(np.log10(most + 1)))


class LiveStory:
    """Draws one person's days, redrawing only their data between steps.

    The frame — axes, ticks, labels and the states' legend — is drawn once and kept as a bitmap
    (Matplotlib blitting), again only when the person, the day axis (it grows like the daily
    series' axis) or the ties axis changes; a step draws the state band, the events and the two
    lines over it.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._fig: Figure | None = None
        self._background = None
        self.builds = 0  # how often the frame was drawn (tests check that a step does not)

    def _build(self, key: tuple, title: str = "") -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        horizon, ties_top = key[1], key[2]
        fig = Figure(figsize=(7.4, 4.2), dpi=80)
        FigureCanvasAgg(fig)
        fig.subplots_adjust(left=0.09, right=0.9, top=0.88, bottom=0.12, hspace=0.12)
        band, lines = fig.subplots(2, 1, sharex=True, height_ratios=(1.3, 2))
        if title:
            band.set_title(title, fontsize=STORY_PT)
        band.set_yticks([])
        band.set_ylim(0, 1.05 + LABEL_ROWS * LABEL_ROW_HEIGHT)
        band.set_xlim(-0.5, horizon + 0.5)
        handles = [
            Patch(color=colour, label=_STATUS_WORDS[code])
            for code, colour in _STATUS_COLOURS.items()
        ]
        band.legend(
            handles=handles,
            fontsize=STORY_PT,
            ncols=4,
            loc="lower right",
            bbox_to_anchor=(1, 1.0),
            frameon=False,
        )
        lines.set_ylim(0, 1)
        band.tick_params(labelsize=STORY_PT)
        lines.tick_params(labelsize=STORY_PT)
        ties = lines.twinx()
        ties.tick_params(labelsize=STORY_PT)
        ties.set_ylim(0, ties_top)
        lines.set_xlabel("day", fontsize=STORY_PT)
        (efficacy,) = lines.plot([], [], color=EFFICACY_COLOUR, label="self-efficacy (0-1)")
        (tie_line,) = ties.plot(
            [], [], color=TIES_COLOUR, drawstyle="steps-post", label="recovery ties"
        )
        efficacy.set_animated(True)
        tie_line.set_animated(True)
        # No legend over the lines: each axis' label is in its line's colour.
        lines.set_ylabel("self-efficacy (0-1)", fontsize=STORY_PT, color=EFFICACY_COLOUR)
        ties.set_ylabel("ties in recovery", fontsize=STORY_PT, color=TIES_COLOUR)
        fig.canvas.draw()
        self._background = fig.canvas.copy_from_bbox(fig.bbox)
        self._fig, self._band, self._ties = fig, band, ties
        self._efficacy, self._tie_line = efficacy, tie_line
        self._key = key
        self.builds += 1

    def _data_artists(self, timeline: Timeline) -> list:
        """Today's artists: the state band, the latest events, self-efficacy and ties."""
        band, days = self._band, timeline.days
        spans: dict[int, list[tuple[float, float]]] = {}
        start = 0
        for i in range(1, len(days) + 1):
            if i == len(days) or timeline.status[i] != timeline.status[start]:
                spans.setdefault(int(timeline.status[start]), []).append(
                    (days[start] - 0.5, days[i - 1] - days[start] + 1)
                )
                start = i
        artists = [
            band.broken_barh(ranges, (0, 1), color=_STATUS_COLOURS.get(code, "#c8c8c8"))
            for code, ranges in spans.items()
        ]
        events = timeline.events()[-12:]  # the latest, so labels fit
        artists += [band.axvline(day, ymax=0.9, color="#333", linewidth=0.6) for day, _ in events]
        artists += self._labels(events)
        self._efficacy.set_data(days, timeline.self_efficacy)
        self._tie_line.set_data(days, timeline.recovery_ties)
        return [*artists, self._efficacy, self._tie_line]

    def _labels(self, events: list[tuple[int, str]]) -> list:
        """The events' labels, each in the lowest row where it overlaps no other label.

        A label that fits in no row is not drawn; one that would run past the picture's right
        edge ends at its day instead of starting there.
        """
        band, fig = self._band, self._fig
        renderer = fig.canvas.get_renderer()
        right_edge = fig.bbox.x1
        ends = [-np.inf] * LABEL_ROWS  # each row's rightmost label end, in pixels
        placed = []
        for day, what in events:
            text = band.text(day, 0, " " + what + " ", fontsize=STORY_PT, va="bottom")
            box = text.get_window_extent(renderer)
            if box.x1 > right_edge:
                text.set_horizontalalignment("right")
                box = text.get_window_extent(renderer)
            row = next((r for r in range(LABEL_ROWS) if box.x0 > ends[r] + LABEL_GAP_PX), None)
            if row is None:
                text.remove()
                continue
            text.set_y(1.05 + row * LABEL_ROW_HEIGHT)
            ends[row] = box.x1
            placed.append(text)
        return placed

    def _key_for(self, timeline: Timeline) -> tuple:
        day = int(timeline.days[-1]) if len(timeline.days) else 0
        return (timeline.row, nice_horizon(day), _ties_top(timeline))

    def render(self, timeline: Timeline) -> bytes:
        """PNG bytes of the person's days so far."""
        key = self._key_for(timeline)
        if key != self._key:
            self._build(key)
        fig = self._fig
        fig.canvas.restore_region(self._background)
        for artist in self._data_artists(timeline):
            artist.set_animated(True)
            artist.axes.draw_artist(artist)
            if artist not in (self._efficacy, self._tie_line):
                artist.remove()  # drawn once: the next step makes its own
        return rgba_png(np.asarray(fig.canvas.buffer_rgba()))

    def figure(self, timeline: Timeline, title: str = "") -> Figure:
        """The whole figure with the person's days drawn (for tests and export)."""
        self._build(self._key_for(timeline), title)
        for artist in self._data_artists(timeline):
            artist.set_animated(False)
        fig, self._key = self._fig, None
        return fig


def story_figure(timeline: Timeline, title: str = "") -> Figure:
    """The person's days: a coloured state band with events, then self-efficacy and ties."""
    return LiveStory().figure(timeline, title)


@solara.component
def StoryView(session, version: solara.Reactive[int], person: solara.Reactive[int | None]):  # noqa: N802 - Solara components are CamelCase
    """Pick a person (from the people drawn in the network) and see their days so far."""
    tick = version.value
    run = session.generation
    people = solara.use_memo(session.story_people, [run])
    by_label = {label: row for row, label in people.items()}
    row = person.value if person.value in people else None
    live = solara.use_memo(LiveStory, [])

    def draw() -> tuple[bytes | None, list[tuple[int, str]], str]:
        if row is None:
            return None, [], ""
        timeline = session.timeline(row)
        return live.render(timeline), timeline.events(), status_today(timeline)

    image, events, today = solara.use_memo(draw, [tick, run, row])
    with solara.Card("A person's story", classes=["rs-story"]):
        solara.Select(
            label="Person (from the people drawn in the network)",
            values=list(by_label),
            value=people.get(row) if row is not None else None,
            on_value=lambda label: person.set(by_label.get(label)),
        )
        if image is None:
            solara.Text(
                "Click a person in the network (or pick one here) to see their recovery "
                "attempts, lapses, relapses, mentor changes, recovery ties and self-efficacy "
                "day by day."
            )
            return
        solara.Image(image, format="png", width="100%")
        words = "; ".join(f"day {day}: {what}" for day, what in events) or "no events yet"
        solara.Text(f"Today: {today}. {words}.", style={"font-size": "0.9em"})
