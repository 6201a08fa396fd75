"""The compiled lapse-course passes give exactly what the NumPy they replaced gives.

Each reference below is the function's NumPy body as it was before the kernels (issue 17),
run on copies of one seeded random population (every status and kind present, sizes in
`SIZES`); every array of the population and the returned mask must be equal bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from random_people import SIZES, copy_people, draws, random_people, same_people

from simulation.model.mechanisms import lapse_course, relapse
from simulation.model.mechanisms.lapse_course import LengthDraws, geometric_lengths
from simulation.model.population import COMMUNITY, LAPSED, NEVER, RECOVERING, USING
from simulation.model.units import rate_to_probability

PARAMS = relapse.RelapseParams(lapse_clock_setback=0.35)
DAY = 400


def _apply_lapses(people, hazard, draws, day, durations=1):
    recovering = np.flatnonzero(people.status == RECOVERING)
    lapsed = np.zeros(people.size, dtype=bool)
    lapsed[recovering[draws[recovering] < rate_to_probability(hazard[recovering])]] = True
    people.status[lapsed] = LAPSED
    people.lapses[lapsed] += 1
    if isinstance(durations, LengthDraws):
        rows = np.flatnonzero(lapsed)
        mean = durations.params.by_substance("lapse_mean_days")[people.substance[rows]]
        people.lapse_days_left[rows] = geometric_lengths(mean, durations.draws[rows])
    else:
        people.lapse_days_left[lapsed] = np.broadcast_to(durations, people.size)[lapsed]
    first = lapsed & (people.first_lapse_day == NEVER)
    people.first_lapse_day[first] = day
    return lapsed


def _resolve_lapses(people, params, escalation_ratio, draws, day):
    lapsed = people.status == LAPSED
    people.lapse_days_left[lapsed] -= 1
    ending = lapsed & (people.lapse_days_left <= 0)
    rows = np.flatnonzero(ending)
    ratio = np.asarray(escalation_ratio, dtype=float)
    p_escalate = np.clip(
        params.by_substance("escalation_probability")[people.substance[rows]]
        * (ratio[rows] if ratio.ndim else ratio)
        * np.exp(-params.self_efficacy_effect * (people.self_efficacy[rows] - 0.5)),
        0.0,
        1.0,
    )
    relapsed = np.zeros(people.size, dtype=bool)
    relapsed[rows[draws[rows] < p_escalate]] = True
    caught = ending & ~relapsed
    people.status[relapsed] = USING
    people.relapses[relapsed] += 1
    first = relapsed & (people.first_relapse_day == NEVER)
    people.first_relapse_day[first] = day
    people.status[caught] = RECOVERING
    people.caught_lapse_day[caught] = day
    people.caught_lapse_day[relapsed] = NEVER
    kept = np.rint(people.days_abstinent[caught] * (1.0 - params.lapse_clock_setback))
    people.days_abstinent[caught] = kept.astype(people.days_abstinent.dtype)
    people.lapse_days_left[ending] = 0
    return relapsed


def _record_use(people, day, use_share=1.0, draws=None):
    status = people.status
    rows = np.flatnonzero(((status == USING) | (status == LAPSED)) & (people.kind != COMMUNITY))
    if draws is not None:
        share = np.broadcast_to(use_share, people.size)
        rows = rows[(status[rows] == LAPSED) | (draws[rows] < share[rows])]
    used = np.zeros(people.size, dtype=bool)
    used[rows] = True
    people.use_days[used] += 1
    people.last_use_day[used] = day


def _both(n, seed, compiled, reference):
    """Run `compiled` and `reference` on copies of one population; both results and states."""
    people = random_people(n, seed)
    mine, theirs = copy_people(people), copy_people(people)
    got, expected = compiled(mine), reference(theirs)
    return mine, theirs, got, expected


def _hazard(n, seed):
    # Hazards from 0 to far above 1, so that about half the rows in recovery lapse.
    rng = np.random.default_rng(seed)
    return np.where(rng.random(n) < 0.1, 0.0, rng.exponential(0.7, n))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("durations", ["length_draws", "int", "array"])
def test_apply_lapses_is_the_numpy_body(n, durations):
    hazard, u = _hazard(n, n), draws(n, n)
    length = {
        "length_draws": LengthDraws(PARAMS, draws(n, n + 1)),
        "int": 3,
        "array": np.arange(n) % 5 + 1,
    }[durations]
    mine, theirs, got, expected = _both(
        n,
        n,
        lambda p: lapse_course.apply_lapses(p, hazard, u, DAY, length),
        lambda p: _apply_lapses(p, hazard, u, DAY, length),
    )
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert same_people(mine, theirs)
    if n > 100:
        assert 0 < got.sum() < (theirs.status == LAPSED).sum()  # some lapsed, some already were


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("ratio", ["scalar", "array"])
def test_resolve_lapses_is_the_numpy_body(n, ratio):
    escalation = 0.8 if ratio == "scalar" else np.random.default_rng(n).uniform(0, 3, n)
    u = draws(n, n + 2)
    mine, theirs, got, expected = _both(
        n,
        n + 3,
        lambda p: lapse_course.resolve_lapses(p, PARAMS, escalation, u, DAY),
        lambda p: _resolve_lapses(p, PARAMS, escalation, u, DAY),
    )
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert same_people(mine, theirs)
    if n > 100:
        assert got.any() and (theirs.caught_lapse_day == DAY).any()  # escalated and caught


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("share", [None, "scalar", "array"])
def test_record_use_is_the_numpy_body(n, share):
    if share is None:
        args = ()
    else:
        use_share = 0.6 if share == "scalar" else np.random.default_rng(n).random(n)
        args = (use_share, draws(n, n + 4))
    mine, theirs, _, _ = _both(
        n,
        n + 5,
        lambda p: lapse_course.record_use(p, DAY, *args),
        lambda p: _record_use(p, DAY, *args),
    )
    assert same_people(mine, theirs)
    if n > 100:
        assert (theirs.last_use_day == DAY).any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_apply_lapses_leaves_out_only_rows_that_cannot_lapse(dtype):
    # Draws at, just below and just above each hazard and its probability, and hazards that
    # are not bounded (0, subnormal, negative, NaN, infinite, above 1): rows the bound leaves
    # out must be exactly rows the full computation does not let lapse.
    rng = np.random.default_rng(8)
    base = np.concatenate(
        [
            rng.exponential(0.05, 300),
            [0.0, -0.0, 5e-324, 1e-40, 1e-31, 1e-29, -0.2, np.nan, np.inf, 3.0, 40.0, 0.999],
        ]
    ).astype(dtype)
    p = rate_to_probability(base).astype(np.float32)
    near = [p, np.nextafter(p, 0), np.nextafter(p, 1), base.astype(np.float32)]
    # A hazard of exactly 0 (a row `daily_hazard` left out) with draws of 0 and below 0 too.
    hazard = np.concatenate([np.tile(base, len(near)), np.array([0.0, -0.0, 0.0], dtype)])
    u = np.concatenate([*near, [-0.25, -0.25, 0.0]]).astype(np.float32)
    u = np.where(np.isnan(u), 0.5, u)
    n = len(hazard)
    people = random_people(n, seed=9)
    people.status[:] = RECOVERING
    mine, theirs = copy_people(people), copy_people(people)
    got = lapse_course.apply_lapses(mine, hazard, u, DAY, 2)
    expected = _apply_lapses(theirs, hazard, u, DAY, 2)
    assert np.array_equal(got, expected) and same_people(mine, theirs)
    assert 0 < got.sum() < n


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("rows_dtype", [np.int32, np.int64])
def test_apply_lapses_on_the_rows_at_risk_equals_every_row(n, rows_dtype):
    # `lapse_risk.hazards_at_risk` hands over only the rows that could lapse (some in recovery,
    # ascending) and their hazards; every other row has NOT_AT_RISK (0) in the full array.
    # Rows not in recovery among them must still be left alone.
    hazard, u = _hazard(n, n), draws(n, n + 5)
    rng = np.random.default_rng(n + 6)
    at_risk = np.flatnonzero(rng.random(n) < 0.6).astype(rows_dtype)
    everyone = np.zeros(n)
    everyone[at_risk] = hazard[at_risk]
    length = LengthDraws(PARAMS, draws(n, n + 7))
    mine, theirs, got, expected = _both(
        n,
        n,
        lambda p: lapse_course.apply_lapses(p, hazard[at_risk], u, DAY, length, at_risk),
        lambda p: lapse_course.apply_lapses(p, everyone, u, DAY, length),
    )
    assert np.array_equal(got, expected) and same_people(mine, theirs)
    if n > 100:
        assert 0 < got.sum() < len(at_risk)
    with pytest.raises(ValueError, match="with `at_risk` it needs one hazard per row"):
        lapse_course.apply_lapses(
            random_people(5, seed=2), np.ones(3), draws(5, 2), DAY, 1, at_risk[:2]
        )


def test_the_lapse_passes_refuse_arrays_not_one_per_person():
    people, short = random_people(5, seed=2), draws(3, 2)
    with pytest.raises(ValueError, match="apply_lapses: `hazard` has shape"):
        lapse_course.apply_lapses(people, np.ones(4), draws(5, 2), DAY)
    with pytest.raises(ValueError, match="resolve_lapses: `draws`"):
        lapse_course.resolve_lapses(people, PARAMS, 1.0, short, DAY)
    with pytest.raises(ValueError, match="record_use: `draws`"):
        lapse_course.record_use(people, DAY, 0.5, short)


def _row_draws(n, seed):
    """Draws made for the rows asked for, and the full array they stand for."""
    from simulation.model.random_streams import RowDraws

    keys = np.random.default_rng(seed).integers(0, 2**63, 2, dtype=np.uint64)
    made = RowDraws(keys[0], keys[1], DAY, max(0, n - n // 4), n)
    return made, np.asarray(made)


@pytest.mark.parametrize("n", SIZES)
def test_lapses_with_row_draws_equal_lapses_with_the_full_draws(n):
    hazard, u = _hazard(n, n), draws(n, n)
    made, full = _row_draws(n, n)
    mine, theirs, got, expected = _both(
        n,
        n,
        lambda p: lapse_course.apply_lapses(p, hazard, u, DAY, LengthDraws(PARAMS, made)),
        lambda p: lapse_course.apply_lapses(p, hazard, u, DAY, LengthDraws(PARAMS, full)),
    )
    assert np.array_equal(got, expected) and same_people(mine, theirs)
    made, full = _row_draws(n, n + 1)
    mine, theirs, got, expected = _both(
        n,
        n + 3,
        lambda p: lapse_course.resolve_lapses(p, PARAMS, 0.8, made, DAY),
        lambda p: _resolve_lapses(p, PARAMS, 0.8, full, DAY),
    )
    assert np.array_equal(got, expected) and same_people(mine, theirs)


@pytest.mark.parametrize("n", SIZES)
def test_record_use_by_substance_is_the_numpy_body(n):
    table = np.array([0.45, 0.9, 0.4, 0.7])
    full = draws(n, n + 7)
    mine, theirs, _, _ = _both(
        n,
        n + 5,
        lambda p: lapse_course.record_use(p, DAY, draws=full, substance_share=table),
        lambda p: _record_use(p, DAY, table[p.substance], full),
    )
    assert same_people(mine, theirs)
    if n > 100:
        used = theirs.last_use_day == DAY
        assert used.any() and (theirs.status[~used] == USING).any()  # some regular days off


def test_record_use_wants_one_share_per_substance():
    people = random_people(5, 0)
    with pytest.raises(ValueError, match="one share per substance"):
        lapse_course.record_use(people, DAY, draws=draws(5, 1), substance_share=np.ones(3))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("share", ["scalar", "array", "substance"])
def test_record_use_with_row_draws_is_the_numpy_body(n, share):
    # Draws made only for the rows in regular use give what the full draws give (the NumPy
    # body reads those at every row in use).
    made, full = _row_draws(n, n + 8)
    table = np.array([0.45, 0.9, 0.4, 0.7])
    use_share = {"scalar": 0.6, "array": np.random.default_rng(n).random(n), "substance": 1.0}
    kwargs = {"substance_share": table} if share == "substance" else {}
    mine, theirs, _, _ = _both(
        n,
        n + 9,
        lambda p: lapse_course.record_use(p, DAY, use_share[share], made, **kwargs),
        lambda p: _record_use(
            p, DAY, table[p.substance] if share == "substance" else use_share[share], full
        ),
    )
    assert same_people(mine, theirs)
    if n > 100:
        used = theirs.last_use_day == DAY
        regular = (theirs.status == USING) & (theirs.kind != COMMUNITY)
        assert (used & regular).any() and (regular & ~used).any()  # the draws decided
        assert (used & (theirs.status == LAPSED)).any()  # lapsed rows use whatever the draw


def test_record_use_compares_each_draw_with_its_share_strictly():
    # Draws at, just below and just above the share, at rows of every status and kind: a row in
    # regular use uses only with a draw below its share, in both the full and the row path
    # (and a lapsed row whatever its draw).
    people = random_people(3_000, seed=12)
    share = np.float32(0.375)
    u = np.resize(
        np.array([share, np.nextafter(share, 0), np.nextafter(share, 1), 0.0, 0.99], np.float32),
        people.size,
    )

    class Rows:  # draws for the rows asked for, counted, from the full array
        shape, asked = u.shape, []

        def __getitem__(self, rows):
            self.asked.append(np.sort(rows))
            return u[rows]

    via_rows, via_full, reference = copy_people(people), copy_people(people), copy_people(people)
    lapse_course.record_use(via_rows, DAY, float(share), Rows())
    lapse_course.record_use(via_full, DAY, float(share), u)
    _record_use(reference, DAY, float(share), u)
    assert same_people(via_rows, reference) and same_people(via_full, reference)
    asked = Rows.asked[0]
    in_use = (people.status == USING) | (people.status == LAPSED)
    assert np.array_equal(asked, np.flatnonzero(in_use & (people.kind != COMMUNITY)))
    assert 0 < len(asked) < people.size // 2  # only the rows in use are asked for a draw
