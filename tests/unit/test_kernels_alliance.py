"""The alliance's kernels give exactly the numbers of the NumPy expressions they replaced.

Each reference below is the function's former NumPy body, kept here as the oracle.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_people import SEEDS, SIZES, draws, random_people

from simulation.model.mechanisms import alliance
from simulation.model.mechanisms.alliance import AllianceParams, PairRecord
from simulation.model.population import NEVER

PARAMS = AllianceParams()
#: Parameters that take every branch often: frequent ruptures, half of them repaired.
BUSY = AllianceParams(
    rupture_chance_per_contact=0.6, missed_contact_days=5, full_contact_alliance=0.5
)


def _record(n, seed):
    rng = np.random.default_rng(seed + 100)
    record = PairRecord.empty(n)
    record.last_contact_day[:] = rng.integers(NEVER, 40, n)
    record.matched_day[:] = rng.integers(0, 40, n)
    record.ruptures[:] = rng.integers(0, 3, n)
    record.repairs[:] = rng.integers(0, 3, n)
    return record


def _contact_ratio(people, params):
    kept = np.minimum(1.0, people.alliance / params.full_contact_alliance)
    return np.where(people.mentor != NEVER, kept, 0.0)


def _engagement_decay_ratio(people, params):
    weakness = np.clip(1.0 - people.alliance / params.full_contact_alliance, 0.0, 1.0)
    ratio = 1.0 + (params.weak_alliance_decay_ratio - 1.0) * weakness
    return np.where(people.mentor != NEVER, ratio, 1.0)


def _aware_of_lapse(people, params, record, day):
    recent = record.last_contact_day >= day - params.awareness_window_days
    met = record.last_contact_day >= record.matched_day
    return (people.mentor != NEVER) & recent & met


def _update(people, params, record, contact, day, quality, rupture_ratio, repair_share, draws):
    rows = np.flatnonzero(people.mentor != NEVER)
    a = people.alliance[rows]
    quality = np.broadcast_to(np.asarray(quality, dtype=float), people.alliance.shape)[rows]
    contact = contact[rows]
    grow = contact
    a[grow] += params.growth_per_contact * quality[grow] * (1.0 - a[grow])
    silent_since = np.maximum(record.last_contact_day[rows], record.matched_day[rows])
    fading = ~contact & (day - silent_since > params.missed_contact_days)
    a[fading] *= 0.5 ** (1.0 / params.fade_half_life_days)
    rupture_draw, repair_draw = draws
    ruptured = grow & (rupture_draw[rows] < params.rupture_chance_per_contact * rupture_ratio)
    repaired = ruptured & (repair_draw[rows] < repair_share)
    broken = ruptured & ~repaired
    a[repaired] += params.repair_alliance_gain
    a[broken] -= params.rupture_alliance_loss
    people.alliance[rows] = a
    np.clip(people.alliance, 0.0, 1.0, out=people.alliance)
    record.ruptures[rows[ruptured]] += 1
    record.repairs[rows[repaired]] += 1


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("params", [PARAMS, BUSY])
def test_ratios_and_awareness_match_numpy(n, seed, params):
    people = random_people(n, seed)
    record = _record(n, seed)
    assert np.array_equal(alliance.contact_ratio(people, params), _contact_ratio(people, params))
    assert np.array_equal(
        alliance.engagement_decay_ratio(people, params), _engagement_decay_ratio(people, params)
    )
    for day in (0, 20, 41):
        got = alliance.aware_of_lapse(people, params, record, day)
        assert np.array_equal(got, _aware_of_lapse(people, params, record, day))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("params", [PARAMS, BUSY])
@pytest.mark.parametrize("quality_kind", ["array", "number"])
@pytest.mark.parametrize("draw_dtype", [np.float32, np.float64])
def test_update_matches_numpy(n, seed, params, quality_kind, draw_dtype):
    rng = np.random.default_rng(seed + 7)
    people, record = random_people(n, seed), _record(n, seed)
    mine, my_record = random_people(n, seed), _record(n, seed)
    contact = rng.random(n) < 0.5
    quality = rng.uniform(0.3, 1.0, n) if quality_kind == "array" else 0.8
    near = (params.rupture_chance_per_contact * 0.7, params.rupture_chance_per_contact, 0.5, 0.3)
    both = (draws(rng, n, draw_dtype, near), draws(rng, n, draw_dtype, near))
    # A Python float threshold and a NumPy one compare differently with float32 draws.
    for rupture_ratio, repair_share in [(0.7, 0.5), (np.float64(1.0), np.float64(0.3))]:
        args = (contact, 35, quality, rupture_ratio, repair_share, both)
        _update(people, params, record, *args)
        alliance.update(mine, params, my_record, *args)
        assert np.array_equal(mine.alliance, people.alliance)
        assert np.array_equal(my_record.ruptures, record.ruptures)
        assert np.array_equal(my_record.repairs, record.repairs)
    if n > 1000:  # every branch was taken
        assert record.ruptures.sum() > 0 and record.repairs.sum() > 0


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_boundary_incident_matches_numpy(n, seed):
    rng = np.random.default_rng(seed + 31)
    people, record = random_people(n, seed), _record(n, seed)
    mine, my_record = random_people(n, seed), _record(n, seed)
    mentees = rng.random(n) < 0.3
    alliance.boundary_incident(mine, BUSY, my_record, mentees)
    lowered = people.alliance[mentees] - BUSY.boundary_incident_alliance_loss
    people.alliance[mentees] = np.maximum(0.0, lowered)
    record.boundary_incidents[mentees] += 1
    assert np.array_equal(mine.alliance, people.alliance)
    assert np.array_equal(my_record.boundary_incidents, record.boundary_incidents)
