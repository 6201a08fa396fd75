"""A person in recovery: the program's participant."""

from __future__ import annotations

import mesa

from simulation.agents.row import RowAttribute
from simulation.model.population import NEVER, STATUS_NAMES
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES


class PersonInRecovery(mesa.Agent):
    """A person in recovery from substance use. State lives in the model's arrays, row `row`.

    Reading or writing an attribute (`days_abstinent`, `self_efficacy`, ...) reads or writes the
    person's row, so Mesa's `AgentSet.select/get/groupby` and the vectorized daily step see the
    same state. The model's `step()` updates everyone at once; agents have no `step` of their own.

    Example:
        >>> from simulation.model.model import RecoveryCommunityModel
        >>> model = RecoveryCommunityModel(population={"size": 50}, seed=1)
        >>> person = model.agents_by_type[PersonInRecovery][0]
        >>> person.status
        'in_recovery'
    """

    status = RowAttribute("status", STATUS_NAMES)
    substance = RowAttribute("substance", SUBSTANCES)
    age_group = RowAttribute("age_group", AGE_GROUPS)
    veteran = RowAttribute("veteran", convert=bool)
    cultural_group = RowAttribute("cultural_group")
    days_abstinent = RowAttribute("days_abstinent")
    recovery_attempts = RowAttribute("recovery_attempts")
    self_efficacy = RowAttribute("self_efficacy")
    isolation = RowAttribute("isolation")
    support = RowAttribute("support")
    lapses = RowAttribute("lapses")
    relapses = RowAttribute("relapses")
    mentor_changes = RowAttribute("mentor_changes")

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = int(row)

    @property
    def mentor(self) -> mesa.Agent | None:
        """This person's current peer mentor, or None."""
        row = int(self.model.people.mentor[self.row])
        return None if row == NEVER else self.model.agent_at_row[row]

    @property
    def in_recovery(self) -> bool:
        """Whether this person is in recovery today."""
        return self.status == "in_recovery"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(row={self.row}, status={self.status!r})"
