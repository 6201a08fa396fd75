"""The daily per-person draws: counter-based, uniform, independent across purposes and days."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulation.model.random_streams import RandomStreams


def draw(streams: RandomStreams, purpose: str, day: int, n: int) -> np.ndarray:
    return streams.daily_uniform(purpose, day, np.empty(n, dtype=np.float32)).copy()


def test_a_rows_draw_depends_only_on_seed_purpose_day_and_row():
    a = draw(RandomStreams(5), "hazard/participants", 12, 1000)
    other = RandomStreams(5)
    draw(other, "contact/participants", 12, 50)  # other purposes drawn first change nothing
    b = draw(other, "hazard/participants", 12, 300)
    assert np.array_equal(a[:300], b)  # and fewer rows give the same first rows
    assert not np.array_equal(a, draw(RandomStreams(6), "hazard/participants", 12, 1000))


def test_days_purposes_and_repeated_calls_give_fresh_draws():
    streams = RandomStreams(1)
    first = draw(streams, "deaths/participants", 3, 20_000)
    again_same_day = draw(streams, "deaths/participants", 3, 20_000)
    next_day = draw(streams, "deaths/participants", 4, 20_000)
    other_purpose = draw(streams, "overdose/participants", 4, 20_000)
    for other in (again_same_day, next_day, other_purpose):
        assert np.mean(first == other) < 1e-3
        assert abs(np.corrcoef(first, other)[0, 1]) < 0.03  # 4.2 standard errors at n = 20,000
    # The repeat counter restarts each day: day 4's second call is not day 3's second call.
    assert not np.array_equal(draw(streams, "deaths/participants", 4, 50), again_same_day[:50])


@pytest.mark.parametrize("day", [0, 1, 400, 2**30])
def test_draws_are_uniform_on_the_unit_interval(day):
    values = draw(RandomStreams(2024), "hazard/others", day, 200_000)
    assert values.dtype == np.float32
    assert values.min() >= 0.0 and values.max() < 1.0
    assert stats.kstest(values, "uniform").pvalue > 1e-4
    # No lattice: about as many distinct values as 2**24 possible ones allow.
    assert len(np.unique(values)) > 198_000


def test_neighbouring_rows_and_days_are_not_correlated():
    streams = RandomStreams(9)
    today = draw(streams, "contact/participants", 10, 100_001).astype(np.float64)
    tomorrow = draw(streams, "contact/participants", 11, 100_001).astype(np.float64)
    assert abs(np.corrcoef(today[:-1], today[1:])[0, 1]) < 0.02
    assert abs(np.corrcoef(today, tomorrow)[0, 1]) < 0.02
    # The probability a person's draw falls under p is p, jointly over two days too.
    assert abs(np.mean((today < 0.1) & (tomorrow < 0.1)) - 0.01) < 0.002


@pytest.mark.parametrize("participants_only", [False, True])
def test_row_draws_are_the_full_draws_at_those_rows_and_count_as_a_call(participants_only):
    from simulation.model.model import RecoveryCommunityModel

    full_model = RecoveryCommunityModel(seed=8, population={"size": 300}, mentoring__enabled=True)
    rows_model = RecoveryCommunityModel(seed=8, population={"size": 300}, mentoring__enabled=True)
    size = full_model.people.size
    rows = np.random.default_rng(0).choice(size, 120, replace=False)  # both sides, any order
    rows = np.concatenate([rows, [0, full_model._participants - 1, full_model._participants]])
    rows = rows[rows < size]
    for model in (full_model, rows_model):
        model.step()
    for _ in range(3):  # the second and third call of a day are fresh draws in both
        full = full_model.draws("escalation", participants_only=participants_only)
        some = rows_model.row_draws("escalation", participants_only=participants_only)
        assert some.shape == full.shape and len(some) == size
        picked = some[rows]
        assert picked.dtype == np.float32 and np.array_equal(picked, full[rows])
        assert np.array_equal(np.asarray(some), full)
    # Every later draw of the day is unchanged by which of the two was used.
    assert np.array_equal(full_model.draws("escalation"), rows_model.draws("escalation"))


def test_row_draws_refuse_masks_and_rows_outside():
    from simulation.model.random_streams import RowDraws

    draws = RowDraws(np.uint64(1), None, 3, 10, 12)
    assert np.array_equal(draws[np.array([11, 10])], np.ones(2, np.float32))  # others: 1.0
    with pytest.raises(TypeError, match="row numbers"):
        draws[np.ones(12, dtype=bool)]
    for outside in ([12], [-1], [3, 12, 4]):  # checked in the compiled pass, row by row
        with pytest.raises(IndexError, match=r"\[0, 12\)"):
            draws[np.array(outside)]


def test_keyed_uniform_in_a_kernel_is_keyed_uniform():
    from simulation.model.random_streams import keyed_uniform, keyed_uniform_at, salt_word

    keys = np.random.default_rng(3).integers(0, 2**63, 5000)
    keys[:3] = [0, 1, 2**63 - 1]
    for salt in (0, 5, 2**63 + 11, (2**64 - 1) * 1_000_003 + 7):
        expected = keyed_uniform(keys, salt)
        got = np.array([keyed_uniform_at(k, salt_word(salt)) for k in keys])
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()


def test_row_keys_are_the_daily_keys_of_the_two_names_and_draw_what_they_do():
    from simulation.model.random_streams import RowDraws

    a, b = RandomStreams(3), RandomStreams(3)
    for day in (0, 5, 5, 6):  # the second call on day 5 is keyed by its call number in both
        first, others = a.row_keys("relapse", day)
        assert first == b.daily_key("relapse/participants", day)
        assert others == b.daily_key("relapse/others", day)
    first, others = a.row_keys("relapse", 7, participants_only=True)
    assert first == b.daily_key("relapse/participants", 7) and others is None
    assert a.daily_key("relapse/others", 7) == b.daily_key("relapse/others", 7)  # not counted
    c, d = RandomStreams(4), RandomStreams(4)
    full = np.asarray(RowDraws(*c.row_keys("deaths", 9), 9, 50, 80))
    assert np.array_equal(full[:50], draw(d, "deaths/participants", 9, 50))
    assert np.array_equal(full[50:], draw(d, "deaths/others", 9, 30))
