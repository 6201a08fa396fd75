"""The baseline parameters calibration fits: in blocks, each with the bounds it is searched in.

`simulation.calibration.fitting.calibrate` fits the blocks in turn, each against all baseline
targets, so a block never buys its own targets at the expense of the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulation.scenario.parameters import SUBSTANCES


@dataclass
class FitParameter:
    """A fitted quantity: one value set on `keys`, or (scale) a factor on their start values."""

    name: str
    keys: tuple[str, ...]
    low: float
    high: float
    scale: bool = False


_ESCALATION = tuple(
    f"relapse.{s}.escalation_probability" for s in ("alcohol", "stimulants", "cannabis")
)

#: Blocks fitted in turn, each against all baseline targets.
BASELINE_BLOCKS: dict[str, list[FitParameter]] = {
    "alcohol curve": [
        FitParameter(
            "relapse.alcohol.initial_lapse_rate_per_day",
            ("relapse.alcohol.initial_lapse_rate_per_day",),
            0.005,
            0.15,
        ),
        FitParameter(
            "relapse.alcohol.hazard_halving_days",
            ("relapse.alcohol.hazard_halving_days",),
            2.0,
            120.0,
        ),
        FitParameter("relapse.alcohol.hazard_shape", ("relapse.alcohol.hazard_shape",), 0.5, 3.0),
        FitParameter("relapse.frailty_variance", ("relapse.frailty_variance",), 0.0, 2.0),
    ],
    "opioids": [
        FitParameter(
            "relapse.opioids.initial_lapse_rate_per_day",
            ("relapse.opioids.initial_lapse_rate_per_day",),
            0.05,
            1.0,
        ),
        FitParameter(
            "relapse.opioids.escalation_probability",
            ("relapse.opioids.escalation_probability",),
            0.3,
            1.0,
        ),
    ],
    "escalation": [
        FitParameter(
            "escalation scale (alcohol, stimulants, cannabis)", _ESCALATION, 0.3, 3.0, scale=True
        )
    ],
    # After a caught lapse and in episodes of regular use: the long run (Project MATCH at 3
    # years) with the first year (the relapse curves) held by the other blocks' targets.
    "long run": [
        FitParameter(
            "relapse.post_lapse_rate_per_day", ("relapse.post_lapse_rate_per_day",), 0.0, 0.1
        ),
        FitParameter(
            "relapse.post_lapse_half_life_days", ("relapse.post_lapse_half_life_days",), 14, 365
        ),
        FitParameter(
            "episode length scale (all substances)",
            tuple(f"recovery.episode_median_days.{s}" for s in SUBSTANCES),
            0.25,
            3.0,
            scale=True,
        ),
    ],
    "youth": [
        FitParameter(
            "relapse.age_hazard_ratio.youth", ("relapse.age_hazard_ratio.youth",), 0.8, 5.0
        )
    ],
}
