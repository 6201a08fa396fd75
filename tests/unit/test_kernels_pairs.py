"""The pairs' daily upkeep on the rows that need it gives exactly the all-rows numbers.

`program.update_mentors` finds the mentors' and mentees' rows once and works on those (and on
the participants' rows only, the only ones ever matched). Each reference below is the former
all-rows body, kept here as the oracle.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_people import SEEDS, SIZES, draws, random_people, row_draws

from simulation.model.mechanisms import alliance, matching, mentor_wellbeing, mentoring
from simulation.model.mechanisms.alliance import AllianceParams
from simulation.model.mechanisms.mentor_wellbeing import MentorWellbeingParams
from simulation.model.mechanisms.mentoring_params import MentoringParams
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import DECEASED, KIND_NAMES, NEVER, PARTICIPANT, USING
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.files import load_scenario

PARAMS = MentoringParams(attrition_rate_per_year=52.0, match_failure_rate_per_year=40.0)
WELLBEING = [MentorWellbeingParams(), MentorWellbeingParams(enabled=False)]
STATE = ("mentor", "caseload", "support", "alliance", "self_efficacy", "is_mentor")


def _people(n, seed):
    """Random people whose participants come first; only they have mentors (as in a model)."""
    rng = np.random.default_rng(seed + 500)
    people = random_people(n, seed)
    n_part = int(0.6 * n)
    others = [k for k in range(len(KIND_NAMES)) if k != PARTICIPANT]
    people.kind[:n_part] = PARTICIPANT
    people.kind[n_part:] = rng.choice(others, n - n_part)
    people.mentor[n_part:] = NEVER
    return people, n_part


def _same(a, b):
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in STATE)


def _release_mentees(people):
    has_mentor = people.mentor != NEVER
    mentor = np.where(has_mentor, people.mentor, 0)
    status = people.status[mentor]
    gone = has_mentor & (
        ~people.is_mentor[mentor]
        | (status == USING)
        | (status == DECEASED)
        | (people.status == DECEASED)
    )
    freed = np.flatnonzero(gone)
    mentoring.end_pairs(people, freed)
    return freed


def _failing_matches(people, params, u):
    p = rate_to_probability(
        per_day(params.match_failure_rate_per_year, "year") * (1.0 - people.alliance)
    )
    return np.flatnonzero((people.mentor != NEVER) & (u < p))


def _mentors_leave(people, params, u, multiplier):
    p_leave = rate_to_probability(per_day(params.attrition_rate_per_year, "year") * multiplier)
    leaving = people.is_mentor & (
        (u < p_leave) | (people.status == USING) | (people.status == DECEASED)
    )
    people.is_mentor[leaving] = False
    return leaving


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_release_on_the_participants_rows_matches_every_row(n, seed):
    (people, n_part), (mine, _) = _people(n, seed), _people(n, seed)
    assert np.array_equal(mentoring.release_mentees(mine, n_part), _release_mentees(people))
    assert _same(mine, people)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("wellbeing", WELLBEING)
def test_leaving_on_the_mentors_rows_matches_every_row(n, seed, wellbeing):
    rng = np.random.default_rng(seed + 7)
    (people, _), (mine, _) = _people(n, seed), _people(n, seed)
    whole = 1.0 + (wellbeing.burnout_attrition_ratio - 1.0) * people.burnout
    if not wellbeing.enabled:
        whole = np.ones(n)
    p_leave = rate_to_probability(per_day(PARAMS.attrition_rate_per_year, "year") * whole)
    u = draws(rng, n, near=(p_leave,))
    mentors = np.flatnonzero(mine.is_mentor)
    ratio = mentor_wellbeing.attrition_multiplier(mine, wellbeing, mentors)
    assert np.array_equal(ratio, whole[mentors])
    got = mentoring.mentors_leave(mine, PARAMS, u, ratio, mentors)
    assert np.array_equal(got, np.flatnonzero(_mentors_leave(people, PARAMS, u, whole)))
    assert _same(mine, people)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_leaving_with_row_draws_equals_leaving_with_the_full_draws(n, seed):
    """`program.update_mentors` gives the mentors' draws only (`RowDraws`): the same leavers."""
    (people, n_part), (mine, _) = _people(n, seed), _people(n, seed)
    made, full = row_draws(n, seed, n_part)
    mentors = np.flatnonzero(mine.is_mentor)
    ratio = mentor_wellbeing.attrition_multiplier(mine, WELLBEING[0], mentors)
    got = mentoring.mentors_leave(mine, PARAMS, made, ratio, mentors)
    assert np.array_equal(got, mentoring.mentors_leave(people, PARAMS, full, ratio, mentors))
    assert _same(mine, people)
    if n == SIZES[-1]:  # not vacuous: some leave at the attrition rate, some stay
        assert np.count_nonzero((people.status[got] != USING) & (people.status[got] != DECEASED))
        assert np.count_nonzero(mine.is_mentor) > 0


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("draw_dtype", [np.float32, np.float64])
def test_breakdowns_on_the_mentees_rows_match_every_row(n, seed, draw_dtype):
    rng = np.random.default_rng(seed + 9)
    people, n_part = _people(n, seed)
    rate = per_day(PARAMS.match_failure_rate_per_year, "year") * (1.0 - people.alliance)
    u = draws(rng, n, draw_dtype, near=(rate_to_probability(rate),))
    mentees = np.flatnonzero(people.mentor[:n_part] != NEVER)
    failing = mentoring.failing_matches(people, PARAMS, u, mentees)
    assert np.array_equal(failing, _failing_matches(people, PARAMS, u))
    assert np.array_equal(mentoring.failing_matches(people, PARAMS, u), failing)
    for yearly in (40.0, 0.5, 1e-9):  # tiny rates: chances within rounding of the rate
        params = MentoringParams(
            match_failure_rate_per_year=yearly, alliance=AllianceParams(dissolution_alliance=0.5)
        )
        chance = rate_to_probability(per_day(yearly, "year") * (1.0 - people.alliance))
        u = draws(rng, n, draw_dtype, near=(chance,))
        u[: n // 3] = (chance[: n // 3] * rng.uniform(0.0, 1.5, n // 3)).astype(draw_dtype)
        whole = np.union1d(
            alliance.dissolving(people, params.alliance), _failing_matches(people, params, u)
        )
        assert np.array_equal(mentoring.breaking_pairs(people, params, u, n_part), whole)
        assert len(_failing_matches(people, params, u)) > 0 or n < 3000


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_seekers_and_their_matches_are_the_mask_path(n, seed):
    rng = np.random.default_rng(seed + 11)
    (people, n_part), (mine, _) = _people(n, seed), _people(n, seed)
    caseload = np.where(people.is_mentor, rng.integers(0, 7, n), 0)
    for state in (people, mine):
        state.caseload[:] = caseload
    wait_until = np.random.default_rng(seed).integers(0, 20, n)
    day = 10
    seeking = mentoring.seeking_mentor(people) & (wait_until <= day)
    rows = mentoring.seekers(mine, wait_until, day, n_part)
    assert np.array_equal(rows, np.flatnonzero(seeking & (people.mentor == NEVER)))
    priority = rng.random(n, dtype=np.float32)
    got = matching.assign_rows(mine, PARAMS, rows, priority)
    want = matching.assign_mentors(people, PARAMS, seeking, priority)
    assert np.array_equal(got, want)
    assert _same(mine, people)
    assert len(want) > 0 or n < 3000


@pytest.mark.parametrize(
    "scenario",
    ["community_peer_mentoring", "mentor_pipeline", "intake_one_mentor_per_5_referrals"],
)
def test_mentor_rows_kept_from_yesterday_are_every_mentor(scenario):
    """`update_mentors` starts from yesterday's mentors' rows (without intake): always right.

    Pipeline graduates join and intake hires start; leavers go. The rows it keeps for the day
    are `np.flatnonzero(is_mentor)` after every step, and mentors did leave and join.
    """
    s = load_scenario(f"scenarios/{scenario}.yaml", ["population.size=600", "days=60"])
    model = RecoveryCommunityModel(s, seed=3)
    seen = set()
    for _ in range(60):
        model.step()
        day, rows = model.mentor_rows
        assert day == model.day
        assert np.array_equal(rows, np.flatnonzero(model.people.is_mentor))
        seen.add(tuple(rows))
    assert len(seen) > 1  # not vacuous: who is a mentor changed
