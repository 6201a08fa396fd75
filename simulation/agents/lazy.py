"""Mesa agents made on first use: a run that never looks at agents never builds them.

The model's state lives in arrays, so a batch run needs no agent objects at all, yet building
one per row was most of the start-up time and of the memory at a million people. The model
therefore only notes which rows get which agent class, in the order the agents would have
been made (the day-0 population by kind, then each day's arrivals). The first use of
`model.agents`, `agents_by_type`, `agent_types`, `agent_at_row` or `remove_all_agents` builds
them all in that order, so the agents, their `unique_id`s and every AgentSet's order are the
same as if they had been made at once. (An agent of your own class made in the model first
makes them too, just after Mesa has given it its id: they then follow it in id order.)
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from mesa.agent import AgentSet

from simulation.agents.community import CommunityMember
from simulation.agents.mentor import PeerMentor
from simulation.agents.person import PersonInRecovery
from simulation.model.population import COMMUNITY, MENTOR, PARTICIPANT

#: The agent class of each kind of row present on day 0, in the order they are made.
DAY_ZERO_CLASSES: tuple[tuple[type[mesa.Agent], int], ...] = (
    (PersonInRecovery, PARTICIPANT),
    (PeerMentor, MENTOR),
    (CommunityMember, COMMUNITY),
)


class LazyAgents:
    """Mixin for a `mesa.Model` whose agents are handles on rows of `self.people`.

    Call `_note_day_zero_agents()` once the population is built and `add_agents()` for the
    people who join later; the agents exist once anything asks for them.
    """

    people: Any
    _agent_at_row: list[mesa.Agent] | None = None
    _day_zero_kind: np.ndarray | None = None
    _later_agents: list[tuple[type[mesa.Agent], np.ndarray]]

    def _note_day_zero_agents(self) -> None:
        """Remember who gets an agent on day 0 (each row's kind now) without making agents."""
        self._day_zero_kind = self.people.kind.copy()
        self._later_agents = []
        self._agent_at_row = None

    def add_agents(self, agent_class: type[mesa.Agent], rows: np.ndarray) -> None:
        """Give the people in `rows`, who joined today, agents of `agent_class`.

        Args:
            agent_class: the class of their agents (`PersonInRecovery`, `PeerMentor`).
            rows: their population rows, in the order their agents are made.
        """
        if self._agent_at_row is None:
            self._later_agents.append((agent_class, np.array(rows, dtype=np.int64)))
        else:
            self._make_agents(agent_class, rows)

    @property
    def agents_built(self) -> bool:
        """Whether the Mesa agents exist yet (they are made on first use)."""
        return self._agent_at_row is not None

    def _make_agents(self, agent_class: type[mesa.Agent], rows: np.ndarray) -> None:
        at_row = self._agent_at_row  # made by _build_agents before any agent
        for agent in agent_class.create_agents(self, len(rows), row=rows):
            at_row[agent.row] = agent  # type: ignore[index]

    def _build_agents(self) -> None:
        """Make every agent, in the order they would have been made during the run."""
        if self._agent_at_row is not None:
            return
        kind = self._day_zero_kind
        if kind is None:
            raise RuntimeError("the population is not built yet: there are no agents to make")
        self._agent_at_row = [None] * self.people.size  # type: ignore[list-item]
        for agent_class, code in DAY_ZERO_CLASSES:
            self._make_agents(agent_class, np.flatnonzero(kind == code))
        for agent_class, rows in self._later_agents:
            self._make_agents(agent_class, rows)
        self._day_zero_kind, self._later_agents = None, []

    @property
    def agent_at_row(self) -> list[mesa.Agent]:
        """The agent of each population row (None for rows of people who have not joined)."""
        self._build_agents()
        return self._agent_at_row  # type: ignore[return-value]

    def _all_agents_now(self) -> AgentSet:
        self._build_agents()
        return mesa.Model.agents.fget(self)  # type: ignore[attr-defined]

    #: Mesa's `Model.agents`, made on first use; setting it stays an error, as in Mesa.
    agents = property(_all_agents_now, mesa.Model.agents.fset, doc=mesa.Model.agents.__doc__)

    @property
    def agents_by_type(self) -> dict[type[mesa.Agent], AgentSet]:
        """Mesa's `Model.agents_by_type`: an AgentSet per agent class."""
        self._build_agents()
        return mesa.Model.agents_by_type.fget(self)  # type: ignore[attr-defined]

    @property
    def agent_types(self) -> list[type]:
        """Mesa's `Model.agent_types`: the agent classes registered with the model."""
        self._build_agents()
        return mesa.Model.agent_types.fget(self)  # type: ignore[attr-defined]

    def register_agent(self, agent: mesa.Agent) -> None:
        """Mesa's `Model.register_agent`, the model's own agents made first if they are not yet.

        Args:
            agent: the agent to register (Mesa's `Agent.__init__` calls this).
        """
        if self._agent_at_row is None and self._day_zero_kind is not None:
            # The model's own agents go first in every AgentSet. Mesa has already given this
            # agent its id, though, so theirs come after it (1 higher than made at once).
            self._build_agents()
        mesa.Model.register_agent(self, agent)  # type: ignore[arg-type]

    def remove_all_agents(self) -> None:
        """Mesa's `Model.remove_all_agents`, including the agents not made yet."""
        self._build_agents()
        mesa.Model.remove_all_agents(self)  # type: ignore[arg-type]
