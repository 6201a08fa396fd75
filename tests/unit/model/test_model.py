"""The Mesa model: agents as handles on array rows, the daily step, the DataCollector."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.agents import CommunityMember, PeerMentor, PersonInRecovery
from simulation.model.model import DAILY_SERIES, RecoveryCommunityModel
from simulation.model.population import COMMUNITY, DECEASED, MENTOR, NEVER, PARTICIPANT, USING


def _model(seed=1, size=300, days=60, **kw):
    return RecoveryCommunityModel(seed=seed, population={"size": size}, days=days, **kw)


def test_agents_are_handles_on_rows():
    model = _model(mentoring__enabled=True)
    people = model.people
    assert len(model.agents) == people.size
    by_type = {t: len(model.agents_by_type[t]) for t in model.agents_by_type}
    assert by_type[PersonInRecovery] == (people.kind == PARTICIPANT).sum() == 300
    assert by_type[PeerMentor] == (people.kind == MENTOR).sum() > 0
    assert by_type[CommunityMember] == (people.kind == COMMUNITY).sum()
    person = model.agents_by_type[PersonInRecovery][0]
    assert person.status == "in_recovery"
    person.self_efficacy = 0.123
    assert people.self_efficacy[person.row] == 0.123
    person.status = "relapsed"
    assert people.status[person.row] == USING
    assert isinstance(model.agent_at_row[person.row], PersonInRecovery)
    assert all(model.agent_at_row[a.row] is a for a in model.agents)


def test_agentset_select_get_groupby_see_the_arrays():
    model = _model()
    model.run(30)
    counts = model.agents.groupby("status").count()
    people = model.people
    assert counts.get("relapsed", 0) == (people.status == USING).sum()
    values = model.agents_by_type[PersonInRecovery].get("days_abstinent")
    assert values == people.days_abstinent[people.kind == PARTICIPANT].tolist()


def test_run_stops_after_scenario_days_and_collects_every_day():
    model = _model(days=25)
    while model.running:
        model.step()
    assert model.day == 25
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 25
    assert set(DAILY_SERIES) <= set(frame.columns)
    assert frame["day"].tolist() == list(range(1, 26))


def test_daily_events_add_up_to_the_arrays():
    model = _model(days=90, size=500)
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    people = model.people
    cohort = people.cohort
    assert frame["lapses"].sum() == people.lapses[cohort].sum()
    assert frame["deaths"].sum() == (people.status[cohort] == DECEASED).sum()
    first = people.first_lapse_day[cohort]
    assert frame["lapse_free_share"].iloc[-1] == (first == NEVER).mean()
    # conservation: every participant is in exactly one status
    last = frame.iloc[-1]
    assert last["in_recovery"] + last["lapsed"] + last["relapsed"] + last["deceased"] == 500


def test_mentoring_matches_people_within_caps():
    model = _model(mentoring__enabled=True, days=30, size=400)
    model.run()
    people = model.people
    cap = model.scenario.mentoring.caseload_cap
    assert people.caseload.max() <= cap
    matched = people.mentor != NEVER
    assert np.all(people.kind[people.mentor[matched]] == MENTOR)
    mentor = next(m for m in model.agents_by_type[PeerMentor] if m.caseload > 0)
    assert all(m.mentor is mentor for m in mentor.mentees)


def test_same_seed_same_state_different_seed_different_state():
    a, b, c = _model(seed=4), _model(seed=4), _model(seed=5)
    for m in (a, b, c):
        m.run(40)
    assert np.array_equal(a.people.status, b.people.status)
    assert np.array_equal(a.people.self_efficacy, b.people.self_efficacy)
    assert not np.array_equal(a.people.first_lapse_day, c.people.first_lapse_day)


def test_common_random_numbers_share_participants_across_designs():
    a = _model(seed=8, mentoring__enabled=False)
    b = _model(seed=8, mentoring__enabled=True)
    n = 300
    for name in ("substance", "age_group", "frailty", "self_efficacy"):
        assert np.array_equal(getattr(a.people, name)[:n], getattr(b.people, name)[:n])
    # the base network among participants and community is the same too
    base = a.people.size
    assert set(map(tuple, a.edges.tolist())) <= set(map(tuple, b.edges.tolist())) or base == 0


def test_more_using_friends_means_more_lapses():
    quiet = _model(seed=2, size=800, days=60, network__using_contact_risk=0.0)
    risky = _model(seed=2, size=800, days=60, network__using_contact_risk=1.0)
    quiet.run()
    risky.run()
    assert risky.people.lapses.sum() > quiet.people.lapses.sum()


def test_a_misspelled_keyword_argument_is_a_scenario_error():
    from simulation.errors import ScenarioError
    from simulation.model.model import RecoveryCommunityModel

    with pytest.raises(ScenarioError, match="caseload_capp") as info:
        RecoveryCommunityModel(seed=1, mentoring__caseload_capp=3)
    assert "caseload_cap" in info.value.allowed
