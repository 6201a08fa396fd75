"""The words of the report: one plain sentence per design, and numbers a planner can read.

The sentence says what the interval supports and no more: "prevented" only when the whole 95%
interval of relapses averted is above zero, "led to more" only when it is below, and "no clear
difference" otherwise. Costs appear only when the runs carry them. With parameter uncertainty
the interval is the range across plausible worlds (posterior draws), and the sentence says how
sure the model is: in what share of those worlds the design had the fewest relapses.
"""

from __future__ import annotations

import math

from simulation.report.labels import label


def period(days: int) -> str:
    """A run length in words: 365 -> "12 months", 90 -> "3 months", 45 -> "45 days".

    Example:
        >>> period(365), period(180), period(45)
        ('12 months', '6 months', '45 days')
    """
    months = days / (365.25 / 12)
    whole = round(months)
    if whole >= 1 and abs(months - whole) < 0.15:
        return f"{whole} month{'s' if whole > 1 else ''}"
    return f"{days} days"


def count(value: float, interval: list[float] | None = None) -> str:
    """Relapses per 100: whole numbers unless the interval is narrower than 2.

    Example:
        >>> count(9.2, [6.1, 12.4]), count(1.24, [0.9, 1.6])
        ('9', '1.2')
    """
    narrow = interval is not None and abs(interval[1] - interval[0]) < 2
    text = f"{value:.1f}" if narrow or abs(value) < 1 else f"{value:.0f}"
    return "0" if text in ("-0", "-0.0", "0.0") else text


def money(value: float, figures: int = 2) -> str:
    """US dollars rounded to `figures` significant figures (model costs are not more exact).

    Example:
        >>> money(4137.0), money(-812.0), money(12.3)
        ('$4,100', '-$810', '$12')
    """
    if value == 0 or not math.isfinite(value):
        return "$0"
    magnitude = math.floor(math.log10(abs(value)))
    rounded = round(abs(value), figures - 1 - magnitude)
    return f"{'-' if value < 0 else ''}${rounded:,.0f}"


def design_sentence(name: str, document: dict) -> str:
    """One sentence: relapses averted (95% CI) over the run, and the cost per relapse averted.

    Example:
        >>> doc = {"days": 365, "differences": {"peer": {"relapses_averted_per_100":
        ...     {"mean": 9.2, "ci95": [6.1, 12.4]}}},
        ...     "cost_effectiveness": {"peer": {"costed": True,
        ...         "incremental_cost_per_participant": {"mean": 380.0, "ci95": [350.0, 410.0]},
        ...         "cost_per_relapse_averted": {"mean": 4130.0, "ci95": [3100.0, 6300.0]},
        ...         "note": ""}}}
        >>> design_sentence("peer", doc)
        'Peer prevented 9 relapses per 100 participants (95% CI 6 to 12) over 12 months, at $4,100 per relapse averted (95% CI $3,100 to $6,300).'
    """
    averted = document["differences"][name]["relapses_averted_per_100"]
    when = period(document["days"])
    mean, ci = averted["mean"], averted["ci95"]
    if mean is None:
        return f"{label(name)}: relapses could not be compared over {when}."
    what = "95% of plausible worlds: " if _parameters(document) else "95% CI "
    if ci and ci[0] > 0:
        text = (
            f"{label(name)} prevented {count(mean, ci)} relapses per 100 participants "
            f"({what}{count(ci[0], ci)} to {count(ci[1], ci)}) over {when}"
        )
    elif ci and ci[1] < 0:
        text = (
            f"{label(name)} led to {count(-mean, ci)} more relapses per 100 participants "
            f"({what}{count(-ci[1], ci)} to {count(-ci[0], ci)}) over {when}"
        )
    else:
        span = f" ({what}{count(ci[0], ci)} to {count(ci[1], ci)})" if ci else ""
        text = (
            f"{label(name)} made no clear difference to relapses over {when}: "
            f"{count(mean, ci)} averted per 100 participants{span}"
        )
    text += _cost_clause(document["cost_effectiveness"][name], what)
    text += health_clause(name, document, what)
    return text + _best_clause(name, document) + "."


def _parameters(document: dict) -> bool:
    return document.get("uncertainty") == "parameters+stochastic"


#: Numbers of designs in words, for "the best of the four designs".
_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


def _best_clause(name: str, document: dict) -> str:
    """The clause on how often the design had the fewest relapses ("" when unknown)."""
    best = (document.get("probability_best") or {}).get("relapsed_per_100")
    if not best or name not in best["designs"]:
        return ""
    designs = f"the {_WORDS.get(len(best['designs']), len(best['designs']))} designs"
    share, runs = best["designs"][name], document.get("replicates")
    worlds = "plausible worlds" if _parameters(document) else "replicate runs"
    worlds = f"{runs} {worlds}" if runs else worlds
    if share == 0:
        return f"; in none of the {worlds} did it have the fewest relapses of {designs}"
    if share == 1:
        return f"; it had the fewest relapses of {designs} in every one of the {worlds}"
    return f"; it had the fewest relapses of {designs} in {100 * share:.0f}% of the {worlds}"


def _span(ci: list[float] | None, what: str, show) -> str:
    return f" ({what}{show(ci[0])} to {show(ci[1])})" if ci else ""


def health_clause(name: str, document: dict, what: str = "95% CI ") -> str:
    """QALYs gained, deaths averted and net monetary benefit, with intervals ("" if not costed).

    Example:
        >>> doc = {"baseline": "usual", "population": {"usual": 2000},
        ...     "health_economics": {"wtp_per_qaly": 100000.0},
        ...     "differences": {"peer": {"qalys": {"mean": 3.12, "ci95": [2.5, 3.8]},
        ...         "deaths_averted": {"mean": 1.4, "ci95": [0.2, 2.6]},
        ...         "net_monetary_benefit": {"mean": -412000.0, "ci95": [-480000.0, -350000.0]}}}}
        >>> health_clause("peer", doc)
        '; it gained 3.12 QALYs (95% CI 2.50 to 3.80) and averted 1.4 deaths per 2,000 people (95% CI 0.2 to 2.6), a net monetary benefit of -$410,000 (95% CI -$480,000 to -$350,000) at $100,000 per QALY'
    """
    from simulation.report.frontier import qalys_text

    found = document["differences"][name]
    qalys, deaths = found.get("qalys") or {}, found.get("deaths_averted") or {}
    benefit = found.get("net_monetary_benefit") or {}
    if qalys.get("mean") is None or benefit.get("mean") is None:
        return ""
    size = document["population"][document["baseline"]]
    gained = "gained" if qalys["mean"] >= 0 else "lost"
    sign = 1.0 if qalys["mean"] >= 0 else -1.0
    interval = sorted(sign * v for v in qalys["ci95"]) if qalys.get("ci95") else None
    text = f"; it {gained} {qalys_text(sign * qalys['mean'])} QALYs"
    text += _span(interval, what, qalys_text)
    if deaths.get("mean") is not None:
        more = deaths["mean"] < 0  # deaths averted below zero: more deaths than the baseline
        flip = -1.0 if more else 1.0
        span = sorted(flip * v for v in deaths["ci95"]) if deaths.get("ci95") else None
        text += f" and {'had' if more else 'averted'} {flip * deaths['mean'] + 0.0:.1f}"
        text += f"{' more' if more else ''} deaths per {size:,} people"
        text += _span(span, what, lambda v: f"{v + 0.0:.1f}")  # no -0.0
    wtp = (document.get("health_economics") or {}).get("wtp_per_qaly")
    at = f" at {money(wtp)} per QALY" if wtp else ""
    ci = benefit.get("ci95")
    # A narrow interval needs a third figure, or its ends round to the same number.
    figures = 3 if ci and ci[1] - ci[0] < 0.2 * abs(benefit["mean"]) else 2
    text += f", a net monetary benefit of {money(benefit['mean'], figures)}"
    return text + _span(ci, what, lambda v: money(v, figures)) + at


def _cost_clause(effect: dict, what: str = "95% CI ") -> str:
    if not effect["costed"]:
        return "; costs are not modelled in these runs"
    icer = effect["cost_per_relapse_averted"]
    extra = effect["incremental_cost_per_participant"]
    if icer["mean"] is None:
        if extra["mean"] is None:
            return ""
        return f", at an extra {money(extra['mean'])} per participant"
    if icer["mean"] < 0:
        return f", and saved {money(-extra['mean'])} per participant"
    if icer["ci95"]:
        low, high = icer["ci95"]
        # A narrow interval needs a third figure, or its ends round to the same number.
        figures = 3 if high - low < 0.2 * abs(icer["mean"]) else 2
        return (
            f", at {money(icer['mean'], figures)} per relapse averted "
            f"({what}{money(low, figures)} to {money(high, figures)})"
        )
    clause = f", at {money(icer['mean'])} per relapse averted"
    return clause + " (interval unbounded: relapses averted may be zero)"
