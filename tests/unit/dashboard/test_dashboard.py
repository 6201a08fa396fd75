"""The dashboard's logic without a browser.

Controls from the schema, sampling, layout cache, sessions, stories, charts, downloads and the
asset cache.
"""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from simulation.dashboard import assets, charts, controls, network_view
from simulation.dashboard.catalogue import scenario_catalogue
from simulation.dashboard.session import MAX_INTERACTIVE_PEOPLE, DashboardSession
from simulation.scenario.files import bundled_scenarios, scenario_from_dict
from simulation.scenario.schema import iter_parameters

SMALL = {"population.size": 150}


@pytest.fixture
def session():
    session = DashboardSession()
    assert session.set_value("population.size", 150), session.error
    return session


# --- controls -------------------------------------------------------------------------------


def test_levers_come_from_the_schema_with_its_ranges():
    fields = dict(iter_parameters())
    specs = controls.lever_specs()
    keys = [spec.key for spec in specs]
    assert keys[:2] == ["population.size", "days"]
    assert {"mentoring.caseload_cap", "mentoring.matching", "mentoring.enabled"} <= set(keys)
    assert len(keys) == len(set(keys))
    for spec in specs:
        info = fields[spec.key]
        bounds = {type(m).__name__: m for m in info.metadata}
        if "Ge" in bounds:
            assert spec.minimum == bounds["Ge"].ge
        if "Le" in bounds:
            assert spec.maximum == bounds["Le"].le
        assert spec.unit == info.json_schema_extra["unit"]


def test_missing_lever_keys_are_skipped():
    specs = controls.lever_specs(("no_such.section.*", "mentoring.caseload_cap", "nope"))
    assert [spec.key for spec in specs] == ["mentoring.caseload_cap"]


def test_control_spec_kinds_and_range_text():
    specs = controls.all_specs()
    cap = specs["mentoring.caseload_cap"]
    assert (cap.widget, cap.minimum, cap.maximum) == ("int", 1, 100)
    assert cap.range_text == "1 to 100 mentees"
    assert specs["mentoring.matching"].widget == "choice"
    assert "random" in specs["mentoring.matching"].choices
    assert specs["mentoring.enabled"].widget == "switch"
    assert specs["population.size"].range_text.startswith("1 to 2,000,000")
    assert cap.coerce(4.0) == 4 and isinstance(cap.coerce(4.0), int)
    assert controls.parse_text_value(cap, " 7 ") == 7
    assert controls.parse_text_value(cap, "seven") == "seven"


# --- network view ---------------------------------------------------------------------------


def _model(size=400, seed=3, scenario="community_peer_mentoring"):
    from simulation.model.model import RecoveryCommunityModel
    from simulation.scenario.files import load_scenario

    path = next(p for p in bundled_scenarios() if p.stem == scenario)
    return RecoveryCommunityModel(load_scenario(path, {"population.size": size}), seed=seed)


def test_snowball_sample_is_bounded_seeded_and_whole_when_small():
    model = _model()
    adjacency, n = model.adjacency, model.people.size
    starts = np.flatnonzero(model.people.kind == 0)
    sample = network_view.snowball_sample(adjacency, starts, 120, seed=5)
    assert len(sample) == 120 == len(np.unique(sample))
    assert np.array_equal(sample, network_view.snowball_sample(adjacency, starts, 120, seed=5))
    assert not np.array_equal(sample, network_view.snowball_sample(adjacency, starts, 120, 6))
    assert np.array_equal(network_view.snowball_sample(adjacency, starts, n, 5), np.arange(n))


def test_layout_is_computed_once_per_network_and_seed():
    model = _model(seed=11)
    args = (model.edges, model.adjacency, model.people.kind, 11)
    before = network_view.layout_computations
    first = network_view.compute_picture(*args)
    again = network_view.compute_picture(*args)
    rebuilt = _model(seed=11)  # Reset: the same network again
    third = network_view.compute_picture(rebuilt.edges, rebuilt.adjacency, rebuilt.people.kind, 11)
    assert first is again is third
    assert network_view.layout_computations == before + 1
    assert first.sampled and len(first.rows) <= network_view.MAX_NODES
    assert first.positions.shape == (len(first.rows), 2)
    assert "A sample of" in first.caption()
    other = _model(seed=12)
    network_view.compute_picture(other.edges, other.adjacency, other.people.kind, 12)
    assert network_view.layout_computations == before + 2


def test_categories_follow_state_and_mentor_role():
    from simulation.model.population import DECEASED, LAPSED, USING

    model = _model(size=100)
    people = model.people
    rows = np.arange(people.size)
    participants = np.flatnonzero(people.kind == 0)
    people.status[participants[:3]] = (LAPSED, USING, DECEASED)
    cats = network_view.categories(people, rows)
    assert list(cats[participants[:4]]) == [
        network_view.LAPSED_CAT,
        network_view.RELAPSED_CAT,
        network_view.DECEASED_CAT,
        network_view.IN_RECOVERY,
    ]
    assert (cats[people.is_mentor] == network_view.MENTOR_CAT).all()
    fig = network_view.network_figure(
        network_view.NetworkPicture(
            "k", rows, np.random.default_rng(0).random((len(rows), 2)), len(rows)
        ),
        cats,
        np.array([[0, 1]]),
        highlight=0,
    )
    assert charts.png(fig).startswith(b"\x89PNG")


# --- sessions -------------------------------------------------------------------------------


def test_sessions_are_independent(session):
    other = DashboardSession()
    other.set_value("population.size", 150)
    session.step(5)
    assert session.day == 5 and other.day == 0
    assert session.designs[0].model is not other.designs[0].model


def test_bad_value_gives_a_message_and_keeps_the_model(session):
    model = session.designs[0].model
    session.step(2)
    assert not session.set_value("mentoring.caseload_cap", 0)
    assert "mentoring.caseload_cap = 0" in session.error and "allowed" in session.error
    assert session.designs[0].model is model and session.day == 2
    assert not session.set_value("population.size", MAX_INTERACTIVE_PEOPLE + 1)
    assert "recovery-sim run" in session.error
    assert session.set_value("mentoring.caseload_cap", 3)
    assert session.error is None and session.value("mentoring.caseload_cap") == 3
    assert session.day == 0


def test_side_by_side_shares_seed_population_and_participants(session):
    assert session.select_compare("treatment_as_usual")
    a, b = session.designs
    assert a.model.seed == b.model.seed and b.scenario.population.size == 150
    cohort = a.model.people.cohort
    assert np.array_equal(
        a.model.people.substance[cohort], b.model.people.substance[b.model.people.cohort]
    )
    session.step(10)
    views = session.run_views()
    assert [v.label for v in views] == ["A: community_peer_mentoring", "B: treatment_as_usual"]
    assert all(v.day == 10 and len(v.days) == 11 for v in views)
    titles = [title for title, _ in charts.panels(views)]
    assert "People in recovery" in titles and "Lapse-free so far (Kaplan-Meier)" in titles
    fig = charts.charts_figure(views)
    recovery_axes = fig.axes[0]
    assert len(recovery_axes.get_lines()) == 2  # both designs on the same axes
    assert any(ax.get_title().startswith("B minus A (baseline)") for ax in fig.axes)
    assert "A: community_peer_mentoring (baseline)" in [t.get_text() for t in fig.legends[0].texts]
    assert session.select_compare(None) and len(session.designs) == 1


def test_optional_series_get_a_panel_only_when_present():
    view = charts.RunView("x", 1, {"day": np.arange(2.0), "in_recovery": np.ones(2)})
    assert [t for t, _ in charts.panels([view])][-1].startswith("Lapse-free")
    view.series["mentor_burnout_mean"] = np.zeros(2)
    assert charts.OPTIONAL_SERIES["mentor_burnout_mean"] in [t for t, _ in charts.panels([view])]


def test_kaplan_meier_so_far_starts_at_one_and_falls(session):
    session.step(20)
    days, km = charts.lapse_free_so_far(session.designs[0].model.people, session.day)
    assert days[0] == 0 and km[0] == 1.0 and len(km) == 21
    assert np.all(np.diff(km) <= 1e-12) and km[-1] < 1.0


def test_story_timeline_records_events(session):
    session.step(60)
    people = session.story_people()
    assert people and all("#" in label for label in people.values())
    timelines = [session.timeline(row) for row in people]
    assert all(len(t.days) == 61 for t in timelines)
    events = [e for t in timelines for e in t.events()]
    assert any(what == "lapse" for _, what in events)
    assert any(what.startswith("matched with mentor") for _, what in events)
    from simulation.dashboard.story import story_figure

    assert charts.png(story_figure(timelines[0])).startswith(b"\x89PNG")


def test_downloads_round_trip(session):
    session.set_value("mentoring.caseload_cap", 7)
    session.step(3)
    data = yaml.safe_load(session.scenario_yaml())
    assert scenario_from_dict(data).mentoring.caseload_cap == 7
    rows = session.daily_csv().splitlines()
    assert rows[0].startswith("design,seed,day,") and "in_recovery" in rows[0]
    assert len(rows) == 1 + 4  # days 0 to 3


def test_catalogue_lists_bundled_then_user_scenarios(tmp_path):
    (tmp_path / "mine.yaml").write_text("name: mine\n", encoding="utf-8")
    (tmp_path / "treatment_as_usual.yml").write_text("name: x\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a scenario", encoding="utf-8")
    catalogue = scenario_catalogue(tmp_path)
    bundled = [p.stem for p in bundled_scenarios()]
    assert list(catalogue)[: len(bundled)] == bundled
    assert catalogue["mine"] == tmp_path / "mine.yaml"
    assert f"treatment_as_usual ({tmp_path.name})" in catalogue
    assert not any("notes" in name for name in catalogue)


# --- assets and command ---------------------------------------------------------------------


def test_asset_specs_are_read_from_solara():
    specs = assets.asset_specs()
    assert any(s.startswith("@widgetti/solara-vuetify-app@") for s in specs)
    assert any(s.startswith("requirejs@") for s in specs)
    template = (assets.solara_root() / "server/templates/solara.html.j2").read_text()
    app_spec = next(s for s in specs if s.startswith("@widgetti/solara-vuetify-app@"))
    assert app_spec in template


def test_fill_cache_unpacks_and_is_idempotent(tmp_path, monkeypatch):
    tarball = tmp_path / "pkg.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        payload = b"define([], {});"
        info = tarfile.TarInfo("package/dist/main.js")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    cache = tmp_path / "cache"
    assets._unpack(tarball, cache / "demo@1.0.0")
    assert (cache / "demo@1.0.0/dist/main.js").read_bytes() == payload
    assert assets.missing_specs(["demo@1.0.0", "other@2"], cache) == ["other@2"]
    monkeypatch.setattr(assets.subprocess, "run", lambda *a, **k: pytest.fail("npm was called"))
    assert assets.fill_cache(["demo@1.0.0"], cache) == 0


def test_dashboard_command_defaults_to_loopback():
    from simulation.cli import cli
    from simulation.commands.dashboard import command, server_environment

    defaults = {p.name: p.default for p in command.params}
    assert defaults["host"] == "127.0.0.1" and defaults["port"] == 8765
    result = CliRunner().invoke(cli, ["dashboard", "--help"])
    assert result.exit_code == 0 and "--scenarios" in result.output
    assert server_environment(None)["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert server_environment(None)["SOLARA_THEME_SHOW_BANNER"] == "False"
    assert "--allow-host" in result.output and "SECURITY.md" in result.output


def test_app_page_renders_with_its_own_session():
    """Like Mesa's example smoke tests: import the page and render it once, headless."""
    import solara

    from simulation.dashboard.app import Page

    _, rc = solara.render(Page(), handle_error=False)
    shown = str(rc.find())
    assert "Day 0 of 365" in shown and "A sample of 300" in shown
    rc.close()


# --- speed: what a step redraws -------------------------------------------------------------


def _pixels(data: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)))


def test_live_charts_redraw_only_changed_panels_and_match_a_fresh_drawing(session):
    live = charts.LiveCharts()
    for _ in range(40):
        session.step(1)
        image = live.render(session.run_views())
    assert live.counts["built"] == 1  # the figure is made once ...
    assert live.counts["full"] == 1  # ... and drawn whole once: the day axis is fixed
    views = session.run_views()
    fresh = charts.LiveCharts()
    fresh._build(charts._panel_lines(views), [v.label for v in views])
    fresh._key, fresh._limits = live._key, list(live._limits)
    fresh._draw_all()
    assert np.array_equal(_pixels(image), _pixels(fresh.render(views)))


def test_live_network_recolours_without_redrawing_the_ties(session):
    live = network_view.LiveNetwork()
    picture, cats, edges = session.network_state(0)
    first = live.render(picture, cats, edges)
    cats = cats.copy()
    cats[0] = network_view.DECEASED_CAT
    assert not np.array_equal(_pixels(first), _pixels(live.render(picture, cats, edges)))
    assert live.builds == 1
    ringed = live.render(picture, cats, edges, highlight=0)
    assert live.builds == 1 and not np.array_equal(_pixels(first), _pixels(ringed))
    live.render(picture, cats, edges[:-1])  # a tie fewer: the ties are drawn again
    assert live.builds == 2
    legend = network_view.legend_html(cats)
    counts = network_view.category_counts(cats)
    assert f"deceased ({counts[network_view.DECEASED_CAT]})" in legend


def test_a_step_renders_the_page_once():
    """A Step changes one value that five components read: one render, not five."""
    import ipyvuetify as v
    import reacton.core
    import solara
    from solara.components.applayout import AppLayout

    from simulation.dashboard.app import Page

    @solara.component
    def Root():  # noqa: N802 - the sidebar (with Step) shows only inside an AppLayout
        with AppLayout():
            Page()

    _, rc = solara.render(Root(), handle_error=False)
    renders = []
    original = reacton.core._RenderContext._render_once

    def counted(self, *args, **kwargs):
        renders.append(1)
        return original(self, *args, **kwargs)

    reacton.core._RenderContext._render_once = counted
    try:
        rc.find(v.Btn, children=["Step"]).widget.click()
    finally:
        reacton.core._RenderContext._render_once = original
    assert "Day 1 of" in str(rc.find(v.Html, class_="rs-status").widget.children)
    assert len(renders) == 1
    rc.close()


def test_live_story_redraws_only_the_persons_data(session):
    from simulation.dashboard.story import LiveStory

    row = next(iter(session.story_people()))
    live = LiveStory()
    images = []
    for _ in range(5):
        session.step(1)
        images.append(live.render(session.timeline(row)))
    assert live.builds == 1 and all(image.startswith(b"\x89PNG") for image in images)
    other = next(r for r in session.story_people() if r != row)
    live.render(session.timeline(other))  # another person: a new frame
    assert live.builds == 2
