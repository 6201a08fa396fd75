"""The program's part of the day: enrolment, residence, mentors, contact, meetings, engagement.

Called from `RecoveryCommunityModel.step()`; each function reads and writes the model's state
through its mechanisms and returns what the rest of the day needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.model.mechanisms import (
    costs,
    engagement,
    meetings,
    mentor_wellbeing,
    mentoring,
    pipeline,
    setting,
    stigma,
    supervision,
)
from simulation.model.population import NEVER

if TYPE_CHECKING:
    from simulation.model.model import RecoveryCommunityModel


def run_program_day(model: RecoveryCommunityModel, today: int) -> np.ndarray:
    """Enrolment, residence, mentors, contact, meetings and engagement; returns attendees."""
    people, p = model.people, model.scenario
    if not model.program_offered:
        return np.zeros(people.size, dtype=bool)
    joined = stigma.later_enrolment(
        people, p.stigma, model.draws("enrolment", participants_only=True)
    )
    engagement.start(people, p.engagement, joined)
    engagement.start(
        people,
        p.engagement,
        engagement.outreach(people, p.engagement, model.draws("outreach", participants_only=True)),
    )
    if p.setting.kind == "residential":
        setting.update_residence(
            people, p.setting, model.draws("residence", participants_only=True)
        )
    attended = np.zeros(people.size, dtype=bool)
    model.group_support *= 0.5 ** (1.0 / p.mentoring.support_half_life_days)
    if p.meetings.enabled:
        attended = meetings.attend(
            people, p.meetings, model.draws("meetings", participants_only=True)
        )
        model.group_support[attended] = 1.0
    contacts = np.zeros(people.size, dtype=bool)
    if p.mentoring.enabled:
        update_mentors(model, today)
        probability, intensity = setting.planned_contact_probability(
            people, p.setting, p.mentoring.contacts_per_week, today
        )
        extra = setting.adaptive_contact(people, p.setting, model.last_hazard)
        probability = np.where(extra, 1.0, probability)
        contacts = mentoring.make_contact(
            people,
            p.mentoring,
            model.draws("contact", participants_only=True),
            probability,
            intensity,
        )
    decay_ratio = stigma.engagement_ratio(people, p.stigma)
    dropped = engagement.update(
        people, p.engagement, decay_ratio, attended, setting.engagement_ratio(people, p.setting)
    )
    mentoring.end_pairs(people, np.flatnonzero(dropped))
    for item, dollars in costs.daily_costs(people, p, contacts, today).items():
        model.costs[item] += dollars
    return attended


def update_mentors(model: RecoveryCommunityModel, today: int) -> None:
    """Mentors leave and join, failing pairs end, and people seeking a mentor are matched."""
    people, p = model.people, model.scenario
    left = mentoring.mentors_leave(
        people,
        p.mentoring,
        model.draws("mentor_attrition"),
        mentor_wellbeing.attrition_multiplier(people, p.mentor_wellbeing),
    )
    model.mentors_left[left] = True
    freed = mentoring.release_mentees(people)
    mentor_wellbeing.feel_mentor_loss(people, p.mentor_wellbeing, freed)
    if p.pipeline.enabled:
        pipeline.recruit(people, p.pipeline, model.draws("pipeline", participants_only=True), today)
    graduates = pipeline.graduate(people, today)
    if graduates.any():
        mentoring.end_pairs(people, np.flatnonzero(graduates))
        model.ever_mentor |= graduates
        model.costs["training"] += (
            graduates.sum() * p.training.hours * p.costs.training_cost_per_hour * p.training.enabled
        )
    failing = mentoring.failing_matches(
        people,
        p.mentoring,
        p.training.match_failure_multiplier(),
        model.draws("match_failure", participants_only=True),
    )
    if supervision.is_review_day(p.supervision, today):
        failing = np.union1d(
            failing, np.flatnonzero(supervision.failing_pairs(people, p.supervision))
        )
        supervision.relieve_burnout(people, p.supervision)
    mentoring.end_pairs(people, failing)
    mentoring.assign_mentors(
        people, p.mentoring, mentoring.seeking_mentor(people), model.draws("matching")
    )


def support_quality(model: RecoveryCommunityModel) -> np.ndarray | float:
    """How much of a contact's potential a mentee's mentor delivers: training and burnout."""
    quality = model.scenario.training.support_quality()
    mentor = model.people.mentor
    burnout = np.where(mentor != NEVER, model.people.burnout[np.maximum(mentor, 0)], 0.0)
    return quality * (1.0 - 0.5 * burnout)


def escalation_ratio(model: RecoveryCommunityModel) -> np.ndarray:
    """A mentor's and a supervisor's quick response make a lapse less likely to escalate."""
    p = model.scenario
    return mentoring.escalation_ratio(model.people, p.mentoring) * supervision.escalation_ratio(
        model.people, p.supervision
    )
