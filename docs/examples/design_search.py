"""A planner's design search: the best program for $2,000 per participant, and when it fails.

1. `optimize_design` searches the levers of community peer mentoring (mentors, caseload,
   contacts, setting, training, supervision, matching, meetings, campaign) for the design that
   averts the most relapses within the budget, every design on the same simulated people as
   the population without the program.
2. `discover` runs PRIM over a small Latin hypercube of mentor supply, contact and attrition,
   and reports the ranges in which 12-month relapse stays above one in two.

Small and quick (well under a minute on 2 cores; the real thing is in docs/design-search.md):

    .venv/bin/python docs/examples/design_search.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import simulation as rs

REPO = Path(__file__).resolve().parents[2]
LEVERS = REPO / "experiments" / "levers" / "community_program.yaml"
SCENARIO = REPO / "scenarios" / "community_peer_mentoring.yaml"

EXPERIMENT = """\
name: mentor_supply_small
scenarios: [{scenario}]
set: {{population.size: 300, days: 365}}
factors:
  mentoring.mentors_per_100_participants: {{range: [1, 40]}}
  mentoring.contacts_per_week: {{range: [0.1, 4], scale: log}}
  mentoring.attrition_rate_per_year: {{range: [0.05, 4], scale: log}}
design: {{kind: lhs, points: 12}}
replicates: 2
seed: 5
common_random_numbers: true
metrics: [relapse_rate_365, cost_per_participant]
"""


def main(out: Path) -> None:
    # 1. The best design for $2,000 per participant (6 designs of 300 people: a sketch).
    search = rs.optimize_design(
        SCENARIO,
        budget_per_participant=2000,
        levers=LEVERS,
        trials=6,
        population=300,
        replicates=2,
        seed=1,
        out=out / "optimize",
    )
    best = search.best
    averted = best["relapses_averted_per_100"]
    print(
        f"Best design within $2,000: ${best['cost_per_participant']:,.0f} per participant, "
        f"{averted['mean']:.1f} relapses averted per 100 "
        f"(95% interval {averted['ci95'][0]:.1f} to {averted['ci95'][1]:.1f})"
    )
    for key, value in best["overrides"].items():
        print(f"  {key} = {value}")
    print("Frontier (cost -> relapses averted per 100):")
    for row in search.pareto:
        print(
            f"  ${row['cost_per_participant']:,.0f} -> {row['relapses_averted_per_100']['mean']:.1f}"
        )
    print(f"Scenario file of the best design: {search.files['best_scenario']}")

    # 2. When does mentoring stop working? PRIM over a 12-point Latin hypercube.
    experiment = out / "mentor_supply_small.yaml"
    experiment.write_text(EXPERIMENT.format(scenario=SCENARIO), encoding="utf-8")
    rs.run_experiment(experiment, out=out / "lhs", workers=0)
    found = rs.discover(out / "lhs", "relapse_rate_365", above=0.5, out=out / "discover")
    print(
        f"Design points with 12-month relapse above 0.5: {found.document['cases_of_interest']} "
        f"of {found.document['points']}"
    )
    for number, box in enumerate(found.boxes, 1):
        ranges = ", ".join(
            f"{name} {limit['min']:.3g} to {limit['max']:.3g}"
            for name, limit in box["limits"].items()
        )
        print(
            f"Box {number}: {ranges} (coverage {box['coverage']:.2f}, density {box['density']:.2f})"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as folder:
            main(Path(folder))
