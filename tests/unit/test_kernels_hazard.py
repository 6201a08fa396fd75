"""The lapse hazard worked out for some rows alone is, row by row, the hazard of everyone.

`daily_hazard` works out each factor for the rows in recovery only (issue 17). Each factor's
`rows=` form must give, bit for bit and in the same dtype, the NumPy body it replaced taken at
those rows (the references below are those bodies), for rows in any order, on seeded random
populations of every size in `SIZES`; and the day's hazard must be the old chained product.
"""

from __future__ import annotations

import numpy as np
import pytest
from random_people import SIZES, random_people

from simulation.model import lapse_risk, program, program_contact
from simulation.model.mechanisms import (
    digital,
    engagement,
    meetings,
    mentor_wellbeing,
    mentoring,
    network,
    psychology,
    relapse,
    setting,
    stigma,
)
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import NEVER, RECOVERING
from simulation.scenario.files import load_scenario

RELAPSE = relapse.RelapseParams(self_efficacy_effect=1.37, isolation_effect=0.91)
WELLBEING = mentor_wellbeing.MentorWellbeingParams(
    helper_hazard_ratio=0.7, burnout_hazard_effect=1.3, over_helping_risk_per_mentee=0.09
)
DAY = 400


def _people(n: int, seed: int):
    """Random people with the program's state (mentors, support, burnout, stigma) random too."""
    people = random_people(n, seed)
    rng = np.random.default_rng(seed + 1)
    mentors = max(n // 8, 1)
    values = {
        "is_mentor": rng.random(n) < 0.15,
        "mentor": np.where(rng.random(n) < 0.5, NEVER, rng.integers(0, mentors, n)),
        "support": np.where(rng.random(n) < 0.4, 0.0, rng.random(n)),
        "alliance": rng.random(n),
        "burnout": np.where(rng.random(n) < 0.3, 0.0, rng.random(n)),
        "caseload": rng.integers(0, 9, n),
        "mental_health": np.where(rng.random(n) < 0.1, 0.5, rng.random(n)),
        "stigma": np.where(rng.random(n) < 0.1, 0.5, rng.random(n)),
        "residence_days_left": np.where(rng.random(n) < 0.7, 0, rng.integers(1, 90, n)),
        "ever_enrolled": rng.random(n) < 0.6,
        "enrolled": rng.random(n) < 0.4,
        "completed": rng.random(n) < 0.2,
    }
    for name, value in values.items():
        setattr(people, name, value.astype(getattr(people, name).dtype))
    return people


def _rows(n: int, seed: int) -> list[np.ndarray]:
    """Ascending rows (about half), the same shuffled, no rows, and every row."""
    rng = np.random.default_rng(seed + 2)
    half = np.flatnonzero(rng.random(n) < 0.5)
    return [half, rng.permutation(half), np.zeros(0, np.int64), np.arange(n)]


def _exposure(n: int, seed: int, dtype=np.float32) -> network.SocialExposure:
    rng = np.random.default_rng(seed + 3)
    degree = np.where(rng.random(n) < 0.1, 0, rng.integers(0, 12, n)).astype(dtype)
    recovering = np.minimum(rng.integers(0, 12, n), degree).astype(dtype)
    using = np.minimum(rng.integers(0, 9, n), degree).astype(dtype)
    return network.SocialExposure(using, recovering, degree)


def _same(got, expected) -> bool:
    if np.isscalar(expected):
        return np.isscalar(got) and got == expected
    return got.dtype == expected.dtype and np.array_equal(got, expected)


# The NumPy bodies the compiled passes replaced.
def _network(exposure, params):
    using = np.minimum(exposure.using_contacts, params.max_using_contacts_counted)
    return (1.0 + params.using_contact_risk) ** using * np.exp(
        -params.recovery_tie_protection * exposure.recovery_share
    )


def _mentoring(people, params, quality):
    alliance = np.where(people.mentor != NEVER, people.alliance, 1.0)
    return np.exp(-params.support_effect * people.support * alliance * quality)


def _wellbeing(people, params):
    ratio = np.ones(people.size)
    mentors = people.is_mentor
    helping = np.where(people.caseload > 0, params.helper_hazard_ratio, 1.0)
    ratio[mentors] = (helping * np.exp(params.burnout_hazard_effect * people.burnout))[mentors]
    return ratio


def _over_helping(people, params, over_involvement):
    over = np.clip(people.caseload - params.over_helping_caseload, 0, None)
    per_mentee = params.over_helping_risk_per_mentee * over_involvement
    return np.where(people.is_mentor, 1.0 + per_mentee * over, 1.0)


def _factors(people, exposure, quality, use, support):
    """(factor for rows, its NumPy body for every row) for each factor of the hazard.

    A factor for rows is `ratio(rows)`, or `apply(hazard, rows)` that multiplies in place.
    """
    net = network.NetworkParams(using_contact_risk=0.23, recovery_tie_protection=0.61)
    tool = digital.SelfGuidedToolParams(enabled=True, hazard_effect=0.47)
    meet = meetings.MeetingParams(meeting_protection=0.83)
    mind = psychology.MentalHealthParams(hazard_effect=0.77)
    shame = stigma.StigmaParams(enabled=True, shame_hazard_effect=0.59)
    where = setting.SettingParams(kind="residential", residential_hazard_ratio=0.55)
    left = engagement.EngagementParams(disengaged_hazard_ratio=1.4)
    menti = mentoring.MentoringParams(support_effect=1.1)
    ratios = [
        (
            lambda r: relapse.state_of_mind_ratio(people, RELAPSE, r),
            _state_of_mind(people, RELAPSE),
        ),
        (lambda r: network.hazard_ratio(exposure, net, r), _network(exposure, net)),
        (
            lambda r: mentoring.hazard_ratio(people, menti, quality, r),
            _mentoring(people, menti, quality),
        ),
        (
            lambda r: mentor_wellbeing.over_helping_ratio(people, WELLBEING, 0.6, r),
            _over_helping(people, WELLBEING, 0.6),
        ),
        (
            lambda r: psychology.mental_health_ratio(people, mind, r),
            np.exp(mind.hazard_effect * (0.5 - people.mental_health)),
        ),
        (
            lambda r: stigma.hazard_ratio(people, shame, r),
            np.exp(shame.shame_hazard_effect * (people.stigma - 0.5)),
        ),
    ]
    applied = [
        (
            lambda h, r: meetings.apply_hazard_ratio(h, support, meet, r),
            np.exp(np.multiply(-meet.meeting_protection, support)),
        ),
        (
            lambda h, r: digital.apply_hazard_ratio(h, tool, use, r),
            np.exp(-tool.hazard_effect * use),
        ),
        (
            lambda h, r: setting.apply_hazard_ratio(h, people, where, r),
            np.where(people.residence_days_left > 0, where.residential_hazard_ratio, 1.0),
        ),
        (
            lambda h, r: mentor_wellbeing.apply_hazard_ratio(h, people, WELLBEING, r),
            _wellbeing(people, WELLBEING),
        ),
        (
            lambda h, r: engagement.apply_hazard_ratio(h, people, left, r),
            np.where(engagement.dropped_out(people), left.disengaged_hazard_ratio, 1.0),
        ),
    ]
    return ratios, applied


def _state_of_mind(people, params):
    return np.exp(
        -params.self_efficacy_effect * (people.self_efficacy - 0.5)
        + params.isolation_effect * (people.isolation - 0.5)
    )


@pytest.mark.parametrize("n", SIZES)
def test_each_factor_for_some_rows_is_its_numpy_body_at_those_rows(n):
    people = _people(n, seed=n)
    rng = np.random.default_rng(n + 4)
    quality = rng.uniform(0.3, 1.0, n)
    use = np.where(rng.random(n) < 0.6, 0.0, rng.random(n))
    support = np.where(rng.random(n) < 0.7, 0.0, rng.random(n))
    ratios, applied = _factors(people, _exposure(n, n), quality, use, support)
    for function, everyone in ratios:
        assert _same(function(None), everyone)
        for rows in _rows(n, n):
            assert _same(function(rows), everyone[rows])
    for apply, everyone in applied:
        for rows in _rows(n, n):
            hazard = rng.gamma(2.0, 0.01, len(rows))
            expected = hazard * everyone[rows]
            apply(hazard, rows)
            assert _same(hazard, expected)


def test_the_whole_population_ratios_are_still_their_numpy_bodies():
    # The factors applied in place also give their ratio for everyone, as before.
    people = _people(2_000, seed=9)
    params = setting.SettingParams(kind="residential", residential_hazard_ratio=0.55)
    expected = np.where(people.residence_days_left > 0, params.residential_hazard_ratio, 1.0)
    assert _same(setting.hazard_ratio(people, params), expected)
    assert _same(mentor_wellbeing.hazard_ratio(people, WELLBEING), _wellbeing(people, WELLBEING))
    off = WELLBEING.model_copy(update={"enabled": False})
    assert _same(mentor_wellbeing.hazard_ratio(people, off), np.ones(people.size))
    hazard = np.ones(7)
    digital.apply_hazard_ratio(hazard, digital.SelfGuidedToolParams(), np.ones(9), np.arange(7))
    engagement.apply_hazard_ratio(hazard, people, engagement.EngagementParams(), np.arange(7))
    assert _same(hazard, np.ones(7))  # the tool not offered; dropping out adds no risk


@pytest.mark.parametrize("n", SIZES)
def test_network_ratio_with_counts_that_are_not_whole_numbers(n):
    # Ties of other weights: the table cannot give the power, NumPy does (the same numbers).
    exposure = _exposure(n, n + 5)
    exposure.using_contacts[::3] += np.float32(0.25)
    params = network.NetworkParams()
    for rows in _rows(n, n):
        assert _same(network.hazard_ratio(exposure, params, rows), _network(exposure, params)[rows])
    wide = _exposure(n, n + 6, dtype=np.float64)
    wide.recovery_contacts = wide.recovery_contacts.astype(np.float32)  # mixed dtypes
    for rows in _rows(n, n):
        assert _same(network.hazard_ratio(wide, params, rows), _network(wide, params)[rows])


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("day", [None, DAY])
def test_lapse_hazard_for_some_rows_is_the_hazard_of_everyone_at_those_rows(n, day):
    people = _people(n, seed=n + 7)
    for table in (relapse.duration_hazard_table(RELAPSE, DAY), None):
        everyone = relapse.lapse_hazard(people, RELAPSE, table, day)
        for rows in _rows(n, n):
            assert _same(relapse.lapse_hazard(people, RELAPSE, table, day, rows), everyone[rows])
            # Without the state of mind, then times it: the same numbers (its last factor).
            without = relapse.lapse_hazard(people, RELAPSE, table, day, rows, state_of_mind=False)
            without *= relapse.state_of_mind_ratio(people, RELAPSE, rows)
            assert _same(without, everyone[rows])


def _old_program_ratio(model):
    p, people = model.scenario, model.people
    if not program.offered(p):
        return 1.0
    return (
        mentoring.hazard_ratio(people, p.mentoring, program_contact.support_quality(people, p))
        * meetings.hazard_ratio(model.group_support, p.meetings)
        * digital.hazard_ratio(p.setting.self_guided_tool, model.digital.tool_use)
        * mentor_wellbeing.over_helping_ratio(
            people, p.mentor_wellbeing, p.training.over_involvement()
        )
    )


def _old_daily_hazard(model, exposure, today):
    # The chained product before `rows` (issue 17): every factor for every row.
    people, p = model.people, model.scenario
    hazard = relapse.lapse_hazard(people, p.relapse, model.hazard_table, today)
    for ratio in (
        network.hazard_ratio(exposure, p.network),
        _old_program_ratio(model),
        setting.hazard_ratio(people, p.setting),
        mentor_wellbeing.hazard_ratio(people, p.mentor_wellbeing),
        psychology.mental_health_ratio(people, p.mental_health),
        engagement.hazard_ratio(people, p.engagement),
        stigma.hazard_ratio(people, p.stigma),
    ):
        hazard = hazard * ratio
    return hazard


@pytest.mark.parametrize(
    ("scenario", "every_row"),
    [
        ("community_peer_mentoring", False),
        ("residential_peer_mentoring", False),
        ("stigma_reduction_campaign", False),
        ("treatment_as_usual", False),
        ("hybrid_peer_mentoring", True),  # adaptive platform: reads the enrolled's hazard
    ],
)
def test_daily_hazard_is_the_chained_product_on_the_rows_that_need_it(scenario, every_row):
    s = load_scenario(f"scenarios/{scenario}.yaml", ["population.size=600", "days=40"])
    model = RecoveryCommunityModel(s, seed=11)
    for _ in range(25):
        model.step()
    exposure = model.contacts.exposure(model.people)
    today = model.day + 1
    got = lapse_risk.daily_hazard(model, exposure, today)
    expected = _old_daily_hazard(model, exposure, today)
    at_risk = model.people.status == RECOVERING
    assert 0 < at_risk.sum() < model.people.size
    assert got.dtype == expected.dtype and np.array_equal(got[at_risk], expected[at_risk])
    assert _same(program.hazard_ratio(model), _old_program_ratio(model))
    if every_row:
        assert lapse_risk.hazard_rows(model) is None
        assert np.array_equal(got, expected)
    else:
        assert np.array_equal(lapse_risk.hazard_rows(model), np.flatnonzero(at_risk))
        assert np.all(got[~at_risk] == lapse_risk.NOT_AT_RISK)


@pytest.mark.parametrize("n", SIZES)
def test_rows_in_recovery_are_the_recovering_rows_ascending(n):
    people = random_people(n, seed=n + 8)
    rows = np.empty(n, dtype=np.int64)
    k = lapse_risk._in_recovery(people.status, rows)
    assert np.array_equal(rows[:k], np.flatnonzero(people.status == RECOVERING))


@pytest.mark.parametrize("n", SIZES)
def test_spread_puts_each_hazard_in_its_row_and_the_value_elsewhere(n):
    rng = np.random.default_rng(n + 9)
    half, _, none, every = _rows(n, n)  # the ascending ones, and int32 rows as the model's
    for rows in (half, none, every, np.flatnonzero(rng.random(n) < 0.5).astype(np.int32)):
        hazard = rng.random(len(rows))
        expected = np.full(n, lapse_risk.NOT_AT_RISK)
        expected[rows] = hazard
        got = np.full(n, np.nan)
        lapse_risk._spread(rows, hazard, lapse_risk.NOT_AT_RISK, got)
        assert _same(got, expected)
