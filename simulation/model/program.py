"""The program's part of the day: enrolment, residence, mentors, contact, meetings, engagement.

Called from `RecoveryCommunityModel.step()`; each function reads and writes the model's state
through its mechanisms and returns what the rest of the day needs. Mentoring acts only through
delivered contact: the pair record (`model.pairs`) remembers each mentee's last contact, so a
mentor's quick answer to a lapse needs a recent contact or a digital check-in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.model import program_contact, program_intake
from simulation.model.mechanisms import (
    alliance,
    appeal,
    costs,
    digital,
    engagement,
    matching,
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

#: The draws of the day's contact step (`program_contact.ContactDraws`), in its order.
CONTACT_DRAWS = ("contact", "rupture", "repair", "boundary")


def start(model: RecoveryCommunityModel) -> None:
    """Day 0 state of the program's own mechanisms: pair record, digital preference and tool.

    Args:
        model: the model (gets `pairs`, `digital` and the day-0 training cost).
    """
    people, p = model.people, model.scenario
    # NumPy's zeros are pages the OS maps to one shared page of zeros until written; compiled
    # passes that read the caseload under a mask (mentors only) ran ~100x slower there (2.7
    # against 0.01 ms for 170,000 rows), so every row is written once (the same zeros).
    people.caseload += 0
    model.pairs = alliance.PairRecord.empty(people.size)
    preference = digital.draw_preference(
        people,
        p.setting.digital_preference,
        model.streams["digital_preference"].standard_normal(people.size),
    )
    tool_use = digital.start_tool(
        people,
        p.setting.self_guided_tool,
        preference,
        model.draws("tool_uptake", participants_only=True),
    )
    model.digital = digital.DigitalState(preference, tool_use)
    model.costs["training"] += costs.training_cost(p, int(people.is_mentor.sum()))
    model.mentor_rows = (-1, None)  # (day, rows of the mentors), set by update_mentors


def offered(scenario) -> bool:
    """Whether a program is offered at all (mentors, meetings or a self-guided tool).

    Args:
        scenario: the run's Scenario.

    Returns:
        False for treatment as usual.
    """
    return (
        scenario.mentoring.enabled
        or scenario.meetings.enabled
        or scenario.setting.self_guided_tool.enabled
    )


def end(model: RecoveryCommunityModel) -> None:
    """The program's last day has passed: everyone enrolled has finished it, and its parts stop.

    Pairs end, meetings' protection stops, residents leave their places and the self-guided tool
    is withdrawn (otherwise each would stay frozen at its last day's level for the rest of the
    run, as the program's day no longer runs).

    Args:
        model: the model.
    """
    model.program_offered = False
    engagement.end_program(model.people)
    mentoring.end_pairs(model.people, np.flatnonzero(model.people.mentor != NEVER))
    model.group_support[:] = 0.0
    model.people.residence_days_left[:] = 0
    model.digital.tool_use[:] = 0.0


def run_program_day(model: RecoveryCommunityModel, today: int) -> np.ndarray:
    """Enrolment, residence, mentors, contact, meetings and engagement; returns attendees."""
    people, p = model.people, model.scenario
    if not model.program_offered:
        return np.zeros(people.size, dtype=bool)
    engagement.leave_at_death(people)
    joined = stigma.later_enrolment(
        people, p.stigma, model.row_draws("enrolment", participants_only=True)
    )
    engagement.start(people, p.engagement, joined)
    engagement.start(people, p.engagement, join_for_fit(model))
    # Outreach brings people back at the initial engagement itself (as `engagement.start`);
    # its draws are read at the living who dropped out only: made for them alone.
    engagement.outreach(people, p.engagement, model.row_draws("outreach", participants_only=True))
    if p.setting.kind == "residential":
        # Read at the people waiting for a free place only (none when every place is taken).
        priority = model.row_draws("residence", participants_only=True)
        if model.intake is not None:
            priority = program_intake.queue_priority(model, np.asarray(priority))
        setting.update_residence(people, p.setting, priority, p.population.size)
    attended = np.zeros(people.size, dtype=bool)
    meetings.fade_protection(model.group_support, p.meetings)
    if p.meetings.enabled:
        attended = meetings.attend(
            people, p.meetings, model.draws("meetings", participants_only=True)
        )
        model.group_support[attended] = 1.0
    contacts = np.zeros(people.size, dtype=bool)
    digital_contacts = contacts
    if p.mentoring.enabled:
        update_mentors(model, today)
        contacts, digital_contacts = deliver_contact(model, today)
    if model.intake is not None:
        program_intake.serve_and_wait(model, contacts, attended, today)
    digital.fade_use(people, p.setting.self_guided_tool, model.digital.tool_use)
    # Stigma and scepticism, and a weak alliance, make people drift away from the program
    # (worked out for the participants' rows, the first: only they enrol).
    n = people.participants.stop
    decay_ratio = stigma.engagement_ratio(people, p.stigma, n)
    decay_ratio *= alliance.engagement_decay_ratio(people, p.mentoring.alliance)[:n]
    dropped = engagement.update(
        people,
        p.engagement,
        decay_ratio,
        attended,
        # Outside digital settings the setting's ratio is 1 for everyone.
        setting.engagement_ratio(people, p.setting, model.digital.preference)
        if p.setting.kind in ("digital", "hybrid")
        else 1.0,
    )
    mentoring.end_pairs(people, np.flatnonzero(dropped))
    tool_users = int(np.count_nonzero(model.digital.tool_use > 0))
    for item, dollars in costs.daily_costs(
        people, p, contacts, today, digital_contacts, tool_users
    ).items():
        model.costs[item] += dollars
    return attended


def join_for_fit(model: RecoveryCommunityModel) -> np.ndarray:
    """Veterans (veteran matching) and digital-minded people (digital settings) join more.

    Args:
        model: the model.

    Returns:
        Mask of who joined today for that reason.
    """
    people, p = model.people, model.scenario
    rule = p.mentoring.matching
    veteran_matching = p.mentoring.enabled and (
        rule == "veterans"
        or (rule == "composite" and p.mentoring.composite_weights.get("veteran", 0) > 0)
    )
    digital_setting = p.mentoring.enabled and p.setting.kind in ("digital", "hybrid")
    if not (veteran_matching or digital_setting):
        return np.zeros(people.size, dtype=bool)
    ratio = appeal.fit_ratio(
        people, p.setting.uptake, veteran_matching, digital_setting, model.digital.preference
    )
    return appeal.extra_enrolment(
        people,
        p.stigma.enrolment_rate_per_year,
        stigma.enrolment_odds_shift(people, p.stigma),
        ratio,
        model.row_draws("fit_enrolment", participants_only=True),  # read where it fits better
    )


def deliver_contact(model: RecoveryCommunityModel, today: int) -> tuple[np.ndarray, np.ndarray]:
    """Today's mentor contacts, their effect on support and self-efficacy, and the alliance.

    Args:
        model: the model.
        today: today.

    Returns:
        (who had a contact, which of those contacts were digital).
    """
    people, p = model.people, model.scenario
    extra = None
    if p.setting.adaptive and p.setting.kind in ("digital", "hybrid"):
        extra = setting.adaptive_contact(people, p.setting, model.last_hazard)
    if model.intake is not None and p.intake.waiting_list.first_contact_on_matching:
        first = program_intake.first_meeting_due(people)
        extra = first if extra is None else extra | first
    # Only the contact draw is read at every pair; the others at the day's contacts alone.
    contact, *later = (
        model.row_draws(purpose, participants_only=True) for purpose in CONTACT_DRAWS
    )
    draws = program_contact.ContactDraws(np.asarray(contact), *later)
    return program_contact.deliver(people, p, model.pairs, draws, extra, today)


def update_mentors(model: RecoveryCommunityModel, today: int) -> None:
    """Mentors leave and join, failing pairs end, and people seeking a mentor are matched."""
    people, p = model.people, model.scenario
    # Only participants are ever matched with a mentor, and their rows come first.
    n = people.participants.stop
    # Only this function (and, with intake, hiring) changes who is a mentor: yesterday's rows.
    day, mentors = model.mentor_rows
    if day != today - 1 or model.intake is not None:
        mentors = np.flatnonzero(people.is_mentor)
    left = mentoring.mentors_leave(
        people,
        p.mentoring,
        model.row_draws("mentor_attrition"),  # read at the mentors' rows only
        mentor_wellbeing.attrition_multiplier(people, p.mentor_wellbeing, mentors),
        mentors,
    )
    model.mentors_left[left] = True
    # Today's mentors (read by update_burnout): `left` are some of `mentors`, both ascending.
    mentors = np.delete(mentors, np.searchsorted(mentors, left)) if len(left) else mentors
    freed = mentoring.release_mentees(people, n)
    # Only a mentor the mentee had met can be missed.
    mentor_wellbeing.feel_mentor_loss(
        people, p.mentor_wellbeing, freed[alliance.met(model.pairs, freed)]
    )
    if p.pipeline.enabled:  # without a pipeline nobody trains, so nobody graduates
        recruiting = model.row_draws("pipeline", participants_only=True)  # the eligible's only
        pipeline.recruit(people, p.pipeline, recruiting, today)
        graduates = pipeline.graduate(people, today)
        if graduates.any():
            mentors = np.flatnonzero(people.is_mentor)  # the graduates join them
            mentoring.end_pairs(people, np.flatnonzero(graduates))
            model.ever_mentor |= graduates
            model.costs["training"] += costs.training_cost(p, int(graduates.sum()))
    # Breakdowns: the alliance has collapsed, or the pair breaks up; the mentee waits.
    broken = mentoring.breaking_pairs(
        people, p.mentoring, model.draws("match_failure", participants_only=True), n
    )
    alliance.mark_failed(model.pairs, p.mentoring.alliance, broken, today)
    mentoring.end_pairs(people, broken)
    if supervision.is_review_day(p.supervision, today):
        # A supervisor ends weak pairs before they break down; the mentee is rematched today.
        reviewed = np.flatnonzero(supervision.failing_pairs(people, p.supervision))
        alliance.mark_rematched(model.pairs, reviewed)
        mentoring.end_pairs(people, reviewed)
        supervision.relieve_burnout(people, p.supervision, mentors)
    model.mentor_rows = (today, mentors)
    if model.intake is None:
        seekers = mentoring.seekers(people, model.pairs.wait_until, today, n)
        if len(seekers):  # read at the seekers and free mentors only: made for them alone
            matched = matching.assign_rows(
                people, p.mentoring, seekers, model.row_draws("matching"), mentors
            )
            alliance.record_matches(model.pairs, matched, today)
        return
    seeking = mentoring.seeking_mentor(people) & alliance.may_be_matched(model.pairs, today)
    seeking = program_intake.end_finished_courses(model, seeking, today)
    # Read at the queue (the seekers) and the free mentors only: made for them alone.
    priority = program_intake.queue_priority(model, model.row_draws("matching"), seeking)
    alliance.record_matches(
        model.pairs, matching.assign_mentors(people, p.mentoring, seeking, priority), today
    )


def aware_of_lapse(model: RecoveryCommunityModel, today: int) -> np.ndarray:
    """Mentees whose mentor learns of a lapse: a recent contact, or a digital check-in.

    Args:
        model: the model.
        today: today.

    Returns:
        Mask of mentees whose mentor knows.
    """
    p = model.scenario
    return program_contact.aware_of_lapse(
        model.people, p.mentoring.alliance, model.pairs, _checked_in(model), today
    )


def _checked_in(model: RecoveryCommunityModel) -> np.ndarray | None:
    """Who checks in with the tool today and so alerts their mentor (None: nobody can)."""
    tool = model.scenario.setting.self_guided_tool
    if tool.enabled and tool.check_in_alerts_mentor:
        return digital.checking_in(tool, model.digital.tool_use)
    return None


def escalation_ratio(model: RecoveryCommunityModel) -> np.ndarray | float:
    """A mentor's and a supervisor's quick response make a lapse less likely to escalate.

    Both need the mentor to know of the lapse (recent contact or a digital check-in).

    Args:
        model: the model.

    Returns:
        Ratio on each person's chance that a lapse escalates today (1.0 without a program).
    """
    p = model.scenario
    if not offered(p):  # no mentor or supervisor to answer
        return 1.0
    # aware_of_lapse, mentoring.rapid_response_ratio, supervision.escalation_ratio in one pass
    return program_contact.escalation_ratio(
        model.people, p, model.pairs, _checked_in(model), model.day + 1
    )


def answered(model: RecoveryCommunityModel, aware: np.ndarray | None = None) -> np.ndarray:
    """How much of a lapse's self-efficacy cost remains after a mentor's answer.

    Args:
        model: the model.
        aware: `aware_of_lapse` for today, if already computed since the pairs last changed.

    Returns:
        Ratio per person (1 where no mentor knows of the lapse).
    """
    if not offered(model.scenario):
        return np.ones(model.people.size)
    if aware is None:
        aware = aware_of_lapse(model, model.day + 1)
    return mentoring.rapid_response_ratio(model.people, model.scenario.mentoring, aware)


def hazard_ratio(
    model: RecoveryCommunityModel, rows: np.ndarray | None = None
) -> np.ndarray | float:
    """The program's factors of the lapse hazard, in turn: support, meetings, tool, over-helping.

    Args:
        model: the model.
        rows: the rows to work out, in this order (default: every row).

    Returns:
        Hazard ratio per row asked for (exactly 1 where no program is offered).
    """
    p, people = model.scenario, model.people
    if not offered(p):
        return 1.0  # usual care: no support, meetings or tool, so every factor is exactly 1
    rows = np.arange(people.size) if rows is None else rows
    ratio = program_contact.support_hazard_ratio(people, p, rows)  # mentoring.hazard_ratio
    meetings.apply_hazard_ratio(ratio, model.group_support, p.meetings, rows)  # as `r * f`
    digital.apply_hazard_ratio(ratio, p.setting.self_guided_tool, model.digital.tool_use, rows)
    over = p.training.over_involvement()
    ratio *= mentor_wellbeing.over_helping_ratio(people, p.mentor_wellbeing, over, rows)
    return ratio


def update_burnout(
    model: RecoveryCommunityModel, lapsed: np.ndarray, aware: np.ndarray | None = None
) -> None:
    """Mentors' burnout moves with caseload and the mentees' lapses they know of.

    Boundary training slows it; a lapse the mentor never hears of (no recent contact, no
    check-in) cannot weigh on them.

    Args:
        model: the model.
        lapsed: mask of people who lapsed today.
        aware: `aware_of_lapse` for today, if already computed since the pairs last changed.
    """
    p = model.scenario
    if not offered(p):
        return  # no mentors
    if aware is None:
        aware = aware_of_lapse(model, model.day + 1)
    known = lapsed & aware
    day, mentors = model.mentor_rows  # found when they last changed (None: not yet)
    mentor_wellbeing.update_burnout(
        model.people,
        p.mentor_wellbeing,
        known,
        p.training.burnout_multiplier(),
        mentors if day == model.day + 1 else None,
    )
