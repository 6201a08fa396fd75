"""Sensitivity analysis with SALib, calling the model through `simulation.evaluate`.

`evaluate(**parameters)` has the shape exploratory-modelling tools expect: keyword arguments in
(scenario keys, dotted or with double underscores), a dict of scalar outcomes out, the same
numbers for the same seed. Here: a Morris screening of four program levers on 90-day outcomes.
Small and quick (a few seconds); use more trajectories and people for a real study.

    .venv/bin/python docs/examples/salib_sensitivity.py
"""

from __future__ import annotations

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

import simulation as rs

PROBLEM = {
    "num_vars": 4,
    "names": [  # scenario keys, as in `recovery-sim schema`
        "mentoring.caseload_cap",
        "mentoring.contacts_per_week",
        "mentoring.support_effect",
        "training.hours",
    ],
    "bounds": [[2, 15], [0.25, 7.0], [0.1, 0.8], [0, 40]],
}
FIXED = {"scenario": "community_peer_mentoring", "population.size": 200, "days": 90}
OUTCOMES = ["lapse_free_90", "in_recovery_end", "cost_per_participant"]


def main() -> None:
    samples = morris_sample.sample(PROBLEM, N=4, num_levels=4, seed=3)
    outputs = {name: np.empty(len(samples)) for name in OUTCOMES}
    for i, row in enumerate(samples):
        result = rs.evaluate(**FIXED, **dict(zip(PROBLEM["names"], row, strict=True)), seed=11)
        for name in OUTCOMES:
            outputs[name][i] = result[name]
    print(f"{len(samples)} model runs ({samples.shape[1]} factors, Morris, 4 trajectories)")
    for name in OUTCOMES:
        indices = morris_analyze.analyze(PROBLEM, samples, outputs[name], seed=3)
        order = np.argsort(indices["mu_star"])[::-1]
        print(f"\n{name}: mu* (sigma)")
        for k in order:
            print(
                f"  {PROBLEM['names'][k]:<30} {indices['mu_star'][k]:10.4f}"
                f" ({indices['sigma'][k]:.4f})"
            )


if __name__ == "__main__":
    main()
