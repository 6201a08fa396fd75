"""Unit tests of the program setting: planned contact by setting, residential places, ratios."""

from __future__ import annotations

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import setting
from simulation.model.mechanisms.setting import SettingParams
from simulation.model.population import RECOVERING, USING

COMMUNITY_WEEKLY = 1.0  # planned community contacts per week in these tests


def _probability(params, day=1, **arrays):
    people = make_people(3, **arrays)
    return setting.planned_contact_probability(people, params, COMMUNITY_WEEKLY, day)


@pytest.mark.parametrize(
    ("day", "fade"), [(1, 1.0), (180, 1.0), (180 + 270, 0.5), (180 + 540, 0.25)]
)
def test_community_contact_is_the_achieved_share_and_fades_after_the_early_months(day, fade):
    params = SettingParams(
        contact_achieved_share=0.45, contact_fade_after_days=180, contact_fade_half_life_days=270
    )
    probability, in_person = _probability(params, day)
    assert probability.tolist() == pytest.approx([1 / 7 * 0.45 * fade] * 3)
    assert in_person.tolist() == probability.tolist()


def test_planned_contact_is_at_most_one_a_day():
    people = make_people(1)
    params = SettingParams(contact_achieved_share=0.45)
    probability, _ = setting.planned_contact_probability(people, params, 14.0, 1)
    assert probability[0] == pytest.approx(0.45)


def test_digital_contact_is_all_digital_and_does_not_fade():
    params = SettingParams(
        kind="digital", digital_contacts_per_week=3.0, digital_achieved_share=0.6
    )
    for day in (1, 2000):
        probability, in_person = _probability(params, day)
        assert probability.tolist() == pytest.approx([3 / 7 * 0.6] * 3)
        assert in_person.tolist() == [0.0, 0.0, 0.0]
    draws = np.array([0.0, 0.1, 0.2])
    assert (
        setting.contact_intensity(params, draws, in_person).tolist()
        == [params.digital_contact_intensity] * 3
    )


def test_hybrid_contact_is_either_kind_on_a_day():
    params = SettingParams(kind="hybrid", contact_achieved_share=0.45, digital_achieved_share=0.6)
    community, digital_p = 1 / 7 * 0.45, 3 / 7 * 0.6
    probability, in_person = _probability(params)
    assert probability.tolist() == pytest.approx([1 - (1 - community) * (1 - digital_p)] * 3)
    assert in_person.tolist() == pytest.approx([community] * 3)


def test_residents_have_daily_structured_contact_and_the_others_community_contact():
    params = SettingParams(kind="residential", residential_contacts_per_week=7.0)
    probability, in_person = _probability(params, residence_days_left=[10, 0, 1])
    community = 1 / 7 * params.contact_achieved_share
    assert probability.tolist() == pytest.approx([1.0, community, 1.0])
    assert in_person.tolist() == probability.tolist()
    three_a_week = params.model_copy(update={"residential_contacts_per_week": 3.0})
    probability, _ = _probability(three_a_week, residence_days_left=[10, 0, 1])
    assert probability[0] == pytest.approx(3 / 7)


def _residence_people():
    # Ten participants: 0-2 in residence, 3 not enrolled, 4 abstinent for a full stay already,
    # 5-9 waiting for a place.
    return make_people(
        10,
        enrolled=[True, True, True, False, True, True, True, True, True, True],
        status=[RECOVERING, RECOVERING, USING] + [RECOVERING] * 7,
        days_abstinent=[20, 200, 0, 5, 90, 5, 5, 5, 5, 5],
        residence_days_left=[5, 1, 30, 0, 0, 0, 0, 0, 0, 0],
    )


def test_places_freed_by_stays_ending_and_use_go_to_waiting_people_by_priority():
    params = SettingParams(
        kind="residential", residential_places_per_100=30, residential_stay_days=90
    )
    people = _residence_people()
    priority = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.9, 0.1, 0.5, 0.3, 0.7])
    setting.update_residence(people, params, priority)
    # 3 places: row 0 stays (4 days left); row 1's stay ended, row 2 was discharged for use;
    # the two free places go to the waiting rows with the lowest priority draws, 6 and 8.
    assert people.residence_days_left.tolist() == [4, 0, 0, 0, 0, 0, 90, 0, 90, 0]


def test_no_free_places_no_admissions_and_other_settings_have_no_residence():
    full = SettingParams(kind="residential", residential_places_per_100=10)  # 1 place
    people = _residence_people()
    setting.update_residence(people, full, np.zeros(10))
    assert people.residence_days_left.tolist() == [4, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    people = _residence_people()
    setting.update_residence(people, SettingParams(kind="community"), np.zeros(10))
    assert people.residence_days_left.tolist() == [5, 1, 30, 0, 0, 0, 0, 0, 0, 0]


def test_residents_have_the_residential_hazard_ratio():
    people = make_people(2, residence_days_left=[3, 0])
    params = SettingParams(kind="residential", residential_hazard_ratio=0.6)
    assert setting.hazard_ratio(people, params).tolist() == [0.6, 1.0]


def test_an_adaptive_platform_reaches_enrolled_people_at_high_risk_in_digital_settings():
    people = make_people(3, enrolled=[True, True, False])
    hazard = np.array([0.02, 0.005, 0.02])
    for kind in ("digital", "hybrid"):
        params = SettingParams(kind=kind, adaptive=True, adaptive_risk_threshold=0.01)
        assert setting.adaptive_contact(people, params, hazard).tolist() == [True, False, False]
    community = SettingParams(kind="community", adaptive=True)
    assert not setting.adaptive_contact(people, community, hazard).any()
    not_adaptive = SettingParams(kind="digital", adaptive=False)
    assert not setting.adaptive_contact(people, not_adaptive, hazard).any()


def test_digital_settings_set_engagement_from_each_age_groups_preference():
    people = make_people(3, age_group=[0, 1, 2])
    digital_setting = SettingParams(kind="digital", digital_youth_engagement_ratio=1.5)
    # Means 0.7 / 0.5 / 0.3: the slope is 0.5 / 0.2 = 2.5 per unit of preference.
    assert setting.engagement_ratio(people, digital_setting).tolist() == pytest.approx(
        [1.5, 1.0, 0.5]
    )
    assert setting.engagement_ratio(people, SettingParams(kind="residential")).tolist() == [1.0] * 3
