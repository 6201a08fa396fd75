"""A peer mentor: a person in longer recovery who supports others — and can relapse too."""

from __future__ import annotations

import numpy as np

from simulation.agents.person import PersonInRecovery
from simulation.agents.row import RowAttribute


class PeerMentor(PersonInRecovery):
    """A peer mentor. A mentor *is* a person in recovery: same state, same hazard, plus a caseload.

    `active` turns False when the mentor leaves the role (attrition, relapse, death); the person
    stays in the model.
    """

    caseload = RowAttribute("caseload")
    active = RowAttribute("is_mentor", convert=bool)

    @property
    def mentees(self) -> list[PersonInRecovery]:
        """The people this mentor currently supports."""
        rows = np.flatnonzero(self.model.people.mentor == self.row)
        return [self.model.agent_at_row[r] for r in rows]
