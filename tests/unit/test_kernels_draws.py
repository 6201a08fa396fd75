"""Mechanisms given the day's draws for the rows they read (`RowDraws`) give the same results.

`model.row_draws(purpose)[rows]` equals `model.draws(purpose)[rows]`; each mechanism below is
given the draws of its rows only in the model, and must then give exactly what it gives from
the full array of the same draws (seeded, sizes from empty to thousands). The contact step's
(`test_kernels_contact`), mentor attrition's (`test_kernels_pairs`) and later enrolment's
(`test_kernels_stigma`) are checked with their kernels' other tests, the day's use
(`test_kernels_lapse_course`) with its NumPy body.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from kernel_people import SEEDS, SIZES, random_people, row_draws

from simulation.model.mechanisms import (
    appeal,
    digital,
    matching,
    network,
    pipeline,
    setting,
    tie_dynamics,
    waiting_list,
)
from simulation.model.mechanisms.digital import SelfGuidedToolParams
from simulation.model.mechanisms.mentoring_params import MentoringParams
from simulation.model.mechanisms.pipeline import PipelineParams
from simulation.model.mechanisms.setting import SettingParams
from simulation.model.mechanisms.tie_dynamics import TieDynamicsParams
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import DECEASED, NEVER, PARTICIPANT, RECOVERING
from simulation.model.units import per_day, rate_to_probability
from simulation.scenario.schema import Scenario

TOOL = SelfGuidedToolParams(enabled=True, uptake_at_full_preference=0.8)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("others", [True, False])
def test_tool_uptake_of_chosen_rows_equals_the_whole_arrays_rows(n, seed, others):
    people = random_people(n, seed)
    rng = np.random.default_rng(seed + 11)
    preference = rng.random(n)
    rows = np.sort(rng.choice(n, n // 3, replace=False)) if n else np.zeros(0, dtype=np.int64)
    made, full = row_draws(n, seed, others=others)
    whole = digital.start_tool(people, TOOL, preference, full)
    got = digital.start_tool(people, TOOL, preference, made, rows)
    assert got.dtype == whole.dtype and np.array_equal(got, whole[rows])
    off = digital.start_tool(people, SelfGuidedToolParams(enabled=False), preference, made, rows)
    assert np.array_equal(off, np.zeros(len(rows)))
    if n == SIZES[-1]:  # not vacuous: some take the tool up, some do not
        assert 0 < got.sum() < np.count_nonzero(people.kind[rows] == PARTICIPANT)


def _intake_model(size: int) -> RecoveryCommunityModel:
    scenario = Scenario(
        days=60,
        population={"size": size},
        mentoring={"enabled": True, "mentors_per_100_participants": 5},
        intake={"enabled": True, "referrals_per_month": size},
    )
    return RecoveryCommunityModel(scenario, seed=size)


@pytest.mark.parametrize("size", [1, 200, 3000])
def test_admitting_referrals_with_row_draws_equals_the_full_draws(size):
    model = _intake_model(size)
    enrolled = 0
    for today in (1, 2, 5, 30):
        made, full = row_draws(model.people.size, today, model.intake.first_row + 1)
        twin_people, twin_intake = copy.deepcopy(model.people), copy.deepcopy(model.intake)
        rows, joined = model.intake.admit(model.people, model.scenario.stigma, today, made)
        want = twin_intake.admit(twin_people, model.scenario.stigma, today, full)
        assert np.array_equal(rows, want[0]) and np.array_equal(joined, want[1])
        for name in model.people.array_names():
            assert np.array_equal(getattr(model.people, name), getattr(twin_people, name)), name
        enrolled += len(joined)
    if size == 3000:  # not vacuous: referrals arrive and some enrol
        assert enrolled > 0 and model.intake.next > enrolled


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_introductions_with_row_picks_equal_the_full_picks(n, seed):
    people = random_people(n, seed)
    rng = np.random.default_rng(seed + 21)
    edges = rng.integers(0, max(n, 1), (3 * n, 2)) if n > 1 else np.zeros((0, 2), np.int64)
    edges = edges[edges[:, 0] != edges[:, 1]]
    adjacency = network.adjacency_from_edges(edges, n)
    params = TieDynamicsParams(mentor_introduction_per_week=0.3)
    draws = rng.random(n, dtype=np.float32)
    made, full = row_draws(n, seed + 1, others=False)
    got = tie_dynamics.mentor_introductions(adjacency, people, params, draws, made)
    want = tie_dynamics.mentor_introductions(adjacency, people, params, draws, full)
    assert got.dtype == want.dtype and np.array_equal(got, want)
    if n == SIZES[-1]:  # not vacuous: mentees are introduced
        assert len(got) > 0 and np.all(people.mentor[got[:, 0]] != NEVER)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("rule", ["random", "composite"])
def test_matching_with_row_draws_equals_matching_with_the_full_draws(n, rule):
    """The draws made for the seekers and the free mentors alone give the same pairs."""
    weights = {"veteran": 1.0, "age_group": 0.5} if rule == "composite" else {}
    params = MentoringParams(caseload_cap=5, matching=rule, composite_weights=weights)
    pairs = []
    for share in (0.02, 0.5):  # few seekers for many slots, and many for few
        people, twin = _matching_people(n, n), _matching_people(n, n)
        seekers = np.flatnonzero(
            (np.random.default_rng(n).random(n) < share) & (people.mentor == NEVER)
        )
        made, full = row_draws(n, n + 5)
        got = matching.assign_rows(people, params, seekers, made)
        want = matching.assign_rows(twin, params, seekers, full)
        assert np.array_equal(got, want)
        for name in ("mentor", "alliance", "caseload", "mentor_changes"):
            assert np.array_equal(getattr(people, name), getattr(twin, name)), name
        pairs.append(len(got))
    if n == SIZES[-1]:  # not vacuous: pairs are made
        assert min(pairs) > 0


def _matching_people(n, seed):
    """Random people, most of them available, with caseloads below and at the cap."""
    rng = np.random.default_rng(seed + 23)
    people = random_people(n, seed)
    people.status[rng.random(n) < 0.6] = RECOVERING
    people.caseload[:] = rng.integers(0, 6, n)
    people.veteran[:] = rng.random(n) < 0.3
    return people


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_residence_with_row_draws_equals_residence_with_the_full_draws(n, seed):
    """Free places go to the same waiting people from the draws made for them alone."""
    people = random_people(n, seed)
    rng = np.random.default_rng(seed + 31)
    people.status[rng.random(n) < 0.5] = RECOVERING
    people.days_abstinent[:] = rng.integers(0, 200, n)
    people.residence_days_left[:] = np.where(rng.random(n) < 0.1, rng.integers(0, 9, n), 0)
    twin = copy.deepcopy(people)
    made, full = row_draws(n, seed + 2, others=False)
    params = SettingParams(kind="residential", residential_places_per_100=40)
    setting.update_residence(people, params, made)
    setting.update_residence(twin, params, full)
    assert np.array_equal(people.residence_days_left, twin.residence_days_left)
    if n == SIZES[-1]:  # not vacuous: places are given, and not to everyone who waits
        given = people.residence_days_left == params.residential_stay_days
        assert 0 < np.count_nonzero(given) < np.count_nonzero(people.enrolled)


def _queue_priority(people, params, draws, hazard, queue=None):
    """`waiting_list.queue_priority`'s NumPy body before it took `RowDraws` (the reference)."""
    priority = draws.astype(np.float64)
    if queue is None:
        queue = people.kind == PARTICIPANT
    rows = np.flatnonzero(queue & (people.kind == PARTICIPANT))
    if len(rows) == 0:
        return priority
    key = people.entry_day[rows] if params.rule == "first_come" else -hazard[rows]
    order = np.lexsort((draws[rows], key))
    priority[rows[order]] = np.arange(len(rows)) / len(rows)
    return priority


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("rule", ["first_come", "highest_risk"])
def test_queue_priority_with_row_draws_equals_the_full_priority(n, rule):
    """The queue's priorities from its draws alone, and matching by them, are the same."""
    params = waiting_list.WaitingListParams(rule=rule)
    mentoring_params = MentoringParams(caseload_cap=5)
    rng = np.random.default_rng(n + 41)
    hazard = np.where(rng.random(n) < 0.2, 0.0, rng.random(n))  # ties broken by the draws
    pairs = []
    for share in (0.0, 0.05, 0.6):  # nobody waiting, a few, and more than the slots
        people, twin = _matching_people(n, n + 1), _matching_people(n, n + 1)
        people.entry_day[:] = twin.entry_day[:] = rng.integers(0, 9, n)  # ties in the rule
        queue = (rng.random(n) < share) & (people.mentor == NEVER) & ~people.is_mentor
        made, full = row_draws(n, n + 6)
        got = waiting_list.queue_priority(people, params, made, hazard, queue)
        want = _queue_priority(twin, params, full, hazard, queue)
        assert isinstance(got, waiting_list.QueuePriority)
        assert np.array_equal(np.asarray(got), want) and np.asarray(got).dtype == want.dtype
        rows = rng.permutation(np.r_[np.arange(n), np.arange(n)[queue]])  # any order, repeats
        assert np.array_equal(got[rows], want[rows]) and got[rows].dtype == want.dtype
        queued = np.flatnonzero(queue & (people.kind == PARTICIPANT))  # what matching reads
        assert np.array_equal(got[queued], want[queued]) and got[queued].dtype == want.dtype
        assert np.array_equal(waiting_list.queue_priority(twin, params, full, hazard, queue), want)
        matched = matching.assign_mentors(people, mentoring_params, queue, got)
        assert np.array_equal(matched, matching.assign_mentors(twin, mentoring_params, queue, want))
        assert np.array_equal(people.mentor, twin.mentor)
        assert np.array_equal(people.alliance, twin.alliance)
        pairs.append(len(matched))
    if n == SIZES[-1]:  # not vacuous: pairs are made
        assert min(pairs[1:]) > 0


def _recruit(people, params, draws, day):
    """`pipeline.recruit`'s NumPy body before it read the eligible's draws alone."""
    eligible = (
        (people.kind == PARTICIPANT)
        & (people.status == RECOVERING)
        & ~people.is_mentor
        & (people.trainee_until == NEVER)
        & (people.days_abstinent >= params.min_days_abstinent)
        & (people.self_efficacy >= params.min_self_efficacy)
    )
    p = rate_to_probability(per_day(params.recruitment_rate_per_year, "year"))
    recruits = eligible & (draws < p)
    people.trainee_until[recruits] = day + params.training_delay_days
    return recruits


def _give_up(people, params, draws, today):
    """`waiting_list.give_up`'s NumPy body before it read the waiting people's draws alone."""
    p = rate_to_probability(per_day(params.give_up_rate_per_month, "month"))
    leaving = waiting_list.waiting(people) & (draws < p)
    people.enrolled[leaving] = False
    first_time = leaving & (people.left_waiting_day == NEVER)
    people.left_waiting_day[first_time] = today
    return leaving


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_recruits_and_giving_up_with_row_draws_equal_the_numpy_bodies(n, seed):
    """Recruiting and giving up from the draws of the eligible (or waiting) alone."""
    rng = np.random.default_rng(seed + 43)
    people = random_people(n, seed)
    people.status[rng.random(n) < 0.5] = RECOVERING
    people.trainee_until[:] = np.where(rng.random(n) < 0.8, NEVER, rng.integers(0, 30, n))
    people.days_abstinent[:] = rng.integers(0, 200, n)
    people.first_served_day[:] = np.where(rng.random(n) < 0.5, NEVER, 3)
    twin = copy.deepcopy(people)
    made, full = row_draws(n, seed + 7, others=False)
    recruiting = PipelineParams(
        enabled=True, min_days_abstinent=100, min_self_efficacy=0.3, recruitment_rate_per_year=50
    )
    got = pipeline.recruit(people, recruiting, made, 40)
    assert np.array_equal(got, _recruit(twin, recruiting, full, 40))
    assert np.array_equal(people.trainee_until, twin.trainee_until)
    giving_up = waiting_list.WaitingListParams(give_up_rate_per_month=6.0)
    left = waiting_list.give_up(people, giving_up, made, 41)
    assert np.array_equal(left, _give_up(twin, giving_up, full, 41))
    assert np.array_equal(people.enrolled, twin.enrolled)
    assert np.array_equal(people.left_waiting_day, twin.left_waiting_day)
    if n == SIZES[-1]:  # not vacuous: some are recruited and some give up, not everyone
        assert 0 < got.sum() < np.count_nonzero(people.kind == PARTICIPANT)
        assert 0 < left.sum() < np.count_nonzero(twin.enrolled) + left.sum()


def _extra_enrolment(people, base_rate_per_year, odds_shift, ratio, draws):
    """`appeal.extra_enrolment`'s NumPy body before it worked on the rows it fits alone."""
    waiting = (people.kind == PARTICIPANT) & ~people.enrolled & (people.status != DECEASED)
    extra_rate = per_day(base_rate_per_year, "year") * (ratio - 1.0) * np.exp(odds_shift)
    joining = waiting & (ratio > 1.0) & (draws < rate_to_probability(extra_rate))
    people.enrolled[joining] = True
    people.ever_enrolled[joining] = True
    return joining


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_joining_for_fit_with_row_draws_equals_the_numpy_body(n, seed):
    """The people the design fits better join from their own rates and draws alone."""
    rng = np.random.default_rng(seed + 47)
    people = random_people(n, seed)
    twin = copy.deepcopy(people)
    odds_shift = rng.normal(0.0, 1.5, n)
    ratio = np.where(rng.random(n) < 0.3, 1.0, rng.uniform(0.5, 40.0, n))  # at, below, above 1
    made, full = row_draws(n, seed + 9, others=False)
    got = appeal.extra_enrolment(people, 20.0, odds_shift, ratio, made)
    assert np.array_equal(got, _extra_enrolment(twin, 20.0, odds_shift, ratio, full))
    assert np.array_equal(people.enrolled, twin.enrolled)
    assert np.array_equal(people.ever_enrolled, twin.ever_enrolled)
    if n == SIZES[-1]:  # not vacuous: some join, not all who could
        assert 0 < got.sum() < np.count_nonzero((people.kind == PARTICIPANT) & (ratio > 1.0))
