"""Intake: people are referred month after month instead of all starting on day 0.

Real programs take referrals all year (from self-referral, courts and probation, detox and
treatment programs, emergency departments and other health care, community groups). With
`intake.enabled`, the run draws the whole referral stream up front from a stream of its own
(`intake/referrals`): each month's count is Poisson around `referrals_per_month` (times the
month's `monthly_profile` ratio), or around the month's entry in `referrals_by_month`, and each
referral gets a day in its month and a source. Because the stream depends on nothing a design
changes, every design in a comparison receives the same people on the same days (common random
numbers).

The population's arrays are pre-sized for every referral (`population.Arrivals`): the rows sit
after the day-0 cohort in order of referral day, as `not_yet_arrived` rows no mechanism acts on.
On their day they become participants starting a recovery attempt, with the starting scores
drawn for them, and enrol at the stigma section's starting share (`stigma.enrolment_share_at_start`,
shifted by their stigma and scepticism). Enrolled people with a mentor slot or place to wait for
join the waiting list (`waiting_list`).

With the mentors' caseloads fixed, slots only turn over when pairs end; `mentoring_episode_days`
is the planned length of a course of mentoring, after which the mentee leaves the caseload (and
stays enrolled for meetings and the rest of the program).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pydantic import field_validator

from simulation.model.mechanisms.stigma import StigmaParams, enrolment_odds_shift
from simulation.model.mechanisms.waiting_list import WaitingListParams
from simulation.model.population import (
    MENTOR,
    NOT_YET_ARRIVED,
    PARTICIPANT,
    RECOVERING,
    PopulationState,
)
from simulation.model.population_params import AgeMix, PopulationParams, SubstanceMix, _Shares
from simulation.scenario.parameters import Section, parameter

#: A month for referral counts: the mean calendar month (a year of 12 months, 365.25 days).
DAYS_PER_MONTH = 365.25 / 12
#: Referral sources, after the categories of SAMHSA's Treatment Episode Data Set (TEDS).
REFERRAL_SOURCES: tuple[str, ...] = (
    "self",
    "criminal_justice",
    "treatment_provider",
    "health_care",
    "community",
)
#: Starting scores a referral keeps until arrival (the day's updates run over every row).
STARTING_SCORES = ("self_efficacy", "isolation", "stigma", "mental_health")

_TEDS_2019 = (
    "SAMHSA TEDS-A 2019 admissions by source of referral (criminal justice 24.6%, its low "
    "after 36.7% in 2009); the other shares an assumption in TEDS's categories"
)


def _source_share(default: float, what: str) -> float:
    return parameter(default, unit="share", source=_TEDS_2019, description=what, ge=0.0, le=1.0)


class ReferralSources(_Shares):
    """Shares of referrals by source (must sum to 1)."""

    self: float = _source_share(0.40, "share of referrals that are self-referrals")
    criminal_justice: float = _source_share(
        0.25, "share referred by courts, probation, parole or diversion"
    )
    treatment_provider: float = _source_share(
        0.15, "share referred by detox or another substance-use treatment program"
    )
    health_care: float = _source_share(
        0.10, "share referred by emergency departments and other health care"
    )
    community: float = _source_share(
        0.10, "share referred by community groups, schools, employers, family"
    )


class IntakeParams(Section):
    """Referrals over the run: how many, when, who and from where."""

    enabled: bool = parameter(
        False,
        unit="switch",
        source="scenario design",
        description="people are referred over the run (off: the whole cohort starts on day 0)",
    )
    referrals_per_month: float = parameter(
        100.0,
        unit="referrals per month",
        source="scenario design (the program's expected referral volume)",
        description="mean referrals per month (each month's count is Poisson around it)",
        ge=0.0,
        le=100_000.0,
    )
    monthly_profile: list[float] | None = parameter(
        None,
        unit="ratio per calendar month",
        source="scenario design (seasonal referral patterns)",
        description="12 ratios on referrals_per_month, January first (run month 1 = January); "
        "null = flat",
    )
    referrals_by_month: list[float] | None = parameter(
        None,
        unit="referrals per month",
        source="scenario design (a program's own referral records)",
        description="expected referrals in each month of the run (overrides referrals_per_month "
        "and monthly_profile; months past the list get none)",
    )
    substance_mix: SubstanceMix | None = parameter(
        None,
        unit="shares",
        source="scenario design",
        description="primary-substance mix of referrals; null = the population's",
    )
    age_mix: AgeMix | None = parameter(
        None,
        unit="shares",
        source="scenario design",
        description="age mix of referrals; null = the population's",
    )
    sources: ReferralSources = ReferralSources()
    mentoring_episode_days: int = parameter(
        60,
        unit="days",
        source=(
            "assumption; ED-linked peer recovery coaching follows people for 30-90 days, and "
            "18% were still engaged at 60 days (Lukacs et al. 2023, Am J Emerg Med)"
        ),
        description="planned length of a course of mentoring; the mentee then leaves the "
        "caseload, freeing the slot (0 = no planned end)",
        ge=0,
        le=36_500,
    )
    waiting_list: WaitingListParams = WaitingListParams()

    @field_validator("monthly_profile")
    @classmethod
    def _twelve_months(cls, profile: list[float] | None) -> list[float] | None:
        if profile is not None and (len(profile) != 12 or min(profile) < 0):
            raise ValueError("monthly_profile needs 12 ratios (January to December), none < 0")
        return profile

    @field_validator("referrals_by_month")
    @classmethod
    def _not_negative(cls, counts: list[float] | None) -> list[float] | None:
        if counts is not None and (len(counts) == 0 or min(counts) < 0):
            raise ValueError("referrals_by_month needs at least one month and no count < 0")
        return counts

    def expected_by_month(self, days: int) -> np.ndarray:
        """Expected referrals in each month of a run of `days` days (the last month pro rata).

        Args:
            days: the run's length.

        Returns:
            One expected count per month (an empty array when intake is off).

        Example:
            >>> IntakeParams(enabled=True, referrals_per_month=30).expected_by_month(45).round(1)
            array([30. , 14.4])
        """
        if not self.enabled:
            return np.zeros(0)
        months = math.ceil(days / DAYS_PER_MONTH)
        if self.referrals_by_month is not None:
            listed = np.asarray(self.referrals_by_month, dtype=float)[:months]
            expected = np.concatenate([listed, np.zeros(months - len(listed))])
        else:
            profile = np.asarray(self.monthly_profile or [1.0] * 12)
            expected = self.referrals_per_month * profile[np.arange(months) % 12]
        covered = np.minimum(days - np.arange(months) * DAYS_PER_MONTH, DAYS_PER_MONTH)
        return expected * covered / DAYS_PER_MONTH

    def mix(self, population: PopulationParams) -> PopulationParams:
        """The population section with the referrals' own mixes where the scenario sets them."""
        update = {
            key: value
            for key, value in (("substance_mix", self.substance_mix), ("age_mix", self.age_mix))
            if value is not None
        }
        return population.model_copy(update=update) if update else population


@dataclass
class ReferralStream:
    """Every referral of a run, drawn before day 1 (sorted by day: row order is arrival order).

    Attributes:
        days: each referral's day (1 = the first day).
        sources: each referral's source code (position in `REFERRAL_SOURCES`).
    """

    days: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    sources: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    def __len__(self) -> int:
        """Number of referrals."""
        return len(self.days)


def draw_referrals(params: IntakeParams, days: int, rng: np.random.Generator) -> ReferralStream:
    """The run's referrals: Poisson counts per month, a uniform day in the month, a source.

    Args:
        params: the intake section.
        days: the run's length.
        rng: the referral stream's generator (`intake/referrals`: no design changes it).

    Returns:
        The referrals in order of day.
    """
    expected = params.expected_by_month(days)
    if len(expected) == 0:
        return ReferralStream()
    counts = rng.poisson(expected)
    first = np.floor(np.arange(len(expected)) * DAYS_PER_MONTH).astype(np.int64) + 1
    last = np.minimum(np.floor((np.arange(len(expected)) + 1) * DAYS_PER_MONTH), days)
    lows, highs = np.repeat(first, counts), np.repeat(last.astype(np.int64), counts)
    referral_days = np.sort(rng.integers(lows, highs + 1)).astype(np.int32)
    shares = np.asarray(params.sources.shares())
    sources = rng.choice(len(shares), size=len(referral_days), p=shares / shares.sum())
    return ReferralStream(referral_days, sources.astype(np.int8))


class Intake:
    """The run's referral stream and where its rows are; admits each day's referrals.

    Args:
        people: the population, pre-sized with the referrals' rows after the day-0 cohort.
        first_row: row of the first referral (the day-0 cohort's size).
        stream: the referrals (`draw_referrals`).
    """

    def __init__(self, people: PopulationState, first_row: int, stream: ReferralStream):
        self.stream = stream
        self.first_row = first_row
        self.next = 0  # referrals admitted so far
        rows = slice(first_row, first_row + len(stream))
        self.starting_scores = {
            name: getattr(people, name)[rows].copy() for name in STARTING_SCORES
        }

    def referrals_today(self, today: int) -> np.ndarray:
        """Rows of the people referred today (their rows are consecutive)."""
        stop = self.next + int(np.searchsorted(self.stream.days[self.next :], today, "right"))
        return np.arange(self.first_row + self.next, self.first_row + stop)

    def admit(
        self,
        people: PopulationState,
        stigma: StigmaParams,
        today: int,
        draws: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Today's referrals arrive: they start a recovery attempt and may enrol.

        Args:
            people: the population (the arrivals' rows change).
            stigma: the stigma section (starting enrolment share, stigma and scepticism odds).
            today: today.
            draws: one uniform per person (the `intake_enrolment` stream), read at today's
                referrals only (so `RowDraws`, made for the rows asked for, will do).

        Returns:
            (rows that arrived today, those of them who enrolled).
        """
        rows = self.referrals_today(today)
        if len(rows) == 0:
            return rows, rows
        done = slice(self.next, self.next + len(rows))
        self.next += len(rows)
        people.kind[rows] = PARTICIPANT
        people.status[rows] = RECOVERING
        people.days_abstinent[rows] = 0
        people.recovery_attempts[rows] = 1
        people.entry_day[rows] = today
        people.referral_source[rows] = self.stream.sources[done]
        for name, values in self.starting_scores.items():
            getattr(people, name)[rows] = values[done]
        logit = math.log(stigma.enrolment_share_at_start / (1 - stigma.enrolment_share_at_start))
        shift = enrolment_odds_shift(people, stigma, rows)
        joined = rows[draws[rows] < 1.0 / (1.0 + np.exp(-(logit + shift)))]
        people.enrolled[joined] = True
        people.ever_enrolled[joined] = True
        return rows, joined


def hire_days(recruitment_per_month: float, days: int) -> np.ndarray:
    """Days on which mentors are hired from outside: evenly spaced at the recruitment rate.

    Args:
        recruitment_per_month: mentors hired per month (`mentoring.recruitment_per_month`).
        days: the run's length.

    Returns:
        One day per hire, in order.

    Example:
        >>> hire_days(2.0, 61).tolist()
        [16, 31, 46, 61]
    """
    if recruitment_per_month <= 0:
        return np.zeros(0, dtype=np.int32)
    spacing = DAYS_PER_MONTH / recruitment_per_month
    count = int(days / spacing)
    return np.ceil(np.arange(1, count + 1) * spacing).astype(np.int32)


def hire_mentors(people: PopulationState, hire_rows: np.ndarray) -> np.ndarray:
    """Mentors hired today take up the role (their rows were pre-sized at the end).

    Args:
        people: the population.
        hire_rows: the pre-sized rows of hires whose day has come (not yet arrived).

    Returns:
        The rows that became mentors today.
    """
    rows = hire_rows[people.kind[hire_rows] == NOT_YET_ARRIVED]
    people.kind[rows] = MENTOR
    people.status[rows] = RECOVERING
    people.is_mentor[rows] = True
    return rows
