"""Who is in the model, and the arrays that hold their state.

Three kinds of people share one set of arrays (one row each): participants in recovery (the
cohort, who start a recovery attempt on day 0), peer mentors (people in longer recovery who
support them) and community members (friends and family in the participants' networks, some of
whom use). Mesa agents are thin handles on these rows (`simulation.agents`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from simulation.model.compiled import map_pages
from simulation.model.population_params import PopulationParams
from simulation.model.random_streams import RandomStreams
from simulation.scenario.parameters import AGE_GROUPS

#: Status names, declared once; a status code is its position here. A lapse (any use) lasts a
#: few days, then is caught or becomes a relapse (an episode of regular use).
STATUS_NAMES: tuple[str, ...] = ("in_recovery", "lapsed", "relapsed", "deceased", "not_affected")
RECOVERING, LAPSED, USING, DECEASED, NOT_AFFECTED = (
    STATUS_NAMES.index(name)
    for name in ("in_recovery", "lapsed", "relapsed", "deceased", "not_affected")
)

#: Kinds of person, declared once; a kind code is its position here. `not_yet_arrived` rows are
#: pre-sized for people who join during the run (referrals, hired mentors: see
#: `mechanisms.intake`); no mechanism acts on them until they arrive. Participants come first
#: (code 0): `PopulationState.participants` counts them as the rows without a non-zero code.
KIND_NAMES: tuple[str, ...] = ("participant", "mentor", "community_member", "not_yet_arrived")
PARTICIPANT, MENTOR, COMMUNITY, NOT_YET_ARRIVED = (
    KIND_NAMES.index(name)
    for name in ("participant", "mentor", "community_member", "not_yet_arrived")
)

NEVER = -1  # day of an event that has not happened

#: Spread (standard deviation) of each starting score around its mean. Not parameters: the
#: means are already assumptions, and no study gives a spread on these 0-1 scales; a spread
#: this size keeps nearly everyone inside the scale (clipped at 0 and 1).
SCORE_SPREAD = {"self_efficacy": 0.12, "isolation": 0.12, "stigma": 0.15, "mental_health": 0.15}
#: Mentors have had time to rebuild confidence: their starting self-efficacy is this much higher
#: (a fixed offset, not a parameter: mentors' self-efficacy is not a lever and has no source).
MENTOR_SELF_EFFICACY_BOOST = 0.3
#: Mentors' days abstinent at the start spread evenly over this many days above the eligibility
#: minimum (five years: peer-worker programs recruit people from early to long recovery; the
#: hazard is nearly flat beyond it, so the exact span matters little).
MENTOR_ABSTINENCE_SPAN_DAYS = 5 * 365


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
    completed: np.ndarray  # was still enrolled when the program closed (finished, not a dropout)
    engagement: np.ndarray
    stigma: np.ndarray  # perceived stigma
    mental_health: np.ndarray
    strain_susceptibility: np.ndarray  # how fast caring for others wears this person down (mean 1)
    sceptical: np.ndarray  # sceptical of non-professional help
    burnout: np.ndarray  # mentors
    alliance: np.ndarray  # quality of the mentee's bond with their mentor
    residence_days_left: np.ndarray  # days left in a residential place (0 = not in residence)
    trainee_until: np.ndarray  # day a participant finishes mentor training (NEVER if not a trainee)
    overdose_deaths: np.ndarray  # 1 where a death was an overdose
    # Use episodes (simulation.model.mechanisms.relapse, recovery).
    lapse_days_left: np.ndarray  # days left in the current lapse (0 when not lapsed)
    use_days_left: np.ndarray  # time left in the current relapse episode (days at rate 1)
    last_use_day: np.ndarray  # last day with any use (NEVER if none in the run)
    caught_lapse_day: np.ndarray  # day the attempt's last caught lapse ended (NEVER if none)
    use_days: np.ndarray  # days with any use during the run
    use_days_before_window: np.ndarray  # use_days when the run's last 90 days began
    # Quarterly state (abstinent the whole quarter or not), for Scott et al.'s turnover.
    quarter_abstinent: np.ndarray  # -1 before the first quarter ends, else 0 / 1
    quarter_changes: np.ndarray  # quarters whose state differed from the one before
    quarter_pairs: np.ndarray  # consecutive quarter pairs observed alive
    # Dennis et al.'s yearly follow-up of quarterly interviews (mechanisms.follow_up).
    interview_group: np.ndarray  # (rows, 4) duration group at the last four quarter ends, or -1
    next_year_interviews: np.ndarray  # (rows, 3) interviews followed up a year later, by group
    next_year_abstinent: np.ndarray  # (rows, 3) of them, no use in the year between
    # Intake and waiting (simulation.model.mechanisms.intake, waiting_list); NEVER = not yet.
    entry_day: np.ndarray  # day a participant entered (0 = the day-0 cohort, or referral day)
    first_served_day: np.ndarray  # first mentor contact or residential place
    left_waiting_day: np.ndarray  # day the person first gave up waiting
    referral_source: np.ndarray  # code in `intake.REFERRAL_SOURCES` (-1: day-0 cohort, others)

    def __post_init__(self) -> None:
        # Compiled kernels read some columns only under masks: see `compiled.map_pages`.
        map_pages(getattr(self, name) for name in self.array_names())

    @property
    def size(self) -> int:
        """Number of people (rows)."""
        return len(self.kind)

    @property
    def cohort(self) -> np.ndarray:
        """The participants: the people whose outcomes the metrics describe."""
        return self.kind == PARTICIPANT

    @property
    def participants(self) -> slice:
        """The participants' rows, as a slice.

        They come first, so mechanisms that concern only them can work on this slice instead
        of masking every row. Counted afresh each time (anything may write `kind`); the
        participants' code is 0, so they are the rows the non-zero codes leave, counted without
        a comparison array.
        """
        return slice(0, len(self.kind) - int(np.count_nonzero(self.kind)))

    def array_names(self) -> list[str]:
        """Names of every per-person array."""
        return [f.name for f in fields(self)]


@dataclass
class Arrivals:
    """Rows to pre-size for people who join during the run (kept out of the day-0 cohort).

    Pre-sizing keeps every array the same length all run, so the day never reallocates.

    Attributes:
        referrals: participants referred after day 0 (rows after the day-0 cohort, in order of
            referral day, so the participants who have arrived are always the first rows).
        hires: mentors hired from outside (the last rows).
        mix: who is referred (substance and age mix...); None: the same as the population.
    """

    referrals: int = 0
    hires: int = 0
    mix: PopulationParams | None = None


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
        "self_efficacy": _score(rng, params.initial_self_efficacy, "self_efficacy", n),
        "isolation": _score(rng, params.initial_isolation, "isolation", n),
        "uniform": rng.random(n),
        "stigma": _score(rng, params.initial_stigma, "stigma", n),
        "mental_health": _score(rng, params.initial_mental_health, "mental_health", n),
        "sceptical": rng.random(n) < params.sceptical_share,
        # Drawn last so that earlier draws do not depend on it.
        "strain_susceptibility": _unit_gamma(rng, strain_variance, n),
    }


def _score(rng: np.random.Generator, mean: float, name: str, n: int) -> np.ndarray:
    """Starting 0-1 scores: normal around `mean` with the score's spread, clipped to the scale."""
    return np.clip(rng.normal(mean, SCORE_SPREAD[name], n), 0.0, 1.0)


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
    arrivals: Arrivals | None = None,
) -> PopulationState:
    """Create the participants (abstinent since day 0), community members and mentors.

    Rows are ordered participants, later referrals, community members, mentors, later hires,
    and each kind draws from its own stream: two designs with the same population but different
    mentor pools share their participants and networks exactly (common random numbers).

    Args:
        params: the population section.
        mentor_count: mentors in the role on day 0.
        mentor_days_abstinent: range of the mentors' days abstinent on day 0.
        frailty_variance: variance of the gamma frailty (0: everyone 1).
        streams: the run's random streams.
        strain_variance: variance of the mentors' strain susceptibility.
        mentor_cultural_group_shares: the mentors' cultural-group mix (None: as participants).
        arrivals: rows to pre-size for people who join during the run (None: nobody joins).

    Returns:
        The population's state arrays.
    """
    arrivals = arrivals or Arrivals()
    n_part = params.size
    # Referrals bring their friends and family into the network as the day-0 cohort does.
    n_comm = round((n_part + arrivals.referrals) * params.community_members_per_participant)
    mentor_params = (
        params.model_copy(update={"cultural_group_shares": mentor_cultural_group_shares})
        if mentor_cultural_group_shares
        else params
    )
    groups = [
        (PARTICIPANT, streams["population/participants"], params, n_part),
        (
            NOT_YET_ARRIVED,
            streams["population/referrals"],
            arrivals.mix or params,
            arrivals.referrals,
        ),
        (COMMUNITY, streams["population/community"], params, n_comm),
        (MENTOR, streams["population/mentors"], mentor_params, mentor_count),
        (NOT_YET_ARRIVED, streams["population/hires"], mentor_params, arrivals.hires),
    ]
    drawn = [
        (code, _draw_people(rng, group_params, size, frailty_variance, strain_variance))
        for code, rng, group_params, size in groups
        if size or code != NOT_YET_ARRIVED
    ]
    kind = np.concatenate([np.full(len(g["substance"]), k) for k, g in drawn]).astype(np.int8)
    columns = {name: np.concatenate([g[name] for _, g in drawn]) for name in drawn[0][1]}
    n = len(kind)
    community = kind == COMMUNITY
    # Mentors (and the mentors hired later, the last rows) are in long recovery.
    mentors = (kind == MENTOR) | (np.arange(n) >= n - arrivals.hires)
    # Mentors are adults or older adults: peer-worker roles require adulthood.
    youth = mentors & (columns["age_group"] == AGE_GROUPS.index("youth"))
    columns["age_group"][youth] = AGE_GROUPS.index("adult")
    columns["self_efficacy"][mentors] = np.clip(
        columns["self_efficacy"][mentors] + MENTOR_SELF_EFFICACY_BOOST, 0, 1
    )

    status = np.full(n, RECOVERING, dtype=np.int8)
    status[kind == NOT_YET_ARRIVED] = NOT_AFFECTED  # until they arrive
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
        mentor=np.full(n, NEVER, dtype=np.int32),
        caseload=np.zeros(n, dtype=np.int32),
        is_mentor=kind == MENTOR,
        support=np.zeros(n),
        first_lapse_day=np.full(n, NEVER, dtype=np.int32),
        first_relapse_day=np.full(n, NEVER, dtype=np.int32),
        death_day=np.full(n, NEVER, dtype=np.int32),
        lapses=np.zeros(n, dtype=np.int32),
        relapses=np.zeros(n, dtype=np.int32),
        mentor_changes=np.zeros(n, dtype=np.int32),
        enrolled=np.zeros(n, dtype=bool),
        ever_enrolled=np.zeros(n, dtype=bool),
        completed=np.zeros(n, dtype=bool),
        engagement=np.zeros(n),
        stigma=columns["stigma"],
        mental_health=columns["mental_health"],
        strain_susceptibility=columns["strain_susceptibility"],
        sceptical=columns["sceptical"],
        burnout=np.zeros(n),
        alliance=np.zeros(n),
        residence_days_left=np.zeros(n, dtype=np.int32),
        trainee_until=np.full(n, NEVER, dtype=np.int32),
        overdose_deaths=np.zeros(n, dtype=bool),
        lapse_days_left=np.zeros(n, dtype=np.int32),
        use_days_left=np.zeros(n),
        last_use_day=np.full(n, NEVER, dtype=np.int32),
        use_days=np.zeros(n, dtype=np.int32),
        use_days_before_window=np.zeros(n, dtype=np.int32),
        caught_lapse_day=np.full(n, NEVER, dtype=np.int32),
        quarter_abstinent=np.full(n, -1, dtype=np.int8),
        quarter_changes=np.zeros(n, dtype=np.int32),
        quarter_pairs=np.zeros(n, dtype=np.int32),
        interview_group=np.full((n, 4), -1, dtype=np.int8),
        next_year_interviews=np.zeros((n, 3), dtype=np.int16),
        next_year_abstinent=np.zeros((n, 3), dtype=np.int16),
        entry_day=np.where(kind == PARTICIPANT, 0, NEVER).astype(np.int32),
        first_served_day=np.full(n, NEVER, dtype=np.int32),
        left_waiting_day=np.full(n, NEVER, dtype=np.int32),
        referral_source=np.full(n, NEVER, dtype=np.int8),
    )
