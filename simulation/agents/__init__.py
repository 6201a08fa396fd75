"""Mesa agents: thin handles on the rows of the model's population arrays."""

from simulation.agents.community import CommunityMember
from simulation.agents.mentor import PeerMentor
from simulation.agents.person import PersonInRecovery

__all__ = ["CommunityMember", "PeerMentor", "PersonInRecovery"]
