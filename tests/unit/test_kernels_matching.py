"""Matching's kernels (seekers, free slots) give exactly the pairs of the NumPy body replaced.

Under every matching rule, with few seekers for many slots and many for few.

The reference below is `assign_mentors`'s former NumPy body, kept here as the oracle.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_people import SEEDS, SIZES, random_people

from simulation.model.mechanisms import matching
from simulation.model.mechanisms.mentoring_params import MentoringParams
from simulation.model.population import NEVER, RECOVERING

RULES = ["random", "same_substance", "same_age_group", "veterans", "same_cultural_group"]
COMPOSITE = {"substance": 1.0, "age_group": 0.5, "veteran": 0.2, "cultural_group": 0.8}
STATE = ("mentor", "alliance", "caseload", "mentor_changes")


def _assign_mentors(people, params, seeking, priority):
    mentors = np.flatnonzero(matching.available_mentors(people, params))
    seekers = np.flatnonzero(seeking & (people.mentor == NEVER))
    if len(mentors) == 0 or len(seekers) == 0:
        return np.empty(0, dtype=np.int64)
    spare = params.caseload_cap - people.caseload[mentors]
    slot_mentor = np.repeat(mentors, spare)
    slot_index = np.arange(len(slot_mentor)) - np.repeat(np.cumsum(spare) - spare, spare)
    slot_order = slot_index + priority[slot_mentor]
    matched_seekers = np.empty(0, dtype=np.int64)
    matched_slots = np.empty(0, dtype=np.int64)
    seeker_open = np.ones(len(seekers), dtype=bool)
    slot_open = np.ones(len(slot_mentor), dtype=bool)
    for attributes in matching.matching_passes(params):
        seeker_open[matched_seekers] = False
        slot_open[matched_slots] = False
        left_seekers = np.flatnonzero(seeker_open)
        left_slots = np.flatnonzero(slot_open)
        if len(left_seekers) == 0 or len(left_slots) == 0:
            break
        new_seekers, new_slots = matching.pair_within_keys(
            matching.matching_key(people, seekers[left_seekers], attributes),
            matching.matching_key(people, slot_mentor[left_slots], attributes),
            priority[seekers[left_seekers]],
            slot_order[left_slots],
        )
        matched_seekers = np.r_[matched_seekers, left_seekers[new_seekers]]
        matched_slots = np.r_[matched_slots, left_slots[new_slots]]
    rows = seekers[matched_seekers]
    chosen = slot_mentor[matched_slots]
    people.mentor[rows] = chosen
    people.alliance[rows] = matching.starting_alliance(people, rows, chosen, params)
    np.add.at(people.caseload, chosen, 1)
    people.mentor_changes[rows] += 1
    return rows


def _matching_people(n, seed):
    rng = np.random.default_rng(seed + 23)
    people = random_people(n, seed)
    people.status[rng.random(n) < 0.6] = RECOVERING  # most mentors are available
    people.caseload[:] = rng.integers(0, 6, n)
    people.age_group[:] = rng.integers(0, 3, n)
    people.veteran[:] = rng.random(n) < 0.3
    people.cultural_group[:] = rng.integers(0, 4, n)
    return people


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rule", [*RULES, "composite"])
@pytest.mark.parametrize("priority_dtype", [np.float32, np.float64])
def test_assign_mentors_matches_numpy(n, seed, rule, priority_dtype):
    rng = np.random.default_rng(seed + 29)
    weights = COMPOSITE if rule == "composite" else {}
    params = MentoringParams(caseload_cap=5, matching=rule, composite_weights=weights)
    people, mine = _matching_people(n, seed), _matching_people(n, seed)
    for share in (0.02, 0.5):  # few seekers for many slots, and many for few
        seeking = rng.random(n) < share
        priority = rng.random(n).astype(priority_dtype)
        got = matching.assign_mentors(mine, params, seeking, priority)
        assert np.array_equal(got, _assign_mentors(people, params, seeking, priority))
        for name in STATE:
            assert np.array_equal(getattr(mine, name), getattr(people, name)), name
    if n > 1000:
        assert (people.mentor_changes > 0).sum() > 0


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rule", ["random", "same_substance"])
@pytest.mark.parametrize("extra_rows", [False, True])
def test_assign_rows_given_the_mentors_rows_matches_numpy(n, seed, rule, extra_rows):
    """The free slots are listed from the mentors' rows (or rows that hold them) alone."""
    rng = np.random.default_rng(seed + 31)
    params = MentoringParams(caseload_cap=5, matching=rule)
    people, mine = _matching_people(n, seed), _matching_people(n, seed)
    for share in (0.02, 0.5):
        seeking = rng.random(n) < share
        priority = rng.random(n).astype(np.float32)
        seekers = np.flatnonzero(seeking & (mine.mentor == NEVER))
        rows = np.flatnonzero(mine.is_mentor | (extra_rows & (rng.random(n) < 0.3)))
        got = matching.assign_rows(mine, params, seekers, priority, rows)
        assert np.array_equal(got, _assign_mentors(people, params, seeking, priority))
        for name in STATE:
            assert np.array_equal(getattr(mine, name), getattr(people, name)), name
    if n > 1000:
        assert (people.mentor_changes > 0).sum() > 0


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("spread", [1.0, 50.0])
def test_random_matching_lists_first_slots_only_when_draws_allow(n, seed, spread):
    """Few seekers, random rule: slots 0 alone when every draw is in [0, 1), else every slot.

    Draws spread over [-24.5, 25.5) (`spread` 50) put slots 1 ahead of slots 0: the pairs are
    still those of ranking every slot.
    """
    rng = np.random.default_rng(seed + 37)
    params = MentoringParams(caseload_cap=5, matching="random")
    people, mine = _matching_people(n, seed), _matching_people(n, seed)
    seeking = rng.random(n) < 0.02
    priority = rng.random(n) * spread - (spread - 1.0) / 2
    rows = np.flatnonzero(mine.is_mentor)
    state = (rows, mine.is_mentor, mine.status, mine.caseload, params.caseload_cap)
    full_mentor, full_rank, full_first = matching._slots_kernel(*state, -1)
    first_mentor, first_rank, first_only = matching._slots_kernel(*state, len(rows) + 1)
    assert not full_first and not first_only  # more seekers than free mentors: every slot
    assert np.array_equal(first_mentor, full_mentor) and np.array_equal(first_rank, full_rank)
    first_mentor, first_rank, first_only = matching._slots_kernel(*state, 1)
    assert first_only == (len(np.unique(full_mentor)) >= 1)
    if first_only:
        assert np.array_equal(first_mentor, full_mentor[full_rank == 0])
        assert not first_rank.any()
    seekers = np.flatnonzero(seeking & (mine.mentor == NEVER))
    got = matching.assign_rows(mine, params, seekers, priority, rows)
    assert np.array_equal(got, _assign_mentors(people, params, seeking, priority))
    for name in STATE:
        assert np.array_equal(getattr(mine, name), getattr(people, name)), name


@pytest.mark.parametrize(
    ("seekers", "slots"), [(k, n) for k in (1, 2, 7, 300) for n in (1, 7, 300, 3000) if n >= k]
)
@pytest.mark.parametrize("seed", SEEDS)
def test_random_pass_in_order_matches_pairing_within_keys(seekers, slots, seed):
    """The random pass (one key) pairs as the general pass does, ties included."""
    rng = np.random.default_rng(seed)
    # Coarse draws give many ties, which the general pass breaks by position.
    seeker_order = (rng.integers(0, 20, seekers) / 20).astype(np.float32)
    slot_order = rng.integers(0, 3, slots) + (rng.integers(0, 20, slots) / 20)
    got = matching._pair_in_order(seeker_order, slot_order)
    want = matching.pair_within_keys(
        np.zeros(seekers, dtype=np.int64), np.zeros(slots, dtype=np.int64), seeker_order, slot_order
    )
    assert np.array_equal(got[0], want[0])
    assert np.array_equal(got[1], want[1])


def _pair_in_order_numpy(seeker_order, slot_order):
    """`matching._pair_in_order`'s former NumPy body (min/max, a widening guess, two argsorts)."""
    k = len(seeker_order)
    candidates = np.arange(len(slot_order))
    low, high = float(slot_order.min()), float(slot_order.max())
    if len(slot_order) > k and np.isfinite(low) and np.isfinite(high):
        reach = (high - low) * 4.0 * k / len(slot_order)
        while low + reach < high:
            found = np.flatnonzero(slot_order <= low + reach)
            if len(found) >= k:
                candidates = found
                break
            reach *= 2.0
    slots = candidates[np.argsort(slot_order[candidates], kind="stable")[:k]]
    return np.argsort(seeker_order, kind="stable"), slots


def _orders(rng, seekers, slots, ties, seeker_dtype):
    """Seekers' draws and slots' orders (slot rank plus a draw), coarse ones full of ties."""
    if ties:  # small integers plus a few repeated draws
        seeker_order = rng.choice(rng.random(5), seekers).astype(seeker_dtype)
        slot_order = rng.integers(0, 5, slots) + rng.choice(rng.random(7), slots)
    else:
        seeker_order = rng.random(seekers).astype(seeker_dtype)
        slot_order = rng.integers(0, 5, slots) + rng.random(slots).astype(np.float32)
    return seeker_order, slot_order


def _assert_same_pairs(seeker_order, slot_order):
    got = matching._pair_in_order(seeker_order, slot_order)
    want = _pair_in_order_numpy(seeker_order, slot_order)
    for mine, theirs in zip(got, want, strict=True):
        assert mine.dtype == np.int64
        assert np.array_equal(mine, theirs)
    return got


@pytest.mark.parametrize(
    ("seekers", "slots"),
    [(0, 1), (0, 3000), (1, 1), (1, 3000), (40, 3000), (2999, 3000), (3000, 3000), (2500, 9000)],
)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seeker_dtype", [np.float32, np.float64])
def test_pair_in_order_matches_numpy(seekers, slots, seed, ties, seeker_dtype):
    """The radix-sorted pairing is the former NumPy one, element for element."""
    rng = np.random.default_rng(seed + 37)
    seeker_order, slot_order = _orders(rng, seekers, slots, ties, seeker_dtype)
    got_seekers, got_slots = _assert_same_pairs(seeker_order, slot_order)
    assert len(got_seekers) == len(got_slots) == seekers
    if ties and seekers >= 40:  # ties are broken by position, in both lists
        ranked = slot_order[got_slots]
        assert (np.diff(ranked) >= 0).all()
        tied = np.diff(ranked) == 0
        assert tied.any() and (np.diff(got_slots)[tied] > 0).all()


@pytest.mark.parametrize("special", ["inf", "signed_zero", "nan", "negative"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("seekers", "slots"), [(1, 5), (30, 3000), (3000, 3000)])
def test_pair_in_order_with_special_values_matches_numpy(special, seed, seekers, slots):
    """±inf, -0.0 beside 0.0 (a tie), NaN (last) and negative orders rank as NumPy ranks them."""
    rng = np.random.default_rng(seed + 41)
    seeker_order, slot_order = _orders(rng, seekers, slots, True, np.float32)
    for order in (seeker_order, slot_order):
        hit = rng.random(len(order)) < 0.2
        hit[0] = True
        if special == "inf":
            order[hit] = rng.choice([np.inf, -np.inf], hit.sum())
        elif special == "signed_zero":
            order[hit] = rng.choice([0.0, -0.0], hit.sum())
        elif special == "nan":
            order[hit] = np.nan
        else:
            order[hit] = -order[hit] - 1.0
    _assert_same_pairs(seeker_order, slot_order)


def test_pair_in_order_without_slots_pairs_nobody():
    """No seekers and no slots: no pairs (the former body's min() raised on empty slots)."""
    got = matching._pair_in_order(np.empty(0, dtype=np.float32), np.empty(0))
    assert [len(a) for a in got] == [0, 0]
    assert all(a.dtype == np.int64 for a in got)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("draw_dtype", [np.float32, np.float64])
def test_slot_order_kernel_matches_numpy(n, seed, draw_dtype):
    """Slot j's order, j + the mentor's draw, is `assign_rows`'s former NumPy line bit for bit."""
    rng = np.random.default_rng(seed + 53)
    slot_rank = rng.integers(0, 6, n)
    draws = rng.random(n).astype(draw_dtype)
    got = matching._slot_order_kernel(slot_rank, draws)
    want = slot_rank + np.asarray(draws, dtype=np.float64)  # the former line
    assert got.dtype == np.float64
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))
