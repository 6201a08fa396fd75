"""Costs, in US dollars: what the program spends each day, by item.

Mentor time (a daily stipend per active mentor plus paid contact hours), training hours,
supervision reviews, digital platform (fixed and per user), residential bed-days, group meetings
and campaigns. Defaults put a standard community program near $2,800 per participant-year
(Speer et al. 2025: $2,824 standard, $5,286 expanded; labour over two thirds of cost).
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
        description="cost of running one group meeting (20 attendees)",
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


def daily_costs(
    people: PopulationState, scenario: Any, contacts: np.ndarray, day: int
) -> dict[str, float]:
    """What the program spends today, by item. `scenario` is the run's Scenario."""
    c: CostParams = scenario.costs
    enrolled = int((people.enrolled & (people.kind == PARTICIPANT)).sum())
    active_mentors = int(people.is_mentor.sum()) if scenario.mentoring.enabled else 0
    digital = scenario.setting.kind in ("digital", "hybrid")
    hours = (
        c.digital_hours_per_contact if scenario.setting.kind == "digital" else c.hours_per_contact
    )
    spend = dict.fromkeys(ITEMS, 0.0)
    spend["mentor_time"] = active_mentors * c.mentor_cost_per_day
    spend["contacts"] = int(contacts.sum()) * hours * c.contact_hour_cost
    if (
        scenario.mentoring.enabled
        and scenario.supervision.enabled
        and day % scenario.supervision.review_interval_days == 0
    ):
        spend["supervision"] = active_mentors * c.supervision_cost_per_review
    if digital and scenario.mentoring.enabled:
        spend["platform"] = (
            c.per_day(c.platform_cost_per_year)
            + enrolled * c.platform_cost_per_user_month * 12 / 365.25
        )
    spend["residential"] = int((people.residence_days_left > 0).sum()) * c.bed_day_cost
    if scenario.meetings.enabled:
        groups = -(-enrolled // 20)  # one group per 20 enrolled participants
        spend["meetings"] = groups * scenario.meetings.meetings_per_week / 7.0 * c.meeting_cost
    if scenario.stigma.campaign and day >= scenario.stigma.campaign_start_day:
        spend["campaign"] = c.per_day(c.campaign_cost_per_year)
    return spend
