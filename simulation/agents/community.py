"""A community member: a friend or relative in the network who is not in the program."""

from __future__ import annotations

import mesa

from simulation.agents.row import RowAttribute
from simulation.model.population import STATUS_NAMES


class CommunityMember(mesa.Agent):
    """Someone in participants' networks outside the program: either using regularly or not affected.

    They carry influence along ties (a friend who uses adds risk) but their own use is background,
    not modelled day by day.
    """

    status = RowAttribute("status", STATUS_NAMES)

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = int(row)
