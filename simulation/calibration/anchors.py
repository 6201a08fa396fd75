"""Program-effect anchors: one published effect per program lever, as a number to fit.

Each `Anchor` names a lever's effect parameters, the design that adds the lever, the run it is
compared with (treatment as usual unless said otherwise), the statistic that compares them and
the study's band. `NOT_REPRESENTED` lists the anchors the model cannot reproduce, with what it
lacks. `simulation.calibration.fitting.fit_anchor` fits each one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulation.calibration.measures import (
    km,
    mentor_relapse_rate_ratio,
    odds_in_recovery,
    percent_days_abstinent,
)
from simulation.running.runner import RunResult
from simulation.scenario.schema import iter_parameters

#: What a mentor's contact does: lower the hazard, answer a lapse, build self-efficacy.
_CONTACT_EFFECTS = (
    "mentoring.support_effect",
    "mentoring.rapid_response_effect",
    "mentoring.self_efficacy_gain_per_contact",
)


@dataclass
class Anchor:
    """A program_effects entry turned into a number: a lever, a design, a statistic, a band.

    `measure(design_runs, comparison_runs)` compares the design with its comparison run: the
    baseline (treatment as usual) plus `comparison`, which is empty unless the study compared
    something else (helpers with non-helpers, say).
    """

    id: str
    keys: tuple[str, ...]  # the lever's effect parameters, scaled together by one factor
    design: dict[str, Any]  # overrides that add the lever to the baseline
    statistic: str
    measure: Callable[[Sequence[RunResult], Sequence[RunResult]], float]
    point: float
    band: tuple[float, float]
    bounds: tuple[float, float]  # of the factor on the parameters' starting values
    days: int = 365
    comparison: dict[str, Any] = field(default_factory=dict)  # overrides of the comparison run

    @property
    def overrides(self) -> set[str]:
        """Every key the anchor sets: its parameters and both runs' overrides."""
        return set(self.keys) | set(self.design) | set(self.comparison)


#: Levers with an anchor. Bands are the studies' own intervals where they give one; otherwise
#: an assumption around the reported estimates (said so in `statistic`).
ANCHORS: tuple[Anchor, ...] = (
    Anchor(
        "single_peer_contact",
        _CONTACT_EFFECTS,
        {"mentoring.enabled": True},
        "odds ratio of being in recovery on day 180, community mentoring vs treatment as usual "
        "(band: assumption around the adjusted ORs 1.51-1.57)",
        lambda d, b: odds_in_recovery(d, 180) / odds_in_recovery(b, 180),
        1.54,
        (1.30, 1.80),
        (0.0, 3.0),
    ),
    Anchor(
        "group_meetings",
        ("meetings.meeting_protection",),
        {"meetings.enabled": True},
        "risk ratio of no lapse by day 365, weekly meetings vs treatment as usual (RR 1.21, "
        "95% CI 1.03-1.42)",
        lambda d, b: km(d, "lapse", 365) / km(b, "lapse", 365),
        1.21,
        (1.03, 1.42),
        (0.0, 4.0),
    ),
    Anchor(
        "network_support",
        ("network.recovery_tie_protection",),
        # Active sober-network building (as Litt's Network Support treatment): twice-weekly
        # meetings that only build ties (their own protection switched off) and faster dropping
        # of ties to people who use — the network route alone.
        {
            "meetings.enabled": True,
            "meetings.meeting_protection": 0.0,
            "meetings.meetings_per_week": 2,
            "meetings.tie_formation_per_meeting": 0.3,
            "tie_dynamics.using_tie_dissolution_per_week": 0.1,
        },
        "ratio of percent days abstinent over 2 years, a tie-building program vs treatment as "
        "usual (Litt et al. 2009: up to 20% more days abstinent, read as a ratio in 1.00-1.20)",
        lambda d, b: percent_days_abstinent(d) / percent_days_abstinent(b),
        1.10,
        (1.00, 1.20),
        (0.0, 4.0),
        days=730,
    ),
    Anchor(
        "helper_therapy",
        ("mentor_wellbeing.helper_hazard_ratio",),
        # Mentors exist only inside a program, so the comparison is the same program with the
        # helper effect off, not treatment as usual; nearly every mentor has mentees there.
        {"mentoring.enabled": True},
        "ratio of mentors' relapse rates in the role (relapses per mentor-day), community "
        "mentoring with helper therapy vs the same program with it off (helper_hazard_ratio 1, "
        "same seeds), against Pagano's 40% vs 22% abstinent read as a hazard ratio, "
        "ln 0.40 / ln 0.22 = 0.61: a hazard ratio carries from recently treated patients to "
        "mentors in longer recovery where abstinent shares do not, and helping does not change "
        "a mentor's escalation from lapse to relapse (band: assumption, about ±0.07 on each share)",
        mentor_relapse_rate_ratio,
        round(math.log(0.40) / math.log(0.22), 2),
        (0.45, 0.80),
        (0.1, 1.6),
        comparison={"mentoring.enabled": True, "mentor_wellbeing.helper_hazard_ratio": 1.0},
    ),
)

#: Anchors the model cannot reproduce honestly, with what it lacks (shown in the fit table).
NOT_REPRESENTED: dict[str, str] = {
    "digital_support_added_humans": (
        "not represented: Quanbeck compared a digital tool alone with the tool plus peer (or "
        "clinical) support, and the model has no digital support without a mentor: the "
        "digital setting and its adaptive guidance (setting.digital_*, setting.adaptive) act "
        "only through a matched mentor's contacts, so the tool-alone arm would be treatment as "
        "usual; it needs a self-guided digital lever (and has no clinician arm)"
    ),
}


def schema_keys() -> set[str]:
    """Every dotted parameter key of the scenario schema."""
    return {key for key, _ in iter_parameters()}
