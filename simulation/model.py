"""RecoveryCommunityModel: people in recovery and their peer mentors on a social network.

State lives in NumPy arrays (`model.people`, one row per person); Mesa agents are thin handles on
those rows, so `model.agents`, `AgentSet.select/get/groupby`, the `DataCollector` and SolaraViz
all work while each day updates everyone at once. The day is synchronous: everyone reacts to the
state at the start of the day. The model knows no files, screens or executors.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from simulation.agents import CommunityMember, PeerMentor, PersonInRecovery
from simulation.mechanisms import mentoring, network, psychology, recovery, relapse
from simulation.population import (
    COMMUNITY,
    DECEASED,
    LAPSED,
    MENTOR,
    PARTICIPANT,
    RECOVERING,
    USING,
    build_population,
)
from simulation.random_streams import RandomStreams
from simulation.schema import Scenario, with_overrides

#: Daily series recorded by the DataCollector, with what each one counts.
DAILY_SERIES: dict[str, str] = {
    "day": "days since the program started",
    "in_recovery": "participants in recovery (abstinent) at the end of the day",
    "lapsed": "participants in a lapse at the end of the day",
    "relapsed": "participants using regularly at the end of the day",
    "deceased": "participants who have died",
    "lapses": "lapses today (participants)",
    "relapses": "relapses today (participants)",
    "new_attempts": "new recovery attempts today (participants)",
    "deaths": "deaths today (participants)",
    "lapse_free_share": "share of participants with no lapse so far (deaths not censored)",
    "mentors_active": "peer mentors in the role",
    "mentees_matched": "participants with a mentor",
    "mentor_relapses": "mentors who relapsed today",
    "self_efficacy_mean": "mean self-efficacy of living participants",
    "isolation_mean": "mean isolation of living participants",
    "recovery_tie_share": "share of ties between two people in recovery",
}


class RecoveryCommunityModel(mesa.Model):
    """A recovery community: participants, peer mentors and their friends on a network.

    Build it from a `Scenario` and a seed, or from plain keyword arguments that override the
    scenario defaults (dotted or double-underscore keys, or whole sections as dicts), which is
    what `mesa.batch_run` passes.

    Example:
        >>> model = RecoveryCommunityModel(seed=42, population={"size": 200},
        ...                                mentoring__enabled=True)
        >>> for _ in range(30):
        ...     model.step()
        >>> model.day
        30
        >>> sorted(model.agents.groupby("status").count())[:1]
        ['deceased']
    """

    def __init__(
        self, scenario: Scenario | None = None, *, seed: int | None = None, **overrides: Any
    ):
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        super().__init__(seed=seed)
        scenario = scenario if scenario is not None else Scenario()
        if overrides:
            scenario = with_overrides(scenario, overrides)
        self.scenario = scenario
        self.seed = seed
        self.streams = RandomStreams(seed)
        self.day = 0
        self.running = True

        p = scenario
        self.people = build_population(
            p.population,
            mentor_count=p.mentoring.mentor_count(p.population.size),
            mentor_days_abstinent=(
                p.mentoring.eligibility_days_abstinent,
                p.mentoring.eligibility_days_abstinent + 5 * 365,
            ),
            frailty_variance=p.relapse.frailty_variance,
            streams=self.streams,
        )
        mentor_rows = np.flatnonzero(self.people.kind == MENTOR)
        n_others = self.people.size - len(mentor_rows)  # mentors are the last rows
        self.graph = network.build_graph(
            p.network, self.people.cultural_group[:n_others], self.streams.seed_for("network")
        )
        network.attach_mentors(
            self.graph, mentor_rows, n_others, p.network, self.streams.seed_for("network/mentors")
        )
        self.edges = network.edge_array(self.graph)
        self.adjacency = network.adjacency_from_edges(self.edges, self.people.size)
        self._participants = int(self.people.cohort.sum())
        self._create_agents()
        self.events: dict[str, int] = {}
        self._summary: dict[str, float] = {}
        self._summary_day = -1
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in DAILY_SERIES}
        )

    def _create_agents(self) -> None:
        kind = self.people.kind
        self.agent_at_row: list[mesa.Agent] = [None] * self.people.size  # type: ignore[list-item]
        for agent_class, code in (
            (PersonInRecovery, PARTICIPANT),
            (PeerMentor, MENTOR),
            (CommunityMember, COMMUNITY),
        ):
            rows = np.flatnonzero(kind == code)
            for agent in agent_class.create_agents(self, len(rows), row=rows):
                self.agent_at_row[agent.row] = agent

    def draws(self, purpose: str) -> np.ndarray:
        """Today's uniform draws for one purpose: one per person, from that purpose's stream.

        Participants draw from a stream of their own, so their draws line up across designs
        whatever the number of mentors (common random numbers, keyed by person).
        """
        n_part = self._participants
        return np.concatenate(
            [
                self.streams.uniform(f"{purpose}/participants", n_part),
                self.streams.uniform(f"{purpose}/others", self.people.size - n_part),
            ]
        )

    def step(self) -> None:
        """One day. Everyone reacts to the state at the start of the day.

        1. Each person sees their ties: how many use, how many are in recovery.
        2. Yesterday's lapses end: caught, or escalated to relapse (less often with a mentor).
        3. People who relapsed may start a new recovery attempt; some people die.
        4. Mentors who relapsed, died or left free their mentees; free mentors take new ones.
        5. Mentors make contact; support fades and is topped up.
        6. The lapse hazard — days abstinent, age, frailty, state of mind, friends, support —
           becomes today's lapses.
        7. Self-efficacy and isolation move; days abstinent grow for everyone still abstinent.
        """
        people, p = self.people, self.scenario
        today = self.day + 1
        was_using = people.status == USING

        exposure = network.social_exposure(self.adjacency, people)
        escalation = mentoring.escalation_ratio(people, p.mentoring)
        relapsed = relapse.resolve_lapses(
            people, p.relapse, escalation, self.draws("escalation"), today
        )
        attempts = recovery.start_new_attempts(people, p.recovery, self.draws("attempts"))
        deaths = recovery.apply_deaths(people, p.recovery, self.draws("deaths"), today)

        mentor_relapses = people.is_mentor & relapsed
        if p.mentoring.enabled:
            mentoring.mentors_leave(people, p.mentoring, self.draws("mentor_attrition"))
            mentoring.release_mentees(people)
            mentoring.assign_mentors(
                people, p.mentoring, mentoring.seeking_mentor(people), self.draws("matching")
            )
            mentoring.make_contact(people, p.mentoring, self.draws("contact"))

        hazard = (
            relapse.lapse_hazard(people, p.relapse)
            * network.hazard_ratio(exposure, p.network)
            * mentoring.hazard_ratio(people, p.mentoring)
        )
        lapsed = relapse.apply_lapses(people, hazard, self.draws("hazard"), today)

        psychology.update_self_efficacy(people, p.psychology, lapsed, relapsed)
        psychology.update_isolation(people, p.psychology, exposure.recovery_share)
        people.days_abstinent[people.status == RECOVERING] += 1

        self.day = today
        cohort = people.cohort
        self.events = {
            "lapses": int((lapsed & cohort).sum()),
            "relapses": int((relapsed & cohort & ~was_using).sum()),
            "new_attempts": int((attempts & cohort).sum()),
            "deaths": int((deaths & cohort).sum()),
            "mentor_relapses": int(mentor_relapses.sum()),
        }
        self.datacollector.collect(self)
        if self.day >= p.days:
            self.running = False

    def run(self, days: int | None = None) -> None:
        """Step the model for `days` days (default: the scenario's `days`)."""
        for _ in range(self.scenario.days if days is None else days):
            self.step()

    def summary(self) -> dict[str, float]:
        """Today's values of the daily series (what the DataCollector records)."""
        people = self.people
        cohort = people.cohort
        alive_cohort = cohort & (people.status != DECEASED)
        n_alive = max(1, int(alive_cohort.sum()))
        in_program = (people.kind == PARTICIPANT) | (people.kind == MENTOR)
        recovering = in_program & (people.status == RECOVERING)
        ends = recovering[self.edges]
        return {
            "day": self.day,
            "in_recovery": int((cohort & (people.status == RECOVERING)).sum()),
            "lapsed": int((cohort & (people.status == LAPSED)).sum()),
            "relapsed": int((cohort & (people.status == USING)).sum()),
            "deceased": int((cohort & (people.status == DECEASED)).sum()),
            **{
                k: self.events.get(k, 0)
                for k in ("lapses", "relapses", "new_attempts", "deaths", "mentor_relapses")
            },
            "lapse_free_share": float(
                (cohort & (people.first_lapse_day < 0)).sum() / max(1, cohort.sum())
            ),
            "mentors_active": int(people.is_mentor.sum()),
            "mentees_matched": int((cohort & (people.mentor >= 0)).sum()),
            "self_efficacy_mean": float(people.self_efficacy[alive_cohort].sum() / n_alive),
            "isolation_mean": float(people.isolation[alive_cohort].sum() / n_alive),
            "recovery_tie_share": float(ends.all(axis=1).mean()) if len(ends) else 0.0,
        }


def _reporter(name: str):
    def report(model: RecoveryCommunityModel) -> float:
        if model._summary_day != model.day:
            model._summary = model.summary()
            model._summary_day = model.day
        return model._summary[name]

    return report
