"""RecoveryCommunityModel: people in recovery and their peer mentors on a social network.

State lives in NumPy arrays (`model.people`, one row per person); Mesa agents are thin handles on
those rows, so `model.agents`, `AgentSet.select/get/groupby`, the `DataCollector` and SolaraViz
all work while each day updates everyone at once. The agents are made on first use
(`simulation.agents.lazy`): a batch run that only reads the arrays never builds them. The day is
synchronous: everyone reacts to the state at the start of the day. The model knows no files,
screens or executors.
"""

from __future__ import annotations

from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from simulation.agents.lazy import LazyAgents
from simulation.errors import RecoverySimError
from simulation.model import arrivals, daily, lapse_risk, network_upkeep, program, program_intake
from simulation.model.daily import DAILY_SERIES, INTAKE_SERIES
from simulation.model.history import PersonHistory
from simulation.model.mechanisms import (
    contact_counts,
    costs,
    engagement,
    follow_up,
    health_economics,
    intake,
    lapse_course,
    meetings,
    network,
    network_generation,
    overdose,
    recovery,
    relapse,
    state_of_mind,
    stigma,
    tie_dynamics,
)
from simulation.model.population import (
    MENTOR,
    MENTOR_ABSTINENCE_SPAN_DAYS,
    Arrivals,
    build_population,
)
from simulation.model.random_streams import RandomStreams, RowDraws
from simulation.scenario.arguments import check_model_arguments
from simulation.scenario.schema import Scenario

#: Trials report use in the last 90 days of follow-up (point prevalence, percent days abstinent
#: among users: Project MATCH's months 37-39); the model notes each person's use count then.
FOLLOW_UP_WINDOW_DAYS = 90


class RecoveryCommunityModel(LazyAgents, mesa.Model):
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
        self,
        scenario: Scenario | None = None,
        *,
        seed: int | None = None,
        record_history: bool = False,
        **overrides: Any,
    ):
        """Build the population, its network and the program's day 0.

        Args:
            scenario: the design and population (schema defaults if None).
            seed: the run's seed (a fresh one if None).
            record_history: keep every participant's day for `person_history()` (memory: about
                8 bytes per participant-day).
            **overrides: scenario keys to set (dotted, double-underscore or whole sections).
        """
        scenario, seed = check_model_arguments(scenario, seed, overrides)
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        super().__init__(seed=seed)
        self.scenario = scenario
        self.seed = seed
        self.streams = RandomStreams(seed)
        self.day = 0
        self.running = True

        p = scenario
        # Drawn first, from its own stream: every design gets the same referrals (CRN).
        referrals = intake.draw_referrals(p.intake, p.days, self.streams["intake/referrals"])
        self.hire_days = intake.hire_days(
            p.mentoring.recruitment_per_month if p.mentoring.enabled else 0.0, p.days
        )
        self.people = build_population(
            p.population,
            mentor_count=p.mentoring.mentor_count(p.population.size),
            mentor_days_abstinent=(
                p.mentoring.eligibility_days_abstinent,
                p.mentoring.eligibility_days_abstinent + MENTOR_ABSTINENCE_SPAN_DAYS,
            ),
            frailty_variance=p.relapse.frailty_variance,
            streams=self.streams,
            strain_variance=p.mentor_wellbeing.strain_variance,
            mentor_cultural_group_shares=p.mentoring.mentor_cultural_group_shares,
            arrivals=Arrivals(len(referrals), len(self.hire_days), p.intake.mix(p.population)),
        )
        size = self.people.size
        self.hire_rows = np.arange(size - len(self.hire_days), size)
        mentor_block = self.people.kind == MENTOR
        mentor_block[self.hire_rows] = True  # hires' ties are drawn with the mentors'
        self.network_version = 0
        self.edges = network_generation.population_edges(
            p.network, self.people.cultural_group, mentor_block, self.streams
        )
        self.adjacency = network.adjacency_from_edges(self.edges, self.people.size)
        self.contacts = contact_counts.ContactCounts(self.adjacency, self.people)
        # The participants' rows, with the referrals still to come (draws are keyed by row).
        self._participants = p.population.size + len(referrals)
        self.intake = (
            intake.Intake(self.people, p.population.size, referrals) if p.intake.enabled else None
        )
        self.history = PersonHistory(self._participants, p.days) if record_history else None
        self._create_agents()
        self._graph_version = -1
        self._pending_ties: list[np.ndarray] = []
        # Longest abstinence anyone can reach in this run; beyond it the table's last day is used.
        self.hazard_table = relapse.duration_hazard_table(
            p.relapse, int(self.people.days_abstinent.max()) + p.days + 1
        )
        self.last_hazard = np.zeros(self.people.size)
        self.group_support = np.zeros(self.people.size)
        self.ever_mentor = self.people.is_mentor.copy()
        self.mentors_left = np.zeros(self.people.size, dtype=bool)
        self.costs: dict[str, float] = dict.fromkeys(costs.ITEMS, 0.0)
        self.health: dict[str, float] = health_economics.start_accounts()  # QALYs, offsets
        self._start_program()
        self.events: dict[str, int] = {}
        self._summary: dict[str, float] = {}
        self._summary_day = -1
        series = {**DAILY_SERIES, **(INTAKE_SERIES if self.intake is not None else {})}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in series}
        )

    def _start_program(self) -> None:
        """Day 0 of the program: mentors are trained and people enrol."""
        p = self.scenario
        program.start(self)
        # Without mentors, meetings or a digital tool there is no program (treatment as usual).
        self.program_offered = program.offered(p)
        if self.program_offered:
            joined = stigma.initial_enrolment(
                self.people, p.stigma, self.draws("enrolment", participants_only=True)
            )
            engagement.start(self.people, p.engagement, joined)

    def _create_agents(self) -> None:
        """Note the day-0 agents; they are made when first asked for (`LazyAgents`)."""
        self._note_day_zero_agents()

    @property
    def edges(self) -> np.ndarray:
        """The ties as sorted (low, high) row pairs (int64), rebuilt from `adjacency` on demand."""
        return network_upkeep.current_edges(self)

    @edges.setter
    def edges(self, ties: np.ndarray) -> None:
        self._edges, self._edges_version = ties, self.network_version

    @property
    def graph(self) -> nx.Graph:
        """The social network as a networkx graph (node = population row), built on demand.

        The model itself works on the sparse `adjacency`; this view is for users and
        the dashboard, rebuilt only when ties have changed since it was last asked for.
        """
        if self._graph_version != self.network_version:
            graph = nx.Graph()
            graph.add_nodes_from(range(self.people.size))
            graph.add_edges_from(self.edges.tolist())
            self._graph, self._graph_version = graph, self.network_version
        return self._graph

    def draws(self, purpose: str, participants_only: bool = False) -> np.ndarray:
        """Today's uniform draws for one purpose: one per person, from that purpose's stream.

        Participants draw from a stream of their own, so their draws line up across designs
        whatever the number of mentors (common random numbers, keyed by person). For purposes
        that concern participants only, everyone else gets 1.0 — a draw no probability passes —
        and no random numbers are spent on them.
        """
        return np.asarray(self.row_draws(purpose, participants_only))

    def row_draws(self, purpose: str, participants_only: bool = False) -> RowDraws:
        """Today's draws for one purpose, as `draws` gives them, made only for rows asked for.

        `model.row_draws(purpose)[rows]` equals `model.draws(purpose)[rows]` (and counts as that
        call: a purpose drawn again the same day gets fresh draws either way), for mechanisms
        that need a few hundred rows of 170,000.
        """
        part, others = self.streams.row_keys(purpose, self.day, participants_only)
        return RowDraws(part, others, self.day, self._participants, self.people.size)

    def step(self) -> None:
        """One day. Everyone reacts to the state at the start of the day.

        0. With intake, today's referrals arrive (and may enrol); hired mentors start.
        1. Each person sees their ties: how many use, how many are in recovery.
        2. Lapses that have run their length end: caught (the attempt's clock set back) or
           escalated to relapse (less often when a mentor or supervisor answers quickly); a
           relapse is an episode of regular use with a drawn length; an opioid relapse after
           abstinence can be a fatal overdose.
        3. Relapse episodes run on (faster with friends in recovery); those that end become new
           recovery attempts; some people die.
        4. The program runs (until its end day, if it has one): enrolment, residential places,
           mentors leaving and joining, pairs failing and being rematched, contact, meetings,
           engagement and dropout.
        5. The lapse hazard — days abstinent, age, frailty, state of mind, friends, mentor
           support, setting, meetings, a mentor's own helping and burnout, mental health, having
           dropped out of the program, and the shame of stigma — becomes lapses of drawn lengths.
        6. Self-efficacy, isolation (raised by stigma), mental health, stigma and burnout move.
        7. Once a week the network reconstructs itself: ties to people using fade, recovery
           ties form through meetings and mentors' introductions.
        8. Days abstinent grow for everyone still abstinent; the day's use is counted (and each
           quarter's state, and the person history when it is recorded).
        """
        people, p = self.people, self.scenario
        today = self.day + 1
        arrivals.admit(self, today)

        exposure = self.contacts.exposure(people)
        relapsed = lapse_course.resolve_lapses(
            people, p.relapse, program.escalation_ratio(self), self.row_draws("escalation"), today
        )
        recovery.start_episodes(people, p.recovery, relapsed, self.row_draws("episode_length"))
        # A relapse's days abstinent are as they were before its lapse ended (only caught
        # lapses set the clock back): the overdose risk reads them for today's relapses alone.
        overdoses = overdose.overdose_deaths(
            people, p.overdose, relapsed, people.days_abstinent, self.row_draws("overdose"), today
        )
        attempts = recovery.start_new_attempts(
            people,
            relapsed,
            tie_dynamics.recovery_contagion_ratio(exposure.recovery_contacts, p.tie_dynamics),
        )
        deaths = recovery.apply_deaths(people, p.recovery, self.draws("deaths"), today) | overdoses

        mentor_relapses = people.is_mentor & relapsed
        if self.program_offered and engagement.program_has_ended(p.engagement, today):
            program.end(self)
        attended = program.run_program_day(self, today)

        hazard_draws = self.draws("hazard")
        at_risk, hazard = lapse_risk.hazards_at_risk(self, exposure, today, hazard_draws)
        lapsed = lapse_course.apply_lapses(
            people,
            hazard,
            hazard_draws,
            today,
            lapse_course.LengthDraws(p.relapse, self.row_draws("lapse_length")),
            at_risk,
        )

        # Pairs do not change again today: the mentors who know of a lapse are found once.
        aware = program.aware_of_lapse(self, today)
        answered = program.answered(self, aware)
        # Self-efficacy, isolation and mental health in one pass (what belonging and stigma's
        # withdrawal read does not move in it).
        state_of_mind.update(
            people,
            p.psychology,
            p.mental_health,
            lapsed,
            relapsed,
            answered,
            exposure.recovery_share,
            meetings.belonging(people, p.meetings, attended),
            withdrawal_effect=stigma.withdrawal_effect(p.stigma),
        )
        stigma.update_stigma(people, p.stigma, today)
        program.update_burnout(self, lapsed, aware)
        if p.meetings.enabled and attended.any():
            self._pending_ties.append(
                meetings.new_ties(attended, p.meetings, self.streams["meeting_ties"])
            )
        if today % 7 == 0:
            network_upkeep.reconstruct_network(self)
        recovery.grow_abstinence(people)
        if today == p.days - FOLLOW_UP_WINDOW_DAYS:
            people.use_days_before_window[:] = people.use_days
        lapse_course.record_use(
            people,
            today,
            draws=self.row_draws("use_day"),  # made for the rows in use only
            substance_share=recovery.use_shares(p.recovery),
        )
        recovery.record_quarter(people, today)
        follow_up.record_interview(people, today)
        if self.history is not None:
            self.history.record(today, people, self.contacts.degree, lapsed, relapsed)

        self.day = today
        n = self.arrived_participants()  # the cohort is the first rows
        self.events = {
            "lapses": int(np.count_nonzero(lapsed[:n])),
            # Relapses come from lapses ending (no one relapses from use): all count.
            "relapses": int(np.count_nonzero(relapsed[:n])),
            "new_attempts": int(np.count_nonzero(attempts[:n])),
            "deaths": int(np.count_nonzero(deaths[:n])),
            "overdose_deaths": int(np.count_nonzero(overdoses[:n])),
            "mentor_relapses": int(np.count_nonzero(mentor_relapses)),
            "meeting_attendances": int(np.count_nonzero(attended)),
        }
        # Health economics (issue 14): today's QALYs and costs of the cohort, discounted.
        health_economics.accrue_day(
            self.health,
            people.status[:n],
            self.events["overdose_deaths"],
            sum(self.costs.values()),
            p.economics,
            today,
            self.program_offered,
        )
        self.datacollector.collect(self)
        if self.day >= p.days:
            # Whoever ran the model lets Mesa's id counter go of it (simulation.running.pool).
            self.running = False

    def person_history(self) -> pd.DataFrame:
        """The cohort's history, one row per participant and day (`record_history=True` only).

        Returns:
            A DataFrame with `day`, `person` (cohort row), `status` (a name from
            `STATUS_NAMES`), `lapse_started`, `relapse_started`, `used` (a day with use:
            every lapse day, a share of the days of regular use), `enrolled`, `mentor` (row of
            the person's mentor, -1 if none) and `ties` (number of ties that day).

        Raises:
            RecoverySimError: the model was built without `record_history=True`.
        """
        if self.history is None:
            raise RecoverySimError(
                "person_history() needs the model built with record_history=True (recording "
                "every participant's day costs memory, so it is off by default)."
            )
        return self.history.frame()

    def run(self, days: int | None = None) -> None:
        """Step the model for `days` days (default: the scenario's `days`)."""
        for _ in range(self.scenario.days if days is None else days):
            self.step()

    def arrived_participants(self) -> int:
        """Participants who have arrived: the first rows (all of them without intake)."""
        if self.intake is None:
            return self._participants
        return self.intake.first_row + self.intake.next

    def summary(self) -> dict[str, float]:
        """Today's values of the daily series (what the DataCollector records)."""
        values = daily.summarize_day(
            self.people,
            self.arrived_participants(),
            self.adjacency.nnz // 2,  # each tie is stored both ways
            contact_counts.recovery_tie_count(self.contacts, self.people),
            self.day,
            self.events,
            self.costs,
        )
        if self.intake is not None:
            values |= program_intake.capacity_use(self)
        return values


def _reporter(name: str):
    def report(model: RecoveryCommunityModel) -> float:
        if model._summary_day != model.day:
            model._summary = model.summary()
            model._summary_day = model.day
        return model._summary[name]

    return report
