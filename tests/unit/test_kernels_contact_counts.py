"""The compiled contact-count passes give exactly what the NumPy they replaced gives.

`_OldCounts` holds `ContactCounts` as it was before the kernels (issue 17: two count arrays,
new flag arrays each update, a boolean diff, np.repeat of the changed rows' entries and
np.add.at, copies for the exposure); both run on the same seeded random ties and status changes
(every status and kind present; sizes 0, 1, a few, a few not a whole number of 8-row words, and a
few thousand) and must agree bit for bit in every count, their dtypes and the ties within
recovery.
"""

from __future__ import annotations

import numpy as np
import pytest
from random_people import SIZES, random_people

from simulation.model.mechanisms import contact_counts, network, network_generation
from simulation.model.mechanisms.contact_counts import ContactCounts, contact_flags
from simulation.model.population import STATUS_NAMES


def _row_ranges(starts, lengths):
    lengths = lengths.astype(np.int64, copy=False)
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(ends[-1] if len(ends) else 0)


class _OldCounts:
    """ContactCounts as NumPy did it: separate count arrays, boolean diff, np.add.at."""

    def __init__(self, adjacency, people):
        self.adjacency = adjacency
        self.degree = network.node_degree(adjacency)
        self.using, self.recovering = contact_flags(people)
        self.using_contacts = adjacency @ self.using.astype(adjacency.dtype)
        self.recovery_contacts = adjacency @ self.recovering.astype(adjacency.dtype)
        both = np.sum(self.recovery_contacts, where=self.recovering, dtype=np.float64)
        self.recovery_ties = round(both / 2)

    def update(self, people):
        using, recovering = contact_flags(people)
        changed = np.flatnonzero((self.using != using) | (self.recovering != recovering))
        if len(changed):
            adjacency = self.adjacency
            starts = adjacency.indptr[changed]
            lengths = adjacency.indptr[changed + 1] - starts
            entries = _row_ranges(starts, lengths)
            columns = adjacency.indices[entries]
            before = self.recovery_contacts[changed]
            for old, new, counts in (
                (self.using, using, self.using_contacts),
                (self.recovering, recovering, self.recovery_contacts),
            ):
                delta = new[changed].astype(counts.dtype) - old[changed].astype(counts.dtype)
                weighted = adjacency.data[entries] * np.repeat(delta, lengths)
                np.add.at(counts, columns, weighted.astype(counts.dtype, copy=False))
            after = self.recovery_contacts[changed]
            d = recovering[changed].astype(np.float64) - self.recovering[changed]
            self.recovery_ties += round(np.dot(d, before.astype(np.float64) + after) / 2)
        self.using, self.recovering = using, recovering

    def exposure(self, people):
        self.update(people)
        return network.SocialExposure(
            self.using_contacts.copy(), self.recovery_contacts.copy(), self.degree
        )

    def change_ties(self, adjacency, removed, added, people):
        self.update(people)
        degree = self.degree.copy()
        counts = (
            (self.using, self.using_contacts),
            (self.recovering, self.recovery_contacts),
            (None, degree),
        )
        for ties, sign in ((removed, -1), (added, 1)):
            if len(ties) == 0:
                continue
            ends = np.concatenate([ties[:, 0], ties[:, 1]])
            others = np.concatenate([ties[:, 1], ties[:, 0]])
            for flags, total in counts:
                step = np.ones(len(ends), total.dtype) if flags is None else flags[others]
                np.add.at(total, ends, sign * step.astype(total.dtype))
            within = self.recovering[ties[:, 0]] & self.recovering[ties[:, 1]]
            self.recovery_ties += sign * int(np.count_nonzero(within))
        self.adjacency, self.degree = adjacency, degree


def _assert_same(new: ContactCounts, old: ContactCounts) -> None:
    for name in ("degree", "using_contacts", "recovery_contacts", "using", "recovering"):
        a, b = getattr(new, name), getattr(old, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert type(new.recovery_ties) is type(old.recovery_ties)
    assert new.recovery_ties == old.recovery_ties


def _ties(n: int, rng: np.random.Generator) -> np.ndarray:
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    return network_generation.canonical_edges(rng.integers(0, n, size=(3 * n, 2)))


@pytest.mark.parametrize("size", (*SIZES, 13))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_updates_and_tie_changes_equal_the_numpy_counts(size, seed):
    rng = np.random.default_rng(seed)
    people = random_people(size, seed)
    edges = _ties(size, rng)
    adjacency = network.adjacency_from_edges(edges, size)
    new, old = ContactCounts(adjacency, people), _OldCounts(adjacency, people)
    _assert_same(new, old)
    for _ in range(4):
        flip = rng.random(size) < 0.3
        people.status[flip] = rng.integers(0, len(STATUS_NAMES), int(flip.sum()))
        assert contact_counts.recovery_tie_count(new, people) == (
            contact_counts.recovery_tie_count(old, people)
        )
        _assert_same(new, old)
        new_exposure, old_exposure = new.exposure(people), old.exposure(people)
        assert np.array_equal(new_exposure.recovery_share, old_exposure.recovery_share)
        # A week of tie changes: some ties go, fresh ones come, with statuses moved first.
        people.status[rng.random(size) < 0.1] = rng.integers(0, len(STATUS_NAMES))
        gone = np.sort(rng.choice(len(edges), size=len(edges) // 5, replace=False))
        fresh = np.setdiff1d(_ties(size, rng).view("i8,i8"), edges.view("i8,i8"))
        fresh = fresh.view(np.int64).reshape(-1, 2)
        removed, kept = edges[gone], np.delete(edges, gone, axis=0)
        edges = network_generation.canonical_edges(np.concatenate([kept, fresh]))
        adjacency = network.adjacency_from_edges(edges, size)
        new.change_ties(adjacency, removed, fresh, people)
        old.change_ties(adjacency, removed, fresh, people)
        _assert_same(new, old)
        _assert_same(new, _OldCounts(adjacency, people))  # and a full recount


def test_weighted_ties_move_counts_as_numpy_did():
    # Ties given twice weigh 2 (scipy adds them up): the moves are weight times the change.
    rng = np.random.default_rng(5)
    people = random_people(3001, 5)
    raw = rng.integers(0, 3001, size=(9000, 2))
    raw = raw[raw[:, 0] != raw[:, 1]]
    adjacency = network.adjacency_from_edges(np.concatenate([raw, raw[:500]]), 3001)
    assert adjacency.data.max() >= 2
    new, old = ContactCounts(adjacency, people), _OldCounts(adjacency, people)
    for _ in range(3):
        people.status[rng.random(3001) < 0.2] = rng.integers(0, len(STATUS_NAMES))
        new.update(people)
        old.update(people)
        _assert_same(new, old)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fractional_weights_are_added_in_numpys_order(dtype):
    # Weights that are not whole make the sums depend on their order: the moves must be added
    # in np.add.at's order (changed rows in turn, each row's entries in turn), in the dtype.
    rng = np.random.default_rng(11)
    people = random_people(2_000, 11)
    edges = _ties(2_000, rng)
    weights = (rng.random(len(edges)) * 3 + 0.01).astype(dtype)
    adjacency = network.adjacency_from_edges(edges, 2_000, weights)
    new, old = ContactCounts(adjacency, people), _OldCounts(adjacency, people)
    assert new.using_contacts.dtype == dtype
    for share in (0.001, 0.3, 0.05):  # the room for the ties moved grows, then is reused
        people.status[rng.random(2_000) < share] = rng.integers(0, len(STATUS_NAMES))
        new.update(people)
        old.update(people)
        _assert_same(new, old)


@pytest.mark.parametrize("n", (0, 1, 7, 8, 9, 2_001))
@pytest.mark.parametrize("share", [0.0, 0.002, 0.3, 1.0])
def test_changed_rows_are_numpys_diff_a_word_at_a_time(n, share):
    # Flags padded with False to whole 8-row words, as ContactCounts keeps them; changes in
    # either flag or both, in the first and last rows too, sparse to every row.
    rng = np.random.default_rng(n)
    padded = -(-n // 8) * 8
    was, now = np.zeros((2, padded), np.bool_), np.zeros((2, padded), np.bool_)
    was[:, :n] = rng.random((2, n)) < 0.5
    now[:, :n] = was[:, :n] ^ (rng.random((2, n)) < share)
    if n and share:
        now[:, [0, n - 1]] = ~was[:, [0, n - 1]]
    rows = np.full(n, -1, dtype=np.int64)
    words, now_words = was.view(np.uint8).view(np.uint64), now.view(np.uint8).view(np.uint64)
    k = contact_counts._changed_rows(*words, *now_words, rows)
    expected = np.flatnonzero((was[0, :n] != now[0, :n]) | (was[1, :n] != now[1, :n]))
    assert k == len(expected) and np.array_equal(rows[:k], expected)


@pytest.mark.parametrize("n", SIZES)
def test_new_flags_and_split_are_numpys(n):
    people = random_people(n, n)
    using, recovering = np.ones(n, np.uint8), np.ones(n, np.uint8)
    contact_counts._new_flags(people.status, people.kind, using, recovering)
    expected = contact_flags(people)
    assert np.array_equal(using.view(np.bool_), expected[0])
    assert np.array_equal(recovering.view(np.bool_), expected[1])
    counts = np.random.default_rng(n).integers(0, 40, (n, 2)).astype(np.float32)
    first, second = np.empty(n, np.float32), np.empty(n, np.float32)
    contact_counts._split(counts.reshape(-1), first, second)
    assert np.array_equal(first, counts[:, 0]) and np.array_equal(second, counts[:, 1])


def test_an_exposure_stays_as_it_was_when_the_counts_move_on():
    rng = np.random.default_rng(9)
    people = random_people(2_000, 9)
    adjacency = network.adjacency_from_edges(_ties(2_000, rng), 2_000)
    counts = ContactCounts(adjacency, people)
    held = counts.exposure(people)
    using, recovery = held.using_contacts.copy(), held.recovery_contacts.copy()
    people.status[rng.random(2_000) < 0.3] = rng.integers(0, len(STATUS_NAMES))
    later = counts.exposure(people)
    assert not np.array_equal(later.recovery_contacts, recovery)  # the counts did move
    assert np.array_equal(held.using_contacts, using)
    assert np.array_equal(held.recovery_contacts, recovery)
    assert later.using_contacts.flags.c_contiguous and later.recovery_contacts.flags.c_contiguous


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("contacts_dtype", "degree_dtype"),
    [(np.float32, np.float32), (np.float64, np.float64), (np.float32, np.float64)],
)
def test_recovery_share_is_numpys_divide_and_worked_out_once(n, contacts_dtype, degree_dtype):
    rng = np.random.default_rng(n)
    degree = rng.integers(0, 12, n).astype(degree_dtype)  # people without ties among them
    contacts = np.floor(rng.random(n) * (degree + 1)).astype(contacts_dtype)
    exposure = network.SocialExposure(contacts * 2, contacts, degree)
    expected = np.divide(contacts, degree, out=np.zeros_like(contacts), where=degree > 0)
    share = exposure.recovery_share
    assert share.dtype == expected.dtype and share.tobytes() == expected.tobytes()
    assert exposure.recovery_share is share and not share.flags.writeable
