"""Outcome metrics of one run, from the cohort's event times (Kaplan-Meier via scipy).

The cohort is the participants (people who start recovery on day 0, and with intake everyone
referred since), not mentors or community members. Times are in days since each person's entry
(day 0, or the referral day: Kaplan-Meier by time in the program, not calendar day); a death
before the event censors the person at death, and everyone still event-free at the end is
censored on the last day. Intake runs add the waiting-list metrics (`INTAKE_METRICS`), the
same by year of referral, and a breakdown by entry month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from simulation.analysis.health_economics import HEALTH_METRICS  # issue 14
from simulation.analysis.intake_metrics import INTAKE_METRICS, intake_metrics  # issue 15
from simulation.model.population import DECEASED, MENTOR, NEVER, RECOVERING, PopulationState
from simulation.model.units import DAYS_PER
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES

#: Metric name -> what it is. `lapse_free_<d>` is left out when d is past the run's last day.
METRICS: dict[str, str] = {
    "lapse_free_30": "Kaplan-Meier fraction of the cohort with no lapse by day 30",
    "lapse_free_90": "Kaplan-Meier fraction with no lapse by day 90",
    "lapse_free_180": "Kaplan-Meier fraction with no lapse by day 180",
    "lapse_free_365": "Kaplan-Meier fraction with no lapse by day 365",
    "relapse_rate_365": "Kaplan-Meier fraction with a first relapse to regular use by day 365",
    "in_recovery_end": "fraction of the cohort in recovery on the last day",
    "mentor_relapse_rate": "fraction of the initial mentors who relapsed during the run",
    "overdose_deaths": "fatal overdoses in the cohort during the run (count)",
    "enrolled_fraction": "fraction of the cohort who ever enrolled in the program",
    "engagement_mean": "mean engagement of enrolled participants, averaged over the days",
    "mentor_burnout_mean": "mean burnout of active mentors, averaged over the days",
    "mentor_burnout_share": "share of active mentors showing burnout signs, averaged over the days",
    "mentor_attrition_rate": "fraction of everyone who served as a mentor who left the role",
    "recovery_tie_share": "share of ties between two people in recovery, on the last day",
    "self_efficacy_mean": "mean self-efficacy of the living cohort, on the last day",
    "isolation_mean": "mean isolation of the living cohort, on the last day",
    "stigma_mean": "mean perceived stigma of the living cohort, on the last day",
    "mental_health_mean": "mean mental health of the living cohort, on the last day",
    "cost_total": "program cost over the run (US dollars)",
    "cost_per_participant": "program cost per cohort member (US dollars)",
    # Trial-style outcomes, at the run's last day (the follow-up day), per person.
    "abstinent_past_30_days": "share of the living cohort with no use in the run's last 30 days",
    "abstinent_past_90_days": "share of the living cohort with no use in the run's last 90 days",
    "percent_days_abstinent": "share of the cohort's living days without use (per person, averaged)",
    "continuous_abstinence": "share of the living cohort with no use at all during the run",
    "median_days_to_first_lapse": "Kaplan-Meier median days to the first lapse (run length if not reached)",
    "median_days_to_first_relapse": "Kaplan-Meier median days to the first relapse (run length if not reached)",
    "restricted_mean_days_to_relapse": "restricted mean days to first relapse, up to the run's last day (area under the Kaplan-Meier curve)",
    "quarterly_state_change": "share of living participants whose quarter (abstinent all 91 days or not) differs from the one before",
    "failed_matches_per_100": "mentor-mentee pairs that broke down per 100 participants",
    "rematches_per_100": "pairs ended at a supervision review and rematched, per 100 participants",
    # Health economics (issue 14), from the run's health accounts.
    **HEALTH_METRICS,
}
METRICS |= INTAKE_METRICS
LAPSE_FREE_DAYS = (30, 90, 180, 365)
#: Metrics that are counts or money: never negative, not bounded above. Every other metric is a
#: share or a 0-1 score.
UNBOUNDED_ABOVE = {
    "overdose_deaths",
    "cost_total",
    "cost_per_participant",
    "median_days_to_first_lapse",
    "median_days_to_first_relapse",
    "restricted_mean_days_to_relapse",
    "failed_matches_per_100",
    "rematches_per_100",
    *HEALTH_METRICS,
    *(m for m in INTAKE_METRICS if not m.endswith(("_share", "_filled"))),
}


def metric_range(name: str) -> tuple[float, float]:
    """The values a metric can take: [0, 1] for shares and scores, [0, inf) for counts and costs.

    Example:
        >>> metric_range("lapse_free_30"), metric_range("cost_total")
        ((0.0, 1.0), (0.0, inf))
    """
    if name in UNBOUNDED_ABOVE:
        return (0.0, float("inf"))
    if name in METRICS:
        return (0.0, 1.0)
    return (-float("inf"), float("inf"))


@dataclass
class CohortOutcomes:
    """Per-participant event times: what survival curves and hazard ratios need."""

    substance: np.ndarray
    age_group: np.ndarray
    lapse_day: np.ndarray  # day of first lapse, or censoring day
    lapse_observed: np.ndarray
    relapse_day: np.ndarray
    relapse_observed: np.ndarray
    in_recovery_end: np.ndarray
    days: int
    # End-of-run state, for the person-level program metrics and their breakdowns.
    alive_end: np.ndarray | None = None
    overdose_death: np.ndarray | None = None
    ever_enrolled: np.ndarray | None = None
    self_efficacy: np.ndarray | None = None
    isolation: np.ndarray | None = None
    stigma: np.ndarray | None = None
    mental_health: np.ndarray | None = None
    # Use during the run, for the trial-style outcomes.
    last_use_day: np.ndarray | None = None  # NEVER if no use
    use_days: np.ndarray | None = None
    days_alive: np.ndarray | None = None
    quarter_changes: np.ndarray | None = None
    quarter_pairs: np.ndarray | None = None
    next_year_interviews: np.ndarray | None = None  # (people, groups): see mechanisms.follow_up
    next_year_abstinent: np.ndarray | None = None
    window_use_days: np.ndarray | None = None  # days of use in the run's last 90 days

    def subset(self, mask: np.ndarray) -> CohortOutcomes:
        """These outcomes for the people where `mask` is true (scalars are kept as they are)."""
        # Taking rows by index is several times faster than boolean indexing on a scattered
        # mask (one subset per substance, age group and entry month, ~20 arrays each).
        rows = np.flatnonzero(mask)
        return CohortOutcomes(
            **{
                k: (v.take(rows, axis=0) if isinstance(v, np.ndarray) else v)
                for k, v in self.__dict__.items()
            }
        )


def cohort_outcomes(people: PopulationState, days: int) -> CohortOutcomes:
    """Event times of the cohort after a run of `days` days."""
    cohort = people.cohort
    entry = people.entry_day[cohort]  # times count from entry: time in the program
    death = np.where(people.death_day[cohort] == NEVER, days, people.death_day[cohort]) - entry

    def event(first_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        observed = first_day != NEVER
        return np.where(observed, first_day - entry, death), observed

    lapse_day, lapse_observed = event(people.first_lapse_day[cohort])
    relapse_day, relapse_observed = event(people.first_relapse_day[cohort])
    return CohortOutcomes(
        substance=people.substance[cohort].copy(),
        age_group=people.age_group[cohort].copy(),
        lapse_day=lapse_day,
        lapse_observed=lapse_observed,
        relapse_day=relapse_day,
        relapse_observed=relapse_observed,
        in_recovery_end=people.status[cohort] == RECOVERING,
        days=days,
        alive_end=people.status[cohort] != DECEASED,
        overdose_death=people.overdose_deaths[cohort].copy(),
        ever_enrolled=people.ever_enrolled[cohort].copy(),
        self_efficacy=people.self_efficacy[cohort].copy(),
        isolation=people.isolation[cohort].copy(),
        stigma=people.stigma[cohort].copy(),
        mental_health=people.mental_health[cohort].copy(),
        last_use_day=people.last_use_day[cohort].copy(),
        use_days=people.use_days[cohort].copy(),
        days_alive=death,
        quarter_changes=people.quarter_changes[cohort].copy(),
        quarter_pairs=people.quarter_pairs[cohort].copy(),
        next_year_interviews=people.next_year_interviews[cohort].copy(),
        next_year_abstinent=people.next_year_abstinent[cohort].copy(),
        window_use_days=people.use_days[cohort] - people.use_days_before_window[cohort],
    )


def survival_function(
    times: np.ndarray, observed: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """The Kaplan-Meier survival function of these event times, fitted once.

    Fitting is most of the cost at a million people (scipy.stats.ecdf on right-censored data
    sorts the times and builds a list per observation), so a metric that reads a curve at
    several days, or several metrics on one curve, fit it once and evaluate it as needed.
    """
    if len(times) == 0:
        return lambda days: np.full(len(days), np.nan)
    if not observed.any():
        return lambda days: np.ones(len(days))
    data = stats.CensoredData(uncensored=times[observed], right=times[~observed])
    return stats.ecdf(data).sf.evaluate


def survival_curve(times: np.ndarray, observed: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Kaplan-Meier survival at each of `days` (scipy.stats.ecdf on right-censored data)."""
    return survival_function(times, observed)(days)


def median_time(times: np.ndarray, observed: np.ndarray, days: int) -> float:
    """Kaplan-Meier median time to an event (`days` when the curve never reaches one half).

    Example:
        >>> median_time(np.array([2, 4, 6, 8]), np.array([True] * 4), 10)
        4.0
    """
    return _median_of(survival_function(times, observed), days)


def restricted_mean_time(times: np.ndarray, observed: np.ndarray, days: int) -> float:
    """Restricted mean time to an event up to `days`: the area under the Kaplan-Meier curve.

    The curve is a step function of whole days, so the area is the sum of its values on days
    0 .. days-1 (one day each).

    Example:
        >>> restricted_mean_time(np.array([2, 4]), np.array([True, False]), 10)
        6.0
    """
    return _area_of(survival_function(times, observed), days)


def _median_of(survival: Callable[[np.ndarray], np.ndarray], days: int) -> float:
    """The first whole day the curve is at or below one half (`days` if none; NaN if empty)."""
    grid = np.arange(days + 1)
    curve = survival(grid)
    if np.isnan(curve).all():  # nobody to follow
        return float("nan")
    below = np.flatnonzero(curve <= 0.5)
    return float(grid[below[0]]) if len(below) else float(days)


def _area_of(survival: Callable[[np.ndarray], np.ndarray], days: int) -> float:
    """The area under the curve over days 0 .. days-1 (NaN if nobody to follow)."""
    return float(survival(np.arange(days)).sum())


def trial_outcomes(
    last_use_day: np.ndarray,
    use_days: np.ndarray,
    days_alive: np.ndarray,
    alive: np.ndarray,
    day: int,
) -> dict[str, float]:
    """Point-prevalence and days-abstinent outcomes at follow-up `day`, per person.

    Args:
        last_use_day: each person's last day of use (NEVER if none).
        use_days: each person's days of use.
        days_alive: each person's days observed (the follow-up day, or the day they died).
        alive: who is alive on the follow-up day (point prevalence is among the living).
        day: the follow-up day.

    Returns:
        `abstinent_past_30_days`, `abstinent_past_90_days` (when the run is that long),
        `percent_days_abstinent` and `continuous_abstinence`.
    """
    metrics = {}
    for window in (30, 90):
        if day >= window:
            clean = last_use_day[alive] <= day - window
            metrics[f"abstinent_past_{window}_days"] = _share(clean)
    observed = days_alive > 0
    pda = 1.0 - use_days[observed] / days_alive[observed]
    metrics["percent_days_abstinent"] = float(pda.mean()) if len(pda) else float("nan")
    metrics["continuous_abstinence"] = _share(last_use_day[alive] == NEVER)
    return metrics


def outcome_metrics(outcomes: CohortOutcomes) -> dict[str, float]:
    """The cohort metrics of one run (lapse-free fractions only for days inside the run)."""
    shown = [d for d in LAPSE_FREE_DAYS if d <= outcomes.days]
    # Each event's curve is fitted once and read by every metric on it.
    lapse_survival = survival_function(outcomes.lapse_day, outcomes.lapse_observed)
    relapse_survival = survival_function(outcomes.relapse_day, outcomes.relapse_observed)
    lapse_free = lapse_survival(np.array(shown))
    metrics = {f"lapse_free_{d}": float(v) for d, v in zip(shown, lapse_free, strict=True)}
    if outcomes.days >= 365:
        metrics["relapse_rate_365"] = float(1.0 - relapse_survival(np.array([365]))[0])
    metrics["in_recovery_end"] = (
        float(outcomes.in_recovery_end.mean()) if len(outcomes.in_recovery_end) else float("nan")
    )
    if outcomes.alive_end is not None:
        metrics["overdose_deaths"] = float(outcomes.overdose_death.sum())
        metrics["enrolled_fraction"] = _share(outcomes.ever_enrolled)
        alive = outcomes.alive_end
        for name in ("self_efficacy", "isolation", "stigma", "mental_health"):
            values = getattr(outcomes, name)[alive]
            metrics[f"{name}_mean"] = float(values.mean()) if len(values) else float("nan")
    if outcomes.last_use_day is not None:
        metrics.update(
            trial_outcomes(
                outcomes.last_use_day,
                outcomes.use_days,
                outcomes.days_alive,
                outcomes.alive_end,
                outcomes.days,
            )
        )
        days = outcomes.days
        metrics["median_days_to_first_lapse"] = _median_of(lapse_survival, days)
        metrics["median_days_to_first_relapse"] = _median_of(relapse_survival, days)
        metrics["restricted_mean_days_to_relapse"] = _area_of(relapse_survival, days)
        pairs = int(outcomes.quarter_pairs.sum())
        metrics["quarterly_state_change"] = (
            float(outcomes.quarter_changes.sum() / pairs) if pairs else float("nan")
        )
    return metrics


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else float("nan")


def mentor_relapse_rate(people: PopulationState) -> float:
    """Share of the people who started as mentors who have relapsed at least once."""
    mentors = people.kind == MENTOR
    if not mentors.any():
        return float("nan")
    return float((people.relapses[mentors] > 0).mean())


def run_metrics(
    people: PopulationState, days: int
) -> tuple[dict[str, float], dict[str, dict[str, dict[str, float]]], CohortOutcomes]:
    """Headline metrics, the same by substance and by age group, and the raw outcomes."""
    outcomes = cohort_outcomes(people, days)
    metrics = outcome_metrics(outcomes)
    metrics["mentor_relapse_rate"] = mentor_relapse_rate(people)
    breakdowns: dict[str, dict[str, dict[str, float]]] = {"by_substance": {}, "by_age_group": {}}
    for field, names, key in (
        ("substance", SUBSTANCES, "by_substance"),
        ("age_group", AGE_GROUPS, "by_age_group"),
    ):
        codes = getattr(outcomes, field)
        for code, name in enumerate(names):
            mask = codes == code
            if mask.any():
                breakdowns[key][name] = outcome_metrics(outcomes.subset(mask))
    entry = people.entry_day[people.cohort]
    if (entry > 0).any():
        # Intake: the same metrics for each entry month (month 1 includes the day-0 cohort).
        month = np.floor(np.maximum(entry - 1, 0) / DAYS_PER["month"]).astype(int) + 1
        breakdowns["by_entry_month"] = {
            f"month_{m:02d}": outcome_metrics(outcomes.subset(month == m)) for m in np.unique(month)
        }
    return metrics, breakdowns, outcomes


def program_metrics(
    people: PopulationState,
    daily: pd.DataFrame,
    costs: dict[str, float],
    ever_mentor: np.ndarray,
    mentors_left: np.ndarray,
) -> dict[str, float]:
    """Program-level metrics: engagement, mentors, ties and costs (not broken down by person)."""
    cohort = people.cohort
    last = daily.iloc[-1]
    total = float(sum(costs.values()))
    served = int(ever_mentor.sum())
    extra = intake_metrics(people, daily) if "waiting_list" in daily else {}
    return extra | {
        "engagement_mean": float(daily["engagement_mean"].mean()),
        "mentor_burnout_mean": float(daily["mentor_burnout_mean"].mean())
        if served
        else float("nan"),
        "mentor_burnout_share": float(daily["mentor_burnout_share"].mean())
        if served
        else float("nan"),
        "mentor_attrition_rate": float((mentors_left & ever_mentor).sum() / served)
        if served
        else float("nan"),
        "recovery_tie_share": float(last["recovery_tie_share"]),
        "cost_total": total,
        "cost_per_participant": total / max(1, int(cohort.sum())),
    }


def pair_metrics(
    failed_matches: np.ndarray, rematches: np.ndarray, participants: int
) -> dict[str, float]:
    """Failed and rematched pairs per 100 participants, from the model's pair record.

    Args:
        failed_matches: pairs that broke down, per person.
        rematches: pairs ended at a supervision review, per person.
        participants: cohort size.

    Returns:
        `failed_matches_per_100` and `rematches_per_100`.
    """
    per_100 = 100.0 / max(1, participants)
    return {
        "failed_matches_per_100": float(failed_matches.sum()) * per_100,
        "rematches_per_100": float(rematches.sum()) * per_100,
    }
