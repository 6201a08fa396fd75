"""Overdose after lost tolerance: the deadly side of an opioid relapse.

A relapse to opioids after abstinence carries a risk of fatal overdose that grows with the days
abstinent before it (tolerance is lost), saturating after `tolerance_loss_days`. Opioid mortality
off treatment is 36.1 per 1,000 person-years, overdose 12.7 (Sordo et al. 2017), concentrated in
the weeks after leaving treatment. Relapses to other substances carry no such risk here.
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel, require_per_person
from simulation.model.population import DECEASED, PopulationState
from simulation.model.random_streams import RowDraws
from simulation.scenario.parameters import SUBSTANCES, Section, parameter

OPIOIDS = SUBSTANCES.index("opioids")


class OverdoseParams(Section):
    """Fatal overdose on opioid relapse."""

    enabled: bool = parameter(
        True,
        unit="switch",
        source="scenario design",
        description="whether opioid relapses can be fatal",
    )
    death_probability_per_relapse: float = parameter(
        0.004,
        unit="probability",
        source="assumption, scaled to Sordo et al. 2017 (overdose 12.7 per 1,000 py)",
        description="chance an opioid relapse is fatal, with tolerance intact",
        ge=0.0,
        le=1.0,
    )
    lost_tolerance_ratio: float = parameter(
        4.0,
        unit="ratio",
        source="assumption; Sordo et al. 2017 (mortality peaks after leaving treatment)",
        description="risk multiplier once tolerance is fully lost",
        ge=1.0,
        le=50.0,
    )
    tolerance_loss_days: int = parameter(
        30,
        unit="days",
        source="assumption (tolerance falls within weeks)",
        description="days abstinent after which tolerance is fully lost",
        ge=1,
        le=3650,
    )


def overdose_deaths(
    people: PopulationState,
    params: OverdoseParams,
    relapsed: np.ndarray,
    days_abstinent_before: np.ndarray,
    draws: np.ndarray | RowDraws,
    day: int,
) -> np.ndarray:
    """Opioid relapses that end in a fatal overdose today.

    `draws` holds one uniform per person, or is the `RowDraws` that make today's relapses'.
    """
    if not params.enabled:
        return np.zeros(people.size, dtype=bool)
    require_per_person(
        people,
        "overdose_deaths",
        relapsed=relapsed,
        days_abstinent_before=days_abstinent_before,
        draws=draws,
    )
    dying = np.zeros(people.size, dtype=bool)
    rows = np.flatnonzero(relapsed)  # today's relapses: few rows
    _overdose_deaths(
        rows,
        people.substance,
        days_abstinent_before,
        draws[rows],
        float(params.tolerance_loss_days),
        float(params.death_probability_per_relapse),
        float(params.lost_tolerance_ratio - 1.0),
        day,
        people.status,
        people.death_day,
        people.overdose_deaths,
        dying,
    )
    return dying


@kernel
def _overdose_deaths(
    relapsed_rows,
    substance,
    days_abstinent_before,
    draws,
    tolerance_loss_days,
    probability,
    excess_ratio,
    day,
    status,
    death_day,
    overdose_deaths,
    dying,
):
    # Today's opioid relapses (draws[j] is row relapsed_rows[j]'s): the chance rises with the
    # share of tolerance lost (capped at 1, as np.minimum does: a NaN share stays NaN).
    for j in range(len(relapsed_rows)):
        i = relapsed_rows[j]
        if substance[i] == OPIOIDS:
            lost = days_abstinent_before[i] / tolerance_loss_days
            lost = 1.0 if lost > 1.0 else lost
            if draws[j] < probability * (1.0 + excess_ratio * lost):
                dying[i] = True
                status[i] = DECEASED
                death_day[i] = day
                overdose_deaths[i] = True
