"""A planner's comparison: treatment as usual against two peer-mentoring designs.

Runs the three bundled scenarios with common random numbers (for the chances and the posterior
parameter draws) and prints, for a few headline metrics, each design's mean with its 95%
interval and its difference from treatment as usual.
Small and quick (a few seconds); raise `PEOPLE`, `DAYS` and `REPLICATES` for real answers.

    .venv/bin/python docs/examples/planners_comparison.py
"""

from __future__ import annotations

import pandas as pd

import simulation as rs

PEOPLE, DAYS, REPLICATES = 400, 180, 6
DESIGNS = ["treatment_as_usual", "community_peer_mentoring", "digital_peer_platform"]
HEADLINE = ["lapse_free_90", "in_recovery_end", "relapsed_per_100", "cost_per_participant"]


def interval(row: pd.Series) -> str:
    """A mean and its 95% interval as one cell."""
    if pd.isna(row["mean"]):
        return "-"
    form = ".3f" if abs(row["mean"]) < 10 else ",.0f"  # fractions vs counts and dollars
    if pd.isna(row["low"]):
        return format(row["mean"], form)
    return f"{row['mean']:{form}} ({row['low']:{form}} to {row['high']:{form}})"


def main() -> None:
    result = rs.compare_scenarios(
        DESIGNS,  # bundled scenario names; file paths work too
        replicates=REPLICATES,
        seed=1,
        overrides={"population.size": PEOPLE, "days": DAYS},
    )
    estimates = result.estimates[result.estimates["metric"].isin(HEADLINE)]
    table = estimates.assign(cell=estimates.apply(interval, axis=1)).pivot(
        index="metric", columns="scenario", values="cell"
    )
    print(f"{PEOPLE} participants, {DAYS} days, {REPLICATES} replicates: mean (95% interval)")
    print(table.loc[HEADLINE, DESIGNS].to_string())

    differences = result.differences[
        result.differences["metric"].isin(
            [*HEADLINE, "relapses_averted_per_100", "cost_per_relapse_averted"]
        )
    ]
    table = differences.assign(cell=differences.apply(interval, axis=1)).pivot(
        index="metric", columns="scenario", values="cell"
    )
    # By default every replicate runs one posterior parameter draw (the same for every design),
    # so each interval is the spread across plausible worlds (docs/compare.md).
    print(f"\nDifference from {result.baseline}, uncertainty: {result.document['uncertainty']}")
    print(table.to_string())

    # Every replicate's numbers, for your own analysis:
    print("\nPer-replicate metrics:", result.metrics.shape, "daily rows:", len(result.daily))


if __name__ == "__main__":
    main()
