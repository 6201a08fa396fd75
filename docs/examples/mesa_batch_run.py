"""Mesa's own `batch_run` over `RecoveryCommunityModel`, built from plain keyword arguments.

Each parameter is a scenario key with double underscores (`mentoring__caseload_cap`), a
top-level key (`days`), or a section as a dict wrapped in a list (`"population": [{"size": 200}]`
— batch_run would iterate a bare dict's keys). Give `seed` as a parameter so runs repeat.

    .venv/bin/python docs/examples/mesa_batch_run.py
"""

from __future__ import annotations

import mesa
import pandas as pd

from simulation import RecoveryCommunityModel
from simulation.running.pool import release_model


def main() -> None:
    rows = mesa.batch_run(
        RecoveryCommunityModel,
        parameters={
            "mentoring__enabled": True,
            "mentoring__caseload_cap": [3, 8],
            "population": [{"size": 200}],
            "days": 60,
            "seed": range(3),
        },
        iterations=1,
        max_steps=1_000,  # the model stops itself (`running = False`) after `days`
        number_processes=1,  # more processes need an `if __name__ == "__main__":` guard
        data_collection_period=-1,  # the last day only; 1 gives every day
        display_progress=False,
    )
    release_model()  # Mesa 3.3 keeps finished models that made agents (this sweep asks for none)
    frame = pd.DataFrame(rows)
    print(frame.shape, "columns:", ", ".join(frame.columns[:8]), "...")
    print(
        frame.groupby("mentoring__caseload_cap")[["in_recovery", "mentees_matched", "relapses"]]
        .mean()
        .to_string()
    )


if __name__ == "__main__":
    main()
