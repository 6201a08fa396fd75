"""Health economics: quality-adjusted life years and the costs a recovery changes, day by day.

Each day every participant alive adds a day of life weighted by the utility of their state (in
recovery, in a lapse, using regularly; dead adds nothing), and the costs of that state accrue:
health care by state, emergency-department visits and criminal-justice costs on days of use,
the health-care cost of a fatal overdose, and the program's own spending (with a fixed start-up
cost on day 1 when a program is offered). Money and QALYs are discounted by day at
`discount_rate` per year (3%, US Second Panel on Cost-Effectiveness, Sanders et al. 2016).
Budget impact is counted undiscounted, by program year, as budget holders count it.

Only participants (the cohort) are counted: mentors and community members differ between
designs by construction, so counting them would confound the comparison. Unit costs are US
dollars of the year their source reports (2017 for Florence et al. 2021 and HCUP); they are not
inflated here. The accrual draws no random numbers, so it changes no other result of a run.
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.population import DECEASED, LAPSED, RECOVERING, STATUS_NAMES, USING
from simulation.scenario.parameters import Section, parameter

DAYS_PER_YEAR = 365.25  # discounting and per-year rates: the mean length of a calendar year
BUDGET_YEAR_DAYS = 365  # a program year for the budget: day 1-365 is year 1
UTILITY_DEAD = 0.0  # the QALY scale's anchor: death is worth 0 (not a choice, a definition)

_FLORENCE = (
    "Florence, Luo & Rice 2021 (Drug Alcohol Depend 218:108350), 2017$: {what}, "
    "over ~2.0 million people with opioid use disorder"
)
_WITTENBERG = "Wittenberg et al. 2016 (Addiction 111:675), US general-population time trade-off"


class EconomicsParams(Section):
    """Utility weights, unit costs, discounting and the willingness to pay for a QALY."""

    utility_in_recovery: float = parameter(
        0.766,
        unit="utility (0 = dead, 1 = full health)",
        source=_WITTENBERG + ": stabilised buprenorphine therapy 0.766 (95% CI 0.738-0.795), "
        "the closest published state to sustained recovery; range 0.70-0.90",
        description="health-state utility of a day in recovery (abstinent, incl. residential)",
        ge=0.0,
        le=1.0,
    )
    utility_lapsed: float = parameter(
        0.691,
        unit="utility (0 = dead, 1 = full health)",
        source="Patton et al. 2024 (Qual Life Res 33:2783): -0.0025 utility per day of opioid "
        "use in the past 30 days, so one lapse day costs ~30 x 0.0025 = 0.075 below recovery",
        description="health-state utility of a day in a lapse (a short return to use)",
        ge=0.0,
        le=1.0,
    )
    utility_using: float = parameter(
        0.574,
        unit="utility (0 = dead, 1 = full health)",
        source=_WITTENBERG + ": active injection opioid misuse 0.574 (0.538-0.611); alcohol "
        "dependence 0.54 by time trade-off (Kraemer et al. 2005, Med Care 43:541)",
        description="health-state utility of a day of regular use (after a relapse)",
        ge=0.0,
        le=1.0,
    )
    health_care_cost_using_per_year: float = parameter(
        14_600.0,
        unit="$ per person-year",
        source=_FLORENCE.format(what="$31.3 billion excess health care, ~$15,650 a person")
        + ", less the emergency visits counted separately",
        description="excess health-care cost of a year of regular use (emergency visits apart)",
        ge=0.0,
        le=1e7,
    )
    health_care_cost_in_recovery_per_year: float = parameter(
        5_000.0,
        unit="$ per person-year",
        source="assumption (about a third of the cost while using: treatment and follow-up "
        "continue); range 0-15,000",
        description="excess health-care cost of a year in recovery (incl. a lapse's days)",
        ge=0.0,
        le=1e7,
    )
    emergency_visits_per_using_year: float = parameter(
        2.0,
        unit="visits per person-year of use",
        source="assumption (people with a substance use disorder use the ED 50-100% more "
        "than others; frequent users make 5+ visits a year, Moe et al. 2019); range 0.5-10",
        description="emergency-department visits per year of use (lapses and regular use)",
        ge=0.0,
        le=365.0,
    )
    cost_per_emergency_visit: float = parameter(
        527.0,
        unit="$ per visit",
        source="HCUP Statistical Brief #268 (Moore & Liang 2020): $76.3 billion over 144.8 "
        "million US ED visits in 2017",
        description="cost of one emergency-department visit",
        ge=0.0,
        le=1e6,
    )
    cost_per_overdose_death: float = parameter(
        5_460.0,
        unit="$ per death",
        source=_FLORENCE.format(what="$260 million health care of fatal overdose")
        + "; ~47,600 opioid overdose deaths in 2017",
        description="emergency and hospital cost of a fatal overdose",
        ge=0.0,
        le=1e7,
    )
    criminal_justice_cost_per_using_day: float = parameter(
        20.3,
        unit="$ per day of use",
        source=_FLORENCE.format(what="$14.8 billion criminal justice (police, courts, corrections)")
        + ", $7,410 a person-year / 365",
        description="criminal-justice cost of a day of use (lapses and regular use)",
        ge=0.0,
        le=1e6,
    )
    startup_cost: float = parameter(
        50_000.0,
        unit="$ per program",
        source="assumption (coordinator hiring, mentor recruitment, policies and set-up before "
        "the first participant); range 0-250,000",
        description="fixed start-up cost of a program, spent on day 1 when a program is offered",
        ge=0.0,
        le=1e9,
    )
    discount_rate: float = parameter(
        0.03,
        unit="per year",
        source="Sanders et al. 2016 (JAMA 316:1093), Second Panel on Cost-Effectiveness in "
        "Health and Medicine: 3% for costs and QALYs",
        description="annual discount rate for costs and QALYs (set with `compare --discount`)",
        ge=0.0,
        le=0.2,
    )
    wtp_per_qaly: float = parameter(
        100_000.0,
        unit="$ per QALY",
        source="Neumann, Cohen & Weinstein 2014 (N Engl J Med 371:796): $100,000-150,000 per "
        "QALY in the US; the lower end here",
        description="willingness to pay for a QALY, for net monetary benefit (`compare --wtp`)",
        ge=0.0,
        le=1e8,
    )


#: What each account in `model.health` holds (discounted unless said otherwise).
ACCOUNTS: dict[str, str] = {
    "qalys": "quality-adjusted life years of the cohort, discounted",
    "qalys_undiscounted": "quality-adjusted life years of the cohort, undiscounted",
    "health_care_cost": "excess health-care cost of the cohort, discounted ($)",
    "emergency_cost": "emergency visits and fatal-overdose care of the cohort, discounted ($)",
    "criminal_justice_cost": "criminal-justice cost of the cohort's days of use, discounted ($)",
    "program_cost": "program spending and start-up cost, discounted ($)",
    "deaths_all_cause": "participants who have died (count, end of the last day)",
    "overdose_deaths": "participants who died of an overdose (count)",
    "program_spend_seen": "program spending counted so far, undiscounted ($; bookkeeping)",
}


def start_accounts() -> dict[str, float]:
    """Empty accounts for a run (budget years `cost_year_<k>` are added as the run reaches them).

    Example:
        >>> start_accounts()["qalys"]
        0.0
    """
    return dict.fromkeys(ACCOUNTS, 0.0)


def discount_factor(day: int | np.ndarray, rate: float) -> float | np.ndarray:
    """What a dollar or QALY on `day` (1 = the first day) is worth today, at `rate` per year.

    The first day is not discounted; a day one year later is worth 1 / (1 + rate).

    Example:
        >>> round(float(discount_factor(1 + 365.25, 0.03)), 6)
        0.970874
    """
    return (1.0 + rate) ** (-(np.asarray(day, dtype=float) - 1.0) / DAYS_PER_YEAR)


def day_values(
    status: np.ndarray, overdose_deaths_today: int, params: EconomicsParams
) -> dict[str, float]:
    """Today's undiscounted QALYs and costs of a cohort, from each person's status.

    Args:
        status: the cohort's status codes at the end of the day (one per participant).
        overdose_deaths_today: fatal overdoses in the cohort today.
        params: the economics section of the scenario.

    Returns:
        `qalys`, `health_care_cost`, `emergency_cost`, `criminal_justice_cost` for today.

    Example:
        >>> values = day_values(np.array([RECOVERING, USING, DECEASED]), 0, EconomicsParams())
        >>> round(values["qalys"] * DAYS_PER_YEAR, 3)  # 0.766 + 0.574 + 0
        1.34
    """
    return _values_from_counts(_status_counts(status), overdose_deaths_today, params)


def _status_counts(status: np.ndarray) -> np.ndarray:
    """How many have each status code (`np.bincount(status, minlength=len(STATUS_NAMES))`).

    Args:
        status: status codes, each one of `STATUS_NAMES`' positions.

    Returns:
        One count per status code (int64).

    Raises:
        ValueError: a code is not a position of `STATUS_NAMES`.
    """
    counts = np.zeros(len(STATUS_NAMES), dtype=np.int64)
    _count_codes(status, counts)
    return counts


@kernel
def _count_codes(status, counts):
    """One branch-free pass per code (the loops vectorise; a histogram's scatter would not)."""
    n, codes = status.shape[0], counts.shape[0]
    outside = 0
    for i in range(n):
        outside += np.int64(status[i] < 0) | np.int64(status[i] >= codes)
    if outside:
        raise ValueError("health_economics: a status code outside STATUS_NAMES")
    for code in range(codes):
        count = 0
        for i in range(n):
            count += np.int64(status[i] == code)
        counts[code] = count


def _values_from_counts(
    counts: np.ndarray, overdose_deaths_today: int, params: EconomicsParams
) -> dict[str, float]:
    recovering, lapsed, using = counts[RECOVERING], counts[LAPSED], counts[USING]
    utility = (
        recovering * params.utility_in_recovery
        + lapsed * params.utility_lapsed
        + using * params.utility_using
        + counts[DECEASED] * UTILITY_DEAD
    )
    use_days = lapsed + using  # a lapse is a day of use for emergencies and the police
    return {
        "qalys": float(utility / DAYS_PER_YEAR),
        "health_care_cost": float(
            (recovering + lapsed) * params.health_care_cost_in_recovery_per_year
            + using * params.health_care_cost_using_per_year
        )
        / DAYS_PER_YEAR,
        "emergency_cost": float(
            use_days
            * params.emergency_visits_per_using_year
            / DAYS_PER_YEAR
            * params.cost_per_emergency_visit
            + overdose_deaths_today * params.cost_per_overdose_death
        ),
        "criminal_justice_cost": float(use_days * params.criminal_justice_cost_per_using_day),
    }


def accrue_day(
    accounts: dict[str, float],
    status: np.ndarray,
    overdose_deaths_today: int,
    program_spend_to_date: float,
    params: EconomicsParams,
    day: int,
    program_offered: bool,
) -> None:
    """Add one day to a run's accounts: discounted QALYs and costs, and the budget year's cost.

    Args:
        accounts: the run's accounts (from `start_accounts`), updated in place.
        status: the cohort's status codes at the end of the day.
        overdose_deaths_today: fatal overdoses in the cohort today.
        program_spend_to_date: the program's spending so far (`sum(model.costs.values())`).
        params: the economics section of the scenario.
        day: today (1 = the first day).
        program_offered: whether the design offers a program (then start-up is paid on day 1).
    """
    counts = _status_counts(status)
    today = _values_from_counts(counts, overdose_deaths_today, params)
    spend = program_spend_to_date - accounts["program_spend_seen"]
    accounts["program_spend_seen"] = program_spend_to_date
    if day == 1 and program_offered:
        spend += params.startup_cost
    factor = float(discount_factor(day, params.discount_rate))
    accounts["qalys_undiscounted"] += today["qalys"]
    for name, value in today.items():
        accounts[name] += value * factor
    accounts["program_cost"] += spend * factor
    accounts["deaths_all_cause"] = float(counts[DECEASED])
    accounts["overdose_deaths"] += overdose_deaths_today
    year = f"cost_year_{(day - 1) // BUDGET_YEAR_DAYS + 1}"
    downstream = today["health_care_cost"] + today["emergency_cost"]
    downstream += today["criminal_justice_cost"]
    accounts[year] = accounts.get(year, 0.0) + spend + downstream
