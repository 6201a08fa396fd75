"""The day's contact in one pass gives exactly the numbers of the chain of mechanisms it fused.

The reference below is `program.deliver_contact`'s former body (each of its steps is itself
checked against NumPy in the mechanism's kernel tests), kept here as the oracle.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_people import SEEDS, SIZES, draws, random_people, row_draws

from simulation.model import program_contact
from simulation.model.mechanisms import (
    alliance,
    mentor_boundaries,
    mentor_wellbeing,
    mentoring,
    setting,
    supervision,
)
from simulation.model.mechanisms.alliance import AllianceParams, PairRecord
from simulation.model.population import KIND_NAMES, NEVER, PARTICIPANT
from simulation.scenario.schema import Scenario

BUSY = {"rupture_chance_per_contact": 0.6, "missed_contact_days": 5, "full_contact_alliance": 0.5}
SCENARIOS = [
    Scenario(mentoring={"enabled": True}),
    Scenario(
        mentoring={"enabled": True, "contacts_per_week": 5, "alliance": BUSY},
        mentor_wellbeing={"boundary_incident_rate_per_year": 40.0},
        training={"empathic_listening": True, "conflict_resolution": True},
    ),
    Scenario(mentoring={"enabled": True}, mentor_wellbeing={"enabled": False}),
    Scenario(mentoring={"enabled": True}, setting={"kind": "residential"}),
    Scenario(mentoring={"enabled": True}, setting={"kind": "hybrid"}),
    Scenario(mentoring={"enabled": True}, setting={"kind": "digital", "adaptive": True}),
]
STATE = ("support", "self_efficacy", "alliance", "burnout")
RECORD = ("last_contact_day", "ruptures", "repairs", "boundary_incidents")


def _old_deliver(people, p, record, day_draws, extra, today):
    probability, in_person = setting.planned_contact_probability(
        people, p.setting, p.mentoring.contacts_per_week, today
    )
    kept = alliance.contact_ratio(people, p.mentoring.alliance)
    probability *= kept
    in_person *= kept
    if extra is not None and extra.any():
        probability[extra] = 1.0
    quality = p.training.support_quality() * mentor_wellbeing.support_quality_ratio(
        people, p.mentor_wellbeing
    )
    effectiveness = np.where(people.mentor != NEVER, people.alliance, 0.0)
    effectiveness *= quality
    contacts = mentoring.make_contact(
        people,
        p.mentoring,
        day_draws.contact,
        probability,
        setting.contact_intensity(p.setting, day_draws.contact, in_person),
        effectiveness,
    )
    alliance.record_contact(record, contacts, today)
    alliance.update(
        people,
        p.mentoring.alliance,
        record,
        contacts,
        today,
        quality,
        p.training.rupture_ratio(),
        p.training.repair_share(),
        (day_draws.rupture, day_draws.repair),
    )
    incidents = mentor_boundaries.boundary_incidents(
        people, p.mentor_wellbeing, p.training.over_involvement(), day_draws.boundary, contacts
    )
    alliance.boundary_incident(people, p.mentoring.alliance, record, incidents)
    return contacts, contacts & (day_draws.contact >= in_person)


def _people_and_record(n, seed):
    """Random people whose participants come first; only they have mentors (as in a model)."""
    rng = np.random.default_rng(seed + 300)
    people = random_people(n, seed)
    n_part = int(0.6 * n)
    others = [k for k in range(len(KIND_NAMES)) if k != PARTICIPANT]
    people.kind[:n_part] = PARTICIPANT
    people.kind[n_part:] = rng.choice(others, n - n_part)
    people.mentor[n_part:] = NEVER
    people.support[n_part:] = 0.0
    people.alliance[n_part:] = 0.0
    people.residence_days_left[:] = rng.integers(0, 3, n)
    # The daily burnout update leaves every row within 0-1 (incidents rely on it).
    people.burnout[:] = np.clip(people.burnout, 0.0, 1.0)
    record = PairRecord.empty(n)
    record.last_contact_day[:] = rng.integers(NEVER, 40, n)
    record.matched_day[:] = rng.integers(0, 40, n)
    for name in ("ruptures", "repairs", "boundary_incidents"):
        getattr(record, name)[:] = rng.integers(0, 3, n)
    return people, record


def _copy(people, record):
    twin = random_people(0, 0)
    for name in people.array_names():
        setattr(twin, name, getattr(people, name).copy())
    twin_record = PairRecord(**{k: v.copy() for k, v in vars(record).items()})
    return twin, twin_record


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("with_extra", [False, True])
def test_deliver_matches_the_chain_it_fused(n, seed, scenario, with_extra):
    people, record = _people_and_record(n, seed)
    rng = np.random.default_rng(seed + 400)
    near = (0.0643, 0.08, 0.5)
    day_draws = program_contact.ContactDraws(*(draws(rng, n, near=near) for _ in range(4)))
    extra = (rng.random(n) < 0.2) if with_extra else None
    today = int(rng.integers(1, 400))
    twin, twin_record = _copy(people, record)
    got = program_contact.deliver(people, scenario, record, day_draws, extra, today)
    want = _old_deliver(twin, scenario, twin_record, day_draws, extra, today)
    assert np.array_equal(got[0], want[0])
    assert np.array_equal(got[1], want[1])
    for name in STATE:
        assert np.array_equal(getattr(people, name), getattr(twin, name)), name
    for name in RECORD:
        assert np.array_equal(getattr(record, name), getattr(twin_record, name)), name


def test_contacts_happen_and_change_the_state():
    """Not a vacuous comparison: contacts, ruptures and incidents all occur in the busy case."""
    people, record = _people_and_record(3001, 0)
    rng = np.random.default_rng(9)
    day_draws = program_contact.ContactDraws(*(draws(rng, 3001) for _ in range(4)))
    before = record.ruptures.sum(), record.boundary_incidents.sum()
    contacts, digital = program_contact.deliver(people, SCENARIOS[1], record, day_draws, None, 50)
    assert 50 < contacts.sum() < 3001
    assert not contacts[int(0.6 * 3001) :].any()
    assert record.ruptures.sum() > before[0]
    assert record.boundary_incidents.sum() > before[1]
    assert not digital.any()  # community setting: every contact is in person


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("with_check_ins", [False, True])
def test_awareness_matches_recent_contact_or_check_in(n, seed, with_check_ins):
    people, record = _people_and_record(n, seed)
    rng = np.random.default_rng(seed + 600)
    params = AllianceParams()
    checked_in = (rng.random(n) < 0.3) if with_check_ins else None
    day = 30
    want = alliance.aware_of_lapse(people, params, record, day)
    if checked_in is not None:
        want = want | (checked_in & (people.mentor != NEVER))
    got = program_contact.aware_of_lapse(people, params, record, checked_in, day)
    assert np.array_equal(got, want)
    assert want.any() or n < 64


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_support_quality_matches_training_times_burnout_ratio(n, seed, scenario):
    people, _ = _people_and_record(n, seed)
    want = scenario.training.support_quality() * mentor_wellbeing.support_quality_ratio(
        people, scenario.mentor_wellbeing
    )
    assert np.array_equal(program_contact.support_quality(people, scenario), want)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_incident_burnout_on_the_hit_rows_matches_every_row(n, seed):
    rng = np.random.default_rng(seed + 700)
    people, _ = _people_and_record(n, seed)
    hits = np.where(rng.random(n) < 0.2, rng.integers(1, 4, n), 0)
    params = mentor_wellbeing.MentorWellbeingParams(burnout_per_boundary_incident=0.4)
    whole = people.burnout.copy()
    mentor_boundaries.add_incident_burnout(whole, hits, params)
    mentor_boundaries.add_incident_burnout(people.burnout, hits, params, np.flatnonzero(hits))
    assert np.array_equal(people.burnout, whole)
    assert (whole == 1.0).any() or n < 64


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("scenario", SCENARIOS[:2])
def test_deliver_with_row_draws_equals_deliver_with_the_full_draws(n, scenario):
    """Ruptures, repairs and incidents drawn for the day's contacts alone: the same numbers."""
    people, record = _people_and_record(n, n)
    before = record.ruptures.sum()
    made = [row_draws(n, n + k, int(0.6 * n), others=False) for k in range(4)]
    full = program_contact.ContactDraws(*(whole for _, whole in made))
    rows = program_contact.ContactDraws(full.contact, *(part for part, _ in made[1:]))
    twin, twin_record = _copy(people, record)
    got = program_contact.deliver(people, scenario, record, rows, None, 30)
    want = program_contact.deliver(twin, scenario, twin_record, full, None, 30)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    for name in STATE:
        assert np.array_equal(getattr(people, name), getattr(twin, name)), name
    for name in RECORD:
        assert np.array_equal(getattr(record, name), getattr(twin_record, name)), name
    if n == SIZES[-1]:  # not vacuous: contacts and ruptures happen
        assert got[0].sum() > 20 and record.ruptures.sum() > before


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scenario", SCENARIOS[:3])
@pytest.mark.parametrize("model_like", [True, False])
def test_support_hazard_ratio_is_the_hazard_ratio_of_the_support_quality(
    n, seed, scenario, model_like
):
    """The former `program.hazard_ratio` line, on some rows (any order) and on every row.

    `model_like=False` gives mentees outside the participants' rows too (and kinds in any
    order): the fused pass still gives the former numbers there.
    """
    people = _people_and_record(n, seed)[0] if model_like else random_people(n, seed)
    rng = np.random.default_rng(seed + 800)
    for rows in (None, np.flatnonzero(rng.random(n) < 0.5), rng.permutation(n)):
        want = mentoring.hazard_ratio(
            people, scenario.mentoring, program_contact.support_quality(people, scenario), rows
        )
        got = program_contact.support_hazard_ratio(people, scenario, rows)
        assert np.array_equal(got, want)
        assert (want < 1.0).any() or n < 64  # not vacuous: some support lowers the hazard


def _old_escalation_ratio(people, scenario, record, checked_in, day):
    """`program.escalation_ratio`'s former body (after its check that a program is offered)."""
    aware = program_contact.aware_of_lapse(
        people, scenario.mentoring.alliance, record, checked_in, day
    )
    ratio = mentoring.rapid_response_ratio(people, scenario.mentoring, aware)
    helped = supervision.escalation_ratio(scenario.supervision, aware)
    return ratio if np.isscalar(helped) else np.multiply(ratio, helped, out=ratio)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("supervised", [False, True])
@pytest.mark.parametrize("with_check_ins", [False, True])
def test_escalation_ratio_is_the_chain_it_fused(n, seed, supervised, with_check_ins):
    people, record = _people_and_record(n, seed)
    rng = np.random.default_rng(seed + 900)
    scenario = Scenario(
        mentoring={"enabled": True, "rapid_response_effect": 0.4},
        supervision={"enabled": supervised, "lapse_response_effect": 0.3},
    )
    checked_in = (rng.random(n) < 0.3) if with_check_ins else None
    for day in (5, 30, 45):
        want = _old_escalation_ratio(people, scenario, record, checked_in, day)
        got = program_contact.escalation_ratio(people, scenario, record, checked_in, day)
        assert np.array_equal(got, want)
        assert (want < 1.0).any() or n < 1000  # not vacuous: some mentors answer
