"""Design search: the best program for a budget, and the conditions under which a design fails.

`levers` (what the search may move, from a small YAML file or the schema), `evaluation` (one
candidate against the same population without a program, common random numbers), `optimize`
(the Optuna search, resumable), `frontier` (the non-dominated designs and the best within
budget), `scenario_file` (the best design as a scenario that `extends:` the input), `discover`
(PRIM over an experiment's results) and `figures` (the frontier and the peeling trajectory).
Import `optimize_design` and `discover` from `simulation`.
"""

#: The two objectives, as named in every design's record (and in `recovery-sim compare`).
COST, AVERTED = "cost_per_participant", "relapses_averted_per_100"
