"""Parameters of peer mentoring and of matching mentees with mentors.

Both `mentoring` (contact, pairs, attrition) and `matching` (who is paired with whom) read these,
so they live in their own module and neither mechanism imports the other.

Match quality. A new pair's alliance starts at `alliance_base` and gains
`similarity_alliance_gain.<attribute>` for each attribute mentor and mentee share. What the
literature says: clients matched on race/ethnicity perceive their helper more positively
(d = 0.32, 81 studies) but their outcomes barely differ (d = 0.09, 53 studies; Cabral & Smith
2011, J Couns Psychol 58:537), and the alliance predicts outcome (r = 0.28, d = 0.58, 295 studies;
Fluckiger et al. 2018, Psychotherapy 55:316). Read on an alliance scale whose spread between pairs
is about 0.2, a d of 0.32 is about +0.06. For peer similarity in substance, age and veteran status
there is no comparable meta-analysis (peer support rests on shared lived experience: Eddie et al.
2019, Front Psychol 10:1052), so those gains are assumptions of the same order, with wide ranges
(0 to 0.2) to explore.
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from simulation.model.mechanisms.alliance import AllianceParams
from simulation.scenario.parameters import Section, parameter

#: Attributes a mentor and mentee can share (the names of PopulationState arrays).
ATTRIBUTES = ("substance", "age_group", "veteran", "cultural_group")

_CABRAL = (
    "Cabral & Smith 2011 (matched clients perceive helpers better, d = 0.32; outcomes d = 0.09)"
)
_SIMILAR = "assumption, same order as cultural match (shared lived experience; Eddie et al. 2019)"


def _gain(default: float, source: str, what: str) -> float:
    return parameter(default, unit="0-1 alliance", source=source, description=what, ge=0.0, le=1.0)


class SimilarityGains(Section):
    """How much a shared attribute adds to a new pair's starting alliance."""

    substance: float = _gain(
        0.08, _SIMILAR, "alliance added when mentor and mentee share a substance"
    )
    age_group: float = _gain(0.04, _SIMILAR, "alliance added when they share an age group")
    veteran: float = _gain(0.08, _SIMILAR, "alliance added when both are (or neither is) veterans")
    cultural_group: float = _gain(0.06, _CABRAL, "alliance added when they share a cultural group")


MatchingRule = Literal[
    "random", "same_substance", "same_age_group", "veterans", "same_cultural_group", "composite"
]


class MentoringParams(Section):
    """Peer mentors: how many, how many mentees each, how they are matched, what contact does."""

    enabled: bool = parameter(
        False,
        unit="switch",
        source="scenario design",
        description="whether the program provides peer mentors",
    )
    mentors_per_100_participants: float = parameter(
        20.0,
        unit="mentors per 100 participants",
        source="Tracy et al. MAP pilot (about 1 mentor : 3 mentees); assumption",
        description="size of the mentor pool",
        ge=0.0,
        le=200.0,
    )
    caseload_cap: int = parameter(
        5,
        unit="mentees",
        source="assumption (MAP pilot: 3; peer-worker caseloads 5-15)",
        description="most mentees one mentor takes on",
        ge=1,
        le=100,
    )
    matching: MatchingRule = parameter(
        "random",
        unit="choice",
        source="scenario design",
        description="how mentees are paired with mentors; unmatched people fall back to any free mentor",
    )
    contacts_per_week: float = parameter(
        1.0,
        unit="contacts per week",
        source="scenario design (community programs: weekly)",
        description="planned mentor contacts per mentee",
        ge=0.0,
        le=14.0,
    )
    support_half_life_days: float = parameter(
        7.0,
        unit="days",
        source="assumption",
        description="how fast the protective effect of a contact fades",
        gt=0.0,
        le=365.0,
    )
    support_effect: float = parameter(
        1.22,
        unit="log hazard ratio",
        source=(
            "fitted to Bernstein et al. 2005 (adjusted OR ~1.5; anchor single_peer_contact) with "
            "the other two contact effects, scaled together, after use episodes, contact-gated "
            "rapid response and alliance-driven dropout (python: calibration.fitting.fit_anchor)"
        ),
        description="lapse hazard reduction at full support (a contact today)",
        ge=0.0,
        le=5.0,
    )
    rapid_response_effect: float = parameter(
        0.85,
        unit="share",
        source="fitted by recovery-sim calibrate with support_effect (assumed channel of the same anchor)",
        description="reduction in the chance that a lapse escalates, at full alliance, when the mentor knows of it",
        ge=0.0,
        le=1.0,
    )
    self_efficacy_gain_per_contact: float = parameter(
        0.054,
        unit="0-1 score per contact",
        source="fitted by recovery-sim calibrate with support_effect (assumed channel of the same anchor)",
        description="self-efficacy gained from one full-quality contact at full alliance (toward 1)",
        ge=0.0,
        le=1.0,
    )
    eligibility_days_abstinent: int = parameter(
        180,
        unit="days",
        source="Tracy et al. MAP pilot (>= 6 months abstinent)",
        description="shortest abstinence a mentor has when the program starts",
        ge=0,
        le=20_000,
    )
    composite_weights: dict[str, float] = parameter(
        {"substance": 1.0, "age_group": 0.5, "veteran": 0.5, "cultural_group": 1.0},
        unit="weights",
        source="assumption",
        description="composite matching: priority of each shared attribute (substance, age_group, veteran, cultural_group); heavier attributes are kept longest",
    )
    mentor_cultural_group_shares: list[float] | None = parameter(
        None,
        unit="shares",
        source="scenario design (diversity of the mentor pool)",
        description="cultural-group mix of mentors; null = same as participants",
    )
    alliance_base: float = parameter(
        0.5,
        unit="0-1 alliance",
        source="assumption",
        description="starting alliance of a new pair sharing no attribute (similarity adds `similarity_alliance_gain`)",
        ge=0.0,
        le=1.0,
    )
    similarity_alliance_gain: SimilarityGains = SimilarityGains()
    alliance: AllianceParams = AllianceParams()
    match_failure_rate_per_year: float = parameter(
        1.0,
        unit="per year at zero alliance",
        source="assumption",
        description="rate at which weak pairs break up (lower with a strong alliance)",
        ge=0.0,
        le=52.0,
    )
    attrition_rate_per_year: float = parameter(
        0.25,
        unit="per year",
        source="assumption (peer-worker turnover)",
        description="rate at which mentors leave the role for reasons other than relapse",
        ge=0.0,
        le=52.0,
    )

    recruitment_per_month: float = parameter(
        0.0,
        unit="mentors per month",
        source="scenario design (hiring budget)",
        description="mentors hired from outside each month, besides the pipeline (evenly spaced)",
        ge=0.0,
        le=1_000.0,
    )
    recruitment_cost_per_mentor: float = parameter(
        2_000.0,
        unit="$ per hired mentor",
        source="assumption (advertising, interviews, background check, onboarding of a peer worker)",
        description="cost of hiring one mentor from outside (training is costed on top)",
        ge=0.0,
        le=1_000_000.0,
    )

    @field_validator("composite_weights")
    @classmethod
    def _known_attributes(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(weights) - set(ATTRIBUTES))
        if unknown:
            raise ValueError(
                f"unknown composite_weights key(s) {', '.join(map(repr, unknown))[:200]}; "
                f"allowed keys: {', '.join(ATTRIBUTES)}"
            )
        if any(w < 0 for w in weights.values()):
            raise ValueError("composite_weights must not be negative")
        return weights

    def mentor_count(self, participants: int) -> int:
        """Mentors in the pool for this many participants (0 when mentoring is off).

        Args:
            participants: cohort size.

        Returns:
            The number of mentors, rounded.
        """
        if not self.enabled:
            return 0
        return round(participants * self.mentors_per_100_participants / 100.0)
