"""The report as a planner reads it.

Plain labels and units, rounded numbers, no empty rows, a viewport tag, 14 distinct colours,
legends off the data; `rs.report` and `.plot()`.
"""

from __future__ import annotations

import itertools
import re

import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from posterior_factory import posterior

import simulation as rs
from simulation.report.figures import PALETTE, comparison_figure

SMALL = {"population.size": 120, "days": 30}


@pytest.fixture(scope="module")
def result():
    return rs.compare_scenarios(
        ["treatment_as_usual", "community_peer_mentoring", "residential_peer_mentoring"],
        replicates=2,
        seed=2,
        overrides=SMALL,
        posterior=posterior(),
    )


def test_report_reads_as_plain_words_with_units(result, tmp_path):
    path = rs.report(result, tmp_path / "planner.html")
    assert path == tmp_path / "planner.html" and (tmp_path / "figures" / "survival.png").exists()
    html = path.read_text()
    assert "<meta name='viewport' content='width=device-width, initial-scale=1'>" in html
    cells = re.findall(r"<td>([^<]*)</td>", html.split("What the metrics mean")[0])
    first_cells = re.findall(r"<tr><td>([^<]*)</td>", html.split("What the metrics mean")[0])
    assert "program cost per participant" in first_cells
    assert not [c for c in first_cells if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", c)]
    assert not re.search(r"\.\d{4}|\d{4}", " ".join(cells))  # no 4943303.750-style numbers
    assert "-0.0" not in cells and "$0" in " ".join(cells)
    rows = [re.findall(r"<td>([^<]*)</td>", r) for r in re.findall(r"<tr>(<td>.*?)</tr>", html)]
    assert rows and not [r for r in rows if set(r[1:]) <= {"-"}]  # no row of dashes


def test_palette_stays_distinct_for_14_designs_and_legends_sit_outside(result):
    designs = [to_rgb(c) for c in PALETTE[:15]]
    closest = min(
        sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5
        for a, b in itertools.combinations(designs, 2)
    )
    assert len(set(PALETTE[:15])) == 15 and closest > 0.12
    for kind in ("survival", "in_recovery", "key_metrics", "cost_effectiveness", "acceptability"):
        fig = result.plot(kind)
        assert isinstance(fig, Figure) and fig.legends  # a figure legend, beside the axes
        assert all(ax.get_legend() is None for ax in fig.axes)


def test_run_plot_and_bad_kind(result):
    run = rs.run_scenario(
        "treatment_as_usual", replicates=2, overrides=SMALL, posterior=posterior()
    )
    fig = run.plot()
    assert [ax.get_title() for ax in fig.axes] == [
        "No lapse yet (Kaplan-Meier)",
        "In recovery each day",
    ]
    with pytest.raises(rs.RecoverySimError, match="choose one of survival"):
        comparison_figure(result.comparison, "pie")


def _boxes_of(fig: Figure) -> tuple[list, list]:
    """Window extents of every axes title and figure text (a suptitle), and of every legend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)  # runs the constrained layout, as saving does
    texts = [ax.title for ax in fig.axes if ax.get_title()]
    texts += [t for t in fig.texts if t.get_text()]
    titles = [t.get_window_extent(renderer) for t in texts]
    return titles, [legend.get_window_extent(renderer) for legend in fig.legends]


def test_titles_and_legends_lie_inside_the_figure_and_apart(result):
    for kind in ("survival", "in_recovery", "key_metrics", "cost_effectiveness", "acceptability"):
        fig = result.plot(kind)
        titles, legends = _boxes_of(fig)
        assert titles and legends, kind
        page = fig.bbox
        for box in (*titles, *legends):
            inside = box.x0 >= page.x0 and box.x1 <= page.x1
            assert inside and box.y0 >= page.y0 and box.y1 <= page.y1, (kind, box, page)
        for title in titles:
            assert not any(title.overlaps(legend) for legend in legends), (kind, title)
