"""The levers docs/levers.md measures: each a change to community mentoring, its channel, evidence.

A lever is measured against the design it changes: weekly community peer mentoring (`BASE`),
plus the lever's `context` on both sides when the lever only means something there (veteran
matching in a veterans cohort, team building when meetings run). `SUMMARY` names the designs the
page's opening paragraph compares with usual care. `simulation.docgen.levers` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The design every lever is changed in: weekly community peer mentoring (schema defaults).
BASE: dict[str, Any] = {"mentoring.enabled": True}
#: A veterans cohort (scenarios/populations/veterans.yaml).
VETERANS: tuple[tuple[str, Any], ...] = (("population.veteran_share", 0.8),)
#: A high-stigma community (scenarios/populations/high_stigma.yaml).
HIGH_STIGMA: tuple[tuple[str, Any], ...] = (
    ("population.initial_stigma", 0.7),
    ("stigma.enrolment_share_at_start", 0.4),
)


@dataclass(frozen=True)
class Lever:
    """One row of the table: a change to the base design and why it acts.

    Attributes:
        change: the keys the lever sets.
        channel: how the change reaches relapse in the model.
        evidence: where the size of that channel comes from.
        context: keys set on both sides (the lever is measured in that design).
    """

    change: tuple[tuple[str, Any], ...]
    channel: str
    evidence: str
    context: tuple[tuple[str, Any], ...] = ()

    @property
    def label(self) -> str:
        """The change as `key=value` pairs, and the design it is measured in if not the base."""
        text = _pairs(self.change)
        return f"{text} (in {_pairs(self.context)})" if self.context else text


def _pairs(pairs: tuple[tuple[str, Any], ...]) -> str:
    return ", ".join(f"`{k}={_text(v)}`" for k, v in pairs)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


LEVERS: tuple[Lever, ...] = (
    Lever(
        (("mentoring.enabled", False),),
        "no program: every mentoring channel off (treatment as usual)",
        "Bernstein et al. 2005 (contact OR ~1.5, the calibration anchor)",
    ),
    Lever(
        (("mentoring.contacts_per_week", 0),),
        "mentors assigned, no contact: only the channels listed above remain (mainly the mentors' presence among participants' ties)",
        "assumption; Litt et al. 2009 (network support)",
    ),
    Lever(
        (("mentoring.contacts_per_week", 2),),
        "dose: more contact, more support, awareness of lapses and alliance growth",
        "Bernstein et al. 2005 via the fitted contact effects",
    ),
    Lever(
        (("engagement.program_end_day", 180),),
        "the program ends at six months: contact, meetings and check-ins stop; finishers keep the self-efficacy and ties they built and are not dropouts",
        "scenario design; the contact effects as fitted",
    ),
    Lever(
        (("mentoring.mentors_per_100_participants", 10),),
        "capacity: half the mentors, so half the participants can have one",
        "scenario design",
    ),
    Lever(
        (("mentoring.caseload_cap", 3),),
        "capacity: at most 3 mentees each (60 slots per 100 participants), lighter caseloads and less burnout",
        "MAP pilot (caseload 3); peer-worker caseloads 5-15",
    ),
    Lever(
        (("training.empathic_listening", False),),
        "support quality, alliance growth, fewer ruptures",
        "assumption; Elliott et al. 2018 (empathy-outcome r = 0.28)",
    ),
    Lever(
        (("training.boundary_setting", False),),
        "over-involvement: burnout, boundary incidents at contacts, over-helping risk",
        "assumption; RTI 2024 / Bell et al. 2025 (burnout), Eddie et al. 2019",
    ),
    Lever(
        (("training.conflict_resolution", False),),
        "rupture repair: more failed matches and waits for a new mentor",
        "assumption; Eubanks et al. 2018 (rupture repair)",
    ),
    Lever(
        (("supervision.failing_alliance_threshold", 0.0),),
        "no rematching at review: weak pairs drift on until they break down",
        "assumption",
    ),
    Lever(
        (("supervision.enabled", False),),
        "no review, no burnout relief, no supervisor help with known lapses",
        "assumption; Bell et al. 2025",
    ),
    Lever(
        (("mentoring.matching", "same_substance"),),
        "starting alliance from shared substance",
        "assumption (peer similarity); Eddie et al. 2019",
    ),
    Lever(
        (("mentoring.matching", "composite"),),
        "starting alliance from every shared attribute",
        "Cabral & Smith 2011 (cultural match d = 0.32 on perceptions); assumptions",
    ),
    Lever(
        (("mentoring.matching", "veterans"),),
        "veterans matched with veteran mentors: starting alliance from shared service, and veterans join more",
        "assumption (peer similarity); Ellison et al. 2016 (peer specialists for veterans)",
        VETERANS,
    ),
    Lever(
        (("mentoring.mentor_cultural_group_shares", [0.34, 0.33, 0.33]),),
        "a mentor pool over-representing the smaller cultural groups: more culturally concordant pairs, higher starting alliance",
        "Cabral & Smith 2011 (d = 0.32 on perceptions, 0.09 on outcomes)",
        (("mentoring.matching", "composite"),),
    ),
    Lever(
        (("meetings.enabled", True),),
        "group meetings: protection on meeting days, recovery ties from co-attendance, engagement held up",
        "Kelly, Humphreys & Ferri 2020 (fitted meeting protection); Litt et al. 2009",
    ),
    Lever(
        (("meetings.team_building", True),),
        "team building at meetings: belonging lowers isolation",
        "assumption",
        (("meetings.enabled", True),),
    ),
    Lever(
        (
            ("stigma.campaign", True),
            ("stigma.campaign_start_day", 30),
            ("stigma.campaign_strength_per_year", 1.0),
        ),
        "anti-stigma campaign: help-seeking (enrolment), engagement, shame and withdrawal",
        "Keyes et al. 2010 (stigma and help-seeking, OR 0.37); campaign strength an assumption",
        HIGH_STIGMA,
    ),
    Lever(
        (("setting.self_guided_tool.enabled", True),),
        "self-guided app: hazard for users, check-ins tell the mentor of lapses",
        "assumption; Gustafson et al. 2014, Quanbeck et al. 2024",
    ),
    Lever(
        (("setting.kind", "hybrid"),),
        "digital check-ins add contact (weaker per contact), engagement by digital preference",
        "assumption; Bergman et al. 2018",
    ),
)

#: Designs the opening paragraph compares with usual care (`mentoring.enabled=false`).
SUMMARY: dict[str, dict[str, Any]] = {
    "program": {},
    "no_contact": {"mentoring.contacts_per_week": 0},
    "no_contact_no_introductions": {
        "mentoring.contacts_per_week": 0,
        "tie_dynamics.mentor_introduction_per_week": 0.0,
    },
}
USUAL_CARE: dict[str, Any] = {"mentoring.enabled": False}
