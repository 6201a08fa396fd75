"""The dashboard's polish without a browser.

Natural axes, Reset, fonts, story labels, sliders, design B's own edits and picking a person
from a click's position.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.text import Text

from simulation.dashboard import chart_ranges, charts, controls, network_pick
from simulation.dashboard.session import MAX_INTERACTIVE_PEOPLE, DashboardSession
from simulation.dashboard.story import STORY_PT, LiveStory, Timeline
from simulation.model.population import LAPSED, NEVER, RECOVERING, USING


@pytest.fixture
def session():
    session = DashboardSession()
    assert session.set_value("population.size", 150), session.error
    return session


# --- axes -----------------------------------------------------------------------------------


def _panel_limits(live: charts.LiveCharts) -> dict[str, tuple]:
    titles = [ax.get_title() for ax in live._axes]
    return dict(zip(titles, live.limits, strict=True))


def test_day_0_axes_are_each_series_natural_range(session):
    live = charts.LiveCharts()
    live.render(session.run_views())
    limits = _panel_limits(live)
    participants = int(np.count_nonzero(session.designs[0].model.people.kind == 0))
    assert participants == 150
    assert all(x == (0.0, 365.0) for x, _ in limits.values())  # 0 to the scenario's last day
    assert limits["People in recovery"][1] == pytest.approx((0, 150 * 1.02))
    assert limits[charts.LAPSES_TITLE][1] == (0, chart_ranges.OPEN_COUNT_START)
    for title in ("Engagement (mean, 0-1)", "Lapse-free so far (Kaplan-Meier)"):
        assert limits[title][1] == pytest.approx((-0.02, 1.02))


def test_open_ranges_grow_in_coarse_steps_and_differences_stay_symmetric():
    lapses = chart_ranges.natural_range("lapses", 1000)
    assert chart_ranges.grown(lapses, [np.array([3.0, 9.0])]) is lapses  # fits: unchanged
    wider = chart_ranges.grown(lapses, [np.array([3.0, 42.0])])
    assert (wider.low, wider.high) == (0.0, 100.0)  # 1.2 x 42 = 50.4 -> the next 1-2-5 step
    difference = chart_ranges.natural_range("diff:in_recovery", 1000)
    assert (difference.low, difference.high) == (-50.0, 50.0)  # 5% of the cohort
    grown = chart_ranges.grown(difference, [np.array([-70.0, 10.0])])
    assert (grown.low, grown.high) == (-100.0, 100.0)
    huge = chart_ranges.grown(difference, [np.array([5000.0])])
    assert huge.high == 1000.0  # never more than the whole cohort
    share = chart_ranges.natural_range("diff:lapse_free_km", 1000)
    assert (share.low, share.high) == (-0.05, 0.05)
    fixed = chart_ranges.natural_range("engagement_mean", 1000)
    assert chart_ranges.grown(fixed, [np.array([7.0])]) is fixed


def test_a_new_run_gets_new_axes_not_the_old_runs(session):
    views = session.run_views()
    day0 = charts.LiveCharts().render(views)
    live = charts.LiveCharts()
    grown_views = session.run_views()
    grown_views[0].series["lapses"] = np.full(len(grown_views[0].days), 400.0)
    live.render(grown_views)
    assert _panel_limits(live)[charts.LAPSES_TITLE][1] == (0, 500)
    session.step(30)
    session.reset()  # the page makes a new LiveCharts for the new run (session.generation)
    assert charts.LiveCharts().render(session.run_views()) == day0


# --- readable text --------------------------------------------------------------------------


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_every_chart_and_story_text_is_at_least_the_readable_size(session):
    session.select_compare("treatment_as_usual")
    session.step(40)
    fig = charts.charts_figure(session.run_views())
    sizes = [t.get_fontsize() * fig.dpi / 72 for t in _texts(fig)]
    assert sizes and min(sizes) >= charts.SMALLEST_FONT_PX >= 11
    row = next(iter(session.story_people()))
    story = LiveStory().figure(session.timeline(row))
    story_sizes = [t.get_fontsize() * story.dpi / 72 for t in _texts(story)]
    assert min(story_sizes) >= STORY_PT * 80 / 72 >= 11


def _busy_timeline(days: int = 60) -> Timeline:
    """A person with an event every few days: lapses, relapses, attempts, mentor changes."""
    d = np.arange(days + 1)
    status = np.where(d % 10 < 6, RECOVERING, np.where(d % 10 < 8, LAPSED, USING))
    return Timeline(
        row=7,
        days=d,
        status=status.astype(np.int8),
        self_efficacy=np.linspace(0.3, 0.7, days + 1),
        mentor=np.where(d < 20, NEVER, 3 + d // 15),
        recovery_ties=(d % 4).astype(np.int32),
        attempts=(d + 4) // 10,
        lapses=(d + 4) // 10,
        relapses=(d + 2) // 10,
    )


def test_story_labels_do_not_overlap():
    timeline = _busy_timeline()
    assert len(timeline.events()) > 12  # more events than fit
    fig = LiveStory().figure(timeline)
    renderer = fig.canvas.get_renderer()
    band = fig.axes[0]
    labels = [t for t in band.texts if t.get_text().strip()]
    assert len(labels) >= 4
    boxes = [t.get_window_extent(renderer) for t in labels]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    assert all(box.x1 <= fig.bbox.x1 + 1 and box.x0 >= -1 for box in boxes)


# --- sliders --------------------------------------------------------------------------------


def test_bounded_numbers_get_sliders_with_sensible_steps():
    specs = controls.all_specs()
    cap = controls.slider_range(specs["mentoring.caseload_cap"])
    assert (cap.minimum, cap.maximum, cap.step) == (1, 100, 1)
    contacts = controls.slider_range(specs["mentoring.contacts_per_week"])
    assert (contacts.minimum, contacts.maximum, contacts.step) == (0, 14, 0.1)
    mentors = controls.slider_range(specs["mentoring.mentors_per_100_participants"])
    assert (mentors.minimum, mentors.maximum, mentors.step) == (0, 200, 2)
    assert controls.SLIDER_RANGES["population.size"][1] == MAX_INTERACTIVE_PEOPLE
    size = controls.slider_range(specs["population.size"], 2000)
    assert (size.minimum, size.maximum, size.step) == (200, 50_000, 200)
    # A value off the slider's grid would be moved by the slider: keep a number field.
    assert controls.slider_range(specs["population.size"], 1234) is None
    assert controls.slider_range(specs["population.size"], 150) is not None  # a finer grid
    for spec in specs.values():
        slider = controls.slider_range(spec)
        if spec.minimum is None or spec.maximum is None or spec.widget not in ("int", "float"):
            assert slider is None, spec.key
        elif slider is not None:
            assert spec.minimum <= slider.minimum < slider.maximum <= spec.maximum
            positions = (slider.maximum - slider.minimum) / slider.step
            assert 10 <= positions <= controls.MAX_SLIDER_POSITIONS, spec.key


# --- design B -------------------------------------------------------------------------------


def test_design_b_takes_its_own_edits_and_shares_population_and_days(session):
    assert session.select_compare("treatment_as_usual")
    assert not session.value("mentoring.enabled", 1)
    assert session.set_value("mentoring.enabled", True, design=1), session.error
    assert session.value("mentoring.enabled", 1) and session.value("mentoring.enabled", 0)
    assert session.set_value("mentoring.caseload_cap", 9, design=1)
    assert session.value("mentoring.caseload_cap", 1) == 9
    assert session.value("mentoring.caseload_cap", 0) != 9  # A keeps its own
    assert not session.set_value("population.size", 300, design=1)
    assert "design B takes it from A" in session.error
    assert session.set_value("population.size", 160)  # edited in A, B follows
    assert session.designs[1].scenario.population.size == 160
    assert session.value("mentoring.caseload_cap", 1) == 9  # B's edits survive A's
    assert not session.set_value("mentoring.caseload_cap", 0, design=1)
    assert "mentoring.caseload_cap" in session.error and "design B keeps" in session.error
    session.select_compare("treatment_as_usual")  # picking B again starts from its file
    assert session.value("mentoring.caseload_cap", 1) != 9


# --- picking a person -----------------------------------------------------------------------


def test_a_click_picks_the_nearest_drawn_person(session):
    picture = session.designs[0].picture
    where = network_pick.picture_fractions(picture)
    assert ((where >= 0) & (where <= 1)).all()
    for index in (0, len(picture.rows) // 2, len(picture.rows) - 1):
        assert network_pick.person_at(picture, *where[index]) == picture.rows[index]
    # Slightly off a dot still picks it; far from every dot picks nobody.
    nudge = np.array([3, -2]) / (np.array(network_pick.FIGURE_SIZE) * network_pick.FIGURE_DPI)
    gaps = [np.sort(np.hypot(*(where - p).T))[1] for p in where]
    lonely = int(np.argmax(gaps))
    assert network_pick.person_at(picture, *(where[lonely] + nudge)) == picture.rows[lonely]
    assert network_pick.person_at(picture, -0.5, -0.5) is None
    assert network_pick.person_at(picture, float("nan"), 0.5) is None
    # Only the people who have a story can be picked.
    allowed = picture.rows[[lonely]]
    assert network_pick.person_at(picture, *where[lonely], pickable=allowed) == allowed[0]
    others = np.setdiff1d(picture.rows, allowed)
    assert network_pick.person_at(picture, *where[lonely], pickable=others) != allowed[0]


def test_the_designs_legend_is_above_the_panels_not_over_them(session):
    session.select_compare("treatment_as_usual")
    session.step(5)
    fig = charts.charts_figure(session.run_views())
    renderer = fig.canvas.get_renderer()
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        if ax.get_visible():
            assert not box.overlaps(ax.get_tightbbox(renderer)), ax.get_title()


def test_the_story_has_no_legend_over_its_lines():
    fig = LiveStory().figure(_busy_timeline())
    band, lines, ties = fig.axes
    assert lines.get_legend() is None and ties.get_legend() is None
    renderer = fig.canvas.get_renderer()
    legend_box = band.get_legend().get_window_extent(renderer)
    assert legend_box.y0 >= band.get_window_extent(renderer).y1 - 1  # above the state band
