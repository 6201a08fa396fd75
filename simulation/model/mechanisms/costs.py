"""Costs, in US dollars: what the program spends each day, by item.

Mentor time (a daily stipend per active mentor plus paid contact hours), training hours,
supervision reviews, digital platform (fixed and per user), residential bed-days, group meetings
and campaigns. Defaults put a standard community program near $2,800 per participant-year
(Speer et al. 2025: $2,824 standard, $5,286 expanded; labour over two thirds of cost).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.mechanisms.meetings import MEETING_GROUP_SIZE
from simulation.model.population import PARTICIPANT, PopulationState
from simulation.scenario.parameters import Section, parameter

_SPEER = "calibrated to Speer et al. 2025 ($2,824 per participant-year, labour > 2/3)"


class CostParams(Section):
    """Unit costs (US dollars)."""

    mentor_cost_per_day: float = parameter(
        25.0,
        unit="$ per mentor-day",
        source=_SPEER,
        description="stipend, preparation and travel of an active mentor, per day",
        ge=0.0,
        le=10_000.0,
    )
    contact_hour_cost: float = parameter(
        30.0,
        unit="$ per hour",
        source="assumption (peer specialist wage with overhead)",
        description="paid time of an in-person contact hour",
        ge=0.0,
        le=10_000.0,
    )
    hours_per_contact: float = parameter(
        1.0,
        unit="hours",
        source="assumption",
        description="length of an in-person contact",
        ge=0.0,
        le=24.0,
    )
    digital_hours_per_contact: float = parameter(
        0.2,
        unit="hours",
        source="assumption",
        description="mentor time per digital contact",
        ge=0.0,
        le=24.0,
    )
    training_cost_per_hour: float = parameter(
        40.0,
        unit="$ per mentor-hour",
        source="assumption",
        description="cost of one training hour for one mentor",
        ge=0.0,
        le=10_000.0,
    )
    supervision_cost_per_review: float = parameter(
        60.0,
        unit="$ per mentor per review",
        source="assumption",
        description="supervisor time per mentor review",
        ge=0.0,
        le=10_000.0,
    )
    platform_cost_per_year: float = parameter(
        40_000.0,
        unit="$ per year",
        source="assumption",
        description="fixed cost of a digital platform",
        ge=0.0,
        le=1e9,
    )
    platform_cost_per_user_month: float = parameter(
        8.0,
        unit="$ per user-month",
        source="assumption",
        description="per-user cost of a digital platform",
        ge=0.0,
        le=10_000.0,
    )
    bed_day_cost: float = parameter(
        150.0,
        unit="$ per bed-day",
        source="assumption (recovery residence)",
        description="cost of one residential bed-day",
        ge=0.0,
        le=10_000.0,
    )
    meeting_cost: float = parameter(
        150.0,
        unit="$ per meeting",
        source="assumption",
        description="cost of running one group meeting (a group of 20 enrolled)",
        ge=0.0,
        le=100_000.0,
    )
    campaign_cost_per_year: float = parameter(
        60_000.0,
        unit="$ per year",
        source="assumption",
        description="cost of an advocacy campaign",
        ge=0.0,
        le=1e9,
    )

    def per_day(self, per_year: float) -> float:
        """A yearly amount per day.

        Args:
            per_year: dollars per year.

        Returns:
            Dollars per day (365.25 days a year).
        """
        return per_year / 365.25


ITEMS = (
    "mentor_time",
    "contacts",
    "training",
    "supervision",
    "platform",
    "residential",
    "meetings",
    "campaign",
)


def training_cost(scenario: Any, mentors: int) -> float:
    """What training this many new mentors costs.

    Args:
        scenario: the run's Scenario.
        mentors: mentors trained.

    Returns:
        Dollars: mentors x training hours x cost per hour (0 when training or mentoring is off).
    """
    if not (scenario.mentoring.enabled and scenario.training.enabled):
        return 0.0
    return float(mentors * scenario.training.hours * scenario.costs.training_cost_per_hour)


def daily_costs(
    people: PopulationState,
    scenario: Any,
    contacts: np.ndarray,
    day: int,
    digital_contacts: np.ndarray | None = None,
    tool_users: int = 0,
) -> dict[str, float]:
    """What the program spends today, by item.

    Args:
        people: population state.
        scenario: the run's Scenario.
        contacts: mask of people with a mentor contact today.
        day: today.
        digital_contacts: mask of those contacts that were digital (default: all contacts in
            the digital setting, none elsewhere); priced at `digital_hours_per_contact`.
        tool_users: people using the self-guided digital tool (per-user platform cost).

    Returns:
        Dollars spent today, one entry per item of `ITEMS`.
    """
    c: CostParams = scenario.costs
    digital = scenario.setting.kind in ("digital", "hybrid")
    # digital_contacts None: every contact is digital in the digital setting, none elsewhere.
    all_digital = digital_contacts is None and scenario.setting.kind == "digital"
    enrolled, mentors, residents, n_contacts, n_digital = _counts(
        people.enrolled,
        people.kind,
        people.is_mentor,
        people.residence_days_left,
        PARTICIPANT,
        contacts,
        contacts if digital_contacts is None else digital_contacts,
        -1 if digital_contacts is not None else int(all_digital),
    )
    active_mentors = mentors if scenario.mentoring.enabled else 0
    n_in_person = n_contacts - n_digital
    spend = dict.fromkeys(ITEMS, 0.0)
    spend["mentor_time"] = active_mentors * c.mentor_cost_per_day
    spend["contacts"] = (
        n_in_person * c.hours_per_contact + n_digital * c.digital_hours_per_contact
    ) * c.contact_hour_cost
    if (
        scenario.mentoring.enabled
        and scenario.supervision.enabled
        and day % scenario.supervision.review_interval_days == 0
    ):
        spend["supervision"] = active_mentors * c.supervision_cost_per_review
    platform_users = (enrolled if digital and scenario.mentoring.enabled else 0) + tool_users
    if platform_users or (digital and scenario.mentoring.enabled):
        spend["platform"] = (
            c.per_day(c.platform_cost_per_year)
            + platform_users * c.platform_cost_per_user_month * 12 / 365.25
        )
    spend["residential"] = residents * c.bed_day_cost
    if scenario.meetings.enabled:
        groups = -(-enrolled // MEETING_GROUP_SIZE)
        spend["meetings"] = groups * scenario.meetings.meetings_per_week / 7.0 * c.meeting_cost
    if scenario.stigma.campaign and day >= scenario.stigma.campaign_start_day:
        spend["campaign"] = c.per_day(c.campaign_cost_per_year)
    return spend


@kernel
def _counts(enrolled, kind, is_mentor, residence_days_left, participant, contacts, digital, every):
    """Enrolled participants, mentors, residents; contacts and the digital ones among them.

    `every`: -1 counts the contacts marked in `digital`, 1 counts every contact as digital, 0
    none.
    """
    n_enrolled = mentors = residents = 0
    for i in range(enrolled.shape[0]):  # branch-free integer sums: the loop vectorises
        n_enrolled += np.int64(enrolled[i]) & np.int64(kind[i] == participant)
        mentors += np.int64(is_mentor[i])
        residents += np.int64(residence_days_left[i] > 0)
    n_contacts = n_digital = 0
    for i in range(contacts.shape[0]):
        contact = np.int64(contacts[i] != 0)
        flagged = np.int64(digital[i] != 0) if every < 0 else np.int64(every == 1)
        n_contacts += contact
        n_digital += contact & flagged
    return n_enrolled, mentors, residents, n_contacts, n_digital
