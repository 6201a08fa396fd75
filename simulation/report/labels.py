"""Measures in plain words with their units, and numbers rounded the way people read them.

The terminal tables and the HTML report both label and format through here, so `2471.7` is shown
as `$2,472` and `7.375` overdose deaths as `7.4` under a header saying "per 2,000 people".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Unit = Literal[
    "share", "per_100", "count", "dollars", "qalys", "score", "dollars_per_qaly", "days"
]  # fmt: skip

#: metric -> (plain label, unit). Shares are fractions of people shown as percentages; counts are
#: of the whole cohort, labelled with its size.
MEASURES: dict[str, tuple[str, Unit]] = {
    "lapse_free_30": ("no lapse by day 30", "share"),
    "lapse_free_90": ("no lapse by day 90", "share"),
    "lapse_free_180": ("no lapse by day 180", "share"),
    "lapse_free_365": ("no lapse by day 365", "share"),
    "relapse_rate_365": ("relapsed by day 365", "share"),
    "in_recovery_end": ("in recovery on the last day", "share"),
    "mentor_relapse_rate": ("mentors who relapsed", "share"),
    "overdose_deaths": ("overdose deaths", "count"),
    "enrolled_fraction": ("ever enrolled", "share"),
    "engagement_mean": ("engagement (0-1)", "score"),
    "mentor_burnout_mean": ("mentor burnout (0-1)", "score"),
    "mentor_burnout_share": ("mentors showing burnout", "share"),
    "mentor_attrition_rate": ("mentors who left the role", "share"),
    "recovery_tie_share": ("ties between people in recovery", "share"),
    "self_efficacy_mean": ("self-efficacy (0-1)", "score"),
    "isolation_mean": ("isolation (0-1)", "score"),
    "stigma_mean": ("perceived stigma (0-1)", "score"),
    "mental_health_mean": ("mental health (0-1)", "score"),
    "cost_total": ("program cost", "dollars"),
    "cost_per_participant": ("program cost per participant", "dollars"),
    "failed_matches_per_100": ("failed matches", "per_100"),
    "rematches_per_100": ("rematches", "per_100"),
    "qalys": ("QALYs, whole cohort", "qalys"),
    "qalys_per_participant": ("QALYs per participant", "score"),
    "deaths_all_cause": ("deaths, all causes", "count"),
    "deaths": ("deaths, all causes", "count"),  # the same number: see ALIASES
    "deaths_averted": ("deaths averted", "count"),
    "overdose_deaths_averted": ("overdose deaths averted", "count"),
    "downstream_cost": ("health, emergency, justice costs", "dollars"),
    "cost_offsets": ("cost offsets (savings)", "dollars"),
    "net_cost": ("net cost", "dollars"),
    "icer_per_qaly": ("cost per QALY gained", "dollars_per_qaly"),
    "net_monetary_benefit": ("net monetary benefit", "dollars"),
    "relapse_events_per_100": ("relapse events", "per_100"),
    "relapsed_per_100": ("relapsed by the last day", "per_100"),
    "relapses_averted_per_100": ("relapses averted", "per_100"),
    "cost_per_relapse_averted": ("cost per relapse averted", "dollars"),
    # Trial-style outcomes at the run's last day (the follow-up day).
    "abstinent_past_30_days": ("no use in the last 30 days", "share"),
    "abstinent_past_90_days": ("no use in the last 90 days", "share"),
    "percent_days_abstinent": ("days without use", "share"),
    "continuous_abstinence": ("no use at all during the run", "share"),
    "median_days_to_first_lapse": ("median time to first lapse", "days"),
    "median_days_to_first_relapse": ("median time to first relapse", "days"),
    "restricted_mean_days_to_relapse": ("mean time to first relapse, within the run", "days"),
    "quarterly_state_change": ("changed quarter, abstinent or not", "share"),
    # Runs that take referrals over time (intake).
    "participants_total": ("participants, cohort and referrals", "count"),
    "referrals": ("referred after day 0", "count"),
    "participants_served": ("participants served", "count"),
    "mean_wait_days": ("mean wait for a first contact", "days"),
    "never_served_share": ("never served", "share"),
    "gave_up_share": ("gave up waiting at least once", "share"),
    "waiting_list_end": ("waiting list on the last day", "count"),
    "waiting_list_mean": ("waiting list, daily mean", "count"),
    "caseload_filled": ("mentor caseload slots in use", "share"),
    "places_filled": ("residential places in use", "share"),
}

#: Per-year metrics `<prefix><k>`: prefix -> (plain label, unit); the label gets ", year k".
YEARLY: dict[str, tuple[str, Unit]] = {
    "cost_year_": ("cost", "dollars"),
    "budget_impact_year_": ("budget impact", "dollars"),
    "referrals_year_": ("referred", "count"),
    "served_year_": ("first served", "count"),
    "mean_wait_days_year_": ("mean wait for a first contact", "days"),
}

#: Metrics that are another's number under a second name (the compare JSON keeps both, as issue
#: 14 names them); tables show the first of each pair they meet and leave out the other.
ALIASES: dict[str, str] = {"deaths": "deaths_all_cause"}


def distinct(metrics: Iterable[str]) -> list[str]:
    """The metrics in order, each once, without a second name of one already listed.

    Example:
        >>> distinct(["deaths_all_cause", "qalys", "qalys", "deaths"])
        ['deaths_all_cause', 'qalys']
    """
    seen: set[str] = set()
    out = []
    for metric in metrics:
        key = ALIASES.get(metric, metric)
        if key not in seen:
            seen.add(key)
            out.append(metric)
    return out


def _yearly(metric: str) -> tuple[str, Unit] | None:
    for prefix, (text, unit) in YEARLY.items():
        if metric.startswith(prefix) and metric.removeprefix(prefix).isdigit():
            return f"{text}, year {metric.removeprefix(prefix)}", unit
    return None


def label(name: str) -> str:
    """A scenario name as words: `community_peer_mentoring` -> `Community peer mentoring`."""
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def measure(metric: str, population: int | None = None, difference: bool = False) -> str:
    """A metric's plain label with its unit, e.g. "overdose deaths (per 2,000 people)".

    Args:
        metric: the metric's name.
        population: the cohort size, for counts of the whole cohort.
        difference: the value is a difference (shares are then percentage points).

    Returns:
        The label ("pts": percentage points); unknown metrics keep their name with underscores as spaces.
    """
    text, unit = _yearly(metric) or MEASURES.get(metric, (metric.replace("_", " "), "score"))
    suffix = {
        "share": "pts" if difference else "%",
        "per_100": "per 100",
        "count": f"per {population:,} people" if population else "people",
        "dollars": "",  # the values carry the $
        "qalys": "",
        "score": "",
        "dollars_per_qaly": "",
        "days": "days",
    }[unit]
    return f"{text} ({suffix})" if suffix else text


def unit_of(metric: str) -> Unit:
    """The unit a metric is shown in ("dollars" for yearly budgets)."""
    return (_yearly(metric) or MEASURES.get(metric, ("", "score")))[1]


def number(metric: str, value: float | None) -> str:
    """One value rounded for reading: $2,472, 41.2 (a share, in %), 7.4, 0.42; "-" if none.

    Example:
        >>> number("cost_per_participant", 2471.7), number("lapse_free_90", 0.4123)
        ('$2,472', '41.2')
        >>> number("overdose_deaths", 7.375), number("cost_total", 4943303.75)
        ('7.4', '$4.94M')
    """
    if value is None or value != value:
        return "-"
    unit = unit_of(metric)
    if unit == "share":
        text = f"{100 * value:.1f}"
    elif unit in ("dollars", "dollars_per_qaly"):
        text = _money(value)
    elif unit in ("per_100", "count", "qalys", "days"):
        text = f"{value:,.1f}"
    else:
        text = f"{value:.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return _no_minus_zero(text)


def _money(value: float) -> str:
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size >= 1e6:
        return f"{sign}${size / 1e6:.2f}M"
    return f"{sign}${size:,.0f}"


def _no_minus_zero(text: str) -> str:
    return text[1:] if text.startswith("-") and not text.strip("-$0.,M") else text


def estimate(metric: str, stat: dict | None) -> str:
    """A mean and its 95% interval: "41.2 (38.0 to 44.4)"; "-" when there is none.

    Args:
        metric: the metric's name (chooses the rounding).
        stat: {"mean": ..., "ci95": [low, high] or None}.

    Returns:
        The text.
    """
    if not stat or stat.get("mean") is None:
        return "-"
    text = number(metric, stat["mean"])
    if stat.get("ci95"):
        low, high = stat["ci95"]
        text += f" ({number(metric, low)} to {number(metric, high)})"
    return text


def ratio(stat: dict | None, interval: str = "ci95") -> str:
    """A ratio (a hazard ratio, a ratio of means) and an interval: "0.83 (0.76 to 0.88)".

    The one formatter of ratios for the report and the command line.

    Args:
        stat: {"mean": ..., "ci95": [low, high] or None, ...}.
        interval: which interval to show ("ci95" or "ci95_stochastic").

    Returns:
        The text; "-" when there is no ratio.

    Example:
        >>> ratio({"mean": 0.8312, "ci95": [0.7557, 0.8817]})
        '0.83 (0.76 to 0.88)'
    """
    if not stat or stat.get("mean") is None or stat["mean"] != stat["mean"]:
        return "-"
    text = f"{stat['mean']:.2f}"
    bounds = stat.get(interval)
    if bounds and None not in bounds:
        text += f" ({bounds[0]:.2f} to {bounds[1]:.2f})"
    return text
