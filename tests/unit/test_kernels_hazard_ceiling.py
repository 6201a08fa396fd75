"""Given today's draws, `daily_hazard` leaves out only rows that cannot lapse (issue 17).

A row is left out when its draw is above its baseline times `factor_ceiling` (times
`state_of_mind_ceiling` before the state of mind): on real runs of the bundled designs the
factors never pass their ceiling, and the lapses (who, and the lengths) are those of every
row's hazard.
"""

from __future__ import annotations

import numpy as np
import pytest
from random_people import copy_people, draws, same_people

from simulation.model import lapse_risk
from simulation.model.mechanisms import lapse_course, relapse
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import RECOVERING
from simulation.scenario.files import load_scenario

SCENARIOS = [
    "community_peer_mentoring",
    "residential_peer_mentoring",
    "digital_peer_platform",
    "mentor_pipeline",
    "treatment_as_usual",
    "veteran_matched_mentoring",
    "stigma_reduction_campaign",
]


def _run(scenario: str, days: int, seed: int = 13, size: int = 800) -> RecoveryCommunityModel:
    s = load_scenario(f"scenarios/{scenario}.yaml", [f"population.size={size}", "days=60"])
    model = RecoveryCommunityModel(s, seed=seed)
    for _ in range(days):
        model.step()
    return model


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_factors_never_pass_their_ceiling_on_real_runs(scenario):
    # Every row in recovery, on several days: the hazard over its baseline stays at or below
    # the ceiling of its kind (mentor or not), so rows left out could never have lapsed.
    model = _run(scenario, 0)
    for day in range(45):
        people, p = model.people, model.scenario
        rows = lapse_risk.hazard_rows(model)
        if day % 5 == 0:
            today = model.day + 1
            hazard = lapse_risk.daily_hazard(model, model.contacts.exposure(people), today)
            base = relapse.lapse_hazard(people, p.relapse, model.hazard_table, today, rows)
            others, mentors = lapse_risk.factor_ceiling(model)
            ceiling = np.where(people.is_mentor[rows], mentors, others)
            assert np.all(hazard[rows] <= base * ceiling)
            mind = relapse.state_of_mind_ratio(people, p.relapse, rows)
            assert np.all(mind <= lapse_risk.state_of_mind_ceiling(p.relapse))
            assert others >= 1.0 and mentors >= others
        model.step()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_with_the_draws_only_rows_that_cannot_lapse_are_left_out(scenario):
    model = _run(scenario, 30)
    people = model.people
    exposure, today = model.contacts.exposure(people), model.day + 1
    u = draws(people.size, 17) ** 3  # many low draws: more rows come near their hazard
    whole = lapse_risk.daily_hazard(model, exposure, today)
    pruned = lapse_risk.daily_hazard(model, exposure, today, u)
    kept = pruned != lapse_risk.NOT_AT_RISK
    assert np.array_equal(pruned[kept], whole[kept])
    recovering = people.status == RECOVERING
    assert 0 < kept.sum() < recovering.sum()  # some rows left out, some kept
    assert np.all(u[recovering & ~kept] > whole[recovering & ~kept])
    # And the same lapses, with the same lengths, as with every row's hazard.
    mine, theirs = copy_people(people), copy_people(people)
    got = lapse_course.apply_lapses(mine, pruned, u, today, 2)
    expected = lapse_course.apply_lapses(theirs, whole, u, today, 2)
    assert got.any() and np.array_equal(got, expected) and same_people(mine, theirs)


def test_no_ceiling_when_a_factor_could_grow_without_bound():
    model = _run("community_peer_mentoring", 0, size=100)
    assert lapse_risk.factor_ceiling(model) is not None
    s = model.scenario
    for section, field, value in (
        ("mentoring", "support_effect", -0.5),
        ("meetings", "meeting_protection", -0.1),
        ("mentor_wellbeing", "over_helping_risk_per_mentee", -0.01),
    ):
        changed = getattr(s, section).model_construct(
            **{**getattr(s, section).__dict__, field: value}
        )
        model.scenario = s.model_construct(**{**s.__dict__, section: changed})
        assert lapse_risk.factor_ceiling(model) is None, field
    model.scenario = s


def test_draws_not_one_per_person_are_refused():
    model = _run("community_peer_mentoring", 1, size=100)
    exposure = model.contacts.exposure(model.people)
    with pytest.raises(ValueError, match="daily_hazard: `draws` has shape"):
        lapse_risk.daily_hazard(model, exposure, model.day + 1, np.ones(3, np.float32))
