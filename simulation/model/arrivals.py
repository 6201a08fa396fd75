"""People who join during the run: referrals (intake) and mentors hired from outside.

Their rows were pre-sized when the population was built (`population.Arrivals`); on their day
they become participants or mentors, get a Mesa agent, and referrals may enrol. Called at the
start of `RecoveryCommunityModel.step()`, so they live the whole of their first day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.agents import PeerMentor, PersonInRecovery
from simulation.model.mechanisms import costs, digital, engagement, intake

if TYPE_CHECKING:
    from simulation.model.model import RecoveryCommunityModel


def admit(model: RecoveryCommunityModel, today: int) -> np.ndarray:
    """Today's referrals arrive (and enrol if a program is offered); today's hires start.

    Args:
        model: the model.
        today: today.

    Returns:
        Rows of the people referred today.
    """
    people, p = model.people, model.scenario
    referred = np.zeros(0, dtype=np.int64)
    if model.intake is not None:
        # Read at today's referrals only, so made for them alone (row_draws).
        draws = model.row_draws("intake_enrolment", participants_only=True)
        if not model.program_offered:  # nothing to enrol in (treatment as usual, or ended)
            draws = np.broadcast_to(np.float32(1.0), people.size)
        referred, joined = model.intake.admit(people, p.stigma, today, draws)
        engagement.start(people, p.engagement, joined)
        _add_agents(model, referred, PersonInRecovery)
        tool = p.setting.self_guided_tool
        if len(referred) and tool.enabled and model.program_offered:
            # Referrals take the tool up on arrival as the day-0 cohort did on day 0.
            model.digital.tool_use[referred] = digital.start_tool(
                people,
                tool,
                model.digital.preference,
                model.row_draws("intake_tool_uptake", participants_only=True),
                referred,
            )
    due = model.hire_rows[model.hire_days <= today]
    if len(due) and model.program_offered:
        hired = intake.hire_mentors(people, due)
        if len(hired):
            model.ever_mentor[hired] = True
            # Hiring and training are both start-up costs of a mentor: one budget line.
            model.costs["training"] += costs.training_cost(p, len(hired))
            model.costs["training"] += len(hired) * p.mentoring.recruitment_cost_per_mentor
            _add_agents(model, hired, PeerMentor)
    return referred


def _add_agents(model: RecoveryCommunityModel, rows: np.ndarray, agent_class: type) -> None:
    model.add_agents(agent_class, rows)  # made now, or noted until agents are first asked for
