"""Program channels that need a mentor and mentee to meet (issue 12): none act without contact."""

from __future__ import annotations

import copy

import numpy as np

from simulation.model import program
from simulation.model.mechanisms import mentor_wellbeing
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import NEVER


def _model(contacts_per_week: float, days: int) -> RecoveryCommunityModel:
    model = RecoveryCommunityModel(
        seed=7,
        population={"size": 400},
        mentoring={"enabled": True, "contacts_per_week": contacts_per_week},
        training={"boundary_setting": False},  # fully over-involved mentors: most incidents
    )
    model.run(days)
    return model


def test_pairs_that_never_meet_have_no_boundary_incidents():
    silent = _model(0, 120)
    assert (silent.people.mentor != NEVER).sum() > 150  # pairs exist, they never meet
    assert silent.pairs.boundary_incidents.sum() == 0
    # Weekly contact (fewer kept by weak alliances): a 52nd of ~1 incident per pair-year per
    # contact, at full over-involvement; the same people and draws had 78 incidents without
    # any contact before incidents were tied to contacts.
    weekly = _model(1, 120)
    assert weekly.pairs.boundary_incidents.sum() > 10


def test_mentors_are_burnt_out_only_by_the_lapses_they_know_of():
    for contacts, known in ((0, False), (7, True)):
        model = _model(contacts, 20)
        p = model.scenario
        everyone_lapsed = model.people.mentor != NEVER
        unaware = copy.deepcopy(model.people)
        mentor_wellbeing.update_burnout(
            unaware,
            p.mentor_wellbeing,
            np.zeros(unaware.size, dtype=bool),
            p.training.burnout_multiplier(),
        )
        program.update_burnout(model, everyone_lapsed)
        mentors = model.people.is_mentor
        gained = model.people.burnout[mentors] - unaware.burnout[mentors]
        if known:  # daily contact: the mentor hears of every lapse
            assert gained.min() >= 0 and gained.sum() > 0.01 * mentors.sum()
        else:  # never in contact: a mentee's lapse cannot weigh on the mentor
            assert np.array_equal(model.people.burnout, unaware.burnout)
