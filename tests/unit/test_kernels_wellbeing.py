"""Mentor wellbeing's and supervision's kernels give exactly the numbers of NumPy's expressions.

Each reference below is the function's former NumPy body, kept here as the oracle.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_people import SEEDS, SIZES, draws, random_people

from simulation.model.compiled import mask_words
from simulation.model.mechanisms import mentor_boundaries, mentor_wellbeing, supervision
from simulation.model.mechanisms.mentor_boundaries import CONTACTS_PER_YEAR_AT_WEEKLY
from simulation.model.mechanisms.mentor_wellbeing import MentorWellbeingParams
from simulation.model.mechanisms.supervision import SupervisionParams
from simulation.model.population import NEVER
from simulation.model.units import per_day, rate_to_probability

#: Default parameters, and frequent incidents with fast burnout so that every branch is taken.
PARAMS = [
    MentorWellbeingParams(),
    MentorWellbeingParams(
        boundary_incident_rate_per_year=52.0,
        burnout_per_boundary_incident=0.5,
        burnout_per_mentee_per_year=10.0,
        burnout_per_mentee_crisis=0.3,
    ),
]


def _over_helping_ratio(people, params, over_involvement=1.0):
    over = np.clip(people.caseload - params.over_helping_caseload, 0, None)
    return np.where(
        people.is_mentor, 1.0 + params.over_helping_risk_per_mentee * over_involvement * over, 1.0
    )


def _support_quality_ratio(people, params):
    mentees = np.flatnonzero(people.mentor != NEVER)
    ratio = np.ones(people.size)
    ratio[mentees] = 1.0 - params.burnout_quality_loss * people.burnout[people.mentor[mentees]]
    return ratio


def _boundary_incidents(people, params, over_involvement, draws, contact):
    p = rate_to_probability(
        params.boundary_incident_rate_per_year / CONTACTS_PER_YEAR_AT_WEEKLY * over_involvement
    )
    incident = contact & (people.mentor != NEVER) & (draws < p)
    if incident.any():
        hits = np.bincount(people.mentor[incident], minlength=people.size)
        people.burnout += params.burnout_per_boundary_incident * hits * (1.0 - people.burnout)
        np.clip(people.burnout, 0.0, 1.0, out=people.burnout)
    return incident


def _update_burnout(people, params, mentee_lapses, build_multiplier):
    mentors = people.is_mentor
    crises = np.bincount(
        people.mentor[mentee_lapses & (people.mentor != NEVER)], minlength=people.size
    )
    build = (
        per_day(params.burnout_per_mentee_per_year, "year") * people.caseload
        + params.burnout_per_mentee_crisis * crises
    ) * build_multiplier
    build *= people.strain_susceptibility
    b = people.burnout
    b[mentors] += build[mentors] * (1.0 - b[mentors])
    b[mentors] -= per_day(params.burnout_recovery_per_year, "year") * b[mentors]
    np.clip(b, 0.0, 1.0, out=b)


def _hazard_ratio(people, params):
    ratio = np.ones(people.size)
    helping = people.is_mentor & (people.caseload > 0)
    ratio[helping] = params.helper_hazard_ratio
    ratio[people.is_mentor] *= np.exp(
        params.burnout_hazard_effect * people.burnout[people.is_mentor]
    )
    return ratio


def _attrition_multiplier(people, params):
    return 1.0 + (params.burnout_attrition_ratio - 1.0) * people.burnout


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("params", PARAMS)
def test_ratios_match_numpy(n, seed, params):
    people = random_people(n, seed)
    for over_involvement in (1.0, 0.4):
        got = mentor_wellbeing.over_helping_ratio(people, params, over_involvement)
        assert np.array_equal(got, _over_helping_ratio(people, params, over_involvement))
    got = mentor_wellbeing.support_quality_ratio(people, params)
    assert np.array_equal(got, _support_quality_ratio(people, params))
    got = mentor_wellbeing.hazard_ratio(people, params)
    assert np.array_equal(got, _hazard_ratio(people, params))
    got = mentor_wellbeing.attrition_multiplier(people, params)
    assert np.array_equal(got, _attrition_multiplier(people, params))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("draw_dtype", [np.float32, np.float64])
def test_incidents_and_burnout_match_numpy(n, seed, params, draw_dtype):
    rng = np.random.default_rng(seed + 17)
    people, mine = random_people(n, seed), random_people(n, seed)
    for over_involvement in (1.0, 0.6):
        p = rate_to_probability(
            params.boundary_incident_rate_per_year / CONTACTS_PER_YEAR_AT_WEEKLY * over_involvement
        )
        u = draws(rng, n, draw_dtype, near=(p,))
        contact = rng.random(n) < 0.6
        args = (over_involvement, u, contact)
        got = mentor_boundaries.boundary_incidents(mine, params, *args)
        assert np.array_equal(got, _boundary_incidents(people, params, *args))
        assert np.array_equal(mine.burnout, people.burnout)
        lapses = rng.random(n) < 0.3
        for multiplier in (1.0, 0.5):
            mentor_wellbeing.update_burnout(mine, params, lapses, multiplier)
            _update_burnout(people, params, lapses, multiplier)
            assert np.array_equal(mine.burnout, people.burnout)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_supervision_matches_numpy(n, seed):
    rng = np.random.default_rng(seed + 19)
    people, mine = random_people(n, seed), random_people(n, seed)
    params = SupervisionParams(lapse_response_effect=0.3, burnout_relief=0.35)
    aware = rng.random(n) < 0.5
    expected = np.where(aware, 1.0 - params.lapse_response_effect, 1.0)
    assert np.array_equal(supervision.escalation_ratio(params, aware), expected)
    supervision.relieve_burnout(mine, params)
    people.burnout[people.is_mentor] *= 1.0 - params.burnout_relief
    assert np.array_equal(mine.burnout, people.burnout)
    supervision.relieve_burnout(mine, params, np.flatnonzero(mine.is_mentor))  # rows given
    people.burnout[people.is_mentor] *= 1.0 - params.burnout_relief
    assert np.array_equal(mine.burnout, people.burnout)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("extra_rows", [False, True])
def test_burnout_on_the_mentors_rows_matches_numpy(n, seed, params, extra_rows):
    """Only the mentors' rows (or rows that hold them) are worked on: the same numbers.

    Every burnout starts within 0-1, as the daily update leaves it.
    """
    rng = np.random.default_rng(seed + 23)
    people, mine = random_people(n, seed), random_people(n, seed)
    for state in (people, mine):
        np.clip(state.burnout, 0.0, 1.0, out=state.burnout)
    rows = np.flatnonzero(mine.is_mentor | (extra_rows & (rng.random(n) < 0.3)))
    calm = random_people(n, seed)
    np.clip(calm.burnout, 0.0, 1.0, out=calm.burnout)
    for multiplier in (1.0, 0.5):
        lapses = rng.random(n) < 0.3
        mentor_wellbeing.update_burnout(mine, params, lapses, multiplier, rows)
        _update_burnout(people, params, lapses, multiplier)
        assert np.array_equal(mine.burnout, people.burnout)
        _update_burnout(calm, params, np.zeros(n, dtype=bool), multiplier)
    if n > 1000:  # not vacuous: the crises counted raise some mentors' burnout
        assert (people.burnout > calm.burnout).sum() > 100


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 17, 3001])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("share", [0.0, 0.002, 0.3, 1.0])
def test_crisis_mentors_match_numpy(n, seed, share):
    """The lapsed mentees' mentors, read 8 rows to a word or row by row, are NumPy's."""
    rng = np.random.default_rng(seed + 29)
    mentor = np.where(rng.random(n) < 0.5, rng.integers(0, max(n, 1), n), NEVER).astype(np.int32)
    lapsed = rng.random(n) < share
    want = mentor[lapsed][mentor[lapsed] != NEVER].astype(np.int64)
    words = mask_words(lapsed)
    assert len(words) == n // 8
    assert np.array_equal(mentor_wellbeing._crisis_mentors(mentor, lapsed, words), want)
    assert np.array_equal(mentor_wellbeing._crisis_mentors(mentor, lapsed, words[:0]), want)
    every = np.broadcast_to(np.bool_(share > 0.5), n)  # not contiguous: no words
    assert len(mask_words(every)) == 0
    got = mentor_wellbeing._crisis_mentors(mentor, every, mask_words(every))
    assert np.array_equal(got, mentor[every][mentor[every] != NEVER])
