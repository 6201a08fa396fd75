"""Unit tests of the alliance, the training channels, matching gains, costs and digital support."""

from __future__ import annotations

import numpy as np
import pytest
from people_factory import make_people

from simulation.errors import ScenarioError
from simulation.model.mechanisms import (
    alliance,
    costs,
    digital,
    matching,
    meetings,
    mentor_boundaries,
    mentor_wellbeing,
    mentoring,
    setting,
)
from simulation.model.mechanisms.alliance import AllianceParams, PairRecord
from simulation.model.mechanisms.mentoring_params import MentoringParams
from simulation.model.mechanisms.training import TrainingParams
from simulation.model.population import NEVER
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario

NO_DRAW = (np.ones(4), np.ones(4))  # no rupture, no repair


def _pairs(alliance_values, last_contact=NEVER):
    people = make_people(4, mentor=[3, 3, 3, NEVER], alliance=alliance_values)
    record = PairRecord.empty(4)
    record.last_contact_day[:] = last_contact
    return people, record


def test_contact_grows_the_alliance_by_quality_and_silence_fades_it():
    params = AllianceParams(growth_per_contact=0.1, missed_contact_days=10, fade_half_life_days=5)
    people, record = _pairs([0.5, 0.5, 0.5, 0.0], last_contact=0)
    contact = np.array([True, True, False, False])
    quality = np.array([1.0, 0.5, 1.0, 1.0])
    alliance.update(people, params, record, contact, 5, quality, 1.0, 0.0, NO_DRAW)
    assert people.alliance[:3].tolist() == pytest.approx([0.55, 0.525, 0.5])
    # Day 20: 20 days since the last contact, past the 10-day grace: it halves every 5 days.
    alliance.update(people, params, record, np.zeros(4, bool), 20, quality, 1.0, 0.0, NO_DRAW)
    assert people.alliance[2] == pytest.approx(0.5 * 0.5 ** (1 / 5))


def test_a_rupture_costs_alliance_unless_repaired_and_repair_strengthens():
    params = AllianceParams(growth_per_contact=0.0, rupture_chance_per_contact=0.5)
    people, record = _pairs([0.6, 0.6, 0.6, 0.0])
    contact = np.array([True, True, True, False])
    rupture = np.array([0.1, 0.1, 0.9, 0.0])  # first two rupture (below 0.5 x ratio 1)
    repair = np.array([0.1, 0.9, 0.0, 0.0])  # the first is repaired (below 0.5)
    alliance.update(people, params, record, contact, 1, 1.0, 1.0, 0.5, (rupture, repair))
    assert people.alliance[:3].tolist() == pytest.approx(
        [0.6 + params.repair_alliance_gain, 0.6 - params.rupture_alliance_loss, 0.6]
    )
    assert record.ruptures.tolist() == [1, 1, 0, 0] and record.repairs.tolist() == [1, 0, 0, 0]
    # Empathic listening halves the chance: a draw of 0.3 no longer ruptures at ratio 0.5.
    people, record = _pairs([0.6, 0.6, 0.6, 0.0])
    rupture = np.full(4, 0.3)
    alliance.update(people, params, record, contact, 1, 1.0, 0.5, 0.0, (rupture, np.ones(4)))
    assert record.ruptures.sum() == 0


def test_failed_pairs_wait_and_awareness_needs_recent_contact():
    params = AllianceParams(rematch_wait_days=10, awareness_window_days=7, dissolution_alliance=0.2)
    people, record = _pairs([0.1, 0.5, 0.5, 0.0])
    assert alliance.dissolving(people, params).tolist() == [0]
    alliance.mark_failed(record, params, np.array([0]), 30)
    assert alliance.may_be_matched(record, 39).tolist() == [False, True, True, True]
    assert alliance.may_be_matched(record, 40)[0]
    record.last_contact_day[:] = [NEVER, 20, 25, 25]
    assert alliance.aware_of_lapse(people, params, record, 30).tolist() == [
        False,
        False,
        True,
        False,
    ]
    # A new mentor does not know of a lapse from contacts with the mentee's earlier mentor.
    alliance.record_matches(record, np.array([2]), 26)
    assert alliance.aware_of_lapse(people, params, record, 30).tolist() == [False] * 4
    assert alliance.met(record, np.array([1, 2])).tolist() == [True, False]
    record.last_contact_day[2] = 27
    assert alliance.aware_of_lapse(people, params, record, 30)[2]
    assert alliance.met(record, np.array([2])).tolist() == [True]


def test_a_new_pair_fades_only_after_missing_contacts_since_it_was_formed():
    params = AllianceParams(missed_contact_days=10, fade_half_life_days=5)
    people, record = _pairs([0.5, 0.5, 0.5, 0.0])  # no contact ever
    alliance.record_matches(record, np.array([0, 1]), 15)  # pair 2 was formed on day 0
    alliance.update(people, params, record, np.zeros(4, bool), 20, 1.0, 1.0, 0.0, NO_DRAW)
    # Pairs 0 and 1 are five days old (inside the grace); pair 2 has been silent for 20 days.
    assert people.alliance[:3].tolist() == pytest.approx([0.5, 0.5, 0.5 * 0.5 ** (1 / 5)])


def test_training_modules_act_on_their_own_channels():
    full = TrainingParams(hours=500, hours_for_half_benefit=1e-3)  # full benefit
    assert full.rupture_ratio() == pytest.approx(1 - full.empathic_rupture_reduction)
    assert full.repair_share() == pytest.approx(full.trained_repair_share)
    assert full.over_involvement() == pytest.approx(1 - full.boundary_over_involvement_reduction)
    no_conflict = full.model_copy(update={"conflict_resolution": False})
    assert no_conflict.repair_share() == pytest.approx(full.untrained_repair_share)
    assert no_conflict.rupture_ratio() == full.rupture_ratio()  # other channels unchanged
    no_boundary = full.model_copy(update={"boundary_setting": False})
    assert no_boundary.over_involvement() == 1.0 and no_boundary.burnout_multiplier() == 1.0
    assert no_boundary.support_quality() == full.support_quality()


def test_over_helping_depends_on_training_not_only_caseload():
    params = mentor_wellbeing.MentorWellbeingParams(over_helping_caseload=2)
    people = make_people(2, is_mentor=[True, False], caseload=[5, 0])
    untrained = mentor_wellbeing.over_helping_ratio(people, params, 1.0)
    trained = mentor_wellbeing.over_helping_ratio(people, params, 0.3)
    assert untrained[0] == pytest.approx(1 + params.over_helping_risk_per_mentee * 3)
    assert trained[0] == pytest.approx(1 + params.over_helping_risk_per_mentee * 0.3 * 3)
    assert untrained[1] == trained[1] == 1.0


def test_boundary_incidents_burn_the_mentor_out():
    params = mentor_wellbeing.MentorWellbeingParams(boundary_incident_rate_per_year=52.0)
    people = make_people(3, mentor=[2, 2, NEVER], is_mentor=[False, False, True])
    contact = np.ones(3, dtype=bool)
    draws = np.array([0.0, 0.999, 0.0])
    hit = mentor_boundaries.boundary_incidents(people, params, 1.0, draws, contact)
    assert hit.tolist() == [True, False, False]
    assert people.burnout[2] == pytest.approx(params.burnout_per_boundary_incident)
    # A pair that does not meet today cannot cross a boundary, whatever the draw.
    silent = mentor_boundaries.boundary_incidents(people, params, 1.0, draws, ~contact)
    assert not silent.any()
    assert people.burnout[2] == pytest.approx(params.burnout_per_boundary_incident)


def test_starting_alliance_adds_a_gain_per_shared_attribute():
    params = MentoringParams(enabled=True)
    people = make_people(
        4, substance=[0, 1, 0, 0], veteran=[True, True, False, True], cultural_group=[0, 0, 1, 0]
    )
    start = matching.starting_alliance(people, np.array([0, 1, 2]), np.array([3, 3, 3]), params)
    g = params.similarity_alliance_gain
    assert start.tolist() == pytest.approx(
        [
            params.alliance_base + g.substance + g.age_group + g.veteran + g.cultural_group,
            params.alliance_base + g.age_group + g.veteran + g.cultural_group,
            params.alliance_base + g.substance + g.age_group,  # two non-veterans share nothing
        ]
    )


def test_unknown_composite_weights_are_rejected_with_the_allowed_keys():
    with pytest.raises(ScenarioError, match="allowed keys: substance, age_group, veteran"):
        with_overrides(Scenario(), {"mentoring.composite_weights": {"religion": 1.0}})


def test_hybrid_digital_check_ins_are_priced_at_digital_hours():
    scenario = with_overrides(
        Scenario(population={"size": 10}),
        {"mentoring.enabled": True, "setting.kind": "hybrid"},
    )
    people = make_people(4)
    contacts = np.array([True, True, True, False])
    digital_contacts = np.array([False, True, True, False])
    spend = costs.daily_costs(people, scenario, contacts, 1, digital_contacts)
    c = scenario.costs
    assert spend["contacts"] == pytest.approx(
        (1 * c.hours_per_contact + 2 * c.digital_hours_per_contact) * c.contact_hour_cost
    )
    assert (
        costs.training_cost(scenario, 3) == 3 * scenario.training.hours * c.training_cost_per_hour
    )


def test_hybrid_contact_splits_in_person_and_digital():
    params = setting.SettingParams(kind="hybrid")
    people = make_people(3)
    probability, in_person = setting.planned_contact_probability(people, params, 7.0, 1)
    assert (probability > in_person).all() and in_person[0] == pytest.approx(
        params.contact_achieved_share
    )
    intensity = setting.contact_intensity(
        params, np.array([0.0, in_person[0] + 1e-6, 1.0]), in_person
    )
    assert intensity.tolist() == [
        1.0,
        params.digital_contact_intensity,
        params.digital_contact_intensity,
    ]


def test_digital_preference_is_higher_in_youth_and_sets_engagement():
    params = digital.DigitalPreferenceParams()
    people = make_people(3, age_group=[0, 1, 2])
    pref = digital.draw_preference(people, params, np.zeros(3))
    assert pref.tolist() == pytest.approx([0.7, 0.5, 0.3])
    ratio = digital.engagement_ratio(people, params, pref, 1.5)
    assert ratio.tolist() == pytest.approx([1.5, 1.0, 0.5])


def test_self_guided_tool_uptake_follows_preference_and_use_fades():
    params = digital.SelfGuidedToolParams(enabled=True, uptake_at_full_preference=1.0)
    people = make_people(3)
    use = digital.start_tool(people, params, np.array([0.9, 0.2, 0.5]), np.array([0.5, 0.5, 0.4]))
    assert use.tolist() == [1.0, 0.0, 1.0]
    digital.fade_use(people, params, use)
    assert use[0] == pytest.approx(0.5 ** (1 / params.use_half_life_days))
    assert digital.hazard_ratio(params, use)[1] == 1.0 and digital.hazard_ratio(params, use)[0] < 1


def test_meeting_protection_fades_with_its_own_half_life():
    params = meetings.MeetingParams(protection_half_life_days=2.0, meeting_protection=0.5)
    support = np.array([1.0, 0.0])
    meetings.fade_protection(support, params)
    assert support[0] == pytest.approx(0.5**0.5)
    assert meetings.hazard_ratio(support, params).tolist() == pytest.approx(
        [np.exp(-0.5 * 0.5**0.5), 1.0]
    )


def test_contact_self_efficacy_scales_with_quality_and_alliance():
    params = MentoringParams(enabled=True, self_efficacy_gain_per_contact=0.1)
    people = make_people(2, mentor=[1, 1], self_efficacy=[0.5, 0.5])
    mentoring.make_contact(people, params, np.zeros(2), 1.0, 1.0, np.array([1.0, 0.5]))
    assert people.self_efficacy.tolist() == pytest.approx([0.55, 0.525])


def test_veterans_and_digital_minded_people_join_a_design_that_fits_them_more_readily():
    from simulation.model.mechanisms import appeal

    params = appeal.AppealParams(veteran_uptake_ratio=2.0, digital_uptake_ratio=3.0)
    people = make_people(3, veteran=[True, False, False])
    preference = np.array([0.5, 1.0, 0.2])
    ratio = appeal.fit_ratio(people, params, True, True, preference)
    assert ratio.tolist() == pytest.approx([2.0, 3.0, 1.0])
    assert appeal.fit_ratio(people, params, False, False, preference).tolist() == [1.0, 1.0, 1.0]
    joined = appeal.extra_enrolment(people, 52.0, np.zeros(3), ratio, np.full(3, 0.1))
    assert joined.tolist() == [True, True, False] and people.ever_enrolled[:2].all()


def test_a_weak_alliance_keeps_fewer_contacts():
    params = AllianceParams(full_contact_alliance=0.8)
    people, _ = _pairs([0.9, 0.4, 0.0, 0.9])
    assert alliance.contact_ratio(people, params).tolist() == pytest.approx([1.0, 0.5, 0.0, 0.0])


def test_diverse_mentor_pool_recruits_mentors_unlike_the_participants():
    from simulation.model.model import RecoveryCommunityModel
    from simulation.model.population import MENTOR, PARTICIPANT
    from simulation.scenario.files import BUNDLED_SCENARIOS, load_scenario

    scenario = load_scenario(
        BUNDLED_SCENARIOS / "diverse_mentor_pool.yaml", ["population.size=3000"]
    )
    assert (
        scenario.mentoring.mentor_cultural_group_shares != scenario.population.cultural_group_shares
    )
    people = RecoveryCommunityModel(scenario, seed=1).people
    share = {
        kind: np.bincount(people.cultural_group[people.kind == kind], minlength=3)
        / (people.kind == kind).sum()
        for kind in (PARTICIPANT, MENTOR)
    }
    assert share[MENTOR][0] < share[PARTICIPANT][0] - 0.15  # far fewer majority-group mentors
