"""Waiting-list metrics of a run with intake (issue 15): who was served, waits, capacity use.

The cohort of an intake run is everyone who has arrived: the day-0 cohort and every referral.
A person is served on their first mentor contact or first day in a residential place; their
wait runs from their referral (day 0 for the day-0 cohort) to that day. Queue length and
capacity use come from the daily series (`simulation.model.daily.INTAKE_SERIES`); the by-year
figures use the health economics' budget years, so they sit beside `cost_year_<k>`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.model.mechanisms.health_economics import BUDGET_YEAR_DAYS
from simulation.model.population import NEVER, PopulationState

#: Intake runs only (issue 15): who was served, how long they waited, capacity in use.
#: `referrals_year_<k>`, `served_year_<k>` and `mean_wait_days_year_<k>` follow, by budget year.
INTAKE_METRICS: dict[str, str] = {
    "participants_total": "participants the cohort metrics describe: day-0 cohort plus referrals",
    "referrals": "people referred after day 0 (count)",
    "participants_served": "participants served: a first mentor contact or place (count)",
    "mean_wait_days": "mean days from referral to first mentor contact or place, among the served",
    "never_served_share": "share of the participants never served by the last day",
    "gave_up_share": "share of the participants who gave up waiting at least once",
    "waiting_list_end": "people on the waiting list on the last day (count)",
    "waiting_list_mean": "mean daily length of the waiting list (count)",
    "caseload_filled": "share of active mentors' caseload slots in use, averaged over the days",
    "places_filled": "share of residential places in use, averaged over the days",
}


def intake_metrics(people: PopulationState, daily: pd.DataFrame) -> dict[str, float]:
    """Waiting-list metrics of an intake run: served, waits, queue and capacity, and by year.

    Args:
        people: the population at the end of the run.
        daily: the run's daily series (with the intake series `waiting_list`, ...).

    Returns:
        `INTAKE_METRICS`, and for each budget year k: `referrals_year_<k>` (referred that
        year), `served_year_<k>` (first served that year) and `mean_wait_days_year_<k>` (their
        mean wait).
    """
    cohort = people.cohort
    entry, served_day = people.entry_day[cohort], people.first_served_day[cohort]
    served = served_day != NEVER
    wait = (served_day - entry)[served]
    metrics = {
        "participants_total": float(len(entry)),
        "referrals": float(np.count_nonzero(entry > 0)),
        "participants_served": float(served.sum()),
        "mean_wait_days": float(wait.mean()) if len(wait) else float("nan"),
        "never_served_share": _share(~served),
        "gave_up_share": _share(people.left_waiting_day[cohort] != NEVER),
        "waiting_list_end": float(daily["waiting_list"].iloc[-1]),
        "waiting_list_mean": float(daily["waiting_list"].mean()),
        "caseload_filled": float(daily["caseload_filled"].mean()),
        "places_filled": float(daily["places_filled"].mean()),
    }
    referred_in = _budget_year(entry)
    served_in = np.where(served, _budget_year(served_day), 0)
    for k in range(1, int(len(daily) - 1) // BUDGET_YEAR_DAYS + 2):
        waits = (served_day - entry)[served_in == k]
        metrics[f"referrals_year_{k}"] = float(np.count_nonzero((referred_in == k) & (entry > 0)))
        metrics[f"served_year_{k}"] = float(np.count_nonzero(served_in == k))
        metrics[f"mean_wait_days_year_{k}"] = float(waits.mean()) if len(waits) else float("nan")
    return metrics


def _budget_year(day: np.ndarray) -> np.ndarray:
    """Budget year of a day (day 1-365 is year 1; day 0, the cohort's start, too)."""
    return np.maximum(day - 1, 0) // BUDGET_YEAR_DAYS + 1


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else float("nan")
