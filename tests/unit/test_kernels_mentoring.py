"""Mentoring's kernels give exactly the numbers of the NumPy expressions they replaced.

Each reference below is the function's former NumPy body, kept here as the oracle.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_people import SEEDS, SIZES, draws, random_people

from simulation.model.mechanisms import mentoring
from simulation.model.mechanisms.mentoring_params import MentoringParams
from simulation.model.population import DECEASED, NEVER, USING
from simulation.model.units import per_day, rate_to_probability

#: Default parameters, and rates high enough that many rows pass each draw.
PARAMS = [
    MentoringParams(),
    MentoringParams(attrition_rate_per_year=52.0, match_failure_rate_per_year=40.0),
]
STATE = ("mentor", "caseload", "support", "alliance", "self_efficacy", "is_mentor")


def _same_state(a, b):
    return all(np.array_equal(getattr(a, name), getattr(b, name)) for name in STATE)


def _release_mentees(people):
    has_mentor = people.mentor != NEVER
    mentor = np.where(has_mentor, people.mentor, 0)
    mentor_status = people.status[mentor]
    gone = has_mentor & (
        ~people.is_mentor[mentor]
        | (mentor_status == USING)
        | (mentor_status == DECEASED)
        | (people.status == DECEASED)
    )
    freed = np.flatnonzero(gone)
    mentoring.end_pairs(people, freed)
    return freed


def _mentors_leave(people, params, draws, rate_multiplier=1.0):
    p_leave = rate_to_probability(per_day(params.attrition_rate_per_year, "year") * rate_multiplier)
    leaving = people.is_mentor & (
        (draws < p_leave) | (people.status == USING) | (people.status == DECEASED)
    )
    people.is_mentor[leaving] = False
    return leaving


def _failing_matches(people, params, draws):
    p = rate_to_probability(
        per_day(params.match_failure_rate_per_year, "year") * (1.0 - people.alliance)
    )
    return np.flatnonzero((people.mentor != NEVER) & (draws < p))


def _make_contact(
    people, params, draws, contact_probability=None, intensity=1.0, effectiveness=1.0
):
    if contact_probability is None:
        contact_probability = min(1.0, params.contacts_per_week / 7.0)
    people.support *= 0.5 ** (1.0 / params.support_half_life_days)
    contact = (people.mentor != NEVER) & (draws < contact_probability)
    people.support[contact] = np.maximum(
        people.support[contact], np.broadcast_to(intensity, people.support.shape)[contact]
    )
    gain = params.self_efficacy_gain_per_contact * np.broadcast_to(
        np.asarray(effectiveness, dtype=float), people.support.shape
    )
    people.self_efficacy[contact] += gain[contact] * (1.0 - people.self_efficacy[contact])
    return contact


def _hazard_ratio(people, params, quality=1.0):
    alliance = np.where(people.mentor != NEVER, people.alliance, 1.0)
    return np.exp(-params.support_effect * people.support * alliance * quality)


def _rapid_response_ratio(people, params, aware):
    rows = np.flatnonzero(aware)
    ratio = np.ones(people.size)
    ratio[rows] = 1.0 - params.rapid_response_effect * people.alliance[rows]
    return ratio


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_release_mentees_matches_numpy(n, seed):
    people, mine = random_people(n, seed), random_people(n, seed)
    assert np.array_equal(mentoring.release_mentees(mine), _release_mentees(people))
    assert _same_state(mine, people)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("draw_dtype", [np.float32, np.float64])
def test_leaving_and_failing_match_numpy(n, seed, params, draw_dtype):
    rng = np.random.default_rng(seed + 3)
    multiplier = rng.uniform(0.5, 4.0, n)
    for ratio in (1.0, multiplier):
        people, mine = random_people(n, seed), random_people(n, seed)
        p_leave = rate_to_probability(per_day(params.attrition_rate_per_year, "year") * ratio)
        u = draws(rng, n, draw_dtype, near=(p_leave,))
        assert np.array_equal(
            mentoring.mentors_leave(mine, params, u, ratio),
            np.flatnonzero(_mentors_leave(people, params, u, ratio)),
        )
        assert _same_state(mine, people)
    rate = per_day(params.match_failure_rate_per_year, "year") * (1.0 - people.alliance)
    u = draws(rng, n, draw_dtype, near=(rate_to_probability(rate),))
    assert np.array_equal(
        mentoring.failing_matches(mine, params, u), _failing_matches(people, params, u)
    )


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("draw_dtype", [np.float32, np.float64])
def test_make_contact_matches_numpy(n, seed, draw_dtype):
    rng = np.random.default_rng(seed + 5)
    # 4.9 / 7 and 0.7 round down to float32: a float64 comparison would differ at them.
    params = MentoringParams(contacts_per_week=4.9)
    per_row = rng.uniform(0.0, 1.0, n)
    cases = [
        (None, 1.0, 1.0),
        (0.7, 0.5, rng.uniform(0.0, 1.0, n)),
        (per_row, np.where(rng.random(n) < 0.5, 1.0, 0.3), rng.uniform(0.0, 1.0, n)),
    ]
    people, mine = random_people(n, seed), random_people(n, seed)
    for probability, intensity, effectiveness in cases:
        near = (4.9 / 7.0, 0.7, per_row)
        u = draws(rng, n, draw_dtype, near=near)
        args = (u, probability, intensity, effectiveness)
        got = mentoring.make_contact(mine, params, *args)
        assert np.array_equal(got, _make_contact(people, params, *args))
        assert _same_state(mine, people)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_hazard_and_rapid_response_ratios_match_numpy(n, seed):
    rng = np.random.default_rng(seed + 9)
    people = random_people(n, seed)
    params = MentoringParams()
    for quality in (1.0, 0.7, rng.uniform(0.2, 1.0, n)):
        got = mentoring.hazard_ratio(people, params, quality)
        assert np.array_equal(got, _hazard_ratio(people, params, quality))
    aware = rng.random(n) < 0.5
    got = mentoring.rapid_response_ratio(people, params, aware)
    assert np.array_equal(got, _rapid_response_ratio(people, params, aware))
