"""Prior ranges of the parameters the posterior ensemble calibrates, each with why it is that wide.

Only parameters that describe people and evidence are here: baseline hazards, the course of
use episodes, mortality, the size of each lever's effect and how fast engagement decays. Program
design levers a scenario chooses (caseload, contacts per week, setting, ...) are never part of
the posterior: a planner sets them.

Each prior is uniform on its range, on a log scale for rates, durations and ratios whose
plausible values span several-fold. Parameters with direct evidence (a study's estimate) get a
narrower range around it; parameters whose source says "assumption" or that were only fitted to
the same targets get a wide one, so the targets, not the starting value, decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Prior:
    """A uniform prior on [low, high] (on the log scale when `log`), with the reason for it."""

    key: str
    low: float
    high: float
    log: bool
    basis: str  # "evidence", "calibrated" (fitted to these targets before) or "assumption"
    why: str

    def from_unit(self, u: np.ndarray | float) -> np.ndarray:
        """Parameter values at positions `u` in [0, 1] of the range (log-uniform when `log`)."""
        u = np.asarray(u, dtype=float)
        if self.log:
            return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)

    def to_unit(self, value: np.ndarray | float) -> np.ndarray:
        """Positions in [0, 1] of the range of parameter values (the inverse of `from_unit`)."""
        value = np.asarray(value, dtype=float)
        if self.log:
            span = math.log(self.high) - math.log(self.low)
            return (np.log(value) - math.log(self.low)) / span
        return (value - self.low) / (self.high - self.low)


def _p(key: str, low: float, high: float, log: bool, basis: str, why: str) -> Prior:
    return Prior(key, low, high, log, basis, why)


_CAL = "calibrated"
_EV = "evidence"
_AS = "assumption"

#: The calibrated parameters and their priors, in the order of the ensemble's columns.
PRIORS: tuple[Prior, ...] = (
    _p("relapse.alcohol.initial_lapse_rate_per_day", 0.008, 0.08, True, _CAL,
       "fitted before to the alcohol curve; about 3x either way of that fit"),
    _p("relapse.alcohol.hazard_halving_days", 4.0, 60.0, True, _CAL,
       "fitted before; from a steep first week to a slow two-month fall"),
    _p("relapse.alcohol.hazard_shape", 0.5, 2.0, False, _CAL,
       "log-logistic shape near 1 (Kirshenbaum et al. 2009); fitted before"),
    *(
        _p(f"relapse.{s}.long_term_lapse_rate_per_year", 0.1, 1.5, True, _EV,
           "Dennis et al. 2007 (14% lapse within a year after 3+ years abstinent, so about "
           "0.15/year among long survivors); the rate is before frailty and self-efficacy, "
           "which select those survivors, so the range reaches 10x above it")
        for s in ("alcohol", "opioids", "stimulants", "cannabis")
    ),
    _p("relapse.frailty_variance", 0.0, 1.5, False, _AS,
       "assumption: from no frailty to a strong plateau (Hunt et al. 1971)"),
    _p("relapse.opioids.initial_lapse_rate_per_day", 0.08, 0.8, True, _CAL,
       "fitted before to Smyth et al. 2010's first week; about 3x either way"),
    _p("relapse.opioids.escalation_probability", 0.4, 1.0, False, _CAL,
       "most opioid lapses become relapses (Smyth et al. 2010: 0.59 of 0.66 within 7 days)"),
    _p("relapse.alcohol.escalation_probability", 0.03, 0.4, True, _CAL,
       "fitted before to McLellan et al. 2000; wide"),
    _p("relapse.stimulants.escalation_probability", 0.01, 0.12, True, _AS,
       "assumption scaled with alcohol's; no target of its own"),
    _p("relapse.cannabis.escalation_probability", 0.01, 0.15, True, _AS,
       "assumption scaled with alcohol's; no target of its own"),
    _p("relapse.post_lapse_rate_per_day", 0.007, 0.06, True, _EV,
       "Shiffman et al. 1996 (use comes sooner after a lapse); source's plausible range narrowed"),
    _p("relapse.post_lapse_half_life_days", 30.0, 730.0, True, _AS,
       "assumption: the raised risk fades over months (source: plausible 30-365) or longer"),
    _p("recovery.episode_median_days.alcohol", 300.0, 2700.0, True, _CAL,
       "fitted before to Project MATCH at 3 years; 3x either way"),
    _p("recovery.episode_median_days.opioids", 160.0, 1440.0, True, _AS,
       "assumption by substance; 3x either way"),
    _p("recovery.episode_median_days.stimulants", 300.0, 2700.0, True, _AS,
       "assumption by substance; 3x either way"),
    _p("recovery.episode_median_days.cannabis", 300.0, 2700.0, True, _AS,
       "assumption by substance; 3x either way"),
    _p("recovery.episode_spread", 0.5, 1.5, False, _AS,
       "assumption: the source's plausible range"),
    _p("recovery.use_days_share.alcohol", 0.3, 0.9, False, _EV,
       "Project MATCH 1998 (drinkers abstinent on ~2/3 of days); the source's plausible range"),
    _p("relapse.age_hazard_ratio.youth", 1.0, 5.0, True, _CAL,
       "Cornelius et al. 2003 (median 54 days); from no excess to five-fold"),
    _p("recovery.death_rate_using.opioids", 27.0, 48.0, False, _EV,
       "Sordo et al. 2017: 36.1 per 1,000 person-years out of treatment, about +-30%"),
    _p("recovery.death_rate_in_recovery_per_1000_py", 2.0, 11.3, False, _AS,
       "assumption: below Sordo et al. 2017's 11.3 in treatment"),
    _p("mentoring.support_effect", 0.3, 2.5, False, _CAL,
       "fitted before to Bernstein et al. 2005 (OR ~1.5); wide"),
    _p("mentoring.rapid_response_effect", 0.3, 1.0, False, _AS,
       "assumption: an assumed channel of the same anchor; anything from weak to full"),
    _p("mentoring.self_efficacy_gain_per_contact", 0.015, 0.15, True, _AS,
       "assumption: an assumed channel of the same anchor; 3x either way"),
    _p("meetings.meeting_protection", 0.1, 2.0, True, _CAL,
       "fitted before to Kelly, Humphreys & Ferri 2020 (RR 1.21, 1.03-1.42); wide"),
    _p("network.recovery_tie_protection", 0.0, 1.5, False, _AS,
       "assumption; only the direction is from Litt et al. 2009"),
    _p("mentor_wellbeing.helper_hazard_ratio", 0.3, 1.0, False, _CAL,
       "fitted before to Pagano et al. 2004; from strong protection to none"),
    _p("engagement.decay_per_year", 0.8, 5.0, True, _CAL,
       "fitted before to Kelly, Stout & Slaymaker 2013 and Kelly & Moos 2003; wide"),
)  # fmt: skip

PRIOR_KEYS: tuple[str, ...] = tuple(p.key for p in PRIORS)


def from_unit(unit: np.ndarray, priors: tuple[Prior, ...] = PRIORS) -> pd.DataFrame:
    """Parameter values (one column per key) of rows of unit-cube positions.

    Args:
        unit: rows x len(priors) positions in [0, 1].
        priors: the priors, in the order of `unit`'s columns.

    Returns:
        The values, one column per dotted scenario key.
    """
    unit = np.atleast_2d(unit)
    return pd.DataFrame({p.key: p.from_unit(unit[:, j]) for j, p in enumerate(priors)})


def to_unit(values: pd.DataFrame, priors: tuple[Prior, ...] = PRIORS) -> np.ndarray:
    """Unit-cube positions of parameter values (the columns named by the priors' keys).

    Args:
        values: a frame with a column per prior key.
        priors: the priors.

    Returns:
        rows x len(priors) positions (in [0, 1] for values inside the priors).
    """
    return np.column_stack([p.to_unit(values[p.key].to_numpy()) for p in priors])
