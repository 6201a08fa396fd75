"""Who is simulated: the scenario's population section (sizes, mixes, starting scores).

The state arrays these parameters fill live in `simulation.model.population`; category names
(substances, age groups) are declared once in `simulation.scenario.parameters` and the mixes
below follow them (checked by tests/unit/model/test_population.py).
"""

from __future__ import annotations

from pydantic import model_validator

from simulation.scenario.parameters import Section, parameter


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
