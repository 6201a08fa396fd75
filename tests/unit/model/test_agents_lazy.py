"""Mesa agents are made on first use: a run never builds them, asking gives the same agents."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from simulation.agents import CommunityMember, PeerMentor, PersonInRecovery
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import (
    COMMUNITY,
    MENTOR,
    NOT_YET_ARRIVED,
    PARTICIPANT,
    STATUS_NAMES,
)
from simulation.running.pool import release_model
from simulation.running.runner import simulate
from simulation.scenario.schema import Scenario

DAYS = 60


def _arriving_model(seed: int = 2) -> RecoveryCommunityModel:
    """Referrals arrive and mentors are hired during the run: agents are added on their days."""
    return RecoveryCommunityModel(
        seed=seed,
        population={"size": 120},
        days=DAYS,
        intake={"enabled": True, "referrals_per_month": 40},
        mentoring={"enabled": True, "recruitment_per_month": 3},
    )


def _agents(model: RecoveryCommunityModel) -> list[tuple[str, int, int]]:
    return [(type(a).__name__, a.unique_id, getattr(a, "row", None)) for a in model.agents]


def test_a_run_makes_no_agents_until_asked():
    model = _arriving_model()
    model.run()
    assert not model.agents_built
    assert model not in mesa.Agent._ids  # Mesa's id counter never saw it
    assert len(model.datacollector.get_model_vars_dataframe()) == DAYS
    # simulate() (what `recovery-sim run` calls) does not make them either.
    before = set(mesa.Agent._ids)
    simulate(Scenario(days=20, population={"size": 100}, mentoring={"enabled": True}), seed=1)
    assert set(mesa.Agent._ids) == before


@pytest.mark.parametrize("asked_on_day", [10, DAYS])
def test_agents_asked_for_late_are_the_agents_made_at_once(asked_on_day):
    eager, lazy = _arriving_model(), _arriving_model()
    day_zero_kind = eager.people.kind.copy()
    eager_at_start = len(eager.agents)  # made on day 0, then each arrival's on its day
    eager.run()
    lazy.run(asked_on_day)
    assert not lazy.agents_built
    lazy_then = len(lazy.agents)
    lazy.run(DAYS - asked_on_day)

    kind = lazy.people.kind
    assert eager_at_start == (day_zero_kind != NOT_YET_ARRIVED).sum()
    assert len(lazy.agents) == (kind != NOT_YET_ARRIVED).sum()
    assert (lazy_then < len(lazy.agents)) == (asked_on_day < DAYS)  # later arrivals: made at once
    assert _agents(lazy) == _agents(eager)  # same classes, ids and rows, in the same order
    assert [a.unique_id for a in lazy.agents] == list(range(1, len(lazy.agents) + 1))
    counts = {t: len(lazy.agents_by_type[t]) for t in lazy.agents_by_type}
    assert counts == {
        PersonInRecovery: (kind == PARTICIPANT).sum(),  # the day-0 cohort and the referrals
        PeerMentor: (kind == MENTOR).sum(),  # day-0 mentors and the hires
        CommunityMember: (kind == COMMUNITY).sum(),
    }
    # People joined during the run: referrals and hired mentors have agents too.
    assert counts[PersonInRecovery] > (day_zero_kind == PARTICIPANT).sum() == 120
    assert counts[PeerMentor] > (day_zero_kind == MENTOR).sum()
    assert lazy.agent_types == eager.agent_types == [PersonInRecovery, PeerMentor, CommunityMember]
    for t in lazy.agents_by_type:
        assert [a.row for a in lazy.agents_by_type[t]] == [a.row for a in eager.agents_by_type[t]]
    rows = [None if a is None else a.row for a in lazy.agent_at_row]
    assert rows == [None if a is None else a.row for a in eager.agent_at_row]
    assert all(rows[r] is None for r in np.flatnonzero(kind == NOT_YET_ARRIVED))
    # Asking for agents changes no number of the run.
    for name in lazy.people.array_names():
        assert np.array_equal(getattr(lazy.people, name), getattr(eager.people, name)), name
    release_model(eager, lazy)


def test_an_agent_of_ones_own_makes_the_models_agents_and_follows_them():
    eager, lazy = _arriving_model(), _arriving_model()
    eager.agents  # noqa: B018 - asking makes them
    mine_eager, mine_lazy = mesa.Agent(eager), mesa.Agent(lazy)
    assert lazy.agents_built
    assert list(lazy.agents)[-1] is mine_lazy and list(eager.agents)[-1] is mine_eager
    made_at_once, made_then = _agents(eager)[:-1], _agents(lazy)[:-1]
    assert [(kind, row) for kind, _, row in made_then] == [(k, r) for k, _, r in made_at_once]
    # Mesa numbered the new agent before the model's own agents existed.
    assert mine_eager.unique_id == len(made_at_once) + 1 and mine_lazy.unique_id == 1
    assert [uid for _, uid, _ in made_then] == [uid + 1 for _, uid, _ in made_at_once]
    release_model(eager, lazy)


def test_setting_agents_is_an_error_as_in_mesa():
    model = RecoveryCommunityModel(seed=1, population={"size": 20})
    with pytest.raises(AttributeError, match=r"set model\.agents"):
        model.agents = []
    model.remove_all_agents()  # made, then removed: nothing comes back later
    assert len(model.agents) == 0 and model.agents_built
    release_model(model)


def test_a_datacollector_agent_reporter_makes_the_agents_and_reads_the_rows():
    model = _arriving_model()
    model.run(5)
    collector = mesa.DataCollector(agent_reporters={"status": "status"})
    collector.collect(model)
    frame = collector.get_agent_vars_dataframe()
    assert model.agents_built and len(frame) == len(model.agents)
    rows = [a.row for a in model.agents]  # the frame is in the AgentSet's order
    codes = model.people.status[rows]
    assert frame["status"].tolist() == [STATUS_NAMES[c] for c in codes]
    assert frame["status"].nunique() > 1  # a real mix of statuses, not one default
    release_model(model)
