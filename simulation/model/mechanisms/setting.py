"""Program setting: how often mentors and mentees meet, and where.

- community: planned contacts per week (`mentoring.contacts_per_week`), flexible, wide reach.
- residential: limited places; residents get daily structured contact and a sheltered
  environment for a stay, then step down to community contact.
- digital: cheap contact on any day, weaker per contact, no distance limit, preferred by youth;
  optionally adaptive — an extra contact when a person's risk rises ("AI-driven guidance").
- hybrid: community contact plus digital check-ins (priced at `costs.digital_hours_per_contact`).

Apart from the setting, a self-guided digital tool without a mentor can be offered
(`setting.self_guided_tool`, see `digital`), and digital preference (`setting.digital_preference`)
sets engagement in the digital and hybrid settings.

Contact achieved falls short of contact planned, and fades after the first months (Ellison et al.
2016: planned weekly peer contact was achieved about monthly, front-loaded in the first 6 months).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.mechanisms import digital
from simulation.model.mechanisms.appeal import AppealParams
from simulation.model.mechanisms.digital import DigitalPreferenceParams, SelfGuidedToolParams
from simulation.model.population import PARTICIPANT, RECOVERING, PopulationState
from simulation.scenario.parameters import Section, parameter

SettingKind = Literal["community", "residential", "digital", "hybrid"]
_ELLISON = "Ellison et al. 2016, Psychiatr Rehabil J 39:266 (planned weekly, achieved ~monthly)"


class SettingParams(Section):
    """Where and how the program delivers contact."""

    kind: SettingKind = parameter(
        "community",
        unit="choice",
        source="scenario design",
        description="program setting: community, residential, digital or hybrid",
    )
    contact_achieved_share: float = parameter(
        0.45,
        unit="share",
        source=_ELLISON,
        description="share of planned community contacts that actually happen (early months)",
        ge=0.0,
        le=1.0,
    )
    contact_fade_after_days: int = parameter(
        180,
        unit="days",
        source=_ELLISON,
        description="after this many days, achieved contact fades (front-loading)",
        ge=0,
        le=36_500,
    )
    contact_fade_half_life_days: float = parameter(
        270.0,
        unit="days",
        source="assumption",
        description="half-life of the fade of achieved contact after the early months",
        gt=0.0,
    )
    residential_places_per_100: float = parameter(
        30.0,
        unit="places per 100 participants",
        source="assumption (limited beds)",
        description="residential places; freed places go to people waiting",
        ge=0.0,
        le=100.0,
    )
    residential_stay_days: int = parameter(
        90,
        unit="days",
        source="assumption (typical 30-90 day stays)",
        description="length of a residential stay before step-down to community",
        ge=1,
        le=730,
    )
    residential_contacts_per_week: float = parameter(
        7.0,
        unit="contacts per week",
        source="scenario design (daily structured contact)",
        description="mentor contacts per week in residence",
        ge=0.0,
        le=14.0,
    )
    residential_hazard_ratio: float = parameter(
        0.6,
        unit="hazard ratio",
        source="assumption (sheltered, substance-free environment)",
        description="lapse hazard ratio while in residence",
        gt=0.0,
        le=1.0,
    )
    digital_contacts_per_week: float = parameter(
        3.0,
        unit="contacts per week",
        source="scenario design",
        description="planned digital contacts per week (digital and hybrid settings)",
        ge=0.0,
        le=14.0,
    )
    digital_contact_intensity: float = parameter(
        0.5,
        unit="share of an in-person contact",
        source="assumption; Quanbeck et al. 2024 (no clear gain from added human support)",
        description="support given by one digital contact, relative to an in-person one",
        ge=0.0,
        le=1.0,
    )
    digital_achieved_share: float = parameter(
        0.6,
        unit="share",
        source="assumption (low effort per contact)",
        description="share of planned digital contacts that happen",
        ge=0.0,
        le=1.0,
    )
    digital_youth_engagement_ratio: float = parameter(
        1.5,
        unit="ratio",
        source="Bergman et al. 2018 (digital recovery support more likely at 18-29)",
        description="engagement ratio in digital settings at the youth mean digital preference (1 at the adult mean)",
        gt=0.0,
        le=5.0,
    )
    digital_preference: DigitalPreferenceParams = DigitalPreferenceParams()
    self_guided_tool: SelfGuidedToolParams = SelfGuidedToolParams()
    uptake: AppealParams = AppealParams()
    adaptive: bool = parameter(
        False,
        unit="switch",
        source="source article: AI-driven adaptive guidance",
        description="digital/hybrid: extra contact on days a person's risk is high",
    )
    adaptive_risk_threshold: float = parameter(
        0.01,
        unit="per day",
        source="assumption",
        description="lapse hazard above which an adaptive platform reaches out",
        ge=0.0,
        le=1.0,
    )


def planned_contact_probability(
    people: PopulationState, params: SettingParams, community_per_week: float, day: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each person's chance of a contact today, and the part of it that is in person.

    A contact draw below the in-person chance is an in-person contact; a draw between it and
    the total chance is a digital check-in (hybrid: either kind on a day, 1 - (1 - a)(1 - b)).

    Args:
        people: population state.
        params: setting parameters.
        community_per_week: planned community contacts per week.
        day: today.

    Returns:
        (chance of any contact, chance of an in-person contact), one each per person.
    """
    (anyone, in_person), resident = contact_chances(params, community_per_week, day)
    n = people.size
    probability, in_person = np.full(n, anyone), np.full(n, in_person)
    if params.kind == "residential":
        # In residence every contact is in person, so the two chances stay equal.
        probability[people.residence_days_left > 0] = resident
        in_person[people.residence_days_left > 0] = resident
    return probability, in_person


def contact_chances(
    params: SettingParams, community_per_week: float, day: int
) -> tuple[tuple[float, float], float]:
    """The numbers `planned_contact_probability` spreads over the rows.

    Args:
        params: setting parameters.
        community_per_week: planned community contacts per week.
        day: today.

    Returns:
        ((chance of any contact, chance of an in-person one) outside residence, chance of a
        contact in residence, all in person).
    """
    fade = 0.5 ** (
        max(0, day - params.contact_fade_after_days) / params.contact_fade_half_life_days
    )
    community = min(1.0, community_per_week / 7.0) * params.contact_achieved_share * fade
    digital_p = min(1.0, params.digital_contacts_per_week / 7.0) * params.digital_achieved_share
    resident = min(1.0, params.residential_contacts_per_week / 7.0)
    if params.kind == "digital":
        return (digital_p, 0.0), resident
    if params.kind == "hybrid":
        return (1.0 - (1.0 - community) * (1.0 - digital_p), community), resident
    return (community, community), resident


def contact_intensity(
    params: SettingParams, draws: np.ndarray, in_person: np.ndarray
) -> np.ndarray:
    """Support a contact gives: 1 in person, `digital_contact_intensity` for a digital one.

    Args:
        params: setting parameters.
        draws: the contact draws.
        in_person: chance of an in-person contact (from `planned_contact_probability`).

    Returns:
        Intensity per person.
    """
    if np.shape(in_person) != np.shape(draws):
        return np.where(draws < in_person, 1.0, params.digital_contact_intensity)
    intensity = np.empty(np.shape(draws))
    _intensity_kernel(draws, in_person, params.digital_contact_intensity, intensity)
    return intensity


@kernel
def _intensity_kernel(draws, in_person, digital, intensity):
    """np.where(draws < in_person, 1.0, digital) (the draws compared in float64, as NumPy does)."""
    for i in range(draws.shape[0]):
        intensity[i] = 1.0 if np.float64(draws[i]) < in_person[i] else digital


def adaptive_contact(
    people: PopulationState, params: SettingParams, hazard: np.ndarray
) -> np.ndarray:
    """Who an adaptive platform reaches today (risk above the threshold)."""
    if not params.adaptive or params.kind not in ("digital", "hybrid"):
        return np.zeros(people.size, dtype=bool)
    return people.enrolled & (hazard > params.adaptive_risk_threshold)


def update_residence(
    people: PopulationState,
    params: SettingParams,
    priority: np.ndarray,
    participants: int | None = None,
) -> None:
    """Residents' stays count down; free places go to enrolled people in recovery who wait.

    Args:
        people: population state (`residence_days_left` changes).
        params: setting parameters.
        priority: one value per person; lower goes first (a draw, or the waiting list's order).
            Read at the rows waiting for a place only, so `RowDraws` (made for the rows asked
            for) will do.
        participants: the number the places are sized for (default: today's participants); the
            day-0 cohort when people are referred over the run, so capacity stays fixed.
    """
    if params.kind != "residential":
        return
    resident = people.residence_days_left > 0
    people.residence_days_left[resident] -= 1
    # A relapse ends the stay (residential programs discharge for use).
    people.residence_days_left[people.status > RECOVERING] = 0
    if participants is None:
        participants = int((people.kind == PARTICIPANT).sum())
    places = round(params.residential_places_per_100 * participants / 100)
    free = places - int((people.residence_days_left > 0).sum())
    if free <= 0:
        return
    waiting = np.flatnonzero(
        (people.kind == PARTICIPANT)
        & people.enrolled
        & (people.status == RECOVERING)
        & (people.residence_days_left == 0)
        & (people.days_abstinent < params.residential_stay_days)
    )
    chosen = waiting[np.argsort(priority[waiting], kind="stable")[:free]]
    people.residence_days_left[chosen] = params.residential_stay_days


def hazard_ratio(people: PopulationState, params: SettingParams) -> np.ndarray:
    """Residents live in a sheltered setting: lower lapse hazard."""
    ratio = np.ones(people.size)
    apply_hazard_ratio(ratio, people, params, np.arange(people.size))
    return ratio


def apply_hazard_ratio(
    hazard: np.ndarray, people: PopulationState, params: SettingParams, rows: np.ndarray
) -> None:
    """Multiply each row's hazard by `hazard_ratio` in place (residents' rows alone change).

    Args:
        hazard: one hazard per row of `rows`, changed in place.
        people: population state.
        params: setting parameters.
        rows: the rows the hazards are for.
    """
    _residence_ratio(rows, people.residence_days_left, params.residential_hazard_ratio, hazard)


@kernel
def _residence_ratio(rows, residence_days_left, resident_ratio, hazard):
    for j in range(len(rows)):
        if residence_days_left[rows[j]] > 0:
            hazard[j] *= resident_ratio


def engagement_ratio(
    people: PopulationState, params: SettingParams, preference: np.ndarray | None = None
) -> np.ndarray:
    """Engagement ratio from the setting: digital settings suit people who prefer digital.

    Args:
        people: population state.
        params: setting parameters.
        preference: digital preference per person (default: each age group's mean).

    Returns:
        Engagement ratio per person (1 outside the digital and hybrid settings).
    """
    if params.kind not in ("digital", "hybrid"):
        return np.ones(people.size)
    if preference is None:
        preference = params.digital_preference.means()[people.age_group]
    return digital.engagement_ratio(
        people, params.digital_preference, preference, params.digital_youth_engagement_ratio
    )
