"""Mentor matching, caseloads, contact and release (simulation.model.mechanisms.mentoring)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import matching, mentoring
from simulation.model.population import DECEASED, MENTOR, NEVER, PARTICIPANT, RECOVERING, USING


def _params(**kw) -> mentoring.MentoringParams:
    return mentoring.MentoringParams(enabled=True, **kw)


def _program(n_mentees: int, n_mentors: int, **arrays):
    """Participants in rows 0..n_mentees-1, mentors after them."""
    n = n_mentees + n_mentors
    kind = np.r_[np.full(n_mentees, PARTICIPANT), np.full(n_mentors, MENTOR)]
    people = make_people(n, kind=kind, is_mentor=kind == MENTOR, **arrays)
    return people


def _check_links(people) -> None:
    """Caseload equals the number of mentees pointing at each mentor."""
    counts = np.bincount(people.mentor[people.mentor != NEVER], minlength=people.size)
    assert np.array_equal(counts, people.caseload)


def test_pair_within_keys_respects_keys_and_orders():
    seeker_keys = np.array([0, 0, 1, 1, 1])
    slot_keys = np.array([1, 0, 1])
    seeker_order = np.array([0.9, 0.1, 0.5, 0.2, 0.7])
    slot_order = np.array([0.3, 0.0, 0.1])
    seekers, slots = matching.pair_within_keys(seeker_keys, slot_keys, seeker_order, slot_order)
    pairs = dict(zip(seekers.tolist(), slots.tolist(), strict=True))
    # key 0: one slot, goes to the seeker first in order (index 1);
    # key 1: two slots, slot 2 (order 0.1) to seeker 3 (0.2), slot 0 to seeker 2 (0.5).
    assert pairs == {1: 1, 3: 2, 2: 0}
    assert all(seeker_keys[s] == slot_keys[t] for s, t in pairs.items())


def test_pair_within_keys_empty_inputs():
    empty = np.empty(0, dtype=np.int64)
    s, t = matching.pair_within_keys(empty, np.array([0]), empty, np.array([0.0]))
    assert len(s) == len(t) == 0


def test_assign_mentors_never_exceeds_cap_and_fills_evenly():
    people = _program(10, 3)
    params = _params(caseload_cap=2)
    rows = matching.assign_mentors(
        people, params, people.kind == PARTICIPANT, np.random.default_rng(0).random(13)
    )
    assert len(rows) == 6  # 3 mentors x cap 2
    assert people.caseload[10:].tolist() == [2, 2, 2]
    _check_links(people)
    assert np.all(people.mentor_changes[rows] == 1)

    people = _program(4, 3)
    matching.assign_mentors(
        people, _params(caseload_cap=5), people.kind == PARTICIPANT, np.linspace(0, 0.9, 7)
    )
    assert sorted(people.caseload[4:].tolist()) == [1, 1, 2]  # even filling
    assert np.all(people.mentor[:4] >= 4)


@pytest.mark.parametrize("seed", range(5))
def test_assign_mentors_random_days_keep_caseloads_valid(seed):
    rng = np.random.default_rng(seed)
    people = _program(60, 8, substance=rng.integers(0, 4, 68))
    params = _params(caseload_cap=4, matching="same_substance")
    for _ in range(10):
        # some mentors relapse, some come back; mentees are released and rematched
        people.status[60:] = np.where(rng.random(8) < 0.2, USING, RECOVERING)
        mentoring.release_mentees(people)
        matching.assign_mentors(people, params, mentoring.seeking_mentor(people), rng.random(68))
        assert people.caseload.max() <= params.caseload_cap
        assert np.all(people.mentor[people.mentor != NEVER] >= 60)
        assert np.all(people.status[people.mentor[people.mentor != NEVER]] == RECOVERING)
        _check_links(people)


def test_same_substance_matching_respects_keys_then_falls_back():
    # mentees: substances 0,0,1,2 ; mentors: substances 0,1 with cap 2
    people = _program(4, 2, substance=[0, 0, 1, 2, 0, 1])
    params = _params(caseload_cap=2, matching="same_substance")
    matching.assign_mentors(people, params, people.kind == PARTICIPANT, np.zeros(6))
    assert people.mentor[:3].tolist() == [4, 4, 5]
    # substance 2 has no mentor: falls back to the free slot (mentor 5)
    assert people.mentor[3] == 5
    _check_links(people)


def test_random_matching_has_no_fallback_needed_and_ignores_keys():
    people = _program(3, 1, substance=[0, 1, 2, 3])
    matching.assign_mentors(
        people, _params(caseload_cap=3), people.kind == PARTICIPANT, np.zeros(4)
    )
    assert people.mentor[:3].tolist() == [3, 3, 3]


@pytest.mark.parametrize(
    ("rule", "field"),
    [("same_age_group", "age_group"), ("veterans", "veteran"), ("same_substance", "substance")],
)
def test_matching_keys_are_respected_when_possible(rule, field):
    rng = np.random.default_rng(4)
    n_mentees, n_mentors = 40, 20
    values = np.r_[
        rng.integers(0, 2, n_mentees), np.repeat([0, 1], n_mentors // 2)
    ]  # plenty of room for both keys
    people = _program(n_mentees, n_mentors, **{field: values})
    matching.assign_mentors(
        people, _params(caseload_cap=5, matching=rule), people.kind == PARTICIPANT, rng.random(60)
    )
    mentees = np.arange(n_mentees)
    assert np.all(people.mentor[mentees] != NEVER)
    attr = getattr(people, field)
    assert np.array_equal(attr[mentees], attr[people.mentor[mentees]])


def test_unavailable_mentors_get_no_mentees():
    people = _program(5, 3, status=[RECOVERING] * 5 + [USING, RECOVERING, RECOVERING])
    people.is_mentor[7] = False  # left the role
    matching.assign_mentors(people, _params(), people.kind == PARTICIPANT, np.zeros(8))
    assert set(people.mentor[:5].tolist()) == {6}


def test_release_mentees_when_mentor_relapses_dies_or_leaves():
    people = _program(6, 3)
    matching.assign_mentors(
        people, _params(caseload_cap=2), people.kind == PARTICIPANT, np.linspace(0, 1, 9)
    )
    people.support[:6] = 0.8
    by_mentor = {m: np.flatnonzero(people.mentor == m).tolist() for m in (6, 7, 8)}
    assert all(len(v) == 2 for v in by_mentor.values())
    people.status[6] = USING  # mentor 6 relapses
    people.is_mentor[7] = False  # mentor 7 leaves the role
    freed = mentoring.release_mentees(people)
    assert sorted(freed.tolist()) == sorted(by_mentor[6] + by_mentor[7])
    assert np.all(people.mentor[freed] == NEVER)
    assert np.all(people.support[freed] == 0.0)
    assert people.caseload[6:].tolist() == [0, 0, 2]
    # a mentee who dies frees a place too
    dead = by_mentor[8][0]
    people.status[dead] = DECEASED
    mentoring.release_mentees(people)
    assert people.caseload[8] == 1
    assert people.mentor[dead] == NEVER
    _check_links(people)


def test_mentors_leave_at_attrition_rate_or_on_relapse():
    n = 100_000
    people = make_people(n, kind=MENTOR, is_mentor=True)
    params = _params(attrition_rate_per_year=12.0)
    leaving = mentoring.mentors_leave(people, params, np.random.default_rng(2).random(n))
    p = 1 - math.exp(-12.0 / 365.25)
    assert abs(len(leaving) / n - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert np.all(np.diff(leaving) > 0)  # ascending rows, each once
    assert not people.is_mentor[leaving].any()
    assert people.is_mentor.sum() == n - len(leaving)

    people = make_people(3, kind=MENTOR, is_mentor=True, status=[USING, DECEASED, RECOVERING])
    leaving = mentoring.mentors_leave(people, params, np.ones(3))
    assert leaving.tolist() == [0, 1]


def test_make_contact_decays_tops_up_support_and_raises_self_efficacy():
    params = _params(contacts_per_week=3.5, support_half_life_days=7.0)
    p = 0.5
    people = make_people(
        3, mentor=[5, 5, NEVER], support=[0.6, 0.6, 0.6], self_efficacy=[0.4, 0.4, 0.4]
    )
    contact = mentoring.make_contact(people, params, np.array([p - 0.01, p + 0.01, 0.0]))
    decay = 0.5 ** (1 / 7)
    assert contact.tolist() == [True, False, False]
    assert people.support.tolist() == pytest.approx([1.0, 0.6 * decay, 0.6 * decay])
    gain = params.self_efficacy_gain_per_contact
    assert people.self_efficacy.tolist() == pytest.approx([0.4 + gain * 0.6, 0.4, 0.4])


def test_support_half_life():
    params = _params(support_half_life_days=10.0)
    people = make_people(1, support=1.0)
    for _ in range(10):
        mentoring.make_contact(people, params, np.ones(1))
    assert people.support[0] == pytest.approx(0.5)


def test_hazard_and_escalation_ratios():
    params = _params()
    people = make_people(3, support=[0.0, 1.0, 1.0], mentor=[NEVER, 3, 3], alliance=[0.2, 1.0, 0.5])
    effect = params.support_effect
    assert mentoring.hazard_ratio(people, params).tolist() == pytest.approx(
        [1.0, math.exp(-effect), math.exp(-effect * 0.5)]
    )
    assert mentoring.hazard_ratio(people, params, quality=0.5).tolist() == pytest.approx(
        [1.0, math.exp(-effect * 0.5), math.exp(-effect * 0.25)]
    )
    # A quick answer needs a mentor who knows of the lapse, and lands as far as the alliance.
    aware = np.array([False, True, False])
    assert mentoring.rapid_response_ratio(people, params, aware).tolist() == pytest.approx(
        [1.0, 1 - params.rapid_response_effect, 1.0]
    )
    aware = np.array([False, True, True])
    assert mentoring.rapid_response_ratio(people, params, aware)[2] == pytest.approx(
        1 - params.rapid_response_effect * 0.5
    )


def test_mentor_count_follows_pool_size_and_switch():
    assert _params(mentors_per_100_participants=20).mentor_count(1000) == 200
    assert mentoring.MentoringParams(enabled=False).mentor_count(1000) == 0
