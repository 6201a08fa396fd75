"""Network upkeep: the weekly reconstruction of ties and what must be rebuilt after it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.model.mechanisms import network, tie_dynamics

if TYPE_CHECKING:
    from simulation.model.model import RecoveryCommunityModel


def reconstruct_network(model: RecoveryCommunityModel) -> None:
    """Weekly: ties to people using fade; introductions and the week's meeting ties join."""
    people, p = model.people, model.scenario
    new = model._pending_ties
    model._pending_ties = []
    if p.tie_dynamics.enabled:
        new.append(
            tie_dynamics.mentor_introductions(
                model.adjacency,
                people,
                p.tie_dynamics,
                model.draws("introductions", participants_only=True),
                model.draws("introduction_picks", participants_only=True),
            )
        )
        model.edges = tie_dynamics.dissolve_using_ties(
            model.edges, people, p.tie_dynamics, salt=model.seed * 1_000_003 + model.day
        )
    if new or p.tie_dynamics.enabled:
        add_ties(model, np.concatenate(new) if new else np.empty((0, 2), dtype=np.int64))


def add_ties(model: RecoveryCommunityModel, new: np.ndarray) -> None:
    """Add ties and rebuild what depends on them (adjacency, contact counts, graph version)."""
    model.edges = tie_dynamics.add_ties(model.edges, new, model.people.size)
    model.adjacency = network.adjacency_from_edges(model.edges, model.people.size)
    model.contacts.reset(model.adjacency, model.people)
    model.network_version += 1
