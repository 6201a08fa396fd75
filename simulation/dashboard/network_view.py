"""The network view: people coloured by state, on a layout computed once per network.

Large populations are not drawn whole (a 10,000-node drawing is an unreadable hairball that
takes seconds): a seeded snowball sample — neighbourhoods around randomly chosen participants —
of at most `MAX_NODES` people is drawn, and the page says so. The sample and its spring layout
are computed once per network and cached, keyed on the network's ties and the seed, so Step,
Play and Reset only recolour the nodes.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp
import solara
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulation.dashboard.charts import rgba_png
from simulation.dashboard.network_pick import (
    FIGURE_DPI,
    FIGURE_SIZE,
    ClickableImage,
    layout_limits,
    person_at,
)
from simulation.model.population import (
    COMMUNITY,
    DECEASED,
    LAPSED,
    PARTICIPANT,
    RECOVERING,
    USING,
    PopulationState,
)

#: Most people drawn at once.
MAX_NODES = 300
#: Largest neighbourhood taken around one starting participant.
NEIGHBOURHOOD = 25

#: Node categories: (label, colour), in legend order.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("in recovery", "#2a9d8f"),
    ("lapsed", "#e9a23b"),
    ("relapsed / using", "#d1495b"),
    ("mentor", "#3d348b"),
    ("deceased", "#111111"),
    ("not in the program", "#c8c8c8"),
)
IN_RECOVERY, LAPSED_CAT, RELAPSED_CAT, MENTOR_CAT, DECEASED_CAT, OTHER_CAT = range(6)
_RGBA = to_rgba_array([colour for _, colour in CATEGORIES])
_LEGEND = {"loc": "lower left", "fontsize": 7, "frameon": True, "framealpha": 0.8}

_CACHE_SIZE = 32
_cache: OrderedDict[str, NetworkPicture] = OrderedDict()
_cache_lock = threading.Lock()
layout_computations = 0  # how many layouts were computed (tests check the cache works)


@dataclass(frozen=True)
class NetworkPicture:
    """Who is drawn and where: rows of the sampled people and their positions."""

    key: str
    rows: np.ndarray
    positions: np.ndarray  # (len(rows), 2)
    population: int

    @property
    def sampled(self) -> bool:
        """True when only part of the population is drawn."""
        return len(self.rows) < self.population

    def caption(self) -> str:
        """What the picture shows, in words."""
        if not self.sampled:
            return f"All {self.population:,} people."
        return (
            f"A sample of {len(self.rows):,} of {self.population:,} people: "
            "the neighbourhoods of randomly chosen participants."
        )

    def local_edges(self, edges: np.ndarray) -> np.ndarray:
        """Today's ties between drawn people, as pairs of positions in `rows`."""
        local = np.full(self.population, -1, dtype=np.int64)
        local[self.rows] = np.arange(len(self.rows))
        pairs = local[edges] if len(edges) else np.empty((0, 2), dtype=np.int64)
        return pairs[(pairs >= 0).all(axis=1)]


def network_key(edges: np.ndarray, population: int, seed: int, max_nodes: int) -> str:
    """A fingerprint of a network and its drawing: the same network gets the same layout."""
    digest = hashlib.blake2b(np.ascontiguousarray(edges).tobytes(), digest_size=16)
    digest.update(f"{population}/{seed}/{max_nodes}/{NEIGHBOURHOOD}".encode())
    return digest.hexdigest()


def snowball_sample(
    adjacency: sp.csr_array,
    starts: np.ndarray,
    max_nodes: int,
    seed: int,
    neighbourhood: int = NEIGHBOURHOOD,
) -> np.ndarray:
    """Rows of at most `max_nodes` people: breadth-first neighbourhoods around random starts.

    Everyone is returned when the population fits. Starting points are drawn from `starts`
    (the participants), so the picture shows the people the program is about and their ties.
    """
    n = adjacency.shape[0]
    if n <= max_nodes:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    chosen = np.zeros(n, dtype=bool)
    picked: list[int] = []
    indptr, indices = adjacency.indptr, adjacency.indices
    for start in rng.permutation(starts if len(starts) else np.arange(n)):
        if len(picked) >= max_nodes:
            break
        if chosen[start]:
            continue
        budget = min(neighbourhood, max_nodes - len(picked))
        queue, taken = deque([int(start)]), 0
        while queue and taken < budget:
            row = queue.popleft()
            if chosen[row]:
                continue
            chosen[row] = True
            picked.append(row)
            taken += 1
            neighbours = indices[indptr[row] : indptr[row + 1]]
            queue.extend(int(v) for v in rng.permutation(neighbours[~chosen[neighbours]]))
    return np.sort(np.asarray(picked, dtype=np.int64))


def compute_picture(
    edges: np.ndarray,
    adjacency: sp.csr_array,
    kind: np.ndarray,
    seed: int,
    max_nodes: int = MAX_NODES,
) -> NetworkPicture:
    """Sample the network and lay the sample out (networkx spring layout, seeded)."""
    global layout_computations
    population = len(kind)
    key = network_key(edges, population, seed, max_nodes)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    rows = snowball_sample(adjacency, np.flatnonzero(kind == PARTICIPANT), max_nodes, seed)
    probe = NetworkPicture(key, rows, np.zeros((len(rows), 2)), population)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(rows)))
    graph.add_edges_from(map(tuple, probe.local_edges(edges)))
    layout = nx.spring_layout(graph, seed=seed % 2**32, iterations=40)
    positions = np.array([layout[i] for i in range(len(rows))]).reshape(len(rows), 2)
    picture = NetworkPicture(key, rows, positions, population)
    with _cache_lock:
        layout_computations += 1
        _cache[key] = picture
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return picture


def categories(people: PopulationState, rows: np.ndarray) -> np.ndarray:
    """Each drawn person's category (index into CATEGORIES)."""
    status = people.status[rows]
    cat = np.full(len(rows), OTHER_CAT, dtype=np.int8)
    cat[status == RECOVERING] = IN_RECOVERY
    cat[status == LAPSED] = LAPSED_CAT
    cat[status == USING] = RELAPSED_CAT
    cat[people.is_mentor[rows] & (status != DECEASED)] = MENTOR_CAT
    cat[status == DECEASED] = DECEASED_CAT
    # Community members who do not use are context, not outcomes.
    cat[(people.kind[rows] == COMMUNITY) & (status != USING)] = OTHER_CAT
    return cat


def _dot_style(cats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each drawn person's colour (RGBA) and dot size."""
    return _RGBA[cats], np.where(cats == MENTOR_CAT, 42.0, 18.0)


def category_counts(cats: np.ndarray) -> np.ndarray:
    """How many drawn people are in each category (CATEGORIES order)."""
    return np.bincount(cats, minlength=len(CATEGORIES))


def legend_html(cats: np.ndarray) -> str:
    """The page's legend: a coloured dot, the category and its count, for each one present."""
    counts = category_counts(cats)
    return " ".join(
        f'<span style="white-space: nowrap; margin-right: 0.8em">'
        f'<span style="color: {colour}; font-size: 1.3em">&#9679;</span> {label} ({counts[i]:,})'
        "</span>"
        for i, (label, colour) in enumerate(CATEGORIES)
        if counts[i]
    )


def _legend_handles(cats: np.ndarray) -> list[Line2D]:
    """A legend entry per category present, with its count."""
    counts = category_counts(cats)
    return [
        Line2D([], [], marker="o", linestyle="", color=colour, label=f"{label} ({counts[i]})")
        for i, (label, colour) in enumerate(CATEGORIES)
        if counts[i]
    ]


def _frame(picture: NetworkPicture, local_edges: np.ndarray, title: str = ""):
    """The figure, its axes and the ties (the part that stays while the run moves)."""
    fig = Figure(figsize=FIGURE_SIZE, dpi=FIGURE_DPI)
    ax = fig.add_axes((0.0, 0.0, 1.0, 0.93 if title else 1.0))
    ax.set_axis_off()
    pos = picture.positions
    if len(local_edges):
        ax.add_collection(
            LineCollection(pos[local_edges], colors="#b0b0b0", linewidths=0.5, zorder=1)
        )
    x0, x1, y0, y1 = layout_limits(pos)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig, ax


def network_figure(
    picture: NetworkPicture,
    cats: np.ndarray,
    local_edges: np.ndarray,
    highlight: int | None = None,
    title: str = "",
) -> Figure:
    """The drawing: ties in grey, people as dots coloured by category, a legend."""
    fig, ax = _frame(picture, local_edges, title)
    pos = picture.positions
    colours, sizes = _dot_style(cats)
    ax.scatter(pos[:, 0], pos[:, 1], c=colours, s=sizes, linewidths=0, zorder=2)
    if highlight is not None and 0 <= highlight < len(pos):
        ax.scatter(
            *pos[highlight], s=160, facecolors="none", edgecolors="#000", linewidths=1.6, zorder=3
        )
    ax.legend(handles=_legend_handles(cats), **_LEGEND)
    return fig


class LiveNetwork:
    """Draws the network of one page, redrawing only the dots between steps.

    The axes and the ties are drawn once and kept as a bitmap (Matplotlib blitting), drawn
    again only when today's ties differ from the ones in the bitmap; a step recolours the dots
    over it. The legend, whose counts change every day, is not drawn into the picture: the page
    shows it as text under the picture (`legend_html`), which costs nothing to redraw.
    Otherwise the picture is `network_figure`'s.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._fig: Figure | None = None
        self._ax = None
        self._background = None
        self._dots = None
        self._ring = None
        self.builds = 0  # how often the ties were drawn (tests check that a step does not)

    def _build(self, picture: NetworkPicture, local_edges: np.ndarray, key: tuple) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig, ax = _frame(picture, local_edges)
        FigureCanvasAgg(fig)
        pos = picture.positions
        self._dots = ax.scatter(pos[:, 0], pos[:, 1], linewidths=0, zorder=2, animated=True)
        self._ring = ax.scatter(
            [],
            [],
            s=160,
            facecolors="none",
            edgecolors="#000",
            linewidths=1.6,
            zorder=3,
            animated=True,
        )
        fig.canvas.draw()
        self._background = fig.canvas.copy_from_bbox(fig.bbox)
        self._fig, self._ax, self._key = fig, ax, key
        self.builds += 1

    def render(
        self,
        picture: NetworkPicture,
        cats: np.ndarray,
        local_edges: np.ndarray,
        highlight: int | None = None,
    ) -> bytes:
        """PNG bytes of the network with today's colours."""
        digest = hashlib.blake2b(np.ascontiguousarray(local_edges).tobytes(), digest_size=16)
        key = (picture.key, digest.hexdigest())
        if key != self._key:
            self._build(picture, local_edges, key)
        fig, ax = self._fig, self._ax
        fig.canvas.restore_region(self._background)
        colours, sizes = _dot_style(cats)
        self._dots.set_facecolors(colours)
        self._dots.set_sizes(sizes)
        ax.draw_artist(self._dots)
        if highlight is not None and 0 <= highlight < len(picture.positions):
            self._ring.set_offsets(picture.positions[highlight : highlight + 1])
            ax.draw_artist(self._ring)
        return rgba_png(np.asarray(fig.canvas.buffer_rgba()))


@solara.component
def NetworkView(  # noqa: N802 - Solara components are CamelCase
    session,
    version: solara.Reactive[int],
    person: solara.Reactive[int | None] | None = None,
):
    """The network of design A, coloured by state, with its caption.

    Click a person to pick them (their story shows below).
    """
    tick = version.value
    run = session.generation
    live = solara.use_memo(LiveNetwork, [])
    highlight_row = person.value if person is not None else None

    def draw() -> tuple[str, str, str]:
        picture, cats, edges = session.network_state(0)
        local = None
        if highlight_row is not None:
            found = np.flatnonzero(picture.rows == highlight_row)
            local = int(found[0]) if len(found) else None
        image = live.render(picture, cats, edges, highlight=local)
        source = "data:image/png;base64," + base64.b64encode(image).decode("ascii")
        return source, legend_html(cats), picture.caption()

    source, legend, caption = solara.use_memo(draw, [tick, run, highlight_row])

    def clicked(where: dict) -> None:
        picture = session.network_state(0)[0]
        row = person_at(
            picture,
            float(where.get("x", np.nan)),
            float(where.get("y", np.nan)),
            pickable=np.fromiter(session.story_people(), dtype=np.int64),
        )
        if row is not None and person is not None:
            person.set(row)

    with solara.Card("Network", classes=["rs-network"]):
        ClickableImage(src=source, event_click_at=clicked)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=legend,
            classes=["rs-network-legend"],
            style="font-size: 0.85em",
        )
        solara.Text(
            caption + " Click a person to see their story.",
            classes=["rs-network-caption"],
            style={"font-size": "0.85em"},
        )
