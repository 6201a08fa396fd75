"""The dashboard's answers to bad input.

Seeds, scenario names, unreadable files, and what a change does to a running simulation
(restart at day 0, said in the page).
"""

from __future__ import annotations

import pytest

from simulation.dashboard.catalogue import scenario_catalogue
from simulation.dashboard.controls import MAX_SEED, parse_seed
from simulation.dashboard.session import MAX_MESSAGE_CHARS, DashboardSession
from simulation.errors import ScenarioError


@pytest.fixture
def session():
    session = DashboardSession()
    assert session.set_value("population.size", 150), session.error
    return session


def _one_line(message: str | None) -> str:
    assert message is not None
    assert "\n" not in message and len(message) <= MAX_MESSAGE_CHARS
    assert "Traceback" not in message
    return message


@pytest.mark.parametrize(
    "text, seed", [("42", 42), ("  7 ", 7), ("0", 0), (str(MAX_SEED), MAX_SEED), (12, 12)]
)
def test_parse_seed_reads_whole_numbers(text, seed):
    assert parse_seed(text) == seed


@pytest.mark.parametrize(
    "bad", ["-1", -1, "abc", "1.5", "1e3", "", " ", "0x10", "٣", True, 1.0, None, MAX_SEED + 1]
)
def test_parse_seed_refuses_the_rest_with_the_allowed_range(bad):
    with pytest.raises(
        ScenarioError, match=r"dashboard: seed .*allowed: a whole number from 0 to 9223"
    ):
        parse_seed(bad)


def test_a_long_bad_seed_is_quoted_in_part():
    with pytest.raises(ScenarioError) as refused:
        parse_seed("9" * 5000 + "x")
    assert len(str(refused.value)) < 250


@pytest.mark.parametrize("bad", ["-1", "abc", "2.5", str(MAX_SEED + 1)])
def test_a_bad_seed_keeps_the_run_and_does_not_stick(session, bad):
    model = session.designs[0].model
    session.step(3)
    assert not session.set_seed(bad)
    message = _one_line(session.error)
    assert message.startswith("dashboard: seed = ") and "The seed stays 1." in message
    assert session.seed == 1 and session.designs[0].model is model and session.day == 3
    # the next change works (a refused seed used to break every later rebuild)
    assert session.set_value("mentoring.caseload_cap", 4), session.error
    assert session.error is None and session.seed == 1
    assert session.set_seed(" 7 ") and session.designs[0].model.seed == 7


def test_an_unknown_scenario_name_is_a_message_not_a_key_error(session):
    session.step(2)
    model = session.designs[0].model
    assert not session.select_scenario("no_such_design")
    message = _one_line(session.error)
    assert "scenario = 'no_such_design'" in message and "allowed: a listed scenario:" in message
    assert "community_peer_mentoring" in message and message.endswith(
        "Design A stays community_peer_mentoring."
    )
    assert session.designs[0].model is model and session.scenario_name == "community_peer_mentoring"
    assert not session.select_compare("x" * 10_000)
    assert "Design B stays off." in _one_line(session.error) and len(session.designs) == 1
    assert session.select_compare("treatment_as_usual") and session.error is None


def test_an_unreadable_user_scenario_is_a_message(tmp_path):
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00\x81 not text")
    (tmp_path / "broken.yaml").write_text("population: [1\n", encoding="utf-8")
    session = DashboardSession(scenario_catalogue(tmp_path))
    assert session.set_value("population.size", 150)
    model = session.designs[0].model
    for name in ("binary", "broken"):
        assert not session.select_scenario(name)
        message = _one_line(session.error)
        assert name in message and "Design A stays community_peer_mentoring." in message
        assert session.designs[0].model is model


def test_a_change_mid_run_says_it_restarted_at_day_0(session):
    session.step(12)
    assert session.set_value("mentoring.caseload_cap", 3)
    assert session.day == 0
    assert session.notice == (
        "Restarted at day 0 with mentoring.caseload_cap = 3 (the run was on day 12)."
    )
    session.step(4)
    assert session.set_seed("9") and "with seed = 9 (the run was on day 4)" in session.notice
    assert session.select_compare("treatment_as_usual")
    assert session.notice is None  # at day 0 nothing was lost: nothing to say
    session.step(1)
    assert not session.set_value("mentoring.caseload_cap", 0)
    assert session.notice is None and session.day == 1  # refused: the run goes on


def test_messages_go_once_the_user_moves_on(session):
    assert not session.set_value("mentoring.caseload_cap", 0)
    assert "The design keeps mentoring.caseload_cap = " in session.error
    session.clear_messages()
    assert session.error is None
    assert not session.set_value("mentoring.caseload_cap", 0)
    session.reset()
    assert session.error is None and session.notice is None and session.day == 0
    assert not session.set_value("mentoring.caseload_cap", 0)
    assert session.set_value("mentoring.caseload_cap", 5) and session.error is None


# --- the same in the rendered page (no browser) ---------------------------------------------


@pytest.fixture
def page():
    import solara
    from solara.components.applayout import AppLayout

    from simulation.dashboard.app import Page

    @solara.component
    def Root():  # noqa: N802 - the sidebar shows only inside an AppLayout
        with AppLayout():
            Page()

    _, rc = solara.render(Root(), handle_error=False)
    yield rc
    rc.close()


def _type(rc, label_start: str, text: str) -> None:
    import ipyvuetify as v

    fields = [w for w in rc.find(v.TextField).widgets if w.label.startswith(label_start)]
    assert len(fields) == 1, [w.label for w in rc.find(v.TextField).widgets]
    fields[0].v_model = text
    fields[0].fire_event("keyup.enter", None)


def _slide(rc, key: str, value: float) -> None:
    """Move the slider of `key` to `value` and let go (Vuetify's `change` event)."""
    import ipyvuetify as v

    from simulation.dashboard.controls import css_class

    (slider,) = [w for w in rc.find(v.Slider).widgets if css_class(key) == w.class_]
    slider.v_model = value
    slider.fire_event("change", value)


def _shown(rc, css_class: str) -> list[str]:
    import ipyvuetify as v

    return [
        str(w.children[0])
        for w in rc.find(v.Alert).widgets
        if css_class in (w.class_ or "") and w.children
    ]


def _status(rc) -> str:
    import ipyvuetify as v

    return str(rc.find(v.Html, class_="rs-status").widget.children[0])


def _click(rc, name: str) -> None:
    import ipyvuetify as v

    rc.find(v.Btn, children=[name]).widget.click()


def test_the_page_shows_a_refused_seed_reverts_it_and_clears_it_on_step(page):
    import ipyvuetify as v

    _slide(page, "population.size", 200)
    assert "200 participants" in _status(page)
    _type(page, "Seed", "-1")
    (message,) = _shown(page, "rs-error")
    assert "seed = '-1'" in message and "The seed stays 1." in message
    seed_field = [w for w in page.find(v.TextField).widgets if w.label.startswith("Seed")]
    assert seed_field[0].v_model == "1"  # the field shows the seed that runs
    _click(page, "Step")
    assert "Day 1 of" in _status(page) and _shown(page, "rs-error") == []
    _type(page, "Seed", "5")
    assert "Day 0 of" in _status(page) and "seed 5" in _status(page)
    assert _shown(page, "rs-notice") == ["Restarted at day 0 with seed = 5 (the run was on day 1)."]
    _type(page, "Seed", "abc")
    assert "seed = 'abc'" in _shown(page, "rs-error")[0] and "seed 5" in _status(page)


def test_side_by_side_runs_both_designs_on_the_seed_s_posterior_draw():
    from posterior_factory import FRAILTY, SUPPORT, posterior

    from simulation.running.seeds import draw_index

    ensemble = posterior()
    session = DashboardSession(seed=7, posterior=ensemble)
    assert session.draw is None  # design A alone runs its file as written
    assert session.designs[0].scenario.mentoring.support_effect == 1.22
    assert session.select_compare("treatment_as_usual") and session.error is None
    row = ensemble.iloc[draw_index(7, len(ensemble))]
    assert session.draw == row.name
    a, b = (d.scenario for d in session.designs)
    assert a.mentoring.support_effect == b.mentoring.support_effect == row[SUPPORT]
    assert a.relapse.frailty_variance == b.relapse.frailty_variance == row[FRAILTY]
    # An edit pins its key: the draw no longer sets it for A, and still does for B.
    assert session.set_value(SUPPORT, 0.5) and session.error is None
    a, b = (d.scenario for d in session.designs)
    assert a.mentoring.support_effect == 0.5 and b.mentoring.support_effect == row[SUPPORT]
    assert a.relapse.frailty_variance == row[FRAILTY]
    fixed = DashboardSession(seed=7, uncertainty="stochastic")
    assert fixed.select_compare("treatment_as_usual") and fixed.draw is None
    assert fixed.designs[1].scenario.relapse.frailty_variance == 0.45
