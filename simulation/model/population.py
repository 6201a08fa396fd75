"""Who is in the model, and the arrays that hold their state.

Three kinds of people share one set of arrays (one row each): participants in recovery (the
cohort, who start a recovery attempt on day 0), peer mentors (people in longer recovery who
support them) and community members (friends and family in the participants' networks, some of
whom use). Mesa agents are thin handles on these rows (`simulation.agents`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
from pydantic import model_validator

from simulation.model.random_streams import RandomStreams
from simulation.scenario.parameters import Section, parameter

# Status codes. A lapse is a short state: the next day it is caught or becomes a relapse.
RECOVERING, LAPSED, USING, DECEASED, NOT_AFFECTED = 0, 1, 2, 3, 4
STATUS_NAMES = ("in_recovery", "lapsed", "relapsed", "deceased", "not_affected")

# Kinds of person.
PARTICIPANT, MENTOR, COMMUNITY = 0, 1, 2
KIND_NAMES = ("participant", "mentor", "community_member")

NEVER = -1  # day of an event that has not happened


class _Shares(Section):
    """A mix of categories whose shares must sum to 1."""

    @model_validator(mode="after")
    def _sums_to_one(self):
        total = sum(self.model_dump().values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the shares must sum to 1 (they sum to {total:g})")
        return self

    def shares(self) -> list[float]:
        return list(self.model_dump().values())


_TEDS = "assumption, close to the primary-substance mix of US treatment admissions (TEDS 2021)"
_AGE = "assumption (youth = under 25, older adult = 55 and over)"


def _share(default: float, source: str, what: str) -> float:
    return parameter(default, unit="share", source=source, description=what, ge=0.0, le=1.0)


class SubstanceMix(_Shares):
    """Shares of participants by primary substance."""

    alcohol: float = _share(0.45, _TEDS, "share whose primary substance is alcohol")
    opioids: float = _share(0.25, _TEDS, "share whose primary substance is opioids")
    stimulants: float = _share(0.15, _TEDS, "share whose primary substance is stimulants")
    cannabis: float = _share(0.15, _TEDS, "share whose primary substance is cannabis")


class AgeMix(_Shares):
    """Shares of participants by age group."""

    youth: float = _share(0.15, _AGE, "share aged under 25")
    adult: float = _share(0.65, _AGE, "share aged 25-54")
    older_adult: float = _share(0.20, _AGE, "share aged 55 and over")


class PopulationParams(Section):
    """Who is simulated."""

    size: int = parameter(
        1000,
        unit="people",
        source="assumption",
        description="participants in recovery (the cohort); mentors and community members are added",
        ge=1,
        le=2_000_000,
    )
    substance_mix: SubstanceMix = SubstanceMix()
    age_mix: AgeMix = AgeMix()
    veteran_share: float = parameter(
        0.08,
        unit="share",
        source="assumption (about 1 in 12 US treatment admissions)",
        description="share of participants and mentors who are military veterans",
        ge=0.0,
        le=1.0,
    )
    cultural_group_shares: list[float] = parameter(
        [0.6, 0.25, 0.15],
        unit="shares",
        source="assumption",
        description="shares of participants in each cultural group (group 0, 1, ...)",
        min_length=1,
        max_length=8,
    )
    community_members_per_participant: float = parameter(
        0.5,
        unit="people per participant",
        source="assumption",
        description="friends and family outside the program who are in the network",
        ge=0.0,
        le=10.0,
    )
    community_using_share: float = parameter(
        0.35,
        unit="share",
        source="assumption; Litt (NIH R01-AA012827): ~30% of patients keep 2 or fewer abstinent friends",
        description="share of community members who use regularly",
        ge=0.0,
        le=1.0,
    )
    initial_self_efficacy: float = parameter(
        0.45,
        unit="0-1 score",
        source="assumption",
        description="mean abstinence self-efficacy at the start of a recovery attempt",
        ge=0.0,
        le=1.0,
    )
    initial_isolation: float = parameter(
        0.5,
        unit="0-1 score",
        source="assumption",
        description="mean isolation (lack of belonging) at the start",
        ge=0.0,
        le=1.0,
    )

    initial_stigma: float = parameter(
        0.5,
        unit="0-1 score",
        source="assumption (mid-scale perceived stigma; Keyes et al. 2010)",
        description="mean perceived stigma at the start",
        ge=0.0,
        le=1.0,
    )
    initial_mental_health: float = parameter(
        0.5,
        unit="0-1 score",
        source="assumption (high co-occurring distress in early recovery)",
        description="mean mental health at the start (1 = good)",
        ge=0.0,
        le=1.0,
    )
    sceptical_share: float = parameter(
        0.2,
        unit="share",
        source="assumption (scepticism of non-professional help)",
        description="share of people sceptical of peer (non-professional) support",
        ge=0.0,
        le=1.0,
    )

    @model_validator(mode="after")
    def _shares_sum_to_one(self):
        total = sum(self.cultural_group_shares)
        if abs(total - 1.0) > 1e-6 or min(self.cultural_group_shares) < 0:
            raise ValueError(
                f"cultural_group_shares must be non-negative and sum to 1 (sum {total:g})"
            )
        return self


@dataclass
class PopulationState:
    """Structure of arrays: one row per person. Every mechanism reads and writes these."""

    kind: np.ndarray
    substance: np.ndarray
    age_group: np.ndarray
    veteran: np.ndarray
    cultural_group: np.ndarray
    status: np.ndarray
    days_abstinent: np.ndarray
    recovery_attempts: np.ndarray
    frailty: np.ndarray
    self_efficacy: np.ndarray
    isolation: np.ndarray
    mentor: np.ndarray  # row of the person's mentor, NEVER if none
    caseload: np.ndarray  # mentees per mentor row
    is_mentor: np.ndarray
    support: np.ndarray  # recent mentor contact, decays (0-1)
    first_lapse_day: np.ndarray
    first_relapse_day: np.ndarray
    death_day: np.ndarray
    lapses: np.ndarray
    relapses: np.ndarray
    mentor_changes: np.ndarray
    # Program state (issue: program designs). Scores are in [0, 1].
    enrolled: np.ndarray  # takes part in the program (mentoring, meetings)
    ever_enrolled: np.ndarray
    engagement: np.ndarray
    stigma: np.ndarray  # perceived stigma
    mental_health: np.ndarray
    strain_susceptibility: np.ndarray  # how fast caring for others wears this person down (mean 1)
    sceptical: np.ndarray  # sceptical of non-professional help
    burnout: np.ndarray  # mentors
    alliance: np.ndarray  # quality of the mentee's bond with their mentor
    residence_days_left: np.ndarray  # days left in a residential place (0 = not in residence)
    meetings_attended: np.ndarray
    trainee_until: np.ndarray  # day a participant finishes mentor training (NEVER if not a trainee)
    overdose_deaths: np.ndarray  # 1 where a death was an overdose
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.kind)

    @property
    def alive(self) -> np.ndarray:
        return self.status != DECEASED

    @property
    def cohort(self) -> np.ndarray:
        """The participants: the people whose outcomes the metrics describe."""
        return self.kind == PARTICIPANT

    @property
    def participants(self) -> slice:
        """The participants' rows: they come first, so mechanisms that concern only them can
        work on this slice instead of masking every row."""
        return slice(0, int(np.count_nonzero(self.kind == PARTICIPANT)))

    def array_names(self) -> list[str]:
        return [f.name for f in fields(self) if f.name != "extra"] + list(self.extra)


def _categories(rng: np.random.Generator, shares: list[float], n: int) -> np.ndarray:
    return rng.choice(len(shares), size=n, p=np.asarray(shares) / sum(shares)).astype(np.int8)


def _draw_people(
    rng: np.random.Generator,
    params: PopulationParams,
    n: int,
    frailty_variance: float,
    strain_variance: float = 0.0,
) -> dict[str, np.ndarray]:
    """Attributes of `n` people of one kind, from that kind's own stream."""
    if frailty_variance > 0:
        # Gamma frailty with mean 1: unobserved differences in risk between people.
        shape = 1.0 / frailty_variance
        frailty = rng.gamma(shape, 1.0 / shape, size=n)
    else:
        frailty = np.ones(n)
    return {
        "substance": _categories(rng, params.substance_mix.shares(), n),
        "age_group": _categories(rng, params.age_mix.shares(), n),
        "veteran": rng.random(n) < params.veteran_share,
        "cultural_group": _categories(rng, params.cultural_group_shares, n),
        "frailty": frailty,
        "self_efficacy": np.clip(rng.normal(params.initial_self_efficacy, 0.12, n), 0.0, 1.0),
        "isolation": np.clip(rng.normal(params.initial_isolation, 0.12, n), 0.0, 1.0),
        "uniform": rng.random(n),
        "stigma": np.clip(rng.normal(params.initial_stigma, 0.15, n), 0.0, 1.0),
        "mental_health": np.clip(rng.normal(params.initial_mental_health, 0.15, n), 0.0, 1.0),
        "sceptical": rng.random(n) < params.sceptical_share,
        # Drawn last so that earlier draws do not depend on it.
        "strain_susceptibility": _unit_gamma(rng, strain_variance, n),
    }


def _unit_gamma(rng: np.random.Generator, variance: float, n: int) -> np.ndarray:
    """Gamma-distributed multipliers with mean 1 and the given variance (all 1 at variance 0)."""
    if variance <= 0:
        return np.ones(n)
    shape = 1.0 / variance
    return rng.gamma(shape, 1.0 / shape, size=n)


def build_population(
    params: PopulationParams,
    mentor_count: int,
    mentor_days_abstinent: tuple[int, int],
    frailty_variance: float,
    streams: RandomStreams,
    strain_variance: float = 0.0,
    mentor_cultural_group_shares: list[float] | None = None,
) -> PopulationState:
    """Create the participants (abstinent since day 0), community members and mentors.

    Rows are ordered participants, community members, mentors, and each kind draws from its
    own stream: two designs with the same population but different mentor pools share their
    participants and networks exactly (common random numbers).
    """
    n_part = params.size
    n_comm = round(n_part * params.community_members_per_participant)
    groups = {
        PARTICIPANT: _draw_people(
            streams["population/participants"], params, n_part, frailty_variance, strain_variance
        ),
        COMMUNITY: _draw_people(
            streams["population/community"], params, n_comm, frailty_variance, strain_variance
        ),
        MENTOR: _draw_people(
            streams["population/mentors"],
            params.model_copy(update={"cultural_group_shares": mentor_cultural_group_shares})
            if mentor_cultural_group_shares
            else params,
            mentor_count,
            frailty_variance,
            strain_variance,
        ),
    }
    kind = np.concatenate([np.full(len(g["substance"]), k) for k, g in groups.items()]).astype(
        np.int8
    )
    columns = {
        name: np.concatenate([g[name] for g in groups.values()]) for name in groups[PARTICIPANT]
    }
    n = len(kind)
    mentors = kind == MENTOR
    community = kind == COMMUNITY
    # Mentors are adults or older adults: peer-worker roles require adulthood.
    columns["age_group"][mentors & (columns["age_group"] == 0)] = 1
    # Mentors have had time to rebuild confidence.
    columns["self_efficacy"][mentors] = np.clip(columns["self_efficacy"][mentors] + 0.3, 0, 1)

    status = np.full(n, RECOVERING, dtype=np.int8)
    status[community] = np.where(
        columns["uniform"][community] < params.community_using_share, USING, NOT_AFFECTED
    )
    days_abstinent = np.zeros(n, dtype=np.int32)
    low, high = mentor_days_abstinent
    days_abstinent[mentors] = low + np.floor(columns["uniform"][mentors] * (high - low + 1)).astype(
        np.int32
    )
    return PopulationState(
        kind=kind,
        substance=columns["substance"],
        age_group=columns["age_group"],
        veteran=columns["veteran"],
        cultural_group=columns["cultural_group"],
        status=status,
        days_abstinent=days_abstinent,
        recovery_attempts=np.where(kind == PARTICIPANT, 1, 0).astype(np.int32),
        frailty=columns["frailty"],
        self_efficacy=columns["self_efficacy"],
        isolation=columns["isolation"],
        mentor=np.full(n, NEVER, dtype=np.int64),
        caseload=np.zeros(n, dtype=np.int32),
        is_mentor=mentors.copy(),
        support=np.zeros(n),
        first_lapse_day=np.full(n, NEVER, dtype=np.int32),
        first_relapse_day=np.full(n, NEVER, dtype=np.int32),
        death_day=np.full(n, NEVER, dtype=np.int32),
        lapses=np.zeros(n, dtype=np.int32),
        relapses=np.zeros(n, dtype=np.int32),
        mentor_changes=np.zeros(n, dtype=np.int32),
        enrolled=np.zeros(n, dtype=bool),
        ever_enrolled=np.zeros(n, dtype=bool),
        engagement=np.zeros(n),
        stigma=columns["stigma"],
        mental_health=columns["mental_health"],
        strain_susceptibility=columns["strain_susceptibility"],
        sceptical=columns["sceptical"],
        burnout=np.zeros(n),
        alliance=np.zeros(n),
        residence_days_left=np.zeros(n, dtype=np.int32),
        meetings_attended=np.zeros(n, dtype=np.int32),
        trainee_until=np.full(n, NEVER, dtype=np.int32),
        overdose_deaths=np.zeros(n, dtype=bool),
    )
