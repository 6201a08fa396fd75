"""Inside one model: the Mesa agents, AgentSet queries, the network and one person's history.

`RecoveryCommunityModel` is an ordinary Mesa model: build it from a scenario (or plain keyword
arguments), step it, and look at `model.agents`. Agents are thin handles on rows of the model's
NumPy arrays, so their attributes are always current.

    .venv/bin/python docs/examples/inside_one_model.py
"""

from __future__ import annotations

import statistics
from collections import Counter

import networkx as nx

import simulation as rs
from simulation.agents import PeerMentor, PersonInRecovery


def main() -> None:
    scenario = rs.load_scenario(
        next(p for p in rs.bundled_scenarios() if p.stem == "community_peer_mentoring"),
        {"population.size": 300, "days": 90},
    )
    model = rs.RecoveryCommunityModel(scenario, seed=42)

    # One participant, followed day by day (the model updates everyone at once each day);
    # we keep the days on which their status or their mentor changed.
    person = model.agents_by_type[PersonInRecovery][0]
    history, last = [], None
    while model.running:  # `running` turns False after scenario.days days
        model.step()
        mentor = person.mentor.row if person.mentor else None
        if (person.status, mentor) != last:
            history.append((model.day, person.status, person.days_abstinent, mentor))
            last = (person.status, mentor)
    print(f"After {model.day} days: {len(model.agents)} agents")
    print(f"\n{person!r}: {person.substance}, {person.age_group}, veteran={person.veteran}")
    for day, status, abstinent, mentor in history[:12]:
        print(f"  day {day:3d}: {status:<11} {abstinent:3d} days abstinent, mentor {mentor}")

    # Mesa's AgentSet: select, groupby, get.
    participants = model.agents_by_type[PersonInRecovery]
    print("\nParticipants by status:", participants.groupby("status").count())
    by_substance = participants.groupby("substance")
    print("Mean self-efficacy by substance:")
    for substance, value in sorted(by_substance.agg("self_efficacy", statistics.fmean).items()):
        print(f"  {substance:<10} {value:.3f}")
    struggling = participants.select(lambda a: a.status != "in_recovery")
    print("Not in recovery today:", len(struggling), "of", len(participants))
    mentors = model.agents_by_type[PeerMentor].select(lambda m: m.active)
    print("Active mentors:", len(mentors), "caseloads:", Counter(mentors.get("caseload")))

    # The social network (node = population row; agent_at_row maps rows to agents).
    graph = model.graph
    ego = nx.ego_graph(graph, person.row)
    friends = [model.agent_at_row[n] for n in ego if n != person.row]
    print(f"\nNetwork: {graph.number_of_nodes()} people, {graph.number_of_edges()} ties")
    print(f"Person {person.row} has {len(friends)} ties:", Counter(f.status for f in friends))

    # The daily series the DataCollector kept (a pandas DataFrame).
    daily = model.datacollector.get_model_vars_dataframe()
    print("\nLast days:")
    print(daily[["day", "in_recovery", "relapsed", "mentees_matched"]].tail(3).to_string())


if __name__ == "__main__":
    main()
