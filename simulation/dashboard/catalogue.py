"""The scenarios a dashboard visitor can pick: the bundled ones and the user's folder.

Files come only from these two places; a browser can pick from the list but never name a path.
"""

from __future__ import annotations

import os
from pathlib import Path

from simulation.scenario.files import bundled_scenarios

#: The environment variable `recovery-sim dashboard --scenarios DIR` sets for the app.
SCENARIOS_DIR_ENV = "RECOVERY_SIM_SCENARIOS_DIR"


def scenario_catalogue(user_dir: str | Path | None = None) -> dict[str, Path]:
    """Scenario name -> file: the bundled scenarios, then the user's folder (if any).

    Files come only from these two places; a browser can pick from the list but never name a
    path.
    """
    catalogue = {path.stem: path for path in bundled_scenarios()}
    if user_dir is None:
        user_dir = os.environ.get(SCENARIOS_DIR_ENV) or None
    if user_dir is not None:
        folder = Path(user_dir)
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            name = path.stem if path.stem not in catalogue else f"{path.stem} ({folder.name})"
            catalogue[name] = path
    return catalogue
